/*
 * A small recursive-descent JSON reader behind cJSON's API (see
 * cjson/cJSON.h), for wast2json's output. Strict enough for what wast2json
 * writes: objects, arrays, strings with every JSON escape (\uXXXX with
 * surrogate pairs, to UTF-8), numbers, true, false, null. Depth is bounded;
 * malformed input yields NULL, never a crash.
 */
#include "cjson/cJSON.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_DEPTH = 256 };

typedef struct reader {
    const char *p;
} reader;

static void skip_space(reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static cJSON *new_item(int type)
{
    cJSON *item = calloc(1, sizeof *item);
    if (item != NULL)
        item->type = type;
    return item;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return 0;
    }
    *out = v;
    return 1;
}

static char *put_utf8(char *w, unsigned cp)
{
    if (cp < 0x80) {
        *w++ = (char)cp;
    } else if (cp < 0x800) {
        *w++ = (char)(0xC0 | (cp >> 6));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *w++ = (char)(0xE0 | (cp >> 12));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *w++ = (char)(0xF0 | (cp >> 18));
        *w++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *w++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *w++ = (char)(0x80 | (cp & 0x3F));
    }
    return w;
}

/* At the opening quote; returns a malloc'd decoded string or NULL. The
 * decoded form is never longer than the escaped one. */
static char *parse_string(reader *r)
{
    const char *s = r->p + 1;
    const char *end = s;
    while (*end != '"') {
        if (*end == '\0')
            return NULL;
        if (*end == '\\' && end[1] != '\0')
            end++;
        end++;
    }
    char *out = malloc((size_t)(end - s) + 1);
    if (out == NULL)
        return NULL;
    char *w = out;
    while (s < end) {
        if (*s != '\\') {
            *w++ = *s++;
            continue;
        }
        s++;
        switch (*s) {
        case '"': *w++ = '"'; break;
        case '\\': *w++ = '\\'; break;
        case '/': *w++ = '/'; break;
        case 'b': *w++ = '\b'; break;
        case 'f': *w++ = '\f'; break;
        case 'n': *w++ = '\n'; break;
        case 'r': *w++ = '\r'; break;
        case 't': *w++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (end - s < 5 || !hex4(s + 1, &cp))
                goto bad;
            s += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && end - s >= 7 && s[1] == '\\' && s[2] == 'u' &&
                hex4(s + 3, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                s += 6;
            }
            w = put_utf8(w, cp);
            break;
        }
        default: goto bad;
        }
        s++;
    }
    *w = '\0';
    r->p = end + 1;
    return out;
bad:
    free(out);
    return NULL;
}

static cJSON *parse_value(reader *r, int depth);

/* Parses the elements of an array (close ']') or members of an object
 * (close '}') into item's child list. */
static int parse_children(reader *r, cJSON *item, char close, int depth)
{
    cJSON *last = NULL;
    r->p++;
    skip_space(r);
    if (*r->p == close) {
        r->p++;
        return 1;
    }
    for (;;) {
        char *name = NULL;
        skip_space(r);
        if (close == '}') {
            if (*r->p != '"' || (name = parse_string(r)) == NULL)
                return 0;
            skip_space(r);
            if (*r->p != ':') {
                free(name);
                return 0;
            }
            r->p++;
        }
        cJSON *child = parse_value(r, depth + 1);
        if (child == NULL) {
            free(name);
            return 0;
        }
        child->string = name;
        if (last == NULL)
            item->child = child;
        else
            last->next = child;
        child->prev = last;
        last = child;
        skip_space(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p != close)
            return 0;
        r->p++;
        return 1;
    }
}

static cJSON *parse_value(reader *r, int depth)
{
    if (depth > MAX_DEPTH)
        return NULL;
    skip_space(r);
    cJSON *item = NULL;
    char c = *r->p;
    if (c == '{' || c == '[') {
        item = new_item(c == '{' ? cJSON_Object : cJSON_Array);
        if (item != NULL && !parse_children(r, item, c == '{' ? '}' : ']', depth)) {
            cJSON_Delete(item);
            return NULL;
        }
    } else if (c == '"') {
        item = new_item(cJSON_String);
        if (item != NULL && (item->valuestring = parse_string(r)) == NULL) {
            cJSON_Delete(item);
            return NULL;
        }
    } else if (c == '-' || isdigit((unsigned char)c)) {
        char *end;
        double d = strtod(r->p, &end);
        if (end == r->p || (item = new_item(cJSON_Number)) == NULL)
            return NULL;
        r->p = end;
        item->valuedouble = d;
        item->valueint = d >= INT_MAX ? INT_MAX : d <= INT_MIN ? INT_MIN : (int)d;
    } else if (strncmp(r->p, "true", 4) == 0) {
        item = new_item(cJSON_True);
        r->p += 4;
    } else if (strncmp(r->p, "false", 5) == 0) {
        item = new_item(cJSON_False);
        r->p += 5;
    } else if (strncmp(r->p, "null", 4) == 0) {
        item = new_item(cJSON_NULL);
        r->p += 4;
    }
    return item;
}

cJSON *cJSON_Parse(const char *value)
{
    if (value == NULL)
        return NULL;
    reader r = {value};
    cJSON *root = parse_value(&r, 0);
    if (root == NULL)
        return NULL;
    skip_space(&r);
    if (*r.p != '\0') {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

void cJSON_Delete(cJSON *item)
{
    while (item != NULL) {
        cJSON *next = item->next;
        cJSON_Delete(item->child);
        free(item->valuestring);
        free(item->string);
        free(item);
        item = next;
    }
}

static int same_name(const char *a, const char *b)
{
    for (; *a != '\0' && *b != '\0'; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

cJSON *cJSON_GetObjectItem(const cJSON *object, const char *string)
{
    if (object == NULL || object->type != cJSON_Object || string == NULL)
        return NULL;
    for (cJSON *c = object->child; c != NULL; c = c->next)
        if (c->string != NULL && same_name(c->string, string))
            return c;
    return NULL;
}

int cJSON_GetArraySize(const cJSON *array)
{
    int n = 0;
    if (array == NULL)
        return 0;
    for (const cJSON *c = array->child; c != NULL; c = c->next)
        n++;
    return n;
}

int cJSON_IsString(const cJSON *item)
{
    return item != NULL && item->type == cJSON_String;
}

int cJSON_IsArray(const cJSON *item)
{
    return item != NULL && item->type == cJSON_Array;
}
