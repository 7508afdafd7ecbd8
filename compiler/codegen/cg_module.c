/*
 * Codegen, module level: creates the LLVM module, maps wasm types to native
 * signatures, declares kiln_f<N> for every defined function (linkage decided
 * here, once: external+hidden when the runtime or another instance can reach
 * the function by address, internal otherwise so LLVM may inline it),
 * declares trampolines, and at finish emits them and verifies the module.
 *
 * Invariant: every LLVM function we create is nounwind, has no uwtable and
 * keeps frame pointers in non-leaf functions (backtraces walk them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>

#include "cg_internal.h"

LLVMTypeRef cg_valtype(const cg_module *cgm, wasm_valtype t)
{
    switch (t) {
    case WASM_I32:
        return cgm->t_i32;
    case WASM_I64:
        return cgm->t_i64;
    case WASM_F32:
        return cgm->t_f32;
    case WASM_F64:
        return cgm->t_f64;
    case WASM_V128:
        return cgm->t_v128;
    case WASM_FUNCREF:
    case WASM_EXTERNREF:
        return cgm->t_ptr;
    default:
        break;
    }
    /* The validator admits only the types above. */
    return cgm->t_i32;
}

LLVMTypeRef cg_result_type(const cg_module *cgm, uint32_t count, const wasm_valtype *results)
{
    if (count != 1)
        return cgm->t_void; /* none, or through the result area */
    return cg_valtype(cgm, results[0]);
}

LLVMValueRef cg_result_slot(const cg_module *cgm, LLVMBuilderRef b, LLVMValueRef area,
                            uint32_t i)
{
    LLVMValueRef off = LLVMConstInt(cgm->t_i64, (uint64_t)i * sizeof(kiln_slot), 0);
    return LLVMBuildGEP2(b, cgm->t_i8, area, &off, 1, "");
}

void cg_set_invariant(const cg_module *cgm, LLVMValueRef load)
{
    LLVMSetMetadata(load, cgm->md_invariant_load, cgm->md_empty);
}

void cg_set_dereferenceable(const cg_module *cgm, LLVMValueRef load, uint64_t bytes,
                            unsigned align)
{
    LLVMContextRef ctx = cgm->ctx;
    LLVMMetadataRef size = LLVMValueAsMetadata(LLVMConstInt(cgm->t_i64, bytes, 0));
    LLVMMetadataRef al = LLVMValueAsMetadata(LLVMConstInt(cgm->t_i64, align, 0));
    LLVMSetMetadata(load, cgm->md_dereferenceable,
                    LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, &size, 1)));
    LLVMSetMetadata(load, cgm->md_align, LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, &al, 1)));
    LLVMSetMetadata(load, cgm->md_nonnull, cgm->md_empty);
    LLVMSetMetadata(load, cgm->md_noundef, cgm->md_empty);
}

void cg_set_tbaa_vmctx(const cg_module *cgm, LLVMValueRef access)
{
    LLVMSetMetadata(access, cgm->md_tbaa, cgm->md_tbaa_vmctx);
}

void cg_set_tbaa_memory(const cg_module *cgm, LLVMValueRef access)
{
    LLVMSetMetadata(access, cgm->md_tbaa, cgm->md_tbaa_memory);
}

LLVMValueRef cg_call_intrinsic(cg_func *fn, const char *name, LLVMTypeRef *types,
                               unsigned type_count, LLVMValueRef *args, unsigned arg_count)
{
    cg_module *cgm = fn->cgm;
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef decl = LLVMGetIntrinsicDeclaration(cgm->llvm, id, types, type_count);
    LLVMTypeRef fty = LLVMIntrinsicGetType(cgm->ctx, id, types, type_count);
    return LLVMBuildCall2(fn->b, fty, decl, args, arg_count, "");
}

