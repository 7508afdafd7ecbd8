/*
 * Optimisation with LLVM's new pass manager: the standard default<O0..O3>
 * pipelines, or default<Os>/default<Oz> when a size level is asked for (the
 * size level wins: it is the more specific request). The target machine is
 * passed so cost models see the real CPU and features.
 *
 * Invariant: the module's triple and data layout are the target's before any
 * pass runs; passes that query the layout must not see a default one.
 */
#include <stdio.h>
#include <string.h>

#include <llvm-c/Error.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "emit.h"
#include "kiln_common.h"

kiln_status emit_optimize(LLVMModuleRef module, const emit_target *target,
                          kiln_error *err)
{
    static const char *const speed[4] = {"default<O0>", "default<O1>", "default<O2>",
                                         "default<O3>"};
    static const char *const size[3] = {NULL, "default<Os>", "default<Oz>"};
    if (target->opt_level > 3 || target->size_level > 2)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "optimisation level %u / size level %u out of range",
                              target->opt_level, target->size_level);
    const char *pipeline =
        target->size_level > 0 ? size[target->size_level] : speed[target->opt_level];

    LLVMSetTarget(module, target->triple);
    LLVMSetModuleDataLayout(module, target->layout);
    if (target->abi != NULL && LLVMGetModuleFlag(module, "target-abi", 10) == NULL) {
        /* riscv64: the lp64d calling convention (doubles in FP registers),
         * as the runtime and the libcalls it binds were built for. */
        LLVMMetadataRef abi = LLVMMDStringInContext2(LLVMGetModuleContext(module), target->abi,
                                                     strlen(target->abi));
        LLVMAddModuleFlag(module, LLVMModuleFlagBehaviorError, "target-abi", 10, abi);
    }

    LLVMPassBuilderOptionsRef options = LLVMCreatePassBuilderOptions();
    /* Loop vectorisation and unrolling follow the level, as clang does. */
    LLVMPassBuilderOptionsSetLoopVectorization(options, target->opt_level >= 2);
    LLVMPassBuilderOptionsSetSLPVectorization(options, target->opt_level >= 2);
    LLVMPassBuilderOptionsSetLoopUnrolling(options, target->opt_level >= 2 &&
                                                        target->size_level == 0);
    LLVMErrorRef failure = LLVMRunPasses(module, pipeline, target->machine, options);
    LLVMDisposePassBuilderOptions(options);
    if (failure != NULL) {
        char *message = LLVMGetErrorMessage(failure);
        kiln_status st = kiln_error_set(err, KILN_ERR_CODEGEN, KILN_NO_OFFSET,
                                        "LLVM pipeline %s failed: %s", pipeline, message);
        LLVMDisposeErrorMessage(message);
        return st;
    }
    return KILN_OK;
}
