/*
 * The loaded module (ld_): everything the loader validated, in the form
 * instantiation and calls use. Built only by ld_module_parse (loader.c and the load_*.c
 * files, load.h).
 *
 * Ownership: the module owns `bytes` (a heap copy, or the read-only file
 * mapping of kiln_module_load_file); cexpr pointers, data segment bytes and
 * names point into it. Strings are NUL-terminated heap copies. The code
 * mapping (code_base, code_map_size) is read+execute after loading.
 *
 * Invariants established by the loader: every index is in range, every
 * cexpr is well-formed and of the right type, every function that can be
 * called from the host (export, start) has code and its type an entry
 * trampoline, every code offset lies inside the executable part.
 */
#ifndef KILN_RT_MODULE_H
#define KILN_RT_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

typedef struct ld_limits {
    uint8_t flags; /* KILN_LIMITS_* */
    uint64_t min;
    uint64_t max; /* valid when flags & KILN_LIMITS_HAS_MAX */
} ld_limits;

typedef struct ld_type {
    uint32_t param_count;
    uint32_t result_count;
    kiln_valkind *kinds;       /* params then results, owned */
    uint32_t entry_trampoline; /* image offset or KILN_AOT_NONE */
    uint32_t host_trampoline;  /* image offset or KILN_AOT_NONE */
    uint32_t canonical_id;     /* process-wide id (typeids.c) */
} ld_type;

typedef struct ld_import {
    char *module_name; /* owned */
    char *field_name;  /* owned */
    uint8_t kind;      /* kiln_extern_kind */
    uint32_t type_index; /* func */
    uint8_t reftype;     /* table */
    ld_limits limits;    /* table, memory */
    uint8_t valtype;     /* global */
    bool is_mutable;     /* global */
} ld_import;

typedef struct ld_func {
    uint32_t type_index;
    uint32_t code_offset; /* image offset, KILN_AOT_NONE when dropped; defined only */
    uint32_t code_size;
} ld_func;

typedef struct ld_table {
    uint8_t reftype;
    ld_limits limits;
} ld_table;

typedef struct ld_global {
    uint8_t valtype;
    bool is_mutable;
    const uint8_t *init; /* cexpr (defined only), into module bytes */
} ld_global;

typedef struct ld_export {
    char *name;        /* owned, NUL-terminated copy; may itself contain NULs */
    uint32_t name_len; /* wasm names are any UTF-8, NUL included: compare by length */
    uint8_t kind;
    uint32_t index;
} ld_export;

typedef struct ld_elem {
    uint8_t mode;
    uint8_t reftype;
    uint32_t table_index;
    const uint8_t *offset; /* cexpr when active */
    uint32_t item_count;
    const uint8_t **items; /* item_count cexprs, owned array */
} ld_elem;

typedef struct ld_data {
    uint8_t mode;
    uint32_t memory_index;
    const uint8_t *offset; /* cexpr when active */
    uint32_t size;
    const uint8_t *bytes; /* into module bytes */
} ld_data;

typedef struct trap_range trap_range;

/* A pre-linked import (aot_format.h, BUNDLE): the code calls `func` of
 * `callee`, a module of the same bundle, directly. */
typedef struct ld_prelink {
    const kiln_module *callee; /* NULL: an ordinary import */
    uint32_t func;
} ld_prelink;

/* A loaded bundle (load_bundle.c), owned by its main module (the last
 * member, the one kiln_module_load returned): the other members and the
 * holder of the one code mapping live as long as it. */
typedef struct ld_bundle {
    kiln_module *image;    /* owns the code mapping; no wasm of its own */
    kiln_module **members; /* count, the main module last */
    char **names;          /* count, owned: what the members import them as */
    uint32_t count;
} ld_bundle;

/* Where a module's container bytes come from, and who frees them. */
typedef enum ld_bytes_kind {
    LD_BYTES_HEAP,   /* the module's own copy (kiln_alloc) */
    LD_BYTES_MAPPED, /* a private read-only file mapping (os_map_file) */
    LD_BYTES_STATIC  /* the caller's, valid until kiln_module_free, never written */
} ld_bytes_kind;

struct kiln_module {
    const uint8_t *bytes; /* the container, owned (see above) */
    size_t size;
    ld_bytes_kind bytes_kind; /* who owns bytes (see ld_bytes_kind) */

    ld_type *types;
    uint32_t type_count;
    uint32_t *type_ids; /* canonical id per type index (vmctx type_ids) */

