/*
 * The complete CPU feature set of a --cpu / --cpu-features pair (cpu.h).
 *
 * Invariants: a feature set is always closed under LLVM's implication
 * (the CPU sets are LLVM's own, "+f" adds f's closure, "-f" removes every
 * feature whose closure holds f), so the recorded list is every feature the
 * code may use. Nothing here calls LLVM, prints or aborts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu.h"
#include "kiln_common.h"

/* ---- feature sets --------------------------------------------------------- */

static void set_add(emit_feature_set *s, size_t index)
{
    s->words[index / 64] |= (uint64_t)1 << (index % 64);
}

static void set_remove(emit_feature_set *s, size_t index)
{
    s->words[index / 64] &= ~((uint64_t)1 << (index % 64));
}

static bool set_test(const emit_feature_set *s, size_t index)
{
    return (s->words[index / 64] >> (index % 64)) & 1u;
}

/* Index of the feature called name (len bytes) in arch's LLVM table, or -1. */
static long feature_index(const emit_llvm_arch *a, const char *name, size_t len)
{
    size_t lo = 0, hi = a->feature_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *key = a->features[mid].name;
        int c = strncmp(key, name, len);
        if (c == 0 && key[len] != '\0')
            c = 1;
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* Adds every name of a comma-separated list (all known: generated data). */
static void set_add_list(const emit_llvm_arch *a, const char *list, emit_feature_set *s)
{
    while (*list != '\0') {
        size_t n = strcspn(list, ",");
        long i = feature_index(a, list, n);
        if (i >= 0)
            set_add(s, (size_t)i);
        list += n;
        if (*list == ',')
            list++;
    }
}

/* f and everything it implies. */
static void set_enable(const emit_llvm_arch *a, emit_feature_set *s, size_t f)
{
    set_add(s, f);
    set_add_list(a, a->features[f].implies, s);
}

/* f and everything that implies f. */
static void set_disable(const emit_llvm_arch *a, emit_feature_set *s, size_t f)
{
    set_remove(s, f);
    emit_feature_set closure;
    for (size_t g = 0; g < a->feature_count; g++) {
        if (!set_test(s, g))
            continue;
        memset(&closure, 0, sizeof closure);
        set_add_list(a, a->features[g].implies, &closure);
        if (set_test(&closure, f))
            set_remove(s, g);
    }
}

bool emit_feature_set_has(kiln_arch arch, const emit_feature_set *set, const char *name)
{
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    long i = feature_index(a, name, strlen(name));
    return i >= 0 && set_test(set, (size_t)i);
}

const emit_llvm_cpu *emit_cpu_find(kiln_arch arch, const char *name)
{
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    for (size_t i = 0; i < a->cpu_count; i++)
        if (strcmp(a->cpus[i].name, name) == 0)
            return &a->cpus[i];
    return NULL;
}

/* ---- messages --------------------------------------------------------------- */

/* Appends ", name" entries to msg while they fit, then "and N more". */
static void list_names(char *msg, size_t size, size_t count,
                       const char *(*name_at)(const void *, size_t), const void *table)
{
    size_t used = strlen(msg);
    size_t shown = 0;
    for (size_t i = 0; i < count; i++) {
        const char *name = name_at(table, i);
        size_t need = strlen(name) + 2;
        if (used + need + 24 >= size)
            break;
        used += (size_t)snprintf(msg + used, size - used, "%s%s", shown ? ", " : "", name);
        shown++;
    }
    if (shown < count)
        snprintf(msg + used, size - used, " and %zu more", count - shown);
}

static const char *cpu_name_at(const void *table, size_t i)
{
    return ((const emit_llvm_cpu *)table)[i].name;
}

static const char *feature_name_at(const void *table, size_t i)
{
    return ((const emit_llvm_feature *)table)[i].name;
}

static kiln_status unknown_cpu(kiln_arch arch, const char *cpu, kiln_error *err)
{
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    char msg[KILN_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof msg,
             "unknown CPU '%.60s' for %s (kilnc --cpu=help lists them): valid CPUs are ", cpu,
             kiln_arch_name(arch));
    list_names(msg, sizeof msg, a->cpu_count, cpu_name_at, a->cpus);
    return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "%s", msg);
}

