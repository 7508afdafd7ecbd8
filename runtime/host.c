/*
 * Host calls (see hostcall.h): bindings and their dispatch, kiln_caller_*,
 * and native functions with WAMR-style signatures.
 *
 * Invariants: dispatch runs inside a trap_call activation (compiled code
 * called the host trampoline), so trap_raise_* always has somewhere to
 * unwind to; it frees whatever it allocated before raising. A native call
 * checks every guest pointer of the signature before the native function
 * runs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "hostcall.h"
#include "kiln_common.h"
#include "trap.h"
#include "values.h"

#define HC_LOCAL_VALUES 16u
#define HC_MESSAGE_SIZE 256u

typedef struct hc_binding {
    void (*dispatch)(void *binding, kiln_slot *slots); /* first word: the ABI */
    /* Words 1..KILN_VMCTX_STACK_LIMIT, never read here. A binding is the
     * vmctx of its {host_trampoline, binding} pair, and when that pair is
     * entered directly (a start function or an export that is a host
     * import), trap_call stores the stack limit at word
     * KILN_VMCTX_STACK_LIMIT of the vmctx it enters with: it lands here
     * instead of overwriting `type` (start.wast: start.7). */
    uintptr_t vmctx_words[KILN_VMCTX_STACK_LIMIT];
    kiln_instance *instance; /* the importing instance (not a reference: it owns us) */
    const ld_import *import;
    const ld_type *type;
    kiln_host_fn fn;
    void *user_data;
} hc_binding;

_Static_assert(offsetof(hc_binding, vmctx_words) + sizeof(uintptr_t) * KILN_VMCTX_STACK_LIMIT ==
                   sizeof(uintptr_t) * (KILN_VMCTX_STACK_LIMIT + 1u),
               "a binding must hold vmctx words up to the stack limit");

enum { HC_NONE = 0, HC_TRAP = 1, HC_EXIT = 2 };

struct kiln_caller {
    kiln_instance *instance;
    const hc_binding *binding;
    int outcome;
    kiln_trap_code code;
    int exit_status;
    char message[HC_MESSAGE_SIZE];
};

/* ---- kiln_caller ------------------------------------------------------------- */

uint8_t *kiln_caller_memory(kiln_caller *caller, uint64_t *size_bytes)
{
    kiln_instance *inst = caller == NULL ? NULL : caller->instance;
    if (inst == NULL || inst->module->memory_count == 0) {
        if (size_bytes != NULL)
            *size_bytes = 0;
        return NULL;
    }
    if (size_bytes != NULL)
        *size_bytes = inst->memories[0]->size_bytes;
    return inst->memories[0]->base;
}

struct kiln_instance *kiln_caller_instance(kiln_caller *caller)
{
    return caller == NULL ? NULL : caller->instance;
}

static void caller_set_message(kiln_caller *caller, const char *message)
{
    size_t n = strlen(message);
    if (n >= sizeof caller->message)
        n = sizeof caller->message - 1;
    memcpy(caller->message, message, n);
    caller->message[n] = '\0';
}

kiln_status kiln_caller_trap(kiln_caller *caller, const char *message)
{
    if (caller == NULL)
        return KILN_ERR_TRAP;
    caller->outcome = HC_TRAP;
    caller->code = KILN_TRAP_HOST;
    caller_set_message(caller, message != NULL ? message : kiln_trap_message(KILN_TRAP_HOST));
    return KILN_ERR_TRAP;
}

kiln_status kiln_caller_exit(kiln_caller *caller, int status)
{
    if (caller == NULL)
        return KILN_ERR_EXIT;
    caller->outcome = HC_EXIT;
    caller->exit_status = status;
    return KILN_ERR_EXIT;
}

/* ---- values <-> slots -------------------------------------------------------- */

/* ---- dispatch ------------------------------------------------------------------ */

