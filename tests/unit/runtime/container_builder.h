/*
 * A small container writer for runtime unit tests, independent of kilnc and
 * LLVM: sections are appended as raw bytes, tb_finish lays out the header,
 * section table and checksum exactly as include/kiln/aot_format.h says.
 *
 * tb_sample builds the sample module the tests share, with hand-assembled
 * x86-64 code (System V ABI, vmctx in rdi):
 *   type 0 () -> i32, type 1 (i32 i32) -> i32, type 2 () -> (),
 *   type 3 (i32) -> i32, types 4..6 (T) -> T for T = i64, f32, f64
 *   f0 answer      () -> 42
 *   f1 add         (a, b) -> a + b
 *   f2 boom        calls helper TRAP with "unreachable"
 *   f3 load        (addr) -> i32 load from memory 0 at addr (no checks)
 *   f4 grow        (delta) -> memory.grow helper on memory 0
 *   f5 rodata      () -> the u32 in the image's read-only data, reached
 *                  through a pointer slot there that an ABS64 relocation
 *                  fills (relocations patch data, never code)
 *   f6 global      () -> global 0 (7 * 6 from a const expr)
 *   f7 deep        recursion with a stack-limit check in its prologue
 *   f8 deeper      recursion without any check (faults on the guard page)
 *   f9..f11 id_i64, id_f32, id_f64   return their argument
 *   f12 fill       only with options.symbol: calls that symbol as memset
 * Exports: every function by those names, plus "mem" (memory 0).
 * Memory 0: 1 page, max 4 pages; data segment "hello" at offset 16.
 */
#ifndef KILN_TEST_CONTAINER_BUILDER_H
#define KILN_TEST_CONTAINER_BUILDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "kiln_common.h"

typedef struct tb_buf {
    uint8_t *data;
    size_t size;
    size_t cap;
} tb_buf;

static void tb_put(tb_buf *b, const void *p, size_t n)
{
    if (b->size + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        while (cap < b->size + n)
            cap *= 2;
        b->data = realloc(b->data, cap);
        b->cap = cap;
    }
    if (n)
        memcpy(b->data + b->size, p, n);
    b->size += n;
}
static void tb_u8(tb_buf *b, uint8_t v) { tb_put(b, &v, 1); }
static void tb_u32(tb_buf *b, uint32_t v)
{
    uint8_t t[4];
    kiln_write_u32le(t, v);
    tb_put(b, t, 4);
}
static void tb_u64(tb_buf *b, uint64_t v)
{
    uint8_t t[8];
    kiln_write_u64le(t, v);
    tb_put(b, t, 8);
}
static void tb_str(tb_buf *b, const char *s)
{
    tb_u32(b, (uint32_t)strlen(s));
    tb_put(b, s, strlen(s));
}
static void tb_limits(tb_buf *b, uint8_t flags, uint64_t min, uint64_t max)
{
    tb_u8(b, flags);
    tb_u64(b, min);
    tb_u64(b, max);
}

typedef struct tb_container {
    const char *triple;
    const char *cpu;
    const char *cpu_features;
    const char *compiler;
    uint32_t version;
    uint8_t pointer_width;
    uint8_t endianness;
    uint8_t bounds;
    uint64_t helpers_used;
    tb_buf sections[KILN_SEC_MAX_ID + 1];
    bool present[KILN_SEC_MAX_ID + 1];
    uint32_t code_page; /* non-zero: the image lies on a multiple of it */
} tb_container;

static void tb_init(tb_container *c)
{
    memset(c, 0, sizeof *c);
    c->triple = "x86_64-unknown-linux-gnu";
    c->cpu = "x86-64";
    c->cpu_features = "+sse2,+cx8";
    c->compiler = "hand-built test container";
    c->version = KILN_AOT_FORMAT_VERSION;
    c->pointer_width = 8;
    c->bounds = KILN_BOUNDS_GUARD;
    c->helpers_used = (1u << KILN_HELPER_TRAP) | (1u << KILN_HELPER_MEMORY_GROW);
}

