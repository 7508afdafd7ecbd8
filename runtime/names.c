/*
 * Name lookups (names.h): names of value types, extern kinds, sections and
 * helpers for messages, and exports by name.
 */
#include <string.h>

#include "names.h"

const char *ld_valtype_name(uint8_t valtype)
{
    const char *name = kiln_aot_valtype_name(valtype);
    return name != NULL ? name : "unknown type";
}

const char *ld_extern_kind_name(uint8_t kind)
{
    switch (kind) {
    case KILN_EXTERN_FUNC: return "function";
    case KILN_EXTERN_TABLE: return "table";
    case KILN_EXTERN_MEMORY: return "memory";
    case KILN_EXTERN_GLOBAL: return "global";
    default: return "unknown kind";
    }
}

const char *ld_section_name(uint32_t id)
{
#define SECTION_NAME(ID, id, name) [id] = name,
    static const char *const names[KILN_SEC_MAX_ID + 1] = {KILN_SECTIONS(SECTION_NAME)};
#undef SECTION_NAME
    return id <= KILN_SEC_MAX_ID && names[id] != NULL ? names[id] : "unknown";
}

#define HELPER_NAME(ID, id, fn, name, result, params) [KILN_HELPER_##ID] = name,
static const char *const helper_names[KILN_HELPER_COUNT] = {KILN_HELPERS(HELPER_NAME)};
#undef HELPER_NAME

const char *hlp_name(unsigned id)
{
    return id < KILN_HELPER_COUNT ? helper_names[id] : NULL;
}

const ld_export *ld_find_export_n(const kiln_module *module, const char *name, size_t name_len)
{
    for (uint32_t i = 0; i < module->export_count; i++) {
        const ld_export *e = &module->exports[i];
        if (e->name_len == name_len && memcmp(e->name, name, name_len) == 0)
            return e;
    }
    return NULL;
}

const ld_export *ld_find_export(const kiln_module *module, const char *name)
{
    return ld_find_export_n(module, name, strlen(name));
}