static void hc_dispatch(void *binding_ptr, kiln_slot *slots)
{
    hc_binding *b = binding_ptr;
    const ld_type *t = b->type;
    kiln_val local_args[HC_LOCAL_VALUES], local_results[HC_LOCAL_VALUES];
    kiln_val *args = local_args, *results = local_results;
    if (t->param_count > HC_LOCAL_VALUES)
        args = kiln_calloc(t->param_count, sizeof *args);
    if (t->result_count > HC_LOCAL_VALUES)
        results = kiln_calloc(t->result_count, sizeof *results);
    if (args == NULL || results == NULL) {
        if (args != local_args)
            kiln_free(args);
        if (results != local_results)
            kiln_free(results);
        trap_raise_message(KILN_TRAP_HOST, "out of memory calling a host function");
    }
    for (uint32_t i = 0; i < t->param_count; i++)
        rt_slot_to_val(&args[i], t->kinds[i], &slots[i]);
    for (uint32_t i = 0; i < t->result_count; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].kind = t->kinds[t->param_count + i];
    }

    kiln_caller caller;
    caller.instance = b->instance;
    caller.binding = b;
    caller.outcome = HC_NONE;
    caller.code = KILN_TRAP_NONE;
    caller.exit_status = 0;
    caller.message[0] = '\0';
    kiln_status st = b->fn(&caller, b->user_data, args, results);
    if (st == KILN_OK && caller.outcome == HC_NONE) {
        for (uint32_t i = 0; i < t->result_count; i++)
            rt_val_to_slot(&slots[i], t->kinds[t->param_count + i], &results[i]);
    }
    if (args != local_args)
        kiln_free(args);
    if (results != local_results)
        kiln_free(results);
    if (caller.outcome == HC_EXIT)
        trap_raise_exit(caller.exit_status);
    if (caller.outcome == HC_TRAP)
        trap_raise_message(caller.code, caller.message);
    if (st != KILN_OK) {
        char message[HC_MESSAGE_SIZE];
        kiln_error e;
        kiln_error_set(&e, st, KILN_NO_OFFSET, "host function %s.%s failed: %s",
                       b->import->module_name, b->import->field_name, kiln_status_name(st));
        memcpy(message, e.message, sizeof message - 1);
        message[sizeof message - 1] = '\0';
        trap_raise_message(KILN_TRAP_HOST, message);
    }
}

kiln_status hc_binding_new(kiln_instance *instance, const ld_import *im, kiln_host_fn fn,
                           void *user_data, void **out, kiln_error *err)
{
    hc_binding *b = kiln_calloc(1, sizeof *b);
    if (b == NULL)
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory binding host function %s.%s", im->module_name,
                              im->field_name);
    b->dispatch = hc_dispatch;
    b->instance = instance;
    b->import = im;
    b->type = &instance->module->types[im->type_index];
    b->fn = fn;
    b->user_data = user_data;
    *out = b;
    return KILN_OK;
}

void hc_binding_free(void *binding)
{
    kiln_free(binding);
}

kiln_status hc_trap_unknown(kiln_caller *caller, void *user_data, const kiln_val *args,
                            kiln_val *results)
{
    (void)user_data, (void)args, (void)results;
    char message[HC_MESSAGE_SIZE];
    kiln_error e;
    kiln_error_set(&e, KILN_ERR_TRAP, KILN_NO_OFFSET, "unknown import %s.%s called",
                   caller->binding->import->module_name, caller->binding->import->field_name);
    memcpy(message, e.message, sizeof message - 1);
    message[sizeof message - 1] = '\0';
    return kiln_caller_trap(caller, message);
}

/* ---- native functions ------------------------------------------------------------- */

/*
 * LP64 hosts (x86-64 System V, AArch64, RISC-V LP64D): two call shapes for
 * every signature: the caller, the integer registers after it (5 on
 * x86-64, 7 on AArch64 and RISC-V) and 8 float registers (as doubles), then
 * (second shape) HC_STACK_WORDS 8-byte stack words. lp64_place puts each
 * argument where the host's calling convention puts it for the native
 * function's own parameter list: integer and float registers are assigned
 * independently in order; an argument that finds no register of its class
 * takes the next stack word (one 8-byte slot, value in the low bytes),
 * except on RISC-V, where a float that finds no float register takes the
 * next integer register first. The caller pops the stack, so words past a
 * function's own parameters are ignored. An f32 is NaN-boxed in its 64-bit
 * word: RISC-V reads an f32 whose upper 32 bits are not all ones as NaN;
 * the others read the low 32 bits only. Signatures that fit in registers
 * use the first shape, which copies no stack words.
 */
