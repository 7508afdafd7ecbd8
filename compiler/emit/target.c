/*
 * Target machine selection: triple, CPU, CPU features, relocation and code
 * model, optimisation level and the bounds-check mode, decided here once.
 *
 * Invariants:
 * - Code is always position independent (LLVMRelocPIC) with the small code
 *   model: the image moves as one piece and reaches its read-only data
 *   PC-relatively.
 * - kiln knows a fixed list of targets (target_specs below), each with a
 *   documented baseline CPU and feature set: with --target and no --cpu the
 *   code is for that baseline, never for the build machine. Only without
 *   --target (or with --cpu=host, for a target of this machine's
 *   architecture and OS) do the CPU and features come from the machine we
 *   run on.
 * - LLVM-C has no way to ask whether a CPU or feature name is known: LLVM
 *   only prints "'x' is not a recognized processor/feature" on stderr while
 *   it builds the subtarget, and carries on with a generic one. We capture
 *   stderr around LLVMCreateTargetMachine (serialised by a mutex) and turn
 *   that warning into KILN_ERR_ARGUMENT, so a typo in --cpu can never yield
 *   silently generic code. Other text captured there is written back.
 *   That capture is the second line of defence: every triple, CPU and
 *   feature name is first checked against kiln's own tables (emit/cpu.h)
 *   before LLVM sees it, so "help" or a typo never reaches LLVM (which
 *   prints its own list for "help" and can stop the process with a fatal
 *   error, e.g. a 32-bit CPU on an x86_64 triple).
 * - The container records the complete feature set the code may use (the
 *   CPU's, plus and minus --cpu-features), and LLVM is given that same set
 *   explicitly.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <llvm-c/Support.h>

#include "cpu.h"
#include "emit.h"
#include "kiln_common.h"

/* pthreads rather than C11 threads: ThreadSanitizer understands them. */
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t stderr_lock = PTHREAD_MUTEX_INITIALIZER;
static char host_triple[256];

static void targets_init_once(void)
{
    LLVMInitializeAllTargetInfos();
    LLVMInitializeAllTargets();
    LLVMInitializeAllTargetMCs();
    LLVMInitializeAllAsmPrinters();
    LLVMInitializeAllAsmParsers();
    /* Wasm addresses are zext(i32 arithmetic) that may wrap (clang counts
     * loops up from a negative index, so x + C wraps by design). Widening an
     * i32 induction variable to i64 turns each zext into "and 0xffffffff",
     * which scalar evolution cannot see through; left as zext of an i32
     * recurrence, the loop vectoriser proves (or checks at run time) that
     * it does not wrap and emits contiguous vector loads instead of gathers.
     * X86 domain reassignment (AVX-512 hosts: moves mask arithmetic from
     * general to k registers) is worse than quadratic in a function's size:
     * Ruby's interpreter loop did not get through it in 7 CPU-minutes,
     * and a 10 KB wasm function took 5 s. Its gain is a few register moves.
     * Process-wide LLVM options: libkilnc's users get them too. */
    static const char *const llvm_args[] = {"kilnc", "-indvars-widen-indvars=false",
                                            "-disable-x86-domain-reassignment"};
    LLVMParseCommandLineOptions(3, llvm_args, NULL);

    char *def = LLVMGetDefaultTargetTriple();
    char *norm = LLVMNormalizeTargetTriple(def);
    snprintf(host_triple, sizeof host_triple, "%s", norm);
    LLVMDisposeMessage(norm);
    LLVMDisposeMessage(def);
}

void emit_targets_init(void)
{
    pthread_once(&init_once, targets_init_once);
}

const char *emit_host_triple(void)
{
    emit_targets_init();
    return host_triple;
}

