/*
 * Codegen internals shared by the cg_*.c files: the per-module state
 * (cg_module), the per-function state (cg_func) with its value stack and
 * control stack, and the small helpers every instruction family uses.
 *
 * Invariants while a function body is emitted:
 * - fn->b is positioned at the end of a block without terminator, unless
 *   fn->unreachable is set (code after br/return/unreachable/br_table): then
 *   instructions are skipped until the matching else/end of the current frame
 *   (fn->skip_depth counts blocks opened inside the dead code).
 * - The value stack holds one LLVM value per wasm operand; its capacity is
 *   computed before emission from the body, so pushes never fail.
 * - Each frame's label phis sit at the top of its label block and receive
 *   one incoming value per branch edge (br_table edges included, duplicates
 *   too, as LLVM requires).
 */
#ifndef KILN_CG_INTERNAL_H
#define KILN_CG_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "codegen.h"
#include "kiln_common.h"

/* How code on the target keeps to its thread's stack (cg_function.c),
 * decided once per module from the triple by cg_stack_rule_for. */
typedef struct cg_stack_rule {
    const char *read_sp_asm; /* inline asm (no side effects): $0 = stack pointer */
    bool probes;             /* LLVM 19 probes the target's frames page by page
                                ("probe-stack"="inline-asm") */
    uint32_t max_frame;      /* bytes one frame may take; 0 = no cap (probes) */
} cg_stack_rule;

struct cg_module {
    LLVMContextRef ctx;       /* not owned */
    LLVMModuleRef llvm;       /* owned unless taken */
    const wasm_module *wasm;  /* not owned */
    cg_config config;
    kiln_vmctx_layout layout;
    uint64_t helpers_used;    /* bit i: KILN_HELPER i is called */
    cg_stack_rule stack;      /* the target's stack-overflow rule */
    /* What LLVM reported while generating code (the context's diagnostic
     * handler): the first error, or a frame over stack.max_frame. */
    kiln_status emit_status;
    char emit_message[200];

    /* Cached types. */
    LLVMTypeRef t_void, t_i1, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_v128;
    LLVMTypeRef t_ptr;
    LLVMTypeRef t_intptr; /* integer of pointer width */

    LLVMTypeRef *func_types;   /* per type index: native signature */
    LLVMValueRef *funcs;       /* per function index: kiln_f<N>, NULL for imports
                                  and not yet declared (cg_func_ref) */
    bool *func_emitted;        /* per function index: body emitted */
    uint32_t first_func, end_func; /* the defined functions emitted here */
    bool partitioned;          /* one of several modules (cg_config) */
    bool with_trampolines;
    LLVMValueRef *entry_tramps; /* per type index; NULL: the host never calls it */
    LLVMValueRef *host_tramps;  /* per type index, NULL when no import uses it */

    /* Per table: NULL, or for a sealed table (cg_table.c) its contents, one
     * function index (UINT32_MAX: null) per element of its min size. */
    uint32_t **sealed;

    /* Metadata kinds and nodes reused on many instructions. */
    unsigned md_invariant_load, md_prof, md_tbaa;
    unsigned md_dereferenceable, md_align, md_nonnull, md_noundef;
    LLVMValueRef md_empty;      /* !{} */
    LLVMValueRef md_unlikely;   /* branch_weights 1, 2000 */
    LLVMValueRef md_tbaa_memory; /* wasm linear memory accesses */
    LLVMValueRef md_tbaa_vmctx;  /* vmctx, global cells, tables */

    /* Attribute kinds. */
    unsigned attr_nounwind, attr_noreturn, attr_cold, attr_nonnull, attr_align;
    unsigned attr_dereferenceable;
};

typedef enum cg_frame_kind {
    CG_FRAME_FUNC,
    CG_FRAME_BLOCK,
    CG_FRAME_LOOP,
    CG_FRAME_IF
} cg_frame_kind;

typedef struct cg_frame {
    cg_frame_kind kind;
    uint32_t param_count;
    uint32_t result_count;
    const wasm_valtype *params;  /* into the module's types or `single` */
    const wasm_valtype *results;
    wasm_valtype single;         /* storage for a [] -> [t] blocktype */
    uint32_t height;             /* value stack height below the params */

    LLVMBasicBlockRef label_bb;  /* target of br: end (block/if/func) or header (loop) */
    LLVMValueRef *label_phis;    /* label_arity phis at label_bb (owned) */
    uint32_t label_arity;
    uint32_t label_preds;        /* edges added to label_bb so far */
    uint32_t label_pred_blocks;  /* distinct blocks among them (a br_table's
                                    edges to one label count once) */
    LLVMBasicBlockRef last_pred; /* block of the latest edge */
    LLVMValueRef *label_slots;   /* NULL, or label_arity allocas that carry the
                                    values instead of phis (huge fan-in, see
                                    cg_control.c), owned */

    LLVMBasicBlockRef else_bb;   /* if: the false arm */
    LLVMValueRef *else_args;     /* if: params for the false arm (owned) */
    bool has_else;
} cg_frame;

