/*
 * Canonical function type ids, interned process-wide so that two modules'
 * equal function types get equal ids and call_indirect through a shared
 * table compares signatures with one integer comparison.
 *
 * The table only grows (ids stay valid while any module or linker lives)
 * and is protected by one mutex; interning happens at load time, never in
 * calls. It is emptied when the allocator changes (alloc.h).
 */
#include <string.h>

#include "alloc.h"
#include "kiln_common.h"
#include "module.h"
#include "platform/platform.h"

typedef struct canon_type {
    uint32_t param_count;
    uint32_t result_count;
    kiln_valkind *kinds;
} canon_type;

static os_mutex canon_lock = OS_MUTEX_INIT;
static canon_type *canon_types;
static uint32_t canon_count;
static uint32_t canon_capacity;

kiln_status ld_type_intern(const kiln_valkind *kinds, uint32_t param_count,
                           uint32_t result_count, uint32_t *out, kiln_error *err)
{
    size_t n = (size_t)param_count + result_count;
    kiln_status st = KILN_OK;
    os_mutex_lock(&canon_lock);
    for (uint32_t i = 0; i < canon_count; i++) {
        const canon_type *t = &canon_types[i];
        if (t->param_count == param_count && t->result_count == result_count &&
            (n == 0 || memcmp(t->kinds, kinds, n * sizeof *kinds) == 0)) {
            *out = i;
            goto out;
        }
    }
    if (canon_count == canon_capacity) {
        uint32_t cap = canon_capacity == 0 ? 32u : canon_capacity * 2u;
        canon_type *grown = kiln_realloc(canon_types, cap * sizeof *grown);
        if (grown == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                                "out of memory interning function types");
            goto out;
        }
        canon_types = grown;
        canon_capacity = cap;
    }
    kiln_valkind *copy = kiln_alloc(n * sizeof *copy);
    if (copy == NULL) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                            "out of memory interning function types");
        goto out;
    }
    if (n != 0)
        memcpy(copy, kinds, n * sizeof *kinds);
    canon_types[canon_count].param_count = param_count;
    canon_types[canon_count].result_count = result_count;
    canon_types[canon_count].kinds = copy;
    *out = canon_count++;
out:
    os_mutex_unlock(&canon_lock);
    return st;
}

void ld_types_release(void)
{
    os_mutex_lock(&canon_lock);
    for (uint32_t i = 0; i < canon_count; i++)
        kiln_free(canon_types[i].kinds);
    kiln_free(canon_types);
    canon_types = NULL;
    canon_count = canon_capacity = 0;
    os_mutex_unlock(&canon_lock);
}
