/*
 * kiln: runs a precompiled module (.aot container written by kilnc).
 *
 *   kiln [options] MODULE [ARGS...]
 *
 * Without --invoke it calls the `_start` export, else `main`. ARGS are
 * parsed by the kinds of the called function's parameters, and results
 * are printed one per line (integers in signed decimal, floats in the
 * shortest form that reads back to the same bits). The module is
 * recognised by its content, never by its file name.
 *
 * Exit status: 0 success, 1 load/link error or trap (a trap never kills the
 * process with a signal), 2 bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"

#define EXIT_TRAP_OR_ERROR 1
#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kiln [options] MODULE [ARGS...]\n"
            "\n"
            "Runs a module precompiled by kilnc. Without --invoke, calls the export\n"
            "`_start`, or `main` when there is no `_start`.\n"
            "\n"
            "options:\n"
            "  --invoke NAME  call the exported function NAME instead; ARGS are its\n"
            "                 arguments, read by parameter type: integers in decimal or\n"
            "                 0x hex (negative allowed, i32 also 0..4294967295), floats in\n"
            "                 decimal or hex-float, nan, -nan, inf, -inf, nan:0xPAYLOAD\n"
            "  --help         print this help and exit\n"
            "  --version      print the version and the target this runtime runs\n"
            "  --             end of options (a MODULE name may then start with '-')\n"
            "\n"
            "Each result is printed on its own line. Exit status: 0 on success, 1 when\n"
            "the module cannot be loaded or instantiated or wasm traps (the message goes\n"
            "to stderr as `kiln: trap: ...`), 2 on bad usage.\n");
}

/* ---- argument parsing ------------------------------------------------------------ */

/* Parses [-]digits or [-]0xhex into sign and magnitude; false on junk or
 * overflow of 64 bits. */
static bool parse_magnitude(const char *s, bool *negative, uint64_t *magnitude)
{
    *negative = false;
    if (*s == '-' || *s == '+') {
        *negative = *s == '-';
        s++;
    }
    unsigned base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    if (*s == '\0')
        return false;
    uint64_t v = 0;
    for (; *s != '\0'; s++) {
        unsigned d;
        if (*s >= '0' && *s <= '9')
            d = (unsigned)(*s - '0');
        else if (base == 16 && *s >= 'a' && *s <= 'f')
            d = (unsigned)(*s - 'a' + 10);
        else if (base == 16 && *s >= 'A' && *s <= 'F')
            d = (unsigned)(*s - 'A' + 10);
        else if (*s == '_')
            continue;
        else
            return false;
        if (v > (UINT64_MAX - d) / base)
            return false;
        v = v * base + d;
    }
    *magnitude = v;
    return true;
}

static bool parse_i32(const char *s, int32_t *out)
{
    bool neg;
    uint64_t mag;
    if (!parse_magnitude(s, &neg, &mag))
        return false;
    if (neg ? mag > 0x80000000u : mag > 0xFFFFFFFFu)
        return false;
    *out = (int32_t)(uint32_t)(neg ? (uint32_t)(0u - (uint32_t)mag) : (uint32_t)mag);
    return true;
}

static bool parse_i64(const char *s, int64_t *out)
{
    bool neg;
    uint64_t mag;
    if (!parse_magnitude(s, &neg, &mag))
        return false;
    if (neg && mag > (uint64_t)1 << 63)
        return false;
    *out = (int64_t)(neg ? 0u - mag : mag);
    return true;
}

/* nan, -nan, nan:0xP, inf, -inf: the bits, or false for other text. */
static bool parse_special(const char *s, bool is_f64, uint64_t *bits)
{
    uint64_t sign = 0;
    if (*s == '-' || *s == '+') {
        if (*s == '-')
            sign = 1;
        s++;
    }
    uint64_t exp_all = is_f64 ? 0x7FF0000000000000ull : 0x7F800000u;
    uint64_t quiet = is_f64 ? 0x0008000000000000ull : 0x00400000u;
    uint64_t payload_mask = is_f64 ? 0x000FFFFFFFFFFFFFull : 0x007FFFFFu;
    uint64_t sign_bit = sign << (is_f64 ? 63 : 31);
    if (strcmp(s, "inf") == 0 || strcmp(s, "infinity") == 0) {
        *bits = sign_bit | exp_all;
        return true;
    }
    if (strcmp(s, "nan") == 0) {
        *bits = sign_bit | exp_all | quiet;
        return true;
    }
    if (strncmp(s, "nan:", 4) == 0) {
        bool neg;
        uint64_t payload;
        if (strncmp(s + 4, "0x", 2) != 0 || !parse_magnitude(s + 4, &neg, &payload) || neg ||
            payload == 0 || payload > payload_mask)
            return false;
        *bits = sign_bit | exp_all | payload;
        return true;
    }
    return false;
}