#if (defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)) && \
    !defined(_WIN32)
#define HC_NATIVE_LP64 1
#define HC_NATIVE_AAPCS_VFP 0
#elif defined(__arm__) && defined(__ARM_PCS_VFP)
#define HC_NATIVE_LP64 0
#define HC_NATIVE_AAPCS_VFP 1 /* see aapcs_place */
#else
#define HC_NATIVE_LP64 0
#define HC_NATIVE_AAPCS_VFP 0
#endif
#define HC_NATIVE_SUPPORTED (HC_NATIVE_LP64 || HC_NATIVE_AAPCS_VFP)

#if defined(__x86_64__)
#define HC_NATIVE_MAX_INT 5u
#define HC_INT_TYPES uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define HC_INT_ARGS(r) r[0], r[1], r[2], r[3], r[4]
#else
#define HC_NATIVE_MAX_INT 7u
#define HC_INT_TYPES uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t, uint64_t
#define HC_INT_ARGS(r) r[0], r[1], r[2], r[3], r[4], r[5], r[6]
#endif
#if defined(__riscv)
#define HC_FLOAT_SPILLS_TO_INT true
#else
#define HC_FLOAT_SPILLS_TO_INT false
#endif
#define HC_NATIVE_MAX_FLOAT 8u
#define HC_STACK_WORDS 32u
/* Every parameter takes a register or a stack word (AAPCS-VFP: 3 core, 16
 * single registers), so this bounds the parameters of a signature that fits. */
#define HC_NATIVE_MAX_PARAMS (HC_NATIVE_MAX_INT + 2u * HC_NATIVE_MAX_FLOAT + HC_STACK_WORDS)

#define HC_REG_TYPES                                                                         \
    kiln_caller *, HC_INT_TYPES, double, double, double, double, double, double, double, double
#define HC_W4 uint64_t, uint64_t, uint64_t, uint64_t
#define HC_STACK_TYPES HC_W4, HC_W4, HC_W4, HC_W4, HC_W4, HC_W4, HC_W4, HC_W4

typedef uint64_t (*hc_shape_int)(HC_REG_TYPES);
typedef double (*hc_shape_float)(HC_REG_TYPES);
typedef void (*hc_shape_void)(HC_REG_TYPES);
typedef uint64_t (*hc_shape_int_stack)(HC_REG_TYPES, HC_STACK_TYPES);
typedef double (*hc_shape_float_stack)(HC_REG_TYPES, HC_STACK_TYPES);
typedef void (*hc_shape_void_stack)(HC_REG_TYPES, HC_STACK_TYPES);

#define HC_REG_ARGS(c, r, f) c, HC_INT_ARGS(r), f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]
#define HC_S4(s, i) s[i], s[i + 1], s[i + 2], s[i + 3]
#define HC_STACK_ARGS(s)                                                                     \
    HC_S4(s, 0), HC_S4(s, 4), HC_S4(s, 8), HC_S4(s, 12), HC_S4(s, 16), HC_S4(s, 20),          \
        HC_S4(s, 24), HC_S4(s, 28)

_Static_assert(HC_STACK_WORDS == 32u, "HC_STACK_TYPES and HC_STACK_ARGS list 32 words");

struct hc_native {
    void *fn;
    char params[HC_NATIVE_MAX_PARAMS + 1]; /* signature chars of the parameters */
    uint32_t param_count;
    uint32_t stack_words; /* stack words the arguments take */
    char result;          /* 0: none */
};

