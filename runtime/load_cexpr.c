/*
 * Constant expressions of the container (global initialisers, segment
 * offsets, element items): a typed stack of at most CEXPR_MAX_DEPTH values,
 * every index in range, exactly one value of the expected type at the end.
 */
#include "load.h"

#define CEXPR_MAX_DEPTH 16

/* Validates the cexpr at r (typed stack, indices in range) and leaves r
 * after its END. global_limit: globals [0, global_limit) may be read. */
kiln_status ld_check_cexpr(ld_ctx *c, uint32_t section, ld_reader *r, uint8_t expected,
                               uint32_t global_limit, const uint8_t **out)
{
    const kiln_module *m = c->m;
    size_t start = r->pos;
    uint8_t stack[CEXPR_MAX_DEPTH];
    unsigned depth = 0;
    for (;;) {
        size_t at = r->pos;
        uint8_t op = rd_u8(r);
        uint8_t pushed = 0;
        uint32_t index;
        if (r->failed)
            return ld_corrupt(c, section, start, "constant expression has no end");
        switch (op) {
        case KILN_CEXPR_END:
            if (depth != 1 || stack[0] != expected)
                return ld_corrupt(c, section, start,
                               "constant expression leaves %u value%s (%s), expected one %s",
                               depth, depth == 1 ? "" : "s",
                               depth > 0 ? ld_valtype_name(stack[depth - 1]) : "none",
                               ld_valtype_name(expected));
            *out = r->bytes + start;
            return KILN_OK;
        case KILN_CEXPR_I32_CONST: rd_u32(r); pushed = KILN_I32; break;
        case KILN_CEXPR_I64_CONST: rd_u64(r); pushed = KILN_I64; break;
        case KILN_CEXPR_F32_CONST: rd_u32(r); pushed = KILN_F32; break;
        case KILN_CEXPR_F64_CONST: rd_u64(r); pushed = KILN_F64; break;
        case KILN_CEXPR_V128_CONST: rd_bytes(r, 16); pushed = KILN_V128; break;
        case KILN_CEXPR_GLOBAL_GET:
            index = rd_u32(r);
            if (r->failed)
                break;
            if (index >= global_limit)
                return ld_corrupt(c, section, at,
                               "global.get %u in a constant expression: only globals below "
                               "%u may be read here",
                               index, global_limit);
            pushed = m->globals[index].valtype;
            break;
        case KILN_CEXPR_REF_NULL:
            pushed = rd_u8(r);
            if (!r->failed && !ld_reftype_ok(pushed))
                return ld_corrupt(c, section, at, "ref.null of non-reference type 0x%02x",
                               (unsigned)pushed);
            break;
        case KILN_CEXPR_REF_FUNC:
            index = rd_u32(r);
            if (r->failed)
                break;
            if (index >= m->func_count)
                return ld_corrupt(c, section, at, "ref.func %u: the module has %u functions",
                               index, m->func_count);
            if (index >= m->func_import_count && m->funcs[index].code_offset == KILN_AOT_NONE)
                return ld_corrupt(c, section, at, "ref.func %u names a function without code",
                               index);
            pushed = KILN_FUNCREF;
            break;
        case KILN_CEXPR_I32_ADD:
        case KILN_CEXPR_I32_SUB:
        case KILN_CEXPR_I32_MUL:
        case KILN_CEXPR_I64_ADD:
        case KILN_CEXPR_I64_SUB:
        case KILN_CEXPR_I64_MUL: {
            uint8_t t = op <= KILN_CEXPR_I32_MUL ? KILN_I32 : KILN_I64;
            if (depth < 2 || stack[depth - 1] != t || stack[depth - 2] != t)
                return ld_corrupt(c, section, at,
                               "arithmetic in a constant expression needs two %s operands",
                               ld_valtype_name(t));
            depth -= 2;
            pushed = t;
            break;
        }
        default:
            return ld_corrupt(c, section, at, "unknown constant expression op %u", (unsigned)op);
        }
        if (r->failed)
            return ld_corrupt(c, section, start, "constant expression runs past the section");
        if (depth == CEXPR_MAX_DEPTH)
            return ld_corrupt(c, section, at, "constant expression deeper than %d values",
                           CEXPR_MAX_DEPTH);
        stack[depth++] = pushed;
    }
}