static char *dup_string(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = malloc(n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

/* Component `index` (0 arch, 1 vendor, 2 os, 3 env) of a normalised
 * triple, into buf. */
static void triple_component(const char *triple, int index, char *buf, size_t size)
{
    const char *p = triple;
    for (int i = 0; i < index && p != NULL; i++) {
        p = strchr(p, '-');
        if (p != NULL)
            p++;
    }
    buf[0] = '\0';
    if (p == NULL)
        return;
    size_t n = strcspn(p, "-");
    if (n >= size)
        n = size - 1;
    memcpy(buf, p, n);
    buf[n] = '\0';
}

static bool triple_is_host(const char *triple)
{
    char a[64], b[64];
    triple_component(triple, 0, a, sizeof a);
    triple_component(host_triple, 0, b, sizeof b);
    if (strcmp(a, b) != 0)
        return false;
    triple_component(triple, 2, a, sizeof a);
    triple_component(host_triple, 2, b, sizeof b);
    return strcmp(a, b) == 0;
}

/* Drops the trailing newline and LLVM's "(ignoring ...)" note, which is
 * not what happens to the user: we refuse. */
static void tidy_llvm_warning(char *line)
{
    char *nl = strchr(line, '\n');
    if (nl != NULL)
        *nl = '\0';
    char *note = strstr(line, " (ignoring");
    if (note != NULL)
        *note = '\0';
}

/*
 * Creates the machine with stderr captured. On success *machine is set and,
 * when LLVM rejected the CPU or a feature, rejected holds its first warning
 * (else rejected[0] == '\0').
 */
static kiln_status create_machine_checked(LLVMTargetRef target, const char *triple,
                                          const char *cpu, const char *features,
                                          LLVMCodeGenOptLevel level,
                                          LLVMTargetMachineRef *machine, char *rejected,
                                          size_t rejected_size, kiln_error *err)
{
    rejected[0] = '\0';
    pthread_mutex_lock(&stderr_lock);
    fflush(stderr);
    FILE *capture = tmpfile();
    int saved = dup(STDERR_FILENO);
    bool redirected = false;
    if (capture != NULL && saved >= 0 && dup2(fileno(capture), STDERR_FILENO) >= 0)
        redirected = true;

    LLVMTargetMachineRef tm = LLVMCreateTargetMachine(target, triple, cpu, features, level,
                                                      LLVMRelocPIC, LLVMCodeModelSmall);

    if (redirected)
        dup2(saved, STDERR_FILENO);
    if (saved >= 0)
        close(saved);

    if (capture != NULL && redirected) {
        char line[256];
        rewind(capture);
        while (fgets(line, sizeof line, capture) != NULL) {
            if (rejected[0] == '\0' && strstr(line, "is not a recognized") != NULL) {
                tidy_llvm_warning(line);
                snprintf(rejected, rejected_size, "%s", line);
            } else if (strstr(line, "is not a recognized") == NULL) {
                fputs(line, stderr);
            }
        }
    }
    if (capture != NULL)
        fclose(capture);
    pthread_mutex_unlock(&stderr_lock);

    if (tm == NULL)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "LLVM could not create a target machine for %s (cpu %s)",
                              triple, cpu);
    *machine = tm;
    return KILN_OK;
}

/*
 * The targets kiln knows, in --target=help / --list-targets order; a
 * triple belongs to the row of its architecture (kiln_arch_from_triple).
 * Baselines: x86-64: the original AMD64 (SSE2); aarch64: ARMv8.0-A with
 * NEON, which every 64-bit Arm Linux board has (Raspberry Pi 3/4 lack the
 * crypto extension, so no cortex-a53 set); riscv64: RV64GC with the lp64d
 * ABI (the Debian/Fedora/Ubuntu port baseline), linker relaxation off (kiln
 * links the image itself and shrinks no code); armv7: the armhf baseline,
 * VFPv3-D16 without NEON (LLVM's generic armv7-a assumes 32 D registers),
 * always Thumb-2 (below).
 */
static const emit_target_spec target_specs[] = {
    {"x86_64-linux-gnu", "x86-64 Linux", KILN_ARCH_X86_64, "x86-64", "", NULL, 8,
     KILN_BOUNDS_GUARD, 4096u, false},
    {"aarch64-linux-gnu", "64-bit Arm Linux", KILN_ARCH_AARCH64, "generic", "+neon,+fp-armv8",
     NULL, 8, KILN_BOUNDS_GUARD, 65536u, false},
    {"riscv64-linux-gnu", "RISC-V 64-bit Linux (rv64gc, lp64d)", KILN_ARCH_RISCV64,
     "generic-rv64", "+m,+a,+f,+d,+c,+zicsr,+zifencei,-relax", "lp64d", 8, KILN_BOUNDS_GUARD,
     4096u, true},
    {"armv7-linux-gnueabihf", "32-bit Arm Linux, hard float", KILN_ARCH_ARM, "generic",
     "-d32,-neon", NULL, 4, KILN_BOUNDS_EXPLICIT, 4096u, false},
    /* Cortex-M4 has no vrint: trunc/ceil/floor/nearest are libcalls, and
     * newlib's truncf returns a signalling NaN unchanged. */
    {"thumbv7em-none-eabihf", "Cortex-M4/M7/M33 bare metal, hard float (--xip)",
     KILN_ARCH_ARM, "cortex-m4", "", NULL, 4, KILN_BOUNDS_EXPLICIT, 4096u, true},
};

size_t emit_target_spec_count(void)
{
    return sizeof target_specs / sizeof target_specs[0];
}

const emit_target_spec *emit_target_spec_at(size_t index)
{
    return index < emit_target_spec_count() ? &target_specs[index] : NULL;
}

/* The row of a normalised triple of architecture arch: the bare-metal
 * row ("-none" in the triple) or the Linux one. */
static const emit_target_spec *spec_of(kiln_arch arch, const char *norm)
{
    bool bare_metal = strstr(norm, "-none") != NULL;
    for (size_t i = 0; i < emit_target_spec_count(); i++)
        if (target_specs[i].arch == arch &&
            (strstr(target_specs[i].triple, "-none") != NULL) == bare_metal)
            return &target_specs[i];
    return NULL;
}

void kilnc_list_targets(kilnc_list_fn fn, void *user)
{
    for (size_t i = 0; i < emit_target_spec_count(); i++)
        fn(user, target_specs[i].triple, target_specs[i].description);
}

/* The kiln architecture of a (normalised) triple; KILN_ERR_ARGUMENT naming
 * the valid targets when kiln has none. */
static kiln_status target_arch(const char *triple, kiln_arch *arch, kiln_error *err)
{
    if (kiln_arch_from_triple(triple, strlen(triple), arch) && spec_of(*arch, triple) != NULL)
        return KILN_OK;
    char valid[300] = "";
    size_t used = 0;
    for (size_t i = 0; i < emit_target_spec_count() && used < sizeof valid; i++)
        used += (size_t)snprintf(valid + used, sizeof valid - used, "%s%s", i ? ", " : "",
                                 target_specs[i].triple);
    return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                          "unknown target '%.80s' (kilnc --target=help lists them): valid "
                          "targets are %s",
                          triple, valid);
}