void cg_add_function_attrs(const cg_module *cgm, LLVMValueRef func)
{
    LLVMAddAttributeAtIndex(func, LLVMAttributeFunctionIndex,
                               LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_nounwind, 0));
    LLVMAddAttributeAtIndex(func, LLVMAttributeFunctionIndex,
                               LLVMCreateStringAttribute(cgm->ctx, "frame-pointer", 13,
                                                         "non-leaf", 8));
    /* Stops tail-recursion elimination from turning unbounded wasm
     * recursion into a loop that never reaches the stack check (it must
     * trap "call stack exhausted"), and keeps every frame for backtraces. */
    LLVMAddAttributeAtIndex(func, LLVMAttributeFunctionIndex,
                               LLVMCreateStringAttribute(cgm->ctx, "disable-tail-calls", 18,
                                                         "true", 4));
    /* The stack rule (cg_function.c): frames probed page by page where
     * LLVM can, else capped (a larger frame is a compile error). */
    if (cgm->stack.probes) {
        LLVMAddAttributeAtIndex(func, LLVMAttributeFunctionIndex,
                                LLVMCreateStringAttribute(cgm->ctx, "probe-stack", 11,
                                                          "inline-asm", 10));
    } else {
        char cap[16];
        int n = snprintf(cap, sizeof cap, "%u", cgm->stack.max_frame);
        LLVMAddAttributeAtIndex(func, LLVMAttributeFunctionIndex,
                                LLVMCreateStringAttribute(cgm->ctx, "warn-stack-size", 15, cap,
                                                          (unsigned)n));
    }
}

/* The metadata nodes reused on many instructions: built once. */
static void init_metadata(cg_module *cgm)
{
    LLVMContextRef ctx = cgm->ctx;
    cgm->md_invariant_load = LLVMGetMDKindIDInContext(ctx, "invariant.load", 14);
    cgm->md_prof = LLVMGetMDKindIDInContext(ctx, "prof", 4);
    cgm->md_tbaa = LLVMGetMDKindIDInContext(ctx, "tbaa", 4);
    cgm->md_dereferenceable = LLVMGetMDKindIDInContext(ctx, "dereferenceable", 15);
    cgm->md_align = LLVMGetMDKindIDInContext(ctx, "align", 5);
    cgm->md_nonnull = LLVMGetMDKindIDInContext(ctx, "nonnull", 7);
    cgm->md_noundef = LLVMGetMDKindIDInContext(ctx, "noundef", 7);
    cgm->md_empty = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, NULL, 0));

    LLVMMetadataRef weights[3] = {
        LLVMMDStringInContext2(ctx, "branch_weights", 14),
        LLVMValueAsMetadata(LLVMConstInt(cgm->t_i32, 1, 0)),
        LLVMValueAsMetadata(LLVMConstInt(cgm->t_i32, 2000, 0)),
    };
    cgm->md_unlikely = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, weights, 3));

    /* Scalar TBAA: linear memory and the vmctx-side data (vmctx words,
     * global cells, table definitions) are disjoint objects, so a wasm store
     * never forces a reload of a global or a vmctx field. Calls still clobber
     * both (helpers write vmctx). */
    LLVMMetadataRef root_name = LLVMMDStringInContext2(ctx, "kiln tbaa", 9);
    LLVMMetadataRef root = LLVMMDNodeInContext2(ctx, &root_name, 1);
    LLVMMetadataRef zero = LLVMValueAsMetadata(LLVMConstInt(cgm->t_i64, 0, 0));
    LLVMMetadataRef mem_ops[3] = {LLVMMDStringInContext2(ctx, "wasm memory", 11), root, zero};
    LLVMMetadataRef mem_type = LLVMMDNodeInContext2(ctx, mem_ops, 3);
    LLVMMetadataRef mem_tag_ops[3] = {mem_type, mem_type, zero};
    cgm->md_tbaa_memory = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, mem_tag_ops, 3));
    LLVMMetadataRef vm_ops[3] = {LLVMMDStringInContext2(ctx, "kiln vmctx", 10), root, zero};
    LLVMMetadataRef vm_type = LLVMMDNodeInContext2(ctx, vm_ops, 3);
    LLVMMetadataRef vm_tag_ops[3] = {vm_type, vm_type, zero};
    cgm->md_tbaa_vmctx = LLVMMetadataAsValue(ctx, LLVMMDNodeInContext2(ctx, vm_tag_ops, 3));
}

