/*
 * Name lookups of the runtime in one place (no dependencies but the
 * loaded module's types): the names of value types, extern kinds,
 * container sections and runtime helpers, for messages, and the export
 * lookup by name. The loader, the checks, the linker, instances and calls
 * all use these, so none of them depends on another for a name.
 */
#ifndef KILN_RT_NAMES_H
#define KILN_RT_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "module.h"

/* Name of a value type ("i32"), "unknown type" otherwise. */
const char *ld_valtype_name(uint8_t valtype);
/* "function", "table", "memory", "global", "unknown kind" otherwise. */
const char *ld_extern_kind_name(uint8_t kind);
/* "TYPES", "CODE", ... for a section id; "unknown" otherwise. */
const char *ld_section_name(uint32_t id);
/* The helper's name ("memory.grow"); NULL when id is out of range (a
 * "helper <id>" style name is up to the caller). */
const char *hlp_name(unsigned id);

/* Export lookup; NULL when absent. */
const ld_export *ld_find_export(const kiln_module *module, const char *name);
/* The export whose name is exactly these name_len bytes (NULs allowed). */
const ld_export *ld_find_export_n(const kiln_module *module, const char *name, size_t name_len);

#endif /* KILN_RT_NAMES_H */