    ld_import *imports;
    uint32_t import_count;

    /* Index spaces, imported entries first (from IMPORTS), then defined. */
    ld_func *funcs;
    uint32_t func_count;
    uint32_t func_import_count;

    ld_table *tables;
    uint32_t table_count;
    uint32_t table_import_count;

    ld_limits *memories;
    uint32_t memory_count;
    uint32_t memory_import_count;

    ld_global *globals;
    uint32_t global_count;
    uint32_t global_import_count;

    ld_export *exports;
    uint32_t export_count;

    bool has_start;
    uint32_t start_func;

    ld_elem *elems;
    uint32_t elem_count;

    ld_data *datas;
    uint32_t data_count;

    kiln_vmctx_layout layout;

    /* Code: [code_base, code_base + image_size) is the relocated image, in
     * a read+execute mapping of code_map_size bytes: its own, or (when
     * code_in_file) pages of the container's file mapping, released with
     * it, or the image inside static bytes itself (XIP: code_map_size 0). */
    uint8_t *code_base;
    size_t code_map_size;
    bool code_in_file;
    uint32_t image_align; /* the code header's: a power of two */
    uint32_t exec_size;
    uint32_t image_size;
    trap_range *code_range; /* registration for the fault handler */
    /* Linked statically (kiln_module_load_linked): the code addresses come
     * from this record of the program's, code_base is NULL, nothing mapped. */
    const struct kiln_linked_code *linked;
    struct bt_map *backtrace; /* code address -> function map (backtrace.c) */
    /* A member of a pre-linked bundle: the bundle (owned by the main
     * module), and per import which are pre-linked (NULL: none). The code
     * mapping is the bundle's (code_in_file set: not this module's). */
    ld_bundle *bundle;
    ld_prelink *prelinks; /* import_count entries, owned */
};

/* The member of m's bundle named name; NULL when m is in no bundle or
 * the bundle has no such member. */
const kiln_module *ld_bundle_member(const kiln_module *m, const char *name);

/* Parses and validates a container (copied or mapped by the caller into
 * bytes/size, ownership passes to the module on success only). */
kiln_status ld_module_parse(const uint8_t *bytes, size_t size, ld_bytes_kind bytes_kind,
                            kiln_module **out, kiln_error *err);

/* As ld_module_parse, for a module whose code is linked into the program
 * (linked, not NULL); bytes are static. */
kiln_status ld_module_parse_linked(const uint8_t *bytes, size_t size,
                                   const struct kiln_linked_code *linked, kiln_module **out,
                                   kiln_error *err);

/* Where the code of defined function f, or of type t's trampolines, is;
 * NULL when the module has none. */
static inline const uint8_t *ld_func_code(const kiln_module *m, uint32_t f)
{
    if (m->linked != NULL)
        return (const uint8_t *)m->linked->funcs[f];
    uint32_t off = m->funcs[f].code_offset;
    return off == KILN_AOT_NONE ? NULL : m->code_base + off;
}

static inline const uint8_t *ld_entry_trampoline(const kiln_module *m, uint32_t t)
{
    if (m->linked != NULL)
        return (const uint8_t *)m->linked->entry_trampolines[t];
    uint32_t off = m->types[t].entry_trampoline;
    return off == KILN_AOT_NONE ? NULL : m->code_base + off;
}

static inline const uint8_t *ld_host_trampoline(const kiln_module *m, uint32_t t)
{
    if (m->linked != NULL)
        return (const uint8_t *)m->linked->host_trampolines[t];
    uint32_t off = m->types[t].host_trampoline;
    return off == KILN_AOT_NONE ? NULL : m->code_base + off;
}

/* Names and export lookup: names.h. */

/* Resolves a libcall symbol from the fixed list (symbols.c). NULL if the
 * runtime does not provide it. */
void *ld_symbol_resolve(const char *name, size_t size);
/* The addresses of KILN_LIBCALLS in their order (NULL where this host has
 * none), for XIP code (vmctx word KILN_VMCTX_LIBCALLS). Static storage. */
void *const *ld_libcall_table(void);

/* Canonical function type ids, process-wide (typeids.c). */
kiln_status ld_type_intern(const kiln_valkind *kinds, uint32_t param_count,
                           uint32_t result_count, uint32_t *out, kiln_error *err);

#endif /* KILN_RT_MODULE_H */