static void init_types(cg_module *cgm)
{
    LLVMContextRef ctx = cgm->ctx;
    cgm->t_void = LLVMVoidTypeInContext(ctx);
    cgm->t_i1 = LLVMInt1TypeInContext(ctx);
    cgm->t_i8 = LLVMInt8TypeInContext(ctx);
    cgm->t_i16 = LLVMInt16TypeInContext(ctx);
    cgm->t_i32 = LLVMInt32TypeInContext(ctx);
    cgm->t_i64 = LLVMInt64TypeInContext(ctx);
    cgm->t_f32 = LLVMFloatTypeInContext(ctx);
    cgm->t_f64 = LLVMDoubleTypeInContext(ctx);
    cgm->t_v128 = LLVMVectorType(cgm->t_i64, 2);
    cgm->t_ptr = LLVMPointerTypeInContext(ctx, 0);
    cgm->t_intptr = cgm->config.pointer_width == 4 ? cgm->t_i32 : cgm->t_i64;

    cgm->attr_nounwind = LLVMGetEnumAttributeKindForName("nounwind", 8);
    cgm->attr_noreturn = LLVMGetEnumAttributeKindForName("noreturn", 8);
    cgm->attr_cold = LLVMGetEnumAttributeKindForName("cold", 4);
    cgm->attr_nonnull = LLVMGetEnumAttributeKindForName("nonnull", 7);
    cgm->attr_align = LLVMGetEnumAttributeKindForName("align", 5);
    cgm->attr_dereferenceable = LLVMGetEnumAttributeKindForName("dereferenceable", 15);
}

/* Marks functions whose address escapes to the runtime: exports, start,
 * and every function a ref.func may name (elem segments of any mode and
 * global initialisers; the validator requires ref.func in bodies to be
 * declared in one of these, so bodies need not be scanned). */
static void mark_expr_refs(const wasm_module *m, const wasm_expr *e, bool *escapes)
{
    for (uint32_t i = 0; i < e->count; i++) {
        if (e->code[i].op == WASM_OP_REF_FUNC && e->code[i].imm.index < m->func_count)
            escapes[e->code[i].imm.index] = true;
    }
}

static void mark_escaping(const wasm_module *m, bool *escapes)
{
    for (uint32_t i = 0; i < m->export_count; i++) {
        if (m->exports[i].kind == KILN_EXTERN_FUNC && m->exports[i].index < m->func_count)
            escapes[m->exports[i].index] = true;
    }
    if (m->has_start && m->start_func < m->func_count)
        escapes[m->start_func] = true;
    for (uint32_t i = 0; i < m->elem_count; i++) {
        for (uint32_t j = 0; j < m->elems[i].item_count; j++)
            mark_expr_refs(m, &m->elems[i].items[j], escapes);
    }
    for (uint32_t i = m->global_import_count; i < m->global_count; i++)
        mark_expr_refs(m, &m->globals[i].init, escapes);
}

/*
 * Giant functions (a wasm body of 16 KiB or more: interpreter loops, parser
 * actions; 27 of Ruby's 17,490 functions, none in bench/) are not
 * vectorised: "noimplicitfloat" turns off the SLP and loop vectorisers for
 * them. Every wasm local live across a loop is a phi in each block of it,
 * and SLP walks and sorts these phi webs in every block: Ruby's 100 KB
 * interpreter function (31,000 phis) spent 8 of its 17.5 s of IR passes in
 * SLP, for straight-line code with nothing to vectorise. Explicit SIMD is
 * unaffected (the attribute only forbids vector code the program did not
 * ask for: also vector registers in inlined memcpy).
 */
#define CG_GIANT_FUNCTION_BYTES 16384u

/* Declares function i. Outside this module's partition it is only a
 * declaration (the body is another partition's). */