/* The architecture of triple (NULL: the host), for the listings. */
static kiln_status listing_arch(const char *triple, kiln_arch *arch, kiln_error *err)
{
    emit_targets_init();
    if (triple == NULL)
        triple = host_triple;
    char *norm = LLVMNormalizeTargetTriple(triple);
    kiln_status st = target_arch(norm, arch, err);
    LLVMDisposeMessage(norm);
    return st;
}

kiln_status kilnc_list_cpus(const char *triple, kilnc_list_fn fn, void *user, kiln_error *err)
{
    kiln_arch arch;
    kiln_status st = listing_arch(triple, &arch, err);
    if (st != KILN_OK)
        return st;
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    for (size_t i = 0; i < a->cpu_count; i++)
        fn(user, a->cpus[i].name, NULL);
    return KILN_OK;
}

kiln_status kilnc_list_cpu_features(const char *triple, kilnc_list_fn fn, void *user,
                                    kiln_error *err)
{
    kiln_arch arch;
    kiln_status st = listing_arch(triple, &arch, err);
    if (st != KILN_OK)
        return st;
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    for (size_t i = 0; i < a->feature_count; i++) {
        const emit_llvm_feature *f = &a->features[i];
        const kiln_cpu_feature *k = kiln_cpu_feature_find(arch, f->name, strlen(f->name));
        char probe[80] = "unknown to the runtime";
        if (k != NULL)
            kiln_feature_probe_describe(k, probe, sizeof probe);
        char line[400];
        snprintf(line, sizeof line, "%s [%s]", f->description, probe);
        fn(user, f->name, line);
    }
    return KILN_OK;
}