static bool parse_f32(const char *s, float *out)
{
    uint64_t bits;
    if (parse_special(s, false, &bits)) {
        uint32_t b = (uint32_t)bits;
        memcpy(out, &b, 4);
        return true;
    }
    if (strstr(s, "nan") != NULL || strstr(s, "inf") != NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    float v = strtof(s, &end);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static bool parse_f64(const char *s, double *out)
{
    uint64_t bits;
    if (parse_special(s, true, &bits)) {
        memcpy(out, &bits, 8);
        return true;
    }
    if (strstr(s, "nan") != NULL || strstr(s, "inf") != NULL || *s == '\0')
        return false;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (*end != '\0')
        return false;
    *out = v;
    return true;
}

static const char *kind_name(kiln_valkind k)
{
    switch (k) {
    case KILN_I32: return "i32";
    case KILN_I64: return "i64";
    case KILN_F32: return "f32";
    case KILN_F64: return "f64";
    case KILN_V128: return "v128";
    case KILN_FUNCREF: return "funcref";
    case KILN_EXTERNREF: return "externref";
    }
    return "unknown";
}

static bool parse_arg(const char *text, kiln_valkind kind, kiln_val *out)
{
    memset(out, 0, sizeof *out);
    out->kind = kind;
    switch (kind) {
    case KILN_I32: return parse_i32(text, &out->of.i32);
    case KILN_I64: return parse_i64(text, &out->of.i64);
    case KILN_F32: return parse_f32(text, &out->of.f32);
    case KILN_F64: return parse_f64(text, &out->of.f64);
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
        out->of.ref = NULL;
        return strcmp(text, "null") == 0;
    case KILN_V128: return false;
    }
    return false;
}

/* ---- result printing ---------------------------------------------------------------- */

static void print_f32(float v)
{
    uint32_t bits;
    memcpy(&bits, &v, 4);
    const char *sign = (bits >> 31) ? "-" : "";
    if (isnan(v)) {
        uint32_t payload = bits & 0x007FFFFFu;
        if (payload == 0x00400000u)
            printf("%snan\n", sign);
        else
            printf("%snan:0x%" PRIx32 "\n", sign, payload);
        return;
    }
    if (isinf(v)) {
        printf("%sinf\n", sign);
        return;
    }
    char buf[64];
    for (int precision = 1; precision <= 9; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, (double)v);
        float back = strtof(buf, NULL);
        uint32_t back_bits;
        memcpy(&back_bits, &back, 4);
        if (back_bits == bits)
            break;
    }
    printf("%s\n", buf);
}

static void print_f64(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, 8);
    const char *sign = (bits >> 63) ? "-" : "";
    if (isnan(v)) {
        uint64_t payload = bits & 0x000FFFFFFFFFFFFFull;
        if (payload == 0x0008000000000000ull)
            printf("%snan\n", sign);
        else
            printf("%snan:0x%" PRIx64 "\n", sign, payload);
        return;
    }
    if (isinf(v)) {
        printf("%sinf\n", sign);
        return;
    }
    char buf[64];
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, sizeof buf, "%.*g", precision, v);
        double back = strtod(buf, NULL);
        uint64_t back_bits;
        memcpy(&back_bits, &back, 8);
        if (back_bits == bits)
            break;
    }
    printf("%s\n", buf);
}

static void print_result(const kiln_val *v)
{
    switch (v->kind) {
    case KILN_I32: printf("%" PRId32 "\n", v->of.i32); return;
    case KILN_I64: printf("%" PRId64 "\n", v->of.i64); return;
    case KILN_F32: print_f32(v->of.f32); return;
    case KILN_F64: print_f64(v->of.f64); return;
    case KILN_V128: {
        printf("0x");
        for (int i = 15; i >= 0; i--)
            printf("%02x", v->of.v128[i]);
        printf("\n");
        return;
    }
    case KILN_FUNCREF:
    case KILN_EXTERNREF:
        if (v->of.ref == NULL)
            printf("null\n");
        else
            printf("%s %p\n", kind_name(v->kind), v->of.ref);
        return;
    }
}