static LLVMValueRef declare_function(cg_module *cgm, uint32_t i, bool external)
{
    const wasm_module *m = cgm->wasm;
    char name[96];
    cg_symbol_name(cgm, name, sizeof name, "kiln_f", i);
    LLVMValueRef f = LLVMAddFunction(cgm->llvm, name, cgm->func_types[m->funcs[i].type_index]);
    if (external) {
            LLVMSetLinkage(f, LLVMExternalLinkage);
            /* Hidden visibility makes the symbol dso_local in LLVM. */
            LLVMSetVisibility(f, LLVMHiddenVisibility);
    } else {
        LLVMSetLinkage(f, LLVMInternalLinkage);
    }
    cg_add_function_attrs(cgm, f);
    if (cgm->config.opt_level >= 2 && m->funcs[i].body_size >= CG_GIANT_FUNCTION_BYTES) {
        unsigned kind = LLVMGetEnumAttributeKindForName("noimplicitfloat", 15);
        LLVMAddAttributeAtIndex(f, LLVMAttributeFunctionIndex,
                                LLVMCreateEnumAttribute(cgm->ctx, kind, 0));
    }
    LLVMValueRef vmctx = LLVMGetParam(f, 0);
    LLVMSetValueName2(vmctx, "vmctx", 5);
    /* nonnull + align 16, not noalias: helpers write through vmctx.
     * dereferenceable: kiln_f<N> is only ever called with its own
     * instance's vmctx (the runtime allocates layout.size bytes and keeps
     * them for the instance's life), so loads from it may be speculated,
     * e.g. hoisted out of a loop past a trap branch. */
    LLVMAddAttributeAtIndex(f, 1, LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_nonnull, 0));
    LLVMAddAttributeAtIndex(f, 1, LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_align, 16));
    LLVMAddAttributeAtIndex(f, 1, LLVMCreateEnumAttribute(cgm->ctx, cgm->attr_dereferenceable,
                                                          cgm->layout.size));
    return f;
}

/* Whole module: every function, internal unless it escapes. Partition:
 * its own functions, external when they escape or another partition calls
 * them (config.called_across; all when that is NULL); the others are
 * declared on first call (cg_func_ref), so a partition of a module with
 * 40,000 functions does not carry 40,000 declarations. */
static void declare_functions(cg_module *cgm, const bool *escapes)
{
    const bool *across = cgm->config.called_across;
    for (uint32_t i = cgm->first_func; i < cgm->end_func; i++) {
        bool external = escapes[i] || (cgm->partitioned && (across == NULL || across[i]));
        cgm->funcs[i] = declare_function(cgm, i, external);
    }
}

void cg_symbol_name(const cg_module *cgm, char *buf, size_t size, const char *stem,
                    uint32_t index)
{
    const char *prefix = cgm->config.symbol_prefix;
    snprintf(buf, size, "%s%s%u", prefix != NULL ? prefix : "", stem, index);
}

LLVMValueRef cg_func_ref(cg_module *cgm, uint32_t index)
{
    if (cgm->funcs[index] == NULL) /* another partition's function */
        cgm->funcs[index] = declare_function(cgm, index, true);
    return cgm->funcs[index];
}

LLVMValueRef cg_prelinked_ref(cg_module *cgm, const char *symbol, LLVMTypeRef type)
{
    LLVMValueRef f = LLVMGetNamedFunction(cgm->llvm, symbol);
    if (f != NULL)
        return f;
    f = LLVMAddFunction(cgm->llvm, symbol, type);
    LLVMSetLinkage(f, LLVMExternalLinkage);
    LLVMSetVisibility(f, LLVMHiddenVisibility);
    return f;
}

static kiln_status check_supported(const wasm_module *m, const cg_config *config,
                                   kiln_error *err)
{
    if (config->pointer_width != 4 && config->pointer_width != 8)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0,
                              "codegen: pointer width must be 4 or 8 bytes, got %u",
                              config->pointer_width);
    if (config->bounds != KILN_BOUNDS_GUARD && config->bounds != KILN_BOUNDS_EXPLICIT)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0, "codegen: unknown bounds mode %d",
                              (int)config->bounds);
    if (config->bounds == KILN_BOUNDS_GUARD && config->pointer_width != 8)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, 0,
                              "codegen: guard-page bounds checks need 64-bit pointers "
                              "(pointer width %u); use explicit bounds checks",
                              config->pointer_width);
    cg_stack_rule stack;
    if (!cg_stack_rule_for(config->triple, &stack))
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, 0,
                              "codegen: no stack-overflow rule for target %s (kiln knows "
                              "x86, aarch64, riscv and arm)",
                              config->triple != NULL ? config->triple : "(none)");
    if (m->memory_count > 1)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, 0,
                              "codegen: %u memories; only one memory is supported",
                              m->memory_count);
    for (uint32_t i = 0; i < m->memory_count; i++) {
        if (m->memories[i].is64)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, 0,
                                  "codegen: memory %u is a 64-bit memory (memory64 is "
                                  "not supported)",
                                  i);
        /* A shared memory needs nothing special here: memory 0's base never
         * moves (the runtime reserves its maximum), and atomics are lowered
         * in cg_atomic.c. */
    }
    return KILN_OK;
}