/* "a,b" in a malloc'd string, with no comma when either is empty; NULL
 * when out of memory. Feature lists come from the command line and have
 * no length limit. */
static char *features_join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *joined = malloc(na + nb + 2);
    if (joined == NULL)
        return NULL;
    memcpy(joined, a, na);
    size_t at = na;
    if (na != 0 && nb != 0)
        joined[at++] = ',';
    memcpy(joined + at, b, nb);
    joined[at + nb] = '\0';
    return joined;
}

kiln_status emit_target_new(const kilnc_options *options, emit_target **out,
                            kiln_error *err)
{
    emit_targets_init();
    if (options->opt_level > 3)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "optimisation level %u out of range 0..3", options->opt_level);
    if (options->size_level > 2)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "size level %u out of range 0..2", options->size_level);
    if (options->bounds_checks != -1 && options->bounds_checks != KILN_BOUNDS_GUARD &&
        options->bounds_checks != KILN_BOUNDS_EXPLICIT)
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "bounds-check mode %d is neither guard (0) nor explicit (1)",
                              options->bounds_checks);

    kiln_status st = KILN_OK;
    char *norm = NULL;
    char *host_cpu = NULL;
    char *host_features = NULL;
    char *message = NULL;
    char *baseline = NULL;  /* the target's baseline features + --cpu-features */
    char *combined = NULL;  /* the host's features + --cpu-features */
    char *arm_features = NULL; /* the above + what kiln's 32-bit Arm code needs */
    emit_cpu_choice choice = {0};
    emit_target *t = calloc(1, sizeof *t);
    if (t == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");

    const char *requested = options->target_triple != NULL ? options->target_triple
                                                           : host_triple;
    if (requested[0] == '\0') {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "empty target triple");
        goto out;
    }
    norm = LLVMNormalizeTargetTriple(requested);
    kiln_arch arch;
    st = target_arch(norm, &arch, err);
    if (st != KILN_OK)
        goto out;
    LLVMTargetRef target;
    if (LLVMGetTargetFromTriple(norm, &target, &message) != 0) {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "target %s: %s", requested,
                            message != NULL ? message : "unknown target");
        goto out;
    }
    bool host = triple_is_host(norm);
    const emit_target_spec *spec = spec_of(arch, norm);

    /* "host" (the default without --target): this machine's CPU and every
     * feature it reports, then --cpu-features on top. With --target and no
     * --cpu: the target's baseline CPU and features, then --cpu-features. */
    const char *cpu = options->cpu;
    const char *features = options->cpu_features != NULL ? options->cpu_features : "";
    if (cpu == NULL && host && options->target_triple == NULL) {
        cpu = "host";
    } else if (cpu == NULL) {
        cpu = spec->cpu;
        baseline = features_join(spec->features, features);
        if (baseline == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
            goto out;
        }
        features = baseline;
    }
    if (strcmp(cpu, "host") == 0) {
        if (!host) {
            st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                "--cpu=host describes this machine (%s), not the target %s: "
                                "name the target's CPU (kilnc --target=%s --cpu=help)",
                                host_triple, norm, requested);
            goto out;
        }
        host_cpu = LLVMGetHostCPUName();
        host_features = LLVMGetHostCPUFeatures();
        cpu = host_cpu;
        combined = features_join(host_features, features);
        if (combined == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
            goto out;
        }
        features = combined;
    }

    /* 32-bit Arm: kiln's code is Thumb-2 whatever the CPU (reloc_arm.c
     * places Thumb code only; Thumb-2 is denser and every armv7 core runs
     * it). Without --cpu the target's baseline applies (target_specs):
     * Linux gets the armhf baseline, armv7-a with VFPv3-D16 (LLVM's generic
     * armv7-a assumes 32 D registers), bare metal (thumbv7em-none-eabihf) a
     * Cortex-M4 with its FPv4-SP FPU. XIP code keeps r9 for the libcall
     * table (KILN_AOT_FLAG_XIP). */
    bool bare_metal = strstr(norm, "-none") != NULL;
    if (options->xip && arch != KILN_ARCH_ARM) {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                            "--xip is for 32-bit Arm targets (thumbv7em-none-eabihf, "
                            "armv7-linux-gnueabihf), not %s",
                            norm);
        goto out;
    }
    /* No NEON for A-profile code: ARMv7 Advanced SIMD always flushes f32
     * denormals to zero, which wasm forbids (with it, 191 simd spec
     * assertions fail under qemu-arm); VFP keeps IEEE denormals. */
    if (arch == KILN_ARCH_ARM && !bare_metal && options->cpu_features != NULL &&
        strstr(options->cpu_features, "+neon") != NULL) {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                            "+neon: ARMv7 NEON flushes f32 denormals to zero, which wasm "
                            "forbids; kiln's 32-bit Arm code uses VFP only");
        goto out;
    }
    if (arch == KILN_ARCH_ARM) {
        char required[64]; /* at most "+thumb-mode,-neon,+reserve-r9" */
        snprintf(required, sizeof required, "+thumb-mode%s%s", bare_metal ? "" : ",-neon",
                 options->xip ? ",+reserve-r9" : "");
        arm_features = features_join(features, required);
        if (arm_features == NULL) {
            st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
            goto out;
        }
        features = arm_features;
    }
    st = emit_cpu_resolve(arch, norm, cpu, features, &choice, err);
    if (st != KILN_OK)
        goto out;

    static const LLVMCodeGenOptLevel levels[4] = {
        LLVMCodeGenLevelNone, LLVMCodeGenLevelLess, LLVMCodeGenLevelDefault,
        LLVMCodeGenLevelAggressive};
    char rejected[400];
    st = create_machine_checked(target, norm, cpu, choice.llvm_features,
                                levels[options->opt_level],
                                &t->machine, rejected, sizeof rejected, err);
    if (st != KILN_OK)
        goto out;
    if (rejected[0] != '\0') {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "target %s: %s", norm,
                            rejected);
        goto out;
    }

    t->layout = LLVMCreateTargetDataLayout(t->machine);
    t->pointer_width = LLVMPointerSize(t->layout);
    if (t->pointer_width != 4 && t->pointer_width != 8) {
        st = kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                            "target %s has %u-byte pointers; kiln supports 4 and 8", norm,
                            t->pointer_width);
        goto out;
    }
    t->bounds = options->bounds_checks >= 0
                    ? (kiln_bounds_mode)options->bounds_checks
                    : (t->pointer_width == 8 ? KILN_BOUNDS_GUARD : KILN_BOUNDS_EXPLICIT);
    if (t->bounds == KILN_BOUNDS_GUARD && t->pointer_width != 8) {
        st = kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                            "bounds-check mode guard needs a 64-bit target; %s has %u-byte "
                            "pointers",
                            norm, t->pointer_width);
        goto out;
    }
    t->max_page_size = spec->max_page_size;
    t->abi = spec->abi;
    t->quiet_rounding_nans = spec->quiet_rounding_nans;
    t->opt_level = options->opt_level;
    t->size_level = options->size_level;
    t->xip = options->xip != 0;
    t->triple = dup_string(norm);
    t->cpu = dup_string(cpu);
    t->cpu_features = dup_string(choice.recorded);
    if (t->triple == NULL || t->cpu == NULL || t->cpu_features == NULL) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
        goto out;
    }

out:
    emit_cpu_choice_free(&choice);
    free(baseline);
    free(combined);
    free(arm_features);
    if (message != NULL)
        LLVMDisposeMessage(message);
    if (host_features != NULL)
        LLVMDisposeMessage(host_features);
    if (host_cpu != NULL)
        LLVMDisposeMessage(host_cpu);
    if (norm != NULL)
        LLVMDisposeMessage(norm);
    if (st != KILN_OK) {
        emit_target_free(t);
        return st;
    }
    *out = t;
    return KILN_OK;
}

void emit_target_free(emit_target *target)
{
    if (target == NULL)
        return;
    if (target->layout != NULL)
        LLVMDisposeTargetData(target->layout);
    if (target->machine != NULL)
        LLVMDisposeTargetMachine(target->machine);
    free(target->triple);
    free(target->cpu);
    free(target->cpu_features);
    free(target);
}