static tb_buf *tb_section(tb_container *c, uint32_t id)
{
    c->present[id] = true;
    return &c->sections[id];
}

static void tb_free(tb_container *c)
{
    for (int i = 0; i <= KILN_SEC_MAX_ID; i++)
        free(c->sections[i].data);
}

/* Recomputes the checksum of a finished container after a test edits it. */
static void tb_reseal(uint8_t *file, size_t size)
{
    kiln_write_u32le(file + 12, kiln_container_checksum(file, size));
}

/* Lays out the file; *out is malloc'ed. */
static void tb_finish(const tb_container *c, uint8_t **out, size_t *out_size)
{
    tb_buf f = {0};
    uint8_t fixed[KILN_AOT_HEADER_FIXED_SIZE];
    memset(fixed, 0, sizeof fixed);
    tb_put(&f, fixed, sizeof fixed);
    const char *strs[4] = {c->triple, c->cpu, c->cpu_features, c->compiler};
    uint32_t str_off[4];
    for (int i = 0; i < 4; i++) {
        str_off[i] = (uint32_t)f.size;
        tb_put(&f, strs[i], strlen(strs[i]));
    }
    while (f.size % 8)
        tb_u8(&f, 0);
    uint32_t header_size = (uint32_t)f.size;
    uint32_t count = 0;
    for (int id = 1; id <= KILN_SEC_MAX_ID; id++)
        count += c->present[id];
    size_t table = f.size;
    for (uint32_t i = 0; i < count * 4; i++)
        tb_u32(&f, 0);
    uint32_t k = 0;
    for (uint32_t id = 1; id <= KILN_SEC_MAX_ID; id++) {
        if (!c->present[id])
            continue;
        while (f.size % 8)
            tb_u8(&f, 0);
        while (id == KILN_SEC_CODE && c->code_page != 0 && (f.size + 16) % c->code_page != 0)
            tb_u8(&f, 0);
        uint32_t off = (uint32_t)f.size;
        tb_put(&f, c->sections[id].data, c->sections[id].size);
        uint8_t *e = f.data + table + k * 16;
        kiln_write_u32le(e, id);
        kiln_write_u32le(e + 4, off);
        kiln_write_u32le(e + 8, (uint32_t)c->sections[id].size);
        kiln_write_u32le(e + 12, 0);
        k++;
    }
    uint8_t *h = f.data;
    h[0] = KILN_AOT_MAGIC_0;
    h[1] = KILN_AOT_MAGIC_1;
    h[2] = KILN_AOT_MAGIC_2;
    h[3] = KILN_AOT_MAGIC_3;
    kiln_write_u32le(h + KILN_AOT_OFF_VERSION, c->version);
    kiln_write_u32le(h + KILN_AOT_OFF_HEADER_SIZE, header_size);
    kiln_write_u64le(h + KILN_AOT_OFF_FILE_SIZE, f.size);
    h[KILN_AOT_OFF_POINTER_WIDTH] = c->pointer_width;
    h[KILN_AOT_OFF_ENDIANNESS] = c->endianness;
    h[KILN_AOT_OFF_BOUNDS_CHECKS] = c->bounds;
    kiln_write_u64le(h + KILN_AOT_OFF_HELPERS_USED, c->helpers_used);
    kiln_write_u32le(h + KILN_AOT_OFF_SECTION_COUNT, count);
    kiln_write_u32le(h + KILN_AOT_OFF_SECTION_TABLE, header_size);
    uint32_t refs[4] = {KILN_AOT_OFF_TRIPLE, KILN_AOT_OFF_CPU, KILN_AOT_OFF_CPU_FEATURES,
                        KILN_AOT_OFF_COMPILER_VERSION};
    for (int i = 0; i < 4; i++) {
        kiln_write_u32le(h + refs[i], str_off[i]);
        kiln_write_u32le(h + refs[i] + 4, (uint32_t)strlen(strs[i]));
    }
    tb_reseal(f.data, f.size);
    *out = f.data;
    *out_size = f.size;
}