/* The context's diagnostic handler (set by cg_module_new): keeps the first
 * error, and the stack-size warning that "warn-stack-size" raises for a
 * frame over the target's cap; LLVM's other remarks and warnings are not
 * ours to print (library code never prints). Without a handler LLVM would
 * print them, and exit(1) on an error. */
static void on_diagnostic(LLVMDiagnosticInfoRef info, void *opaque)
{
    cg_module *cgm = opaque;
    if (cgm->emit_status != KILN_OK)
        return;
    LLVMDiagnosticSeverity severity = LLVMGetDiagInfoSeverity(info);
    char *text = LLVMGetDiagInfoDescription(info);
    if (severity == LLVMDSError) {
        cgm->emit_status = KILN_ERR_CODEGEN;
        snprintf(cgm->emit_message, sizeof cgm->emit_message, "%s", text);
    } else if (severity == LLVMDSWarning && strstr(text, "stack frame size (") != NULL) {
        /* "<location>: stack frame size (N) exceeds limit (M) in function
         * 'kiln_fI'": kept from "stack" on. */
        cgm->emit_status = KILN_ERR_UNSUPPORTED;
        snprintf(cgm->emit_message, sizeof cgm->emit_message, "%s",
                 strstr(text, "stack frame size ("));
    }
    LLVMDisposeMessage(text);
}

kiln_status cg_module_check_emitted(const cg_module *cgm, kiln_error *err)
{
    switch (cgm->emit_status) {
    case KILN_OK:
        return KILN_OK;
    case KILN_ERR_UNSUPPORTED:
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "codegen: %s (kiln_fN is wasm function N; bytes): LLVM has no "
                              "stack probes for %s, so a frame may take at most %u bytes "
                              "(inside the runtime's red zone)",
                              cgm->emit_message, cgm->config.triple, cgm->stack.max_frame);
    default:
        return kiln_error_set(err, cgm->emit_status, KILN_NO_OFFSET,
                              "codegen: LLVM reported: %s", cgm->emit_message);
    }
}