/*
 * LP64: where each argument of n goes (see above). values (one 64-bit word
 * per parameter, a float's bits in its low half) are written to ints,
 * floats and stack unless values is NULL; nothing is written past
 * HC_STACK_WORDS. Returns the number of stack words used.
 */
static uint32_t lp64_place(const hc_native *n, const uint64_t *values, uint64_t *ints,
                           double *floats, uint64_t *stack)
{
    uint32_t ni = 0, nf = 0, ns = 0;
    for (uint32_t i = 0; i < n->param_count; i++) {
        char c = n->params[i];
        uint64_t v = values != NULL ? values[i] : 0;
        bool is_float = c == 'f' || c == 'F';
        if (c == 'f')
            v |= 0xffffffff00000000u; /* NaN-boxed */
        if (is_float && nf < HC_NATIVE_MAX_FLOAT) {
            if (values != NULL)
                memcpy(&floats[nf], &v, 8);
            nf++;
        } else if ((!is_float || HC_FLOAT_SPILLS_TO_INT) && ni < HC_NATIVE_MAX_INT) {
            if (values != NULL)
                ints[ni] = v;
            ni++;
        } else {
            if (values != NULL && ns < HC_STACK_WORDS)
                stack[ns] = v;
            ns++;
        }
    }
    return ns;
}

/*
 * 32-bit Arm, hard float (AAPCS-VFP): where each argument of n goes. The
 * caller takes r0; 32-bit integer-class arguments take r1..r3 in order, a
 * 64-bit one an even pair (r2:r3) or, once the core registers are used up,
 * an 8-byte-aligned pair of stack words; f32 takes the lowest free single
 * register s0..s15 (back-filling the gap an f64 left), f64 the lowest free
 * even pair (d0..d7); a float argument that finds none goes to the stack
 * and makes every VFP register unavailable from then on. Stack words are
 * numbered from the stack pointer at the call (8-byte aligned). values
 * (one 64-bit word per parameter, a float's bits in its low half) are
 * written to core[1..3], vfp[0..15] (single registers) and stack unless
 * values is NULL. Returns the number of stack words used.
 */
static uint32_t aapcs_place(const hc_native *n, const uint64_t *values, uint32_t *core,
                            uint32_t *vfp, uint32_t *stack)
{
    uint32_t ncrn = 1, nsaa = 0, vfp_used = 0;
    bool vfp_full = false;
    for (uint32_t i = 0; i < n->param_count; i++) {
        char c = n->params[i];
        uint64_t v = values != NULL ? values[i] : 0;
        bool wide = c == 'I' || c == 'F';
        if (c == 'f' || c == 'F') {
            uint32_t need = wide ? 3u : 1u; /* a mask of consecutive singles */
            uint32_t step = wide ? 2u : 1u;
            uint32_t k = 0;
            while (!vfp_full && k < 16 && ((vfp_used >> k) & need) != 0)
                k += step;
            if (!vfp_full && k < 16) {
                vfp_used |= need << k;
                if (values != NULL) {
                    vfp[k] = (uint32_t)v;
                    if (wide)
                        vfp[k + 1] = (uint32_t)(v >> 32);
                }
                continue;
            }
            vfp_full = true;
        } else if (!wide && ncrn < 4) {
            if (values != NULL)
                core[ncrn] = (uint32_t)v;
            ncrn++;
            continue;
        } else if (wide) {
            ncrn += ncrn & 1u;
            if (ncrn <= 2) {
                if (values != NULL) {
                    core[ncrn] = (uint32_t)v;
                    core[ncrn + 1] = (uint32_t)(v >> 32);
                }
                ncrn += 2;
                continue;
            }
            ncrn = 4;
        }
        if (wide)
            nsaa += nsaa & 1u;
        if (values != NULL && nsaa < HC_STACK_WORDS) {
            stack[nsaa] = (uint32_t)v;
            if (wide && nsaa + 1 < HC_STACK_WORDS)
                stack[nsaa + 1] = (uint32_t)(v >> 32);
        }
        nsaa += wide ? 2u : 1u;
    }
    return nsaa;
}