/* ---- the sample module ------------------------------------------------------- */

enum {
    TB_T_VOID_I32 = 0, /* () -> i32 */
    TB_T_I32I32_I32,   /* (i32 i32) -> i32 */
    TB_T_VOID_VOID,    /* () -> () */
    TB_T_I32_I32,      /* (i32) -> i32 */
    TB_T_I64_I64,      /* (i64) -> i64 */
    TB_T_F32_F32,      /* (f32) -> f32 */
    TB_T_F64_F64,      /* (f64) -> f64 */
    TB_TYPE_COUNT
};

typedef struct tb_func {
    const char *name;
    uint32_t type;
    const uint8_t *code;
    size_t size;
} tb_func;

/* Entry trampolines: void entry(vmctx rdi, code rsi, slots rdx). */
static const uint8_t tb_entry_void_i32[] = {
    0x53,             /* push rbx */
    0x48, 0x89, 0xD3, /* mov rbx, rdx */
    0xFF, 0xD6,       /* call rsi */
    0x89, 0x03,       /* mov [rbx], eax */
    0x5B, 0xC3};      /* pop rbx; ret */
static const uint8_t tb_entry_i32i32_i32[] = {
    0x53, 0x48, 0x89, 0xD3, /* push rbx; mov rbx, rdx */
    0x48, 0x89, 0xF0,       /* mov rax, rsi */
    0x8B, 0x33,             /* mov esi, [rbx] */
    0x8B, 0x53, 0x10,       /* mov edx, [rbx + 16] */
    0xFF, 0xD0,             /* call rax */
    0x89, 0x03, 0x5B, 0xC3};
static const uint8_t tb_entry_void_void[] = {
    0x48, 0x83, 0xEC, 0x08, /* sub rsp, 8 */
    0xFF, 0xD6,             /* call rsi */
    0x48, 0x83, 0xC4, 0x08, /* add rsp, 8 */
    0xC3};
static const uint8_t tb_entry_i32_i32[] = {
    0x53, 0x48, 0x89, 0xD3, 0x48, 0x89, 0xF0, /* push rbx; mov rbx, rdx; mov rax, rsi */
    0x8B, 0x33,                               /* mov esi, [rbx] */
    0xFF, 0xD0, 0x89, 0x03, 0x5B, 0xC3};

static const uint8_t tb_entry_i64_i64[] = {
    0x53, 0x48, 0x89, 0xD3, 0x48, 0x89, 0xF0, /* push rbx; mov rbx, rdx; mov rax, rsi */
    0x48, 0x8B, 0x33,                         /* mov rsi, [rbx] */
    0xFF, 0xD0, 0x48, 0x89, 0x03, 0x5B, 0xC3}; /* call rax; mov [rbx], rax */
static const uint8_t tb_entry_f32_f32[] = {
    0x53, 0x48, 0x89, 0xD3,       /* push rbx; mov rbx, rdx */
    0xF3, 0x0F, 0x10, 0x03,       /* movss xmm0, [rbx] */
    0xFF, 0xD6,                   /* call rsi */
    0xF3, 0x0F, 0x11, 0x03,       /* movss [rbx], xmm0 */
    0x5B, 0xC3};
static const uint8_t tb_entry_f64_f64[] = {
    0x53, 0x48, 0x89, 0xD3,       /* push rbx; mov rbx, rdx */
    0xF2, 0x0F, 0x10, 0x03,       /* movsd xmm0, [rbx] */
    0xFF, 0xD6,                   /* call rsi */
    0xF2, 0x0F, 0x11, 0x03,       /* movsd [rbx], xmm0 */
    0x5B, 0xC3};

