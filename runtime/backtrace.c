/*
 * Code-address to wasm-function maps for trap backtraces (see backtrace.h).
 *
 * Each map holds its module's defined functions that have code, sorted by
 * start address, with the function's name from the NAMES section (a heap
 * copy, NUL-terminated) or NULL. Maps sit in one registry list guarded by a
 * mutex; bt_resolve runs after a trap has unwound, never inside the fault
 * handler, so taking the lock is safe there.
 *
 * Invariants: entries are sorted by start and do not overlap (the loader
 * checked every code range lies inside the image; functions whose body
 * LLVM dropped or inlined have no entry).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "backtrace.h"
#include "kiln_common.h"
#include "module.h"
#include "platform/platform.h"

typedef struct bt_entry {
    uintptr_t start;
    uintptr_t end;
    uint32_t func_index;
    const char *name; /* into bt_map.names storage, or NULL */
} bt_entry;

struct bt_map {
    const kiln_module *module;
    uintptr_t low; /* lowest start, for a quick rejection */
    uintptr_t high; /* highest end */
    bt_entry *entries;
    uint32_t count;
    char **names; /* per entry, owned copies (NULL when unnamed) */
    char *module_name; /* the name section's, owned; NULL when it has none */
    bt_map *next;
};

static os_mutex registry_lock = OS_MUTEX_INIT;
static bt_map *registry;

static int entry_compare(const void *a, const void *b)
{
    const bt_entry *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return 0;
}

static kiln_status names_corrupt(kiln_error *err, uint32_t offset, const char *what)
{
    return kiln_error_set(err, KILN_ERR_CORRUPT, offset,
                          "corrupt container: section NAMES at offset %u: %s", offset, what);
}

/* Reads a u32 at *pos of names[0, size); false when it runs past the end. */
static bool read_u32(const uint8_t *names, size_t size, size_t *pos, uint32_t *out)
{
    if (size - *pos < 4)
        return false;
    *out = kiln_read_u32le(names + *pos);
    *pos += 4;
    return true;
}

/* Attaches NAMES entries to the sorted map: for each (func_index, name) the
 * entry with that index gets a copy of the name. Unknown indices and
 * functions without code are skipped (their names are of no use here);
 * by_func may be NULL when func_count is 0. */
static kiln_status attach_names(bt_map *map, const uint8_t *names, size_t size,
                                uint32_t base, uint32_t *by_func, uint32_t func_count,
                                kiln_error *err)
{
    size_t pos = 0;
    uint32_t len = 0, count = 0;
    if (!read_u32(names, size, &pos, &len) || size - pos < len)
        return names_corrupt(err, base, "the module name runs past the section");
    if (len != 0) {
        map->module_name = kiln_alloc((size_t)len + 1);
        if (map->module_name == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory copying the module name");
        memcpy(map->module_name, names + pos, len);
        map->module_name[len] = '\0';
    }
    pos += len;
    if (!read_u32(names, size, &pos, &count))
        return names_corrupt(err, base + (uint32_t)pos, "the entry count runs past the section");
    for (uint32_t i = 0; i < count; i++) {
        uint32_t func = 0;
        uint32_t at = base + (uint32_t)pos;
        if (!read_u32(names, size, &pos, &func) || !read_u32(names, size, &pos, &len) ||
            size - pos < len) {
            char what[96];
            snprintf(what, sizeof what, "name entry %u of %u runs past the section", i, count);
            return names_corrupt(err, at, what);
        }
        const uint8_t *text = names + pos;
        pos += len;
        if (func >= func_count || by_func[func] == UINT32_MAX)
            continue;
        uint32_t e = by_func[func];
        if (map->names[e] != NULL)
            continue; /* first name wins, as in the wasm name section */
        char *copy = kiln_alloc((size_t)len + 1);
        if (copy == NULL)
            return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                  "out of memory copying the name of function %u", func);
        memcpy(copy, text, len);
        copy[len] = '\0';
        map->names[e] = copy;
        map->entries[e].name = copy;
    }
    return KILN_OK;
}

