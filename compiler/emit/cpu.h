/*
 * CPUs and CPU features for the compiler (emit_cpu_): which names LLVM 19
 * knows per architecture, what a named CPU enables, and the complete
 * feature set a --cpu / --cpu-features pair gives, computed the way LLVM
 * computes it (MCSubtargetInfo: the CPU's set, then each "+f" sets f and
 * everything f implies, each "-f" clears f and everything that implies f).
 *
 * The LLVM facts are generated (cpu_llvm19.c, by scripts/gen_cpu_tables.sh
 * from LLVM's own subtarget tables); what each feature asks of a host is in
 * common/kiln_cpu.h. Nothing here calls LLVM, so a user's names are checked
 * before LLVM sees them: LLVM prints and carries on (or dies) on names it
 * does not know, and "help" in either place makes it print its own list.
 */
#ifndef KILN_EMIT_CPU_H
#define KILN_EMIT_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln_cpu.h"

typedef struct emit_llvm_feature {
    const char *name;
    const char *description;
    const char *implies; /* comma-separated, transitive, without name itself */
} emit_llvm_feature;

typedef struct emit_llvm_cpu {
    const char *name;
    const char *features; /* comma-separated: every feature LLVM enables */
} emit_llvm_cpu;

typedef struct emit_llvm_arch {
    const char *triple; /* the triple the CPU sets were computed for */
    const emit_llvm_feature *features; /* sorted by name (strcmp) */
    size_t feature_count;
    const emit_llvm_cpu *cpus; /* sorted by name */
    size_t cpu_count;
} emit_llvm_arch;

/* Generated: cpu_llvm19.c. */
extern const emit_llvm_arch emit_llvm_arches[KILN_ARCH_COUNT];
/* 32-bit Arm's "generic" CPU per sub-architecture (the triple's first
 * component: armv7, thumbv7em, ...): LLVM takes the architecture version
 * from the triple for that CPU only. The arch table's "generic" is
 * armv7's. */
extern const emit_llvm_cpu emit_llvm_arm_generic[];
extern const size_t emit_llvm_arm_generic_count;

/* Room for every feature of every architecture (LLVM 19: at most 289). */
#define EMIT_FEATURE_WORDS 6
typedef struct emit_feature_set {
    uint64_t words[EMIT_FEATURE_WORDS];
} emit_feature_set;

/* The CPU named name of arch, or NULL. */
const emit_llvm_cpu *emit_cpu_find(kiln_arch arch, const char *name);

/* The resolved target CPU: what is given to LLVM and what the container
 * records. Strings are malloc'ed and owned by the struct. */
typedef struct emit_cpu_choice {
    /* The feature string for LLVMCreateTargetMachine: the user's entries,
     * then an explicit +f/-f for every feature a host must have, so LLVM
     * enables exactly the recorded set. */
    char *llvm_features;
    /* What the container records: "+f" for every feature of the set that
     * a host must have (kiln_cpu.h PROBED and BASELINE), sorted by name. */
    char *recorded;
    emit_feature_set set; /* the complete set, every kind */
} emit_cpu_choice;

/*
 * Checks cpu (a CPU of arch; for 32-bit Arm "generic" the set of triple's
 * sub-architecture) and features ("+a,-b,...": each entry a sign
 * and a feature of arch; empty entries are skipped) and computes the
 * complete set. KILN_ERR_ARGUMENT, naming the bad name and listing the
 * valid ones (as many as fit), for an unknown CPU or feature, an entry
 * without a sign, or a set LLVM cannot generate code for (an x86_64 or
 * riscv64 target without 64-bit instructions); KILN_ERR_NOMEM.
 */
kiln_status emit_cpu_resolve(kiln_arch arch, const char *triple, const char *cpu,
                             const char *features, emit_cpu_choice *out, kiln_error *err);
void emit_cpu_choice_free(emit_cpu_choice *choice);

/* Whether the set holds feature name of arch. */
bool emit_feature_set_has(kiln_arch arch, const emit_feature_set *set, const char *name);

#endif /* KILN_EMIT_CPU_H */