kiln_status cg_module_new(LLVMContextRef ctx, const wasm_module *module,
                          const cg_config *config, cg_module **out, kiln_error *err)
{
    kiln_status st = check_supported(module, config, err);
    if (st != KILN_OK)
        return st;

    cg_module *cgm = calloc(1, sizeof *cgm);
    bool *escapes = NULL;
    if (!cgm)
        return kiln_error_set(err, KILN_ERR_NOMEM, 0, "codegen: out of memory");
    cgm->ctx = ctx;
    cgm->wasm = module;
    cgm->config = *config;
    cg_stack_rule_for(config->triple, &cgm->stack); /* known: check_supported */
    LLVMContextSetDiagnosticHandler(ctx, on_diagnostic, cgm);
    cgm->partitioned = config->end_func != 0;
    cgm->first_func = cgm->partitioned ? config->first_func : module->func_import_count;
    cgm->end_func = cgm->partitioned ? config->end_func : module->func_count;
    cgm->with_trampolines = !cgm->partitioned || config->with_trampolines;
    if (cgm->first_func < module->func_import_count || cgm->end_func > module->func_count ||
        cgm->first_func > cgm->end_func) {
        free(cgm);
        return kiln_error_set(err, KILN_ERR_ARGUMENT, 0,
                              "codegen: partition [%u, %u) is not a range of defined "
                              "functions (%u..%u)",
                              config->first_func, config->end_func, module->func_import_count,
                              module->func_count);
    }
    cgm->layout = kiln_vmctx_layout_compute(config->pointer_width, module->func_import_count,
                                            module->memory_count, module->table_count,
                                            module->global_count);
    size_t types = module->type_count ? module->type_count : 1;
    size_t funcs = module->func_count ? module->func_count : 1;
    cgm->func_types = calloc(types, sizeof *cgm->func_types);
    cgm->entry_tramps = calloc(types, sizeof *cgm->entry_tramps);
    cgm->host_tramps = calloc(types, sizeof *cgm->host_tramps);
    cgm->funcs = calloc(funcs, sizeof *cgm->funcs);
    cgm->func_emitted = calloc(funcs, sizeof *cgm->func_emitted);
    escapes = calloc(funcs, sizeof *escapes);
    if (!cgm->func_types || !cgm->entry_tramps || !cgm->host_tramps || !cgm->funcs ||
        !cgm->func_emitted || !escapes) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, 0, "codegen: out of memory");
        goto fail;
    }

    const char *name = module->module_name ? module->module_name : "wasm";
    cgm->llvm = LLVMModuleCreateWithNameInContext(name, ctx);
    if (config->triple)
        LLVMSetTarget(cgm->llvm, config->triple);
    if (config->layout)
        LLVMSetModuleDataLayout(cgm->llvm, config->layout);
    init_types(cgm);
    init_metadata(cgm);

    for (uint32_t t = 0; t < module->type_count; t++) {
        const wasm_functype *ft = &module->types[t];
        LLVMTypeRef params[ft->param_count + 2];
        unsigned count = 0;
        params[count++] = cgm->t_ptr;
        for (uint32_t i = 0; i < ft->param_count; i++)
            params[count++] = cg_valtype(cgm, ft->types[i]);
        if (ft->result_count > 1)
            params[count++] = cgm->t_ptr; /* the result area */
        LLVMTypeRef ret = cg_result_type(cgm, ft->result_count, ft->types + ft->param_count);
        cgm->func_types[t] = LLVMFunctionType(ret, params, count, 0);
    }

    mark_escaping(module, escapes);
    declare_functions(cgm, escapes);
    cg_tables_seal(cgm);
    if (cgm->with_trampolines)
        cg_declare_trampolines(cgm);
    free(escapes);
    *out = cgm;
    return KILN_OK;

fail:
    free(escapes);
    cg_module_free(cgm);
    return st;
}

kiln_status cg_module_finish(cg_module *cgm, kiln_error *err)
{
    const wasm_module *m = cgm->wasm;
    for (uint32_t i = cgm->first_func; i < cgm->end_func; i++) {
        if (!cgm->func_emitted[i])
            return kiln_error_set(err, KILN_ERR_CODEGEN, m->funcs[i].body_offset,
                                  "codegen: function %u has no body (cg_function was "
                                  "not called for it)",
                                  i);
    }
    if (cgm->with_trampolines)
        cg_emit_trampolines(cgm);

    char *message = NULL;
    /* Non-zero means the module is broken. */
    if (LLVMVerifyModule(cgm->llvm, LLVMReturnStatusAction, &message)) {
        kiln_status st = kiln_error_set(err, KILN_ERR_CODEGEN, 0,
                                        "codegen: LLVM rejected the module: %s",
                                        message ? message : "(no message)");
        LLVMDisposeMessage(message);
        return st;
    }
    LLVMDisposeMessage(message);
    return KILN_OK;
}

LLVMModuleRef cg_module_llvm(const cg_module *cgm)
{
    return cgm->llvm;
}

LLVMModuleRef cg_module_take_llvm(cg_module *cgm)
{
    LLVMModuleRef mod = cgm->llvm;
    cgm->llvm = NULL;
    return mod;
}

uint64_t cg_module_helpers_used(const cg_module *cgm)
{
    return cgm->helpers_used;
}

void cg_module_free(cg_module *cgm)
{
    if (!cgm)
        return;
    if (cgm->llvm)
        LLVMDisposeModule(cgm->llvm);
    if (cgm->sealed)
        for (uint32_t t = 0; t < cgm->wasm->table_count; t++)
            free(cgm->sealed[t]);
    free(cgm->sealed);
    free(cgm->func_types);
    free(cgm->entry_tramps);
    free(cgm->host_tramps);
    free(cgm->funcs);
    free(cgm->func_emitted);
    free(cgm);
}