/* ---- main ------------------------------------------------------------------------------ */

static int run(const char *path, const char *invoke, int argc, char **argv)
{
    kiln_error err;
    kiln_module *module = NULL;
    kiln_instance *instance = NULL;
    kiln_val *args = NULL;
    kiln_val *results = NULL;
    int status = EXIT_TRAP_OR_ERROR;

    if (kiln_module_load_file(path, &module, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    if (kiln_module_import_count(module) != 0 &&
        kiln_instance_new(module, &instance, &err) != KILN_OK) {
        /* No WASI or linker here yet: name the import that cannot be met. */
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    const char *name = invoke;
    kiln_func_type type;
    if (name == NULL) {
        name = "_start";
        if (kiln_module_export_func_type(module, name, &type, &err) != KILN_OK) {
            name = "main";
            if (kiln_module_export_func_type(module, name, &type, &err) != KILN_OK) {
                fprintf(stderr,
                        "kiln: error: %s exports no function _start or main (use --invoke "
                        "NAME)\n",
                        path);
                goto out;
            }
        }
    } else if (kiln_module_export_func_type(module, name, &type, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    if ((uint32_t)argc != type.param_count) {
        fprintf(stderr, "kiln: error: %s takes %u argument%s (", name, type.param_count,
                type.param_count == 1 ? "" : "s");
        for (uint32_t i = 0; i < type.param_count; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", kind_name(type.params[i]));
        fprintf(stderr, "), %d given\n", argc);
        status = EXIT_USAGE;
        goto out;
    }
    args = calloc(type.param_count + 1u, sizeof *args);
    results = calloc(type.result_count + 1u, sizeof *results);
    if (args == NULL || results == NULL) {
        fprintf(stderr, "kiln: error: out of memory\n");
        goto out;
    }
    for (uint32_t i = 0; i < type.param_count; i++) {
        if (!parse_arg(argv[i], type.params[i], &args[i])) {
            fprintf(stderr, "kiln: error: argument %u of %s: \"%s\" is not a valid %s\n", i + 1,
                    name, argv[i], kind_name(type.params[i]));
            status = EXIT_USAGE;
            goto out;
        }
    }
    if (instance == NULL && kiln_instance_new(module, &instance, &err) != KILN_OK) {
        if (err.status == KILN_ERR_TRAP)
            fprintf(stderr, "kiln: %s\n", err.message);
        else
            fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    if (kiln_instance_call(instance, name, args, type.param_count, results, type.result_count,
                           &err) != KILN_OK) {
        if (err.status == KILN_ERR_TRAP)
            fprintf(stderr, "kiln: %s\n", err.message);
        else
            fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    for (uint32_t i = 0; i < type.result_count; i++)
        print_result(&results[i]);
    status = fflush(stdout) == 0 ? 0 : EXIT_TRAP_OR_ERROR;
out:
    free(args);
    free(results);
    kiln_instance_free(instance);
    kiln_module_free(module);
    return status;
}

int main(int argc, char **argv)
{
    const char *invoke = NULL;
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0')
            break;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("kiln %s (container format %u..%u, target %s)\n", KILN_VERSION_STRING,
                   KILN_AOT_FORMAT_VERSION_MIN, KILN_AOT_FORMAT_VERSION, kiln_runtime_target());
            return 0;
        }
        if (strcmp(a, "--invoke") == 0 || strncmp(a, "--invoke=", 9) == 0) {
            if (a[8] == '=') {
                invoke = a + 9;
            } else if (i + 1 < argc) {
                invoke = argv[++i];
            } else {
                fprintf(stderr, "kiln: error: --invoke needs a function name\n");
                return EXIT_USAGE;
            }
            continue;
        }
        fprintf(stderr, "kiln: error: unknown option %s (see kiln --help)\n", a);
        return EXIT_USAGE;
    }
    if (i >= argc) {
        fprintf(stderr, "kiln: error: no MODULE given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    return run(argv[i], invoke, argc - i - 1, argv + i + 1);
}