typedef struct cg_func {
    cg_module *cgm;
    const wasm_body *body;
    const wasm_functype *type;
    kiln_error *err;
    LLVMValueRef fn;
    LLVMBuilderRef b;
    LLVMValueRef vmctx;

    uint32_t local_count;        /* params + declared locals */
    wasm_valtype *local_types;   /* owned */
    LLVMValueRef *locals;        /* allocas, owned array */

    LLVMValueRef type_ids;       /* vmctx's type-id array, loaded in the entry
                                    block by the first call_indirect; NULL before */
    LLVMValueRef mem_base;       /* memory 0 base, loaded once; NULL without memory
                                    or when it may move (base_slot) */
    LLVMValueRef base_slot;      /* 32-bit targets: alloca holding mem0_base,
                                    refreshed with the bound (memories move) */
    LLVMValueRef bound_slot;     /* explicit mode: alloca holding mem0_bound as i64 */

    LLVMValueRef *stack;         /* value stack, owned */
    uint32_t sp;
    uint32_t stack_cap;

    cg_frame *frames;            /* control stack, owned */
    uint32_t depth;
    uint32_t frame_cap;

    bool unreachable;
    uint32_t skip_depth;

    LLVMBasicBlockRef trap_bbs[KILN_TRAP_COUNT]; /* lazily created */
    const wasm_instr *instr;     /* instruction being emitted, for errors */
} cg_func;

/* Interruptible code (cg_config.interruptible): traps with
 * KILN_TRAP_INTERRUPTED when vmctx's interrupt word is set; a volatile load
 * LLVM cannot hoist out of a loop. Nothing without the option. */
void cg_interrupt_check(cg_func *fn);

/* ---- cg_module.c ---------------------------------------------------------- */
LLVMTypeRef cg_valtype(const cg_module *cgm, wasm_valtype t);
/* Return type of a native function with these results: void for none and
 * for several (they go through the result area, aot_format.h). */
LLVMTypeRef cg_result_type(const cg_module *cgm, uint32_t count, const wasm_valtype *results);
/* Address of result i in a result area (kiln_slot layout). */
LLVMValueRef cg_result_slot(const cg_module *cgm, LLVMBuilderRef b, LLVMValueRef area,
                            uint32_t i);
void cg_set_invariant(const cg_module *cgm, LLVMValueRef load);
void cg_set_tbaa_vmctx(const cg_module *cgm, LLVMValueRef access);
/* A load of a pointer that is never NULL and points to at least `bytes`
 * bytes aligned to `align` that stay valid for the instance's life: LLVM
 * may then speculate loads through it (hoist them out of loops). */
void cg_set_dereferenceable(const cg_module *cgm, LLVMValueRef load, uint64_t bytes,
                            unsigned align);
void cg_set_tbaa_memory(const cg_module *cgm, LLVMValueRef access);
/* Calls an LLVM intrinsic overloaded on `types`. */
LLVMValueRef cg_call_intrinsic(cg_func *fn, const char *name, LLVMTypeRef *types,
                               unsigned type_count, LLVMValueRef *args, unsigned arg_count);
/* Common function attributes: nounwind, frame-pointer=non-leaf. */
void cg_add_function_attrs(const cg_module *cgm, LLVMValueRef func);

/* ---- cg_float.c ----------------------------------------------------------- */
/* Float ops with wasm NaN semantics (sNaN inputs give quiet NaNs). */
typedef enum cg_fp_op { CG_FP_ADD, CG_FP_SUB, CG_FP_MUL, CG_FP_DIV } cg_fp_op;
LLVMValueRef cg_fp_arith(cg_func *fn, cg_fp_op op, LLVMValueRef a, LLVMValueRef b);
LLVMValueRef cg_fp_promote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to);
LLVMValueRef cg_fp_demote(cg_func *fn, LLVMValueRef a, LLVMTypeRef to);
/* A wasm float constant; one a fold could use to drop NaN quieting comes
 * back hidden behind llvm.arithmetic.fence (cg_float.c). */
LLVMValueRef cg_fp_const(cg_func *fn, LLVMValueRef c);
/* A NaN in r (scalar or vector lanes) becomes the canonical NaN. */
LLVMValueRef cg_fp_quiet(cg_func *fn, LLVMValueRef r);
/* Wasm fmin/fmax (NaN -> canonical NaN, -0 < +0), scalar or vector. */
LLVMValueRef cg_fp_minmax(cg_func *fn, bool is_max, LLVMValueRef a, LLVMValueRef b);

/* ---- cg_liveness.c -------------------------------------------------------- */
/* Makes every linear-memory load whose value is dead volatile, so that it
 * still traps out of bounds. Runs once per function, after its body. */
