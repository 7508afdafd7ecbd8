/* Value cells and kind names (values.h). */
#include <stdio.h>
#include <string.h>

#include "module.h"
#include "names.h"
#include "values.h"

void rt_val_to_slot(kiln_slot *slot, kiln_valkind kind, const kiln_val *v)
{
    slot->lo = 0;
    slot->hi = 0;
    switch (kind) {
    case KILN_I32: slot->lo = (uint32_t)v->of.i32; break;
    case KILN_I64: slot->lo = (uint64_t)v->of.i64; break;
    case KILN_F32: {
        uint32_t bits;
        memcpy(&bits, &v->of.f32, 4);
        slot->lo = bits;
        break;
    }
    case KILN_F64: memcpy(&slot->lo, &v->of.f64, 8); break;
    case KILN_V128: memcpy(slot, v->of.v128, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: slot->lo = (uint64_t)(uintptr_t)v->of.ref; break;
    }
}

void rt_slot_to_val(kiln_val *v, kiln_valkind kind, const kiln_slot *slot)
{
    memset(v, 0, sizeof *v);
    v->kind = kind;
    switch (kind) {
    case KILN_I32: v->of.i32 = (int32_t)(uint32_t)slot->lo; break;
    case KILN_I64: v->of.i64 = (int64_t)slot->lo; break;
    case KILN_F32: {
        uint32_t bits = (uint32_t)slot->lo;
        memcpy(&v->of.f32, &bits, 4);
        break;
    }
    case KILN_F64: memcpy(&v->of.f64, &slot->lo, 8); break;
    case KILN_V128: memcpy(v->of.v128, slot, 16); break;
    case KILN_FUNCREF:
    case KILN_EXTERNREF: v->of.ref = (void *)(uintptr_t)slot->lo; break;
    }
}

void rt_format_kinds(char *buf, size_t size, const kiln_valkind *kinds, uint32_t count)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < count && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "",
                         ld_valtype_name((uint8_t)kinds[i]));
        if (w < 0)
            break;
        used += (size_t)w;
    }
}