static const uint8_t tb_code_id_i64[] = {0x48, 0x89, 0xF0, 0xC3}; /* mov rax, rsi */
static const uint8_t tb_code_id_float[] = {0xC3}; /* the value stays in xmm0 */
static const uint8_t tb_code_answer[] = {0xB8, 0x2A, 0, 0, 0, 0xC3};
static const uint8_t tb_code_add[] = {0x8D, 0x04, 0x16, 0xC3}; /* lea eax, [rsi+rdx] */
static const uint8_t tb_code_boom[] = {
    0x48, 0x83, 0xEC, 0x08,       /* sub rsp, 8 */
    0x48, 0x8B, 0x47, 0x10,       /* mov rax, [rdi + 16] (helpers) */
    0xBE, 0x01, 0x00, 0x00, 0x00, /* mov esi, KILN_TRAP_UNREACHABLE */
    0xFF, 0x10,                   /* call [rax] (helper TRAP) */
    0xCC};
static const uint8_t tb_code_load[] = {
    0x48, 0x8B, 0x07, /* mov rax, [rdi] (mem0_base) */
    0x89, 0xF6,       /* mov esi, esi */
    0x8B, 0x04, 0x30, /* mov eax, [rax + rsi] */
    0xC3};
static const uint8_t tb_code_grow[] = {
    0x48, 0x83, 0xEC, 0x08, /* sub rsp, 8 */
    0x89, 0xF2,             /* mov edx, esi (delta) */
    0x31, 0xF6,             /* xor esi, esi (memory 0) */
    0x48, 0x8B, 0x47, 0x10, /* mov rax, [rdi + 16] */
    0xFF, 0x50, 0x08,       /* call [rax + 8] (helper MEMORY_GROW) */
    0x48, 0x83, 0xC4, 0x08, 0xC3};
/* rodata reads the u32 in the read-only data through a pointer slot there
 * that an ABS64 relocation fills (relocations patch data, never code). */
#define TB_RODATA_DISP_OFFSET 3 /* the disp32 inside tb_code_rodata */
static const uint8_t tb_code_rodata[] = {
    0x48, 0x8B, 0x05, 0, 0, 0, 0, /* mov rax, [rip + <pointer slot>] */
    0x8B, 0x00,                   /* mov eax, [rax] */
    0xC3};
static const uint8_t tb_code_global[] = {0x8B, 0x47, 0x50, 0xC3}; /* mov eax, [rdi + 80] */
static const uint8_t tb_code_deep[] = {
    0x48, 0x3B, 0x67, 0x18,       /* cmp rsp, [rdi + 24] (stack_limit) */
    0x72, 0x0E,                   /* jb trap */
    0x48, 0x83, 0xEC, 0x08,       /* sub rsp, 8 */
    0xE8, 0xF1, 0xFF, 0xFF, 0xFF, /* call deep */
    0x48, 0x83, 0xC4, 0x08, 0xC3, /* add rsp, 8; ret */
    0x48, 0x8B, 0x47, 0x10,       /* trap: mov rax, [rdi + 16] */
    0xBE, 0x06, 0x00, 0x00, 0x00, /* mov esi, KILN_TRAP_CALL_STACK_EXHAUSTED */
    0xFF, 0x10, 0xCC};
static const uint8_t tb_code_deeper[] = {
    0x48, 0x83, 0xEC, 0x08,       /* sub rsp, 8 */
    0xE8, 0xF7, 0xFF, 0xFF, 0xFF, /* call deeper */
    0x48, 0x83, 0xC4, 0x08, 0xC3};

/* fill: memset(mem0_base, 0x41, 4) through the symbol of
 * tb_sample_options.symbol (called through a GOT slot after the read-only
 * data, which an ABS64 relocation fills), then returns the word it wrote. */
#define TB_FILL_CALL_OFFSET 19 /* the disp32 of the call */
static const uint8_t tb_code_fill[] = {
    0x48, 0x8B, 0x3F,             /* mov rdi, [rdi] (mem0_base) */
    0xBE, 0x41, 0x00, 0x00, 0x00, /* mov esi, 0x41 */
    0xBA, 0x04, 0x00, 0x00, 0x00, /* mov edx, 4 */
    0x48, 0x83, 0xEC, 0x08,       /* sub rsp, 8 */
    0xFF, 0x15, 0x00, 0x00, 0x00, 0x00, /* call [rip + GOT slot of <symbol>] */
    0x48, 0x83, 0xC4, 0x08,       /* add rsp, 8 */
    0x8B, 0x00,                   /* mov eax, [rax] */
    0xC3};