kiln_status cg_keep_unused_loads(cg_func *fn);

/* ---- cg_function.c -------------------------------------------------------- */
static inline void cg_push(cg_func *fn, LLVMValueRef v)
{
    fn->stack[fn->sp++] = v;
}
static inline LLVMValueRef cg_pop(cg_func *fn)
{
    return fn->stack[--fn->sp];
}
static inline LLVMValueRef cg_peek(const cg_func *fn, uint32_t from_top)
{
    return fn->stack[fn->sp - 1 - from_top];
}
/* Loads a value of `type` at vmctx + byte_offset. */
LLVMValueRef cg_vmctx_load(cg_func *fn, uint32_t byte_offset, LLVMTypeRef type,
                           bool invariant, const char *name);
/* vmctx + byte_offset as a pointer. */
LLVMValueRef cg_vmctx_addr(cg_func *fn, uint32_t byte_offset, const char *name);
LLVMValueRef cg_bool_to_i32(cg_func *fn, LLVMValueRef i1);
LLVMValueRef cg_i32_nonzero(cg_func *fn, LLVMValueRef i32);
LLVMBasicBlockRef cg_append_block(cg_func *fn, const char *name);
kiln_status cg_unsupported(cg_func *fn, const wasm_instr *in);
/* Explicit bounds mode: reloads mem0_bound after anything that may grow memory. */
void cg_reload_bound(cg_func *fn);
/* Memory 0's base at this point of the function. */
LLVMValueRef cg_mem_base(cg_func *fn);
/* The stack rule of triple's architecture; false when kiln has none. */
bool cg_stack_rule_for(const char *triple, cg_stack_rule *out);

/* ---- family emitters: one switch per family ------------------------------- */
kiln_status cg_emit_control(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_parametric(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_variable(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_memory(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_numeric(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_conversion(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_table(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_reference(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_simd(cg_func *fn, const wasm_instr *in);
kiln_status cg_emit_atomic(cg_func *fn, const wasm_instr *in);

/* cg_control.c: frame bookkeeping used by cg_function.c */
kiln_status cg_push_func_frame(cg_func *fn);
kiln_status cg_else(cg_func *fn, const wasm_instr *in);
kiln_status cg_end(cg_func *fn, const wasm_instr *in);
void cg_free_frames(cg_func *fn);

/* ---- cg_memory.c ---------------------------------------------------------- */
/* Flags of cg_memory_address. */
enum {
    CG_ADDR_PLAIN = 0,
    CG_ADDR_ATOMIC = 1u << 0,  /* trap "unaligned atomic" first when misaligned */
    CG_ADDR_CHECKED = 1u << 1  /* explicit bounds check even in guard mode */
};
/* The one place that decides how an access is bounds-checked: returns the
 * native pointer for wasm address `addr` (i32) + offset, access_size bytes. */
LLVMValueRef cg_memory_address(cg_func *fn, LLVMValueRef addr, uint64_t offset,
                               unsigned access_size, unsigned flags);
/* Loads `type` from linear memory at p (from cg_memory_address): align 1,
 * the memory TBAA tag, and in guard mode kept whole (cg_memory.c). */
LLVMValueRef cg_memory_load(cg_func *fn, LLVMTypeRef type, LLVMValueRef p);

/* ---- cg_trap.c ------------------------------------------------------------ */
/* Branches to the function's trap block for `code` when cond (i1) is true. */
void cg_trap_if(cg_func *fn, LLVMValueRef cond, kiln_trap_code code);
/* Unconditional trap; the current block is terminated. */
void cg_trap(cg_func *fn, kiln_trap_code code);
/* Calls helper `id` with (vmctx, args...): its type is KILN_HELPERS' C
 * signature, which the arguments must match. */
LLVMValueRef cg_call_helper(cg_func *fn, kiln_helper_id id, LLVMValueRef *args,
                            unsigned arg_count);

/* ---- cg_trampoline.c ------------------------------------------------------ */
/* kiln_f<index>: this module's, or declared here on first use when
 * another partition defines it. */
LLVMValueRef cg_func_ref(cg_module *cgm, uint32_t index);
/* Finds the sealed tables (cg_table.c): fills cgm->sealed, or leaves it
 * NULL (partitions; out of memory). */
void cg_tables_seal(cg_module *cgm);
/* "<symbol_prefix><stem><index>": the name of a function or trampoline. */
void cg_symbol_name(const cg_module *cgm, char *buf, size_t size, const char *stem,
                    uint32_t index);
/* The function `symbol` of another module of a pre-linked bundle (declared
 * on first use; its definition comes with that module's LLVM module). */
LLVMValueRef cg_prelinked_ref(cg_module *cgm, const char *symbol, LLVMTypeRef type);
void cg_declare_trampolines(cg_module *cgm);
void cg_emit_trampolines(cg_module *cgm);

#endif /* KILN_CG_INTERNAL_H */