kiln_status bt_map_new(const kiln_module *m, const uint8_t *names, size_t names_size,
                       uint32_t names_offset, bt_map **out, kiln_error *err)
{
    kiln_status st = KILN_OK;
    uint32_t *by_func = NULL;
    bt_map *map = kiln_calloc(1, sizeof *map);
    if (map == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory for the backtrace map");
    map->module = m;
    if (!OS_BACKTRACES) {
        /* Nothing looks up an address (bare metal): the map holds the
         * module name alone, unregistered; NAMES is still checked whole
         * (with no functions, attach_names skips every function name). */
        if (names != NULL)
            st = attach_names(map, names, names_size, names_offset, NULL, 0, err);
        if (st == KILN_OK) {
            *out = map;
            map = NULL;
        }
        bt_map_free(map);
        return st;
    }
    uint32_t defined = m->func_count - m->func_import_count;
    map->entries = kiln_calloc(defined == 0 ? 1 : defined, sizeof *map->entries);
    map->names = kiln_calloc(defined == 0 ? 1 : defined, sizeof *map->names);
    by_func = kiln_alloc((m->func_count == 0 ? 1 : m->func_count) * sizeof *by_func);
    if (map->entries == NULL || map->names == NULL || by_func == NULL) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory for the backtrace map of %u functions", defined);
        goto out;
    }
    for (uint32_t i = m->func_import_count; i < m->func_count; i++) {
        const ld_func *f = &m->funcs[i];
        if (f->code_offset == KILN_AOT_NONE || f->code_size == 0)
            continue;
        bt_entry *e = &map->entries[map->count++];
        e->start = (uintptr_t)ld_func_code(m, i) & ~(uintptr_t)1; /* Thumb bit */
        e->end = e->start + f->code_size;
        e->func_index = i;
    }
    /* kilnc lays functions out in index order, so the entries usually are
     * sorted already; checking costs one pass, sorting n log n compares. */
    bool sorted = true;
    for (uint32_t e = 1; e < map->count && sorted; e++)
        sorted = entry_compare(&map->entries[e - 1], &map->entries[e]) <= 0;
    if (!sorted)
        qsort(map->entries, map->count, sizeof *map->entries, entry_compare);
    for (uint32_t i = 0; i < m->func_count; i++)
        by_func[i] = UINT32_MAX;
    for (uint32_t e = 0; e < map->count; e++)
        by_func[map->entries[e].func_index] = e;
    if (map->count > 0) {
        map->low = map->entries[0].start;
        map->high = map->entries[map->count - 1].end;
    }
    if (names != NULL) {
        st = attach_names(map, names, names_size, names_offset, by_func, m->func_count, err);
        if (st != KILN_OK)
            goto out;
    }
    os_mutex_lock(&registry_lock);
    map->next = registry;
    registry = map;
    os_mutex_unlock(&registry_lock);
    *out = map;
    map = NULL;
out:
    kiln_free(by_func);
    bt_map_free(map); /* NULL on success; not registered yet otherwise */
    return st;
}

void bt_map_free(bt_map *map)
{
    if (map == NULL)
        return;
    os_mutex_lock(&registry_lock);
    for (bt_map **link = &registry; *link != NULL; link = &(*link)->next) {
        if (*link == map) {
            *link = map->next;
            break;
        }
    }
    os_mutex_unlock(&registry_lock);
    for (uint32_t e = 0; e < map->count; e++)
        kiln_free(map->names[e]);
    kiln_free(map->names);
    kiln_free(map->entries);
    kiln_free(map->module_name);
    kiln_free(map);
}

const char *bt_map_module_name(const bt_map *map)
{
    return map != NULL ? map->module_name : NULL;
}

bool bt_resolve(uintptr_t address, kiln_frame *out)
{
    bool found = false;
    os_mutex_lock(&registry_lock);
    for (const bt_map *map = registry; map != NULL && !found; map = map->next) {
        if (address < map->low || address >= map->high)
            continue;
        /* Last entry whose start is <= address. */
        uint32_t lo = 0, hi = map->count;
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (map->entries[mid].start <= address)
                lo = mid;
            else
                hi = mid;
        }
        const bt_entry *e = &map->entries[lo];
        if (address >= e->start && address < e->end) {
            out->module = map->module;
            out->func_index = e->func_index;
            out->func_name = e->name;
            found = true;
        }
    }
    os_mutex_unlock(&registry_lock);
    return found;
}
