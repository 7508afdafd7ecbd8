/*
 * The part of cJSON 1.7's API that kiln-spec uses, for builds where the
 * cJSON library is not available (cross builds of the runtime-only runner,
 * kiln-spec-rt: Debian has no libcjson-dev for riscv64). Same names, types
 * and semantics for what it offers; json_lite.c implements it. Native
 * builds use the real cJSON.
 */
#ifndef KILN_JSON_LITE_CJSON_H
#define KILN_JSON_LITE_CJSON_H

#include <stddef.h>

#define cJSON_Invalid (0)
#define cJSON_False (1 << 0)
#define cJSON_True (1 << 1)
#define cJSON_NULL (1 << 2)
#define cJSON_Number (1 << 3)
#define cJSON_String (1 << 4)
#define cJSON_Array (1 << 5)
#define cJSON_Object (1 << 6)

typedef struct cJSON {
    struct cJSON *next;  /* next sibling in an array or object */
    struct cJSON *prev;
    struct cJSON *child; /* first element or member */
    int type;
    char *valuestring;   /* cJSON_String: NUL-terminated, owned */
    int valueint;        /* cJSON_Number: saturated to int */
    double valuedouble;
    char *string;        /* member name inside an object, owned */
} cJSON;

/* Parses a NUL-terminated document; NULL when it is not valid JSON. */
cJSON *cJSON_Parse(const char *value);
void cJSON_Delete(cJSON *item);
/* Member of an object by name (ASCII case-insensitive, as cJSON); NULL
 * when absent or when object is NULL or not an object. */
cJSON *cJSON_GetObjectItem(const cJSON *object, const char *string);
int cJSON_GetArraySize(const cJSON *array);
int cJSON_IsString(const cJSON *item);
int cJSON_IsArray(const cJSON *item);

#define cJSON_ArrayForEach(element, array)                                                   \
    for (element = (array != NULL) ? (array)->child : NULL; element != NULL;                 \
         element = element->next)

#endif /* KILN_JSON_LITE_CJSON_H */