#if HC_NATIVE_AAPCS_VFP
/* One call shape for every signature: r1..r3, s0..s15 (singles fill them
 * in order), then HC_STACK_WORDS stack words (the caller pops them, so a
 * function with fewer parameters ignores the rest). */
#define HC_F4 float, float, float, float
#define HC_U4 uint32_t, uint32_t, uint32_t, uint32_t
#define HC_AAPCS_TYPES                                                                      \
    kiln_caller *, uint32_t, uint32_t, uint32_t, HC_F4, HC_F4, HC_F4, HC_F4, HC_U4, HC_U4,    \
        HC_U4, HC_U4, HC_U4, HC_U4, HC_U4, HC_U4
typedef uint64_t (*hc_aapcs_int)(HC_AAPCS_TYPES); /* r0, or r0:r1 */
typedef float (*hc_aapcs_f32)(HC_AAPCS_TYPES);    /* s0 */
typedef double (*hc_aapcs_f64)(HC_AAPCS_TYPES);   /* d0 */
typedef void (*hc_aapcs_void)(HC_AAPCS_TYPES);
#define HC_F4_ARGS(f, i) f[i], f[i + 1], f[i + 2], f[i + 3]
#define HC_U4_ARGS(w, i) w[i], w[i + 1], w[i + 2], w[i + 3]
#define HC_AAPCS_ARGS(c, r, f, w)                                                           \
    c, r[1], r[2], r[3], HC_F4_ARGS(f, 0), HC_F4_ARGS(f, 4), HC_F4_ARGS(f, 8),               \
        HC_F4_ARGS(f, 12), HC_U4_ARGS(w, 0), HC_U4_ARGS(w, 4), HC_U4_ARGS(w, 8),             \
        HC_U4_ARGS(w, 12), HC_U4_ARGS(w, 16), HC_U4_ARGS(w, 20), HC_U4_ARGS(w, 24),          \
        HC_U4_ARGS(w, 28)

/* Calls n's function with the arguments placed as aapcs_place says. */
static void aapcs_call(const hc_native *n, kiln_caller *caller, const uint64_t *values,
                       kiln_val *results)
{
    uint32_t core[4] = {0}, bits[16] = {0}, stack[HC_STACK_WORDS] = {0};
    (void)aapcs_place(n, values, core, bits, stack);
    float s[16];
    memcpy(s, bits, sizeof s); /* register images: moved, never computed on */
    uintptr_t fn = (uintptr_t)n->fn;
    switch (n->result) {
    case 0: ((hc_aapcs_void)fn)(HC_AAPCS_ARGS(caller, core, s, stack)); break;
    case 'f': results[0].of.f32 = ((hc_aapcs_f32)fn)(HC_AAPCS_ARGS(caller, core, s, stack)); break;
    case 'F': results[0].of.f64 = ((hc_aapcs_f64)fn)(HC_AAPCS_ARGS(caller, core, s, stack)); break;
    default: {
        uint64_t r = ((hc_aapcs_int)fn)(HC_AAPCS_ARGS(caller, core, s, stack));
        if (n->result == 'i')
            results[0].of.i32 = (int32_t)(uint32_t)r;
        else if (n->result == 'I')
            results[0].of.i64 = (int64_t)r;
        else
            results[0].of.ref = (void *)(uintptr_t)(uint32_t)r;
        break;
    }
    }
}
#endif

static kiln_valkind native_kind(char c)
{
    switch (c) {
    case 'I': return KILN_I64;
    case 'f': return KILN_F32;
    case 'F': return KILN_F64;
    case 'r': return KILN_EXTERNREF;
    default: return KILN_I32; /* i * ~ $ */
    }
}