#define TB_RODATA_VALUE 0x1234567u

typedef struct tb_sample_options {
    bool with_import;      /* add a function import env.foo (shifts nothing else) */
    uint32_t data_offset;  /* where "hello" goes (default 16) */
    bool with_start_trap;  /* start function = boom */
    bool with_table;       /* table 0: funcref, min 3; elems [ref.func 1, ref.null] at 1 */
    const char *answer_name; /* export f0 under this name (default "answer") */
    const char *symbol;    /* add f12 "fill", SYMBOLS [symbol], a GOT slot for it */
    uint32_t code_at_least; /* pad the machine code (int3) to this many bytes */
    uint32_t code_page;    /* put the image on a multiple of this in the file */
} tb_sample_options;

static void tb_sample(tb_container *c, const tb_sample_options *opt)
{
    tb_func funcs[13] = {
        {"answer", TB_T_VOID_I32, tb_code_answer, sizeof tb_code_answer},
        {"add", TB_T_I32I32_I32, tb_code_add, sizeof tb_code_add},
        {"boom", TB_T_VOID_VOID, tb_code_boom, sizeof tb_code_boom},
        {"load", TB_T_I32_I32, tb_code_load, sizeof tb_code_load},
        {"grow", TB_T_I32_I32, tb_code_grow, sizeof tb_code_grow},
        {"rodata", TB_T_VOID_I32, tb_code_rodata, sizeof tb_code_rodata},
        {"global", TB_T_VOID_I32, tb_code_global, sizeof tb_code_global},
        {"deep", TB_T_VOID_VOID, tb_code_deep, sizeof tb_code_deep},
        {"deeper", TB_T_VOID_VOID, tb_code_deeper, sizeof tb_code_deeper},
        {"id_i64", TB_T_I64_I64, tb_code_id_i64, sizeof tb_code_id_i64},
        {"id_f32", TB_T_F32_F32, tb_code_id_float, sizeof tb_code_id_float},
        {"id_f64", TB_T_F64_F64, tb_code_id_float, sizeof tb_code_id_float},
        {"fill", TB_T_VOID_I32, tb_code_fill, sizeof tb_code_fill},
    };
    const uint32_t nfuncs = opt && opt->symbol ? 13u : 12u;
    static const uint8_t *const entries[TB_TYPE_COUNT] = {
        tb_entry_void_i32, tb_entry_i32i32_i32, tb_entry_void_void, tb_entry_i32_i32,
        tb_entry_i64_i64,  tb_entry_f32_f32,    tb_entry_f64_f64};
    static const size_t entry_sizes[TB_TYPE_COUNT] = {
        sizeof tb_entry_void_i32, sizeof tb_entry_i32i32_i32, sizeof tb_entry_void_void,
        sizeof tb_entry_i32_i32, sizeof tb_entry_i64_i64, sizeof tb_entry_f32_f32,
        sizeof tb_entry_f64_f64};

    tb_init(c);
    c->code_page = opt ? opt->code_page : 0;
    uint32_t imports = opt && opt->with_import ? 1u : 0u;

    /* Code image: functions, trampolines, then read-only data. */
    tb_buf image = {0};
    uint32_t func_off[13], entry_off[TB_TYPE_COUNT], rodata_off, rodata_fn_off = 0;
    uint32_t call_site = KILN_AOT_NONE;
    for (uint32_t i = 0; i < nfuncs; i++) {
        while (image.size % 16)
            tb_u8(&image, 0xCC);
        func_off[i] = (uint32_t)image.size;
        if (funcs[i].code == tb_code_rodata)
            rodata_fn_off = func_off[i];
        if (funcs[i].code == tb_code_fill)
            call_site = func_off[i] + TB_FILL_CALL_OFFSET;
        tb_put(&image, funcs[i].code, funcs[i].size);
    }
    for (uint32_t t = 0; t < TB_TYPE_COUNT; t++) {
        while (image.size % 16)
            tb_u8(&image, 0xCC);
        entry_off[t] = (uint32_t)image.size;
        tb_put(&image, entries[t], entry_sizes[t]);
    }
    while (opt && image.size < opt->code_at_least)
        tb_u8(&image, 0xCC);
    uint32_t exec_size = (uint32_t)image.size;
    while (image.size % 8)
        tb_u8(&image, 0);
    rodata_off = (uint32_t)image.size;
    tb_u32(&image, TB_RODATA_VALUE);
    tb_u32(&image, 0);
    uint32_t rodata_slot = (uint32_t)image.size;
    tb_u64(&image, 0);
    kiln_write_u32le(image.data + rodata_fn_off + TB_RODATA_DISP_OFFSET,
                     rodata_slot - (rodata_fn_off + TB_RODATA_DISP_OFFSET + 4));
    uint32_t got_off = KILN_AOT_NONE;
    if (call_site != KILN_AOT_NONE) {
        while (image.size % 8)
            tb_u8(&image, 0);
        got_off = (uint32_t)image.size;
        tb_u64(&image, 0);
        kiln_write_u32le(image.data + call_site, got_off - (call_site + 4));
    }

    tb_buf *s = tb_section(c, KILN_SEC_TYPES);
    /* param count, result count, the kinds */
    static const uint8_t sig[TB_TYPE_COUNT][5] = {
        {0, 1, KILN_I32},           {2, 1, KILN_I32, KILN_I32, KILN_I32},
        {0, 0},                     {1, 1, KILN_I32, KILN_I32},
        {1, 1, KILN_I64, KILN_I64}, {1, 1, KILN_F32, KILN_F32},
        {1, 1, KILN_F64, KILN_F64}};
    tb_u32(s, TB_TYPE_COUNT);
    for (uint32_t t = 0; t < TB_TYPE_COUNT; t++) {
        tb_u32(s, sig[t][0]);
        tb_u32(s, sig[t][1]);
        for (uint32_t k = 0; k < (uint32_t)sig[t][0] + sig[t][1]; k++)
            tb_u8(s, sig[t][2 + k]);
        tb_u32(s, entry_off[t]);
        tb_u32(s, KILN_AOT_NONE);
    }
    if (imports) {
        s = tb_section(c, KILN_SEC_IMPORTS);
        tb_u32(s, 1);
        tb_str(s, "env");
        tb_str(s, "foo");
        tb_u8(s, KILN_EXTERN_FUNC);
        tb_u32(s, TB_T_VOID_VOID);
    }
    s = tb_section(c, KILN_SEC_FUNCS);
    tb_u32(s, imports);
    tb_u32(s, nfuncs);
    for (uint32_t i = 0; i < nfuncs; i++) {
        tb_u32(s, funcs[i].type);
        tb_u32(s, func_off[i]);
        tb_u32(s, (uint32_t)funcs[i].size);
    }
    if (opt && opt->with_table) {
        s = tb_section(c, KILN_SEC_TABLES);
        tb_u32(s, 1);
        tb_u8(s, KILN_FUNCREF);
        tb_limits(s, 0, 3, 0);
        s = tb_section(c, KILN_SEC_ELEMS);
        tb_u32(s, 1);
        tb_u8(s, KILN_SEGMENT_ACTIVE);
        tb_u8(s, KILN_FUNCREF);
        tb_u32(s, 0);
        tb_u8(s, KILN_CEXPR_I32_CONST);
        tb_u32(s, 1);
        tb_u8(s, KILN_CEXPR_END);
        tb_u32(s, 2);
        tb_u8(s, KILN_CEXPR_REF_FUNC);
        tb_u32(s, imports + 1);
        tb_u8(s, KILN_CEXPR_END);
        tb_u8(s, KILN_CEXPR_REF_NULL);
        tb_u8(s, KILN_FUNCREF);
        tb_u8(s, KILN_CEXPR_END);
    }
    s = tb_section(c, KILN_SEC_MEMORIES);
    tb_u32(s, 1);
    tb_limits(s, KILN_LIMITS_HAS_MAX, 1, 4);
    s = tb_section(c, KILN_SEC_GLOBALS);
    tb_u32(s, 1);
    tb_u8(s, KILN_I32);
    tb_u8(s, 0);
    tb_u8(s, KILN_CEXPR_I32_CONST);
    tb_u32(s, 7);
    tb_u8(s, KILN_CEXPR_I32_CONST);
    tb_u32(s, 6);
    tb_u8(s, KILN_CEXPR_I32_MUL);
    tb_u8(s, KILN_CEXPR_END);
    s = tb_section(c, KILN_SEC_EXPORTS);
    tb_u32(s, nfuncs + 1);
    if (opt && opt->answer_name)
        funcs[0].name = opt->answer_name;
    for (uint32_t i = 0; i < nfuncs; i++) {
        tb_str(s, funcs[i].name);
        tb_u8(s, KILN_EXTERN_FUNC);
        tb_u32(s, imports + i);
    }
    tb_str(s, "mem");
    tb_u8(s, KILN_EXTERN_MEMORY);
    tb_u32(s, 0);
    if (opt && opt->with_start_trap) {
        s = tb_section(c, KILN_SEC_START);
        tb_u32(s, imports + 2);
    }
    s = tb_section(c, KILN_SEC_DATA);
    tb_u32(s, 1);
    tb_u8(s, KILN_SEGMENT_ACTIVE);
    tb_u32(s, 0);
    tb_u8(s, KILN_CEXPR_I32_CONST);
    tb_u32(s, opt && opt->data_offset ? opt->data_offset : 16);
    tb_u8(s, KILN_CEXPR_END);
    tb_str(s, "hello");
    s = tb_section(c, KILN_SEC_CODE);
    tb_u32(s, exec_size);
    tb_u32(s, (uint32_t)image.size);
    tb_u32(s, 16);
    tb_u32(s, 0);
    tb_put(s, image.data, image.size);
    s = tb_section(c, KILN_SEC_RELOCS);
    tb_u32(s, call_site == KILN_AOT_NONE ? 1 : 2);
    tb_u32(s, rodata_slot);
    tb_u8(s, KILN_RELOC_ABS64);
    tb_u8(s, 0);
    tb_u8(s, 0);
    tb_u8(s, 0);
    tb_u32(s, KILN_RELOC_SYM_IMAGE);
    tb_u64(s, rodata_off);
    if (call_site != KILN_AOT_NONE) {
        tb_u32(s, got_off);
        tb_u8(s, KILN_RELOC_ABS64);
        tb_u8(s, 0);
        tb_u8(s, 0);
        tb_u8(s, 0);
        tb_u32(s, 0);
        tb_u64(s, 0);
        s = tb_section(c, KILN_SEC_SYMBOLS);
        tb_u32(s, 1);
        tb_str(s, opt->symbol);
    }
    kiln_vmctx_layout l =
        kiln_vmctx_layout_compute(8, imports, 1, opt && opt->with_table ? 1u : 0u, 1);
    s = tb_section(c, KILN_SEC_LAYOUT);
    tb_u32(s, l.size);
    tb_u32(s, l.func_imports);
    tb_u32(s, l.memories);
    tb_u32(s, l.tables);
    tb_u32(s, l.globals);
    free(image.data);
}

/* The sample module as finished bytes (malloc'ed). */
static void tb_sample_bytes(const tb_sample_options *opt, uint8_t **out, size_t *size)
{
    tb_container c;
    tb_sample(&c, opt);
    tb_finish(&c, out, size);
    tb_free(&c);
}

#endif /* KILN_TEST_CONTAINER_BUILDER_H */
