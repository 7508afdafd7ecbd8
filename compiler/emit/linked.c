/*
 * The record of a statically linked module (emit_linked_record, emit.h):
 * kilnc --format=object adds a constant kiln_linked_code (aot_format.h) to
 * the optimised LLVM module, whose pointers the system linker fills with
 * the addresses of the module's functions (kiln_f<N>) and trampolines
 * (kiln_entry_t<N>, kiln_host_t<N>); kiln_module_load_linked reads them.
 * Every other defined symbol becomes local, so two modules linked into one
 * program do not collide and the program sees one name per module.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "kiln_common.h"
#include "module.h"

static bool is_c_identifier(const char *s)
{
    if (s == NULL || !((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || *s == '_'))
        return false;
    for (; *s != '\0'; s++) {
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return false;
    }
    return true;
}

/* A private constant array of count pointers to the functions named
 * printf(format, i), NULL where the module defines none. */
static LLVMValueRef pointer_array(LLVMModuleRef llvm, LLVMTypeRef ptr, uint32_t count,
                                  uint32_t first, const char *format, const char *array_name,
                                  LLVMValueRef *scratch)
{
    for (uint32_t i = 0; i < count; i++) {
        char name[32];
        snprintf(name, sizeof name, format, i);
        LLVMValueRef f = i >= first ? LLVMGetNamedFunction(llvm, name) : NULL;
        scratch[i] = f != NULL && !LLVMIsDeclaration(f) ? f : LLVMConstNull(ptr);
    }
    LLVMTypeRef type = LLVMArrayType2(ptr, count);
    LLVMValueRef g = LLVMAddGlobal(llvm, type, array_name);
    LLVMSetInitializer(g, LLVMConstArray2(ptr, scratch, count));
    LLVMSetGlobalConstant(g, 1);
    LLVMSetLinkage(g, LLVMPrivateLinkage);
    return g;
}

kiln_status emit_linked_record(LLVMModuleRef llvm, const wasm_module *module, const char *name,
                               kiln_error *err)
{
    if (name == NULL)
        name = "kiln_linked_module";
    if (!is_c_identifier(name) || strncmp(name, "llvm.", 5) == 0)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "the linked module's name \"%s\" is not a C identifier", name);
    if (LLVMGetNamedGlobal(llvm, name) != NULL || LLVMGetNamedFunction(llvm, name) != NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "the linked module's name \"%s\" is one of the module's own "
                              "symbols: choose another",
                              name);
    /* Local first: the record below is the one global definition. */
    for (LLVMValueRef f = LLVMGetFirstFunction(llvm); f != NULL; f = LLVMGetNextFunction(f))
        if (!LLVMIsDeclaration(f))
            LLVMSetLinkage(f, LLVMInternalLinkage);
    for (LLVMValueRef g = LLVMGetFirstGlobal(llvm); g != NULL; g = LLVMGetNextGlobal(g)) {
        size_t len = 0;
        const char *gname = LLVMGetValueName2(g, &len);
        if (!LLVMIsDeclaration(g) && LLVMGetLinkage(g) == LLVMExternalLinkage &&
            !(len >= 5 && strncmp(gname, "llvm.", 5) == 0))
            LLVMSetLinkage(g, LLVMInternalLinkage);
    }

    LLVMContextRef ctx = LLVMGetModuleContext(llvm);
    LLVMTypeRef ptr = LLVMPointerTypeInContext(ctx, 0);
    LLVMTypeRef i32 = LLVMInt32TypeInContext(ctx);
    uint32_t most = module->func_count > module->type_count ? module->func_count
                                                             : module->type_count;
    LLVMValueRef *scratch = malloc(((size_t)most + 1) * sizeof *scratch);
    if (scratch == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory for the linked module's record");
    LLVMValueRef funcs = pointer_array(llvm, ptr, module->func_count, module->func_import_count,
                                       "kiln_f%u", "kiln.linked.funcs", scratch);
    LLVMValueRef entries = pointer_array(llvm, ptr, module->type_count, 0, "kiln_entry_t%u",
                                         "kiln.linked.entry", scratch);
    LLVMValueRef hosts = pointer_array(llvm, ptr, module->type_count, 0, "kiln_host_t%u",
                                       "kiln.linked.host", scratch);
    free(scratch);

    LLVMTypeRef fields[7] = {i32, i32, i32, i32, ptr, ptr, ptr};
    LLVMTypeRef type = LLVMStructTypeInContext(ctx, fields, 7, 0);
    LLVMValueRef values[7] = {
        LLVMConstInt(i32, KILN_LINKED_MAGIC, 0), LLVMConstInt(i32, module->func_count, 0),
        LLVMConstInt(i32, module->type_count, 0), LLVMConstInt(i32, 0, 0), funcs, entries, hosts};
    LLVMValueRef record = LLVMAddGlobal(llvm, type, name);
    LLVMSetInitializer(record, LLVMConstNamedStruct(type, values, 7));
    LLVMSetGlobalConstant(record, 1);
    LLVMSetLinkage(record, LLVMExternalLinkage);
    return KILN_OK;
}