kiln_status hc_native_new(const char *signature, void *fn, hc_native **out,
                          kiln_valkind **kinds, uint32_t *param_count,
                          uint32_t *result_count, kiln_error *err)
{
    if (signature == NULL || fn == NULL || signature[0] != '(')
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "native signature \"%s\" must start with '('",
                              signature != NULL ? signature : "(null)");
    hc_native n;
    memset(&n, 0, sizeof n);
    n.fn = fn;
    const char *p = signature + 1;
    for (; *p != ')' && *p != '\0'; p++) {
        char c = *p;
        if (strchr("iIfFr*~$", c) == NULL)
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "native signature \"%s\": unknown parameter '%c'", signature,
                                  c);
        if (c == '~' && (n.param_count == 0 || n.params[n.param_count - 1] != '*'))
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "native signature \"%s\": '~' must follow '*'", signature);
        if (n.param_count == HC_NATIVE_MAX_PARAMS)
            return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                                  "native signature \"%s\": more than %u parameters; use "
                                  "kiln_linker_define_func",
                                  signature, HC_NATIVE_MAX_PARAMS);
        n.params[n.param_count++] = c;
    }
    if (*p != ')')
        return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                              "native signature \"%s\" lacks ')'", signature);
    p++;
    if (*p != '\0') {
        if (strchr("iIfFr", *p) == NULL || p[1] != '\0')
            return kiln_error_set(err, KILN_ERR_ARGUMENT, KILN_NO_OFFSET,
                                  "native signature \"%s\": the result must be one of i I f F "
                                  "r, or nothing",
                                  signature);
        n.result = *p;
    }
    if (!HC_NATIVE_SUPPORTED)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "native functions are supported on x86-64, AArch64, riscv64 "
                              "and 32-bit Arm with hard float only; use "
                              "kiln_linker_define_func");
    n.stack_words = HC_NATIVE_AAPCS_VFP ? aapcs_place(&n, NULL, NULL, NULL, NULL)
                                        : lp64_place(&n, NULL, NULL, NULL, NULL);
    if (n.stack_words > HC_STACK_WORDS)
        return kiln_error_set(err, KILN_ERR_UNSUPPORTED, KILN_NO_OFFSET,
                              "native signature \"%s\": its arguments need %u stack words "
                              "beyond the registers, more than %u; use "
                              "kiln_linker_define_func",
                              signature, (unsigned)n.stack_words, HC_STACK_WORDS);
    uint32_t nres = n.result != 0 ? 1u : 0u;
    hc_native *copy = kiln_calloc(1, sizeof *copy);
    kiln_valkind *k = kiln_calloc(n.param_count + nres, sizeof *k);
    if (copy == NULL || k == NULL) {
        kiln_free(copy);
        kiln_free(k);
        return kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET,
                              "out of memory defining a native function");
    }
    *copy = n;
    for (uint32_t i = 0; i < n.param_count; i++)
        k[i] = native_kind(n.params[i]);
    if (nres != 0)
        k[n.param_count] = native_kind(n.result);
    *out = copy;
    *kinds = k;
    *param_count = n.param_count;
    *result_count = nres;
    return KILN_OK;
}

void hc_native_free(hc_native *native)
{
    kiln_free(native);
}

/* The trap for a bad pointer argument: names the function, the argument and
 * the range, and keeps the spec's message first. */
static kiln_status bad_pointer(kiln_caller *caller, uint32_t arg, uint64_t ptr, uint64_t len,
                               bool is_string, uint64_t mem_size)
{
    char range[96];
    if (is_string)
        snprintf(range, sizeof range, "string at 0x%llx has no NUL", (unsigned long long)ptr);
    else
        snprintf(range, sizeof range, "[0x%llx, +%llu)", (unsigned long long)ptr,
                 (unsigned long long)len);
    char message[HC_MESSAGE_SIZE];
    snprintf(message, sizeof message,
             "%s: argument %u of native function %s.%s: %s is outside memory 0 (%llu bytes)",
             kiln_trap_message(KILN_TRAP_OUT_OF_BOUNDS_MEMORY), arg,
             caller->binding->import->module_name, caller->binding->import->field_name, range,
             (unsigned long long)mem_size);
    caller->outcome = HC_TRAP;
    caller->code = KILN_TRAP_OUT_OF_BOUNDS_MEMORY;
    caller_set_message(caller, message);
    return KILN_ERR_TRAP;
}