static kiln_status unknown_feature(kiln_arch arch, const char *entry, size_t len,
                                   const char *why, kiln_error *err)
{
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    char msg[KILN_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof msg,
             "%s CPU feature '%.*s' for %s (kilnc --cpu-features=help lists them): valid "
             "features are ",
             why, (int)(len > 60 ? 60 : len), entry, kiln_arch_name(arch));
    list_names(msg, sizeof msg, a->feature_count, feature_name_at, a->features);
    return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "%s", msg);
}

/* ---- resolution --------------------------------------------------------------- */

/* LLVM's X86 subtarget appends "+evex512" for the default CPUs when the
 * features enable some AVX-512 and say nothing of evex512 (X86Subtarget::
 * initSubtargetFeatures); the same rule, on the same string. */
static bool x86_adds_evex512(const char *cpu, const char *fs)
{
    if (strcmp(cpu, "generic") != 0 && strcmp(cpu, "pentium4") != 0 &&
        strcmp(cpu, "x86-64") != 0)
        return false;
    if (strstr(fs, "+evex512") != NULL || strstr(fs, "-evex512") != NULL)
        return false;
    const char *last_on = NULL, *last_off = NULL;
    for (const char *p = strstr(fs, "+avx512"); p != NULL; p = strstr(p + 1, "+avx512"))
        last_on = p;
    for (const char *p = strstr(fs, "-avx512f,"); p != NULL; p = strstr(p + 1, "-avx512f,"))
        last_off = p;
    size_t n = strlen(fs);
    if (n >= 8 && strcmp(fs + n - 8, "-avx512f") == 0)
        last_off = fs + n - 8;
    return last_on != NULL && (last_off == NULL || last_off < last_on);
}

/* A growing string. */
typedef struct text {
    char *data;
    size_t used, cap;
    bool failed;
} text;

static void text_add(text *t, const char *s, size_t n)
{
    if (t->failed)
        return;
    if (t->used + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->used + n + 1)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->cap = cap;
    }
    memcpy(t->data + t->used, s, n);
    t->used += n;
    t->data[t->used] = '\0';
}

static void text_entry(text *t, char sign, const char *name)
{
    char s[2] = {sign, '\0'};
    if (t->used != 0)
        text_add(t, ",", 1);
    text_add(t, s, 1);
    text_add(t, name, strlen(name));
}

static bool host_must_have(kiln_arch arch, const char *name)
{
    const kiln_cpu_feature *f = kiln_cpu_feature_find(arch, name, strlen(name));
    return f != NULL && (f->kind == KILN_FEATURE_PROBED || f->kind == KILN_FEATURE_BASELINE);
}

/* What LLVM itself cannot generate code for (it stops with a fatal error). */
static kiln_status check_modes(kiln_arch arch, const char *cpu, const emit_feature_set *s,
                               kiln_error *err)
{
    switch (arch) {
    case KILN_ARCH_X86_64:
        if (!emit_feature_set_has(arch, s, "64bit"))
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "CPU '%.60s' with these features has no 64-bit "
                                  "instructions: it cannot run x86_64 code",
                                  cpu);
        if (emit_feature_set_has(arch, s, "16bit-mode") ||
            emit_feature_set_has(arch, s, "32bit-mode") ||
            !emit_feature_set_has(arch, s, "64bit-mode"))
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "the x86 execution mode follows the target triple; "
                                  "16bit-mode, 32bit-mode and 64bit-mode cannot be set");
        return KILN_OK;
    case KILN_ARCH_RISCV64:
        if (!emit_feature_set_has(arch, s, "64bit") || emit_feature_set_has(arch, s, "32bit"))
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "CPU '%.60s' with these features is not an RV64 CPU: it "
                                  "cannot run riscv64 code",
                                  cpu);
        return KILN_OK;
    case KILN_ARCH_AARCH64:
    case KILN_ARCH_ARM:
    case KILN_ARCH_COUNT:
        break;
    }
    return KILN_OK;
}