kiln_status hc_native_call(kiln_caller *caller, void *user_data, const kiln_val *args,
                           kiln_val *results)
{
    const hc_native *n = user_data;
    uint64_t size = 0;
    uint8_t *base = kiln_caller_memory(caller, &size);
    uint64_t values[HC_NATIVE_MAX_PARAMS]; /* per parameter */
    for (uint32_t i = 0; i < n->param_count; i++) {
        char c = n->params[i];
        uint64_t word = 0; /* integer-class value, or a float's bits */
        switch (c) {
        case 'i':
        case '~': word = (uint64_t)(int64_t)args[i].of.i32; break;
        case 'I': word = (uint64_t)args[i].of.i64; break;
        case 'r': word = (uint64_t)(uintptr_t)args[i].of.ref; break;
        case 'f': {
            uint32_t bits;
            memcpy(&bits, &args[i].of.f32, 4);
            word = bits;
            break;
        }
        case 'F': memcpy(&word, &args[i].of.f64, 8); break;
        case '*': {
            uint64_t ptr = (uint32_t)args[i].of.i32;
            uint64_t len = 1;
            if (i + 1 < n->param_count && n->params[i + 1] == '~')
                len = (uint32_t)args[i + 1].of.i32;
            if (base == NULL || ptr > size || len > size - ptr)
                return bad_pointer(caller, i + 1, ptr, len, false, size);
            word = (uint64_t)(uintptr_t)(base + ptr);
            break;
        }
        case '$': {
            uint64_t ptr = (uint32_t)args[i].of.i32;
            if (base == NULL || ptr >= size || memchr(base + ptr, '\0', (size_t)(size - ptr)) == NULL)
                return bad_pointer(caller, i + 1, ptr, 0, true, size);
            word = (uint64_t)(uintptr_t)(base + ptr);
            break;
        }
        }
        values[i] = word;
    }
#if HC_NATIVE_AAPCS_VFP
    aapcs_call(n, caller, values, results);
#elif HC_NATIVE_LP64
    uint64_t ints[HC_NATIVE_MAX_INT] = {0};
    double floats[HC_NATIVE_MAX_FLOAT] = {0};
    uint64_t stack[HC_STACK_WORDS] = {0};
    (void)lp64_place(n, values, ints, floats, stack); /* hc_native_new checked the words */
    uintptr_t fn = (uintptr_t)n->fn;
    bool on_stack = n->stack_words > 0;
    switch (n->result) {
    case 0:
        if (on_stack)
            ((hc_shape_void_stack)fn)(HC_REG_ARGS(caller, ints, floats), HC_STACK_ARGS(stack));
        else
            ((hc_shape_void)fn)(HC_REG_ARGS(caller, ints, floats));
        break;
    case 'f':
    case 'F': {
        double r = on_stack ? ((hc_shape_float_stack)fn)(HC_REG_ARGS(caller, ints, floats),
                                                         HC_STACK_ARGS(stack))
                            : ((hc_shape_float)fn)(HC_REG_ARGS(caller, ints, floats));
        if (n->result == 'F') {
            results[0].of.f64 = r;
        } else {
            uint64_t bits;
            memcpy(&bits, &r, 8);
            uint32_t low = (uint32_t)bits;
            memcpy(&results[0].of.f32, &low, 4);
        }
        break;
    }
    default: {
        uint64_t r = on_stack ? ((hc_shape_int_stack)fn)(HC_REG_ARGS(caller, ints, floats),
                                                         HC_STACK_ARGS(stack))
                              : ((hc_shape_int)fn)(HC_REG_ARGS(caller, ints, floats));
        if (n->result == 'i')
            results[0].of.i32 = (int32_t)(uint32_t)r;
        else if (n->result == 'I')
            results[0].of.i64 = (int64_t)r;
        else
            results[0].of.ref = (void *)(uintptr_t)r;
        break;
    }
    }
#else
    (void)results;
    (void)values;
#endif
    return KILN_OK;
}