/* The "generic" CPU of a 32-bit Arm triple's sub-architecture. */
static kiln_status arm_generic(const char *triple, const emit_llvm_cpu **out, kiln_error *err)
{
    size_t n = strcspn(triple, "-");
    for (size_t i = 0; i < emit_llvm_arm_generic_count; i++) {
        const char *name = emit_llvm_arm_generic[i].name;
        if (strlen(name) == n && strncmp(name, triple, n) == 0) {
            *out = &emit_llvm_arm_generic[i];
            return KILN_OK;
        }
    }
    char msg[KILN_ERROR_MESSAGE_SIZE];
    snprintf(msg, sizeof msg,
             "no generic CPU for the Arm sub-architecture '%.*s': name a CPU (kilnc "
             "--target=%.80s --cpu=help) or use one of ",
             (int)(n > 40 ? 40 : n), triple, triple);
    size_t used = strlen(msg);
    for (size_t i = 0; i < emit_llvm_arm_generic_count && used + 40 < sizeof msg; i++)
        used += (size_t)snprintf(msg + used, sizeof msg - used, "%s%s", i ? ", " : "",
                                 emit_llvm_arm_generic[i].name);
    return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "%s", msg);
}

kiln_status emit_cpu_resolve(kiln_arch arch, const char *triple, const char *cpu,
                             const char *features, emit_cpu_choice *out, kiln_error *err)
{
    const emit_llvm_arch *a = &emit_llvm_arches[arch];
    const emit_llvm_cpu *c = emit_cpu_find(arch, cpu);
    if (c == NULL)
        return unknown_cpu(arch, cpu, err);
    if (arch == KILN_ARCH_ARM && strcmp(cpu, "generic") == 0) {
        kiln_status st = arm_generic(triple, &c, err);
        if (st != KILN_OK)
            return st;
    }

    emit_feature_set s;
    memset(&s, 0, sizeof s);
    set_add_list(a, c->features, &s);

    for (const char *p = features; *p != '\0';) {
        size_t n = strcspn(p, ",");
        const char *entry = p;
        p += n;
        if (*p == ',')
            p++;
        if (n == 0)
            continue;
        if (entry[0] != '+' && entry[0] != '-')
            return unknown_feature(arch, entry, n, "no '+' or '-' before", err);
        long f = feature_index(a, entry + 1, n - 1);
        if (f < 0)
            return unknown_feature(arch, entry + 1, n - 1, "unknown", err);
        if (entry[0] == '+')
            set_enable(a, &s, (size_t)f);
        else
            set_disable(a, &s, (size_t)f);
    }
    if (arch == KILN_ARCH_X86_64 && x86_adds_evex512(cpu, features)) {
        long f = feature_index(a, "evex512", 7);
        if (f >= 0)
            set_enable(a, &s, (size_t)f);
    }
    kiln_status st = check_modes(arch, cpu, &s, err);
    if (st != KILN_OK)
        return st;

    text llvm = {0}, recorded = {0};
    text_add(&llvm, "", 0);
    text_add(&recorded, "", 0);
    text_add(&llvm, features, strlen(features));
    for (size_t i = 0; i < a->feature_count; i++) {
        const char *name = a->features[i].name;
        if (!host_must_have(arch, name))
            continue;
        bool on = set_test(&s, i);
        text_entry(&llvm, on ? '+' : '-', name);
        if (on)
            text_entry(&recorded, '+', name);
    }
    if (llvm.failed || recorded.failed) {
        free(llvm.data);
        free(recorded.data);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
    }
    out->llvm_features = llvm.data;
    out->recorded = recorded.data;
    out->set = s;
    return KILN_OK;
}

void emit_cpu_choice_free(emit_cpu_choice *choice)
{
    if (choice == NULL)
        return;
    free(choice->llvm_features);
    free(choice->recorded);
    choice->llvm_features = NULL;
    choice->recorded = NULL;
}
