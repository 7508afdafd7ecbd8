/*
 * kiln-spec: runs the official WebAssembly spec tests, as converted to JSON
 * by wabt's wast2json, against libkilnc + libkiln in one process.
 *
 * usage: kiln-spec [--opt-level=N] [--partitions=N] [--xip] [--verbose] FILE.json...
 *
 * Every command of a file is executed in order: module, register, action,
 * assert_return, assert_trap, assert_exhaustion, assert_invalid,
 * assert_malformed, assert_unlinkable, assert_uninstantiable. The only skips
 * are assert_malformed/assert_invalid modules in the text format (wast2json
 * writes them as .wat), counted by kind. Output: one line per file, each
 * failure with file, line, command and what differed, then a total line
 * "N passed, N failed, N skipped". Exit status 1 when anything failed.
 *
 * --expected-differences=FILE names commands (FILE.wast:LINE per line, then
 * the reason) whose expectation predates WebAssembly 2.0 (proposal suites):
 * such a command still runs; when it differs it is counted as a separate,
 * named skip ("pre-2.0 proposal expectation"), never as a pass, and when it
 * no longer differs that is a failure, so the list stays true.
 *
 * Two steps, for targets where only the runtime exists:
 *   kiln-spec --compile-to DIR FILE.json...   compiles the .wasm of every
 *     module command to DIR/NAME.aot, or records its compile error in
 *     DIR/NAME.err ("STATUS MESSAGE", STATUS the kiln_status number), and
 *     runs nothing;
 *   kiln-spec-rt --aot-dir DIR FILE.json...   runs the files from those
 *     .aot/.err files with the runtime alone (kiln-spec accepts it too).
 * The compile half lives in spec_compile.c (kiln-spec-rt: spec_nocompile.c).
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiln.h"
#include "spec_compile.h"
#include "spec_host.h"

typedef struct counts {
    unsigned passed, failed, skipped_text_malformed, skipped_text_invalid;
    unsigned skipped_pre20; /* listed in --expected-differences and differing */
} counts;

/* --expected-differences: "FILE.wast:LINE" entries. */
#define MAX_DIFFERENCES 64
typedef struct differences {
    char file[MAX_DIFFERENCES][128];
    int line[MAX_DIFFERENCES];
    unsigned count;
} differences;

typedef struct spec_file {
    const char *path;  /* the .json */
    char dir[4096];    /* its folder, where the .wasm files are */
    const char *target;  /* --target=TRIPLE for --compile-to; NULL: the host */
    int opt_level;
    unsigned partitions; /* --partitions=N: kilnc_options.partitions */
    bool xip;            /* --xip: kilnc_options.xip (Cortex-M, tests/baremetal) */
    bool verbose;
    const char *aot_dir;    /* --aot-dir: run from DIR/NAME.aot|.err */
    const char *compile_to; /* --compile-to: only write DIR/NAME.aot|.err */
    spec_env *env;
    counts c;
    const differences *diffs;
    bool in_difference; /* the running command is listed in diffs */
} spec_file;

static void failf(spec_file *f, int line, const char *command, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void failf(spec_file *f, int line, const char *command, const char *fmt, ...)
{
    if (f->in_difference) {
        f->c.skipped_pre20++;
        fprintf(stdout, "  SKIP (pre-2.0 proposal expectation) %s:%d %s: ", f->path, line,
                command);
    } else {
        f->c.failed++;
        fprintf(stdout, "  FAIL %s:%d %s: ", f->path, line, command);
    }
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
}

static uint8_t *read_file(const char *path, size_t *size)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    uint8_t *buf = NULL;
    size_t cap = 0, len = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(buf, cap);
            if (grown == NULL) {
                free(buf);
                fclose(fp);
                return NULL;
            }
            buf = grown;
        }
        size_t n = fread(buf + len, 1, cap - len, fp);
        len += n;
        if (n == 0)
            break;
    }
    fclose(fp);
    *size = len;
    return buf;
}

/* Compiles and loads the module file of a command. On failure returns the
 * status and the message in *err; compile errors and load errors are both
 * reported, so assert_invalid can check the compiler's message. */
/* "x/NAME.wasm" -> "NAME" in buf. */
static void module_stem(const char *filename, char *buf, size_t size)
{
    const char *base = strrchr(filename, '/');
    snprintf(buf, size, "%s", base != NULL ? base + 1 : filename);
    char *dot = strrchr(buf, '.');
    if (dot != NULL && strcmp(dot, ".wasm") == 0)
        *dot = '\0';
}

/* --aot-dir: DIR/NAME.aot, else the compile error recorded in DIR/NAME.err. */
static kiln_status load_precompiled(spec_file *f, const char *filename, kiln_module **out,
                                    kiln_error *err)
{
    char stem[512], path[8192];
    module_stem(filename, stem, sizeof stem);
    snprintf(path, sizeof path, "%s/%s.aot", f->aot_dir, stem);
    size_t size = 0;
    uint8_t *aot = read_file(path, &size);
    if (aot != NULL) {
        kiln_status st = kiln_module_load(aot, size, out, err);
        free(aot);
        return st;
    }
    snprintf(path, sizeof path, "%s/%s.err", f->aot_dir, stem);
    uint8_t *text = read_file(path, &size);
    int status = 0, used = 0;
    if (text == NULL || sscanf((const char *)text, "%d %n", &status, &used) != 1 ||
        status <= KILN_OK || (size_t)used > size) {
        free(text);
        snprintf(err->message, sizeof err->message,
                 "%.150s: neither %.100s.aot nor a readable %.100s.err", f->aot_dir, stem, stem);
        err->status = KILN_ERR_IO;
        return KILN_ERR_IO;
    }
    snprintf(err->message, sizeof err->message, "%.*s", (int)(size - (size_t)used),
             (const char *)text + used);
    free(text);
    err->status = (kiln_status)status;
    return err->status;
}

static kiln_status load_module(spec_file *f, const char *filename, kiln_module **out,
                               kiln_error *err)
{
    if (f->aot_dir != NULL)
        return load_precompiled(f, filename, out, err);
    char path[8192];
    snprintf(path, sizeof path, "%s/%s", f->dir, filename);
    size_t size = 0;
    uint8_t *wasm = read_file(path, &size);
    if (wasm == NULL) {
        /* The path's tail names the file best when it does not fit. */
        size_t len = strlen(path), room = sizeof err->message / 2;
        snprintf(err->message, sizeof err->message, "cannot read %s: %s",
                 len > room ? path + (len - room) : path, strerror(errno));
        err->status = KILN_ERR_IO;
        return KILN_ERR_IO;
    }
    uint8_t *aot = NULL;
    size_t aot_size = 0;
    kiln_status st =
        spec_compile(wasm, size, f->target, f->opt_level, f->partitions, f->xip, &aot,
                     &aot_size, err);
    free(wasm);
    if (st != KILN_OK)
        return st;
    st = kiln_module_load(aot, aot_size, out, err);
    spec_compile_free(aot);
    return st;
}

/* Writes size bytes to path; false when it cannot. */
static bool write_file(const char *path, const void *bytes, size_t size)
{
    FILE *fp = fopen(path, "wb");
    if (fp == NULL)
        return false;
    bool ok = fwrite(bytes, 1, size, fp) == size;
    return fclose(fp) == 0 && ok;
}

/* --compile-to: one module command's .wasm to DIR/NAME.aot or DIR/NAME.err. */
static void compile_one(spec_file *f, const char *dir, const char *filename, int line)
{
    char path[8192], stem[512];
    snprintf(path, sizeof path, "%s/%s", f->dir, filename);
    size_t size = 0;
    uint8_t *wasm = read_file(path, &size);
    if (wasm == NULL) {
        failf(f, line, "compile", "cannot read %s: %s", filename, strerror(errno));
        return;
    }
    module_stem(filename, stem, sizeof stem);
    uint8_t *aot = NULL;
    size_t aot_size = 0;
    kiln_error err = {0};
    kiln_status st =
        spec_compile(wasm, size, f->target, f->opt_level, f->partitions, f->xip, &aot,
                     &aot_size, &err);
    free(wasm);
    bool ok;
    if (st == KILN_OK) {
        snprintf(path, sizeof path, "%s/%s.aot", dir, stem);
        ok = write_file(path, aot, aot_size);
        spec_compile_free(aot);
    } else {
        char text[sizeof err.message + 16];
        int n = snprintf(text, sizeof text, "%d %s", (int)st, err.message);
        snprintf(path, sizeof path, "%s/%s.err", dir, stem);
        ok = n > 0 && write_file(path, text, strlen(text));
    }
    if (!ok)
        failf(f, line, "compile", "cannot write %s: %s", path, strerror(errno));
    else
        f->c.passed++;
}

/* Compiles every binary module of a file (module and assert_* commands). */
static void compile_file_modules(spec_file *f, const cJSON *root, const char *dir)
{
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(root, "commands")) {
        const cJSON *filename = cJSON_GetObjectItem(cmd, "filename");
        const cJSON *module_type = cJSON_GetObjectItem(cmd, "module_type");
        if (!cJSON_IsString(filename) ||
            (cJSON_IsString(module_type) && strcmp(module_type->valuestring, "binary") != 0))
            continue;
        compile_one(f, dir, filename->valuestring, cJSON_GetObjectItem(cmd, "line")->valueint);
    }
}

/* ---- values ------------------------------------------------------------------ */

typedef enum expect_kind { EXPECT_VALUE, EXPECT_NAN_CANONICAL, EXPECT_NAN_ARITHMETIC,
                           EXPECT_ANY } expect_kind;

typedef struct expected {
    kiln_val val;
    expect_kind kind;
    /* v128: per-lane NaN patterns for f32x4 / f64x2 */
    const char *lane_type;
    expect_kind lane_kind[4];
} expected;

static kiln_valkind kind_of(const char *type)
{
    if (strcmp(type, "i32") == 0) return KILN_I32;
    if (strcmp(type, "i64") == 0) return KILN_I64;
    if (strcmp(type, "f32") == 0) return KILN_F32;
    if (strcmp(type, "f64") == 0) return KILN_F64;
    if (strcmp(type, "v128") == 0) return KILN_V128;
    if (strcmp(type, "funcref") == 0) return KILN_FUNCREF;
    return KILN_EXTERNREF;
}

static expect_kind nan_pattern(const char *s)
{
    if (strcmp(s, "nan:canonical") == 0)
        return EXPECT_NAN_CANONICAL;
    if (strcmp(s, "nan:arithmetic") == 0)
        return EXPECT_NAN_ARITHMETIC;
    return EXPECT_VALUE;
}

static void put_lane(uint8_t *v, const char *lane_type, int i, uint64_t bits)
{
    unsigned width = lane_type[1] == '8' ? 1 : lane_type[1] == '1' ? 2
                   : lane_type[1] == '3' ? 4 : 8;
    for (unsigned b = 0; b < width; b++)
        v[(unsigned)i * width + b] = (uint8_t)(bits >> (8 * b));
}

/* Parses one JSON value ({"type":..., "value":...}) into *e. */
static bool parse_value(const cJSON *j, expected *e)
{
    memset(e, 0, sizeof *e);
    const cJSON *type = cJSON_GetObjectItem(j, "type");
    const cJSON *value = cJSON_GetObjectItem(j, "value");
    if (!cJSON_IsString(type))
        return false;
    e->val.kind = kind_of(type->valuestring);
    if (value == NULL) {
        e->kind = EXPECT_ANY;
        return true;
    }
    if (e->val.kind == KILN_V128) {
        const cJSON *lt = cJSON_GetObjectItem(j, "lane_type");
        if (!cJSON_IsString(lt) || !cJSON_IsArray(value))
            return false;
        e->lane_type = lt->valuestring;
        int i = 0;
        const cJSON *lane;
        cJSON_ArrayForEach(lane, value) {
            if (!cJSON_IsString(lane))
                return false;
            expect_kind k = nan_pattern(lane->valuestring);
            if (k != EXPECT_VALUE) {
                e->lane_kind[i < 4 ? i : 3] = k;
                e->kind = EXPECT_NAN_ARITHMETIC; /* marks "lanes have patterns" */
            } else {
                put_lane(e->val.of.v128, e->lane_type, i,
                         strtoull(lane->valuestring, NULL, 10));
            }
            i++;
        }
        return true;
    }
    if (!cJSON_IsString(value))
        return false;
    const char *s = value->valuestring;
    e->kind = nan_pattern(s);
    if (e->kind != EXPECT_VALUE)
        return true;
    if (e->val.kind == KILN_FUNCREF || e->val.kind == KILN_EXTERNREF) {
        if (strcmp(s, "null") == 0)
            e->val.of.ref = NULL;
        else /* ref.extern N is the host pointer N+1, so 0 is not null */
            e->val.of.ref = (void *)(uintptr_t)(strtoull(s, NULL, 10) + 1);
        return true;
    }
    uint64_t bits = strtoull(s, NULL, 10);
    switch (e->val.kind) {
    case KILN_I32: e->val.of.i32 = (int32_t)(uint32_t)bits; break;
    case KILN_I64: e->val.of.i64 = (int64_t)bits; break;
    case KILN_F32: { uint32_t b = (uint32_t)bits; memcpy(&e->val.of.f32, &b, 4); break; }
    case KILN_F64: memcpy(&e->val.of.f64, &bits, 8); break;
    default: break;
    }
    return true;
}

static void format_val(const kiln_val *v, char *buf, size_t size)
{
    switch (v->kind) {
    case KILN_I32: snprintf(buf, size, "i32:%" PRIu32, (uint32_t)v->of.i32); break;
    case KILN_I64: snprintf(buf, size, "i64:%llu", (unsigned long long)v->of.i64); break;
    case KILN_F32: {
        uint32_t b;
        memcpy(&b, &v->of.f32, 4);
        snprintf(buf, size, "f32:0x%08" PRIx32 " (%g)", b, (double)v->of.f32);
        break;
    }
    case KILN_F64: {
        uint64_t b;
        memcpy(&b, &v->of.f64, 8);
        snprintf(buf, size, "f64:0x%016llx (%g)", (unsigned long long)b, v->of.f64);
        break;
    }
    case KILN_V128: {
        int n = snprintf(buf, size, "v128:");
        for (int i = 0; i < 16 && n > 0 && (size_t)n < size; i++)
            n += snprintf(buf + n, size - (size_t)n, "%02x", v->of.v128[i]);
        break;
    }
    case KILN_FUNCREF: snprintf(buf, size, "funcref:%p", v->of.ref); break;
    case KILN_EXTERNREF: snprintf(buf, size, "externref:%p", v->of.ref); break;
    }
}

static bool f32_matches(uint32_t bits, expect_kind k)
{
    if (k == EXPECT_NAN_CANONICAL)
        return (bits & 0x7FFFFFFFu) == 0x7FC00000u;
    return (bits & 0x7FC00000u) == 0x7FC00000u; /* arithmetic: quiet NaN */
}

static bool f64_matches(uint64_t bits, expect_kind k)
{
    if (k == EXPECT_NAN_CANONICAL)
        return (bits & 0x7FFFFFFFFFFFFFFFull) == 0x7FF8000000000000ull;
    return (bits & 0x7FF8000000000000ull) == 0x7FF8000000000000ull;
}

static bool value_matches(const kiln_val *got, const expected *e)
{
    if (got->kind != e->val.kind)
        return false;
    if (e->kind == EXPECT_ANY)
        return true;
    switch (got->kind) {
    case KILN_I32: return got->of.i32 == e->val.of.i32;
    case KILN_I64: return got->of.i64 == e->val.of.i64;
    case KILN_F32: {
        uint32_t g, w;
        memcpy(&g, &got->of.f32, 4);
        memcpy(&w, &e->val.of.f32, 4);
        return e->kind == EXPECT_VALUE ? g == w : f32_matches(g, e->kind);
    }
    case KILN_F64: {
        uint64_t g, w;
        memcpy(&g, &got->of.f64, 8);
        memcpy(&w, &e->val.of.f64, 8);
        return e->kind == EXPECT_VALUE ? g == w : f64_matches(g, e->kind);
    }
    case KILN_V128: {
        if (e->kind == EXPECT_VALUE)
            return memcmp(got->of.v128, e->val.of.v128, 16) == 0;
        /* Lanes with NaN patterns (f32x4 / f64x2), exact bits elsewhere. */
        bool f32x4 = strcmp(e->lane_type, "f32") == 0;
        int lanes = f32x4 ? 4 : 2;
        for (int i = 0; i < lanes; i++) {
            if (f32x4) {
                uint32_t g, w;
                memcpy(&g, got->of.v128 + 4 * i, 4);
                memcpy(&w, e->val.of.v128 + 4 * i, 4);
                if (e->lane_kind[i] == EXPECT_VALUE ? g != w : !f32_matches(g, e->lane_kind[i]))
                    return false;
            } else {
                uint64_t g, w;
                memcpy(&g, got->of.v128 + 8 * i, 8);
                memcpy(&w, e->val.of.v128 + 8 * i, 8);
                if (e->lane_kind[i] == EXPECT_VALUE ? g != w : !f64_matches(g, e->lane_kind[i]))
                    return false;
            }
        }
        return true;
    }
    case KILN_FUNCREF:
        /* The tests only distinguish null from non-null funcrefs. */
        return (got->of.ref == NULL) == (e->val.of.ref == NULL);
    case KILN_EXTERNREF: return got->of.ref == e->val.of.ref;
    }
    return false;
}

/* ---- actions ----------------------------------------------------------------- */

#define MAX_VALUES 64

typedef struct action_result {
    kiln_status status;
    kiln_error err;
    kiln_val results[MAX_VALUES];
    size_t result_count;
} action_result;

/* ---- names with NUL bytes --------------------------------------------------------- */

/*
 * Wasm names may contain NUL, written "\u0000" in the JSON. cJSON 1.7
 * decodes it to a NUL byte but keeps no string length, so the name would be
 * cut there. Before parsing, every "\u0000" escape is therefore rewritten
 * as the two raw bytes C0 80 (the overlong "modified UTF-8" NUL, which never
 * occurs in valid UTF-8 and so in no wast2json string); field_name() turns
 * them back into NUL bytes and returns the true length.
 */
static void escape_json_nuls(char *text)
{
    char *w = text;
    for (const char *r = text; *r != '\0';) {
        if (r[0] == '\\' && r[1] == 'u' && strncmp(r + 2, "0000", 4) == 0) {
            *w++ = (char)0xC0;
            *w++ = (char)0x80;
            r += 6;
        } else if (r[0] == '\\' && r[1] != '\0') {
            *w++ = *r++; /* an escape: copied whole, so "\\u0000" stays text */
            *w++ = *r++;
        } else {
            *w++ = *r++;
        }
    }
    *w = '\0';
}

/* Decodes a string from escape_json_nuls' form into buf; returns its length. */
static size_t field_name(const char *s, char *buf, size_t cap)
{
    size_t n = 0;
    while (*s != '\0' && n + 1 < cap) {
        if ((unsigned char)s[0] == 0xC0 && (unsigned char)s[1] == 0x80) {
            buf[n++] = '\0';
            s += 2;
        } else {
            buf[n++] = *s++;
        }
    }
    buf[n] = '\0';
    return n;
}

static bool run_action(spec_file *f, const cJSON *action, size_t expected_count,
                       action_result *r)
{
    memset(r, 0, sizeof *r);
    const cJSON *type = cJSON_GetObjectItem(action, "type");
    const cJSON *field = cJSON_GetObjectItem(action, "field");
    const cJSON *module = cJSON_GetObjectItem(action, "module");
    if (!cJSON_IsString(type) || !cJSON_IsString(field))
        return false;
    kiln_instance *inst = spec_env_instance(f->env, cJSON_IsString(module) ? module->valuestring : NULL);
    if (inst == NULL) {
        r->status = KILN_ERR_NOT_FOUND;
        snprintf(r->err.message, sizeof r->err.message, "no module instance %s",
                 cJSON_IsString(module) ? module->valuestring : "(current)");
        return true;
    }
    if (strcmp(type->valuestring, "get") == 0) {
        r->status = spec_env_get_global(inst, field->valuestring, &r->results[0], &r->err);
        r->result_count = 1;
        return true;
    }
    kiln_val args[MAX_VALUES];
    size_t argc = 0;
    const cJSON *arg;
    cJSON_ArrayForEach(arg, cJSON_GetObjectItem(action, "args")) {
        expected e;
        if (argc == MAX_VALUES || !parse_value(arg, &e))
            return false;
        args[argc++] = e.val;
    }
    r->result_count = expected_count;
    char name[1024];
    size_t name_len = field_name(field->valuestring, name, sizeof name);
    r->status = kiln_instance_call_n(inst, name, name_len, args, argc, r->results,
                                     expected_count, &r->err);
    return true;
}

/* ---- commands ------------------------------------------------------------------ */

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether an error message satisfies the spec's expected text. Our messages
 * start with the spec's words; a few spec texts name the same failure in
 * other words, accepted here as aliases. */
static bool message_matches(const char *got, const char *want)
{
    if (starts_with(got, want))
        return true;
    return strstr(got, want) != NULL;
}

static void cmd_module(spec_file *f, const cJSON *cmd, int line)
{
    const cJSON *filename = cJSON_GetObjectItem(cmd, "filename");
    const cJSON *name = cJSON_GetObjectItem(cmd, "name");
    kiln_module *m = NULL;
    kiln_error err = {0};
    kiln_status st = load_module(f, filename->valuestring, &m, &err);
    if (st == KILN_OK) {
        kiln_instance *inst = NULL;
        st = spec_env_instantiate(f->env, m, &inst, &err);
        if (st == KILN_OK) {
            spec_env_add(f->env, cJSON_IsString(name) ? name->valuestring : NULL, m, inst);
            f->c.passed++;
            return;
        }
        kiln_module_free(m);
    }
    spec_env_add(f->env, NULL, NULL, NULL); /* later actions see no current module */
    failf(f, line, "module", "%s: %s", filename->valuestring, err.message);
}

static void cmd_assert_return(spec_file *f, const cJSON *cmd, int line, const char *what)
{
    const cJSON *expected_j = cJSON_GetObjectItem(cmd, "expected");
    expected exp[MAX_VALUES];
    size_t n = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, expected_j) {
        if (n == MAX_VALUES || !parse_value(v, &exp[n])) {
            failf(f, line, what, "cannot parse expected value");
            return;
        }
        n++;
    }
    action_result r;
    if (!run_action(f, cJSON_GetObjectItem(cmd, "action"), n, &r)) {
        failf(f, line, what, "cannot parse action");
        return;
    }
    const char *field = cJSON_GetObjectItem(cJSON_GetObjectItem(cmd, "action"), "field")->valuestring;
    if (r.status != KILN_OK) {
        failf(f, line, what, "%s: %s", field, r.err.message);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (!value_matches(&r.results[i], &exp[i])) {
            char got[128], want[128];
            format_val(&r.results[i], got, sizeof got);
            format_val(&exp[i].val, want, sizeof want);
            failf(f, line, what, "%s: result %zu is %s, expected %s%s", field, i, got, want,
                  exp[i].kind == EXPECT_NAN_CANONICAL ? " (nan:canonical)"
                  : exp[i].kind == EXPECT_NAN_ARITHMETIC ? " (nan:arithmetic)" : "");
            return;
        }
    }
    f->c.passed++;
}

static void cmd_assert_trap(spec_file *f, const cJSON *cmd, int line, const char *what)
{
    const char *text = cJSON_GetObjectItem(cmd, "text")->valuestring;
    size_t n = (size_t)cJSON_GetArraySize(cJSON_GetObjectItem(cmd, "expected"));
    action_result r;
    if (!run_action(f, cJSON_GetObjectItem(cmd, "action"), n, &r)) {
        failf(f, line, what, "cannot parse action");
        return;
    }
    if (r.status != KILN_ERR_TRAP) {
        failf(f, line, what, "expected trap \"%s\", got %s%s%s", text,
              r.status == KILN_OK ? "a normal return" : kiln_status_name(r.status),
              r.status == KILN_OK ? "" : ": ", r.status == KILN_OK ? "" : r.err.message);
        return;
    }
    /* The reference interpreter sometimes adds detail after the spec's words
     * ("uninitialized element 2"): our fixed message as its prefix counts. */
    const char *msg = kiln_trap_message(r.err.trap);
    if (!message_matches(msg, text) && !message_matches(r.err.message, text) &&
        !starts_with(text, msg)) {
        failf(f, line, what, "expected trap \"%s\", got \"%s\"", text, r.err.message);
        return;
    }
    f->c.passed++;
}

/* assert_invalid / assert_malformed (binary) / assert_unlinkable /
 * assert_uninstantiable: the module must fail at the right stage. */
static void cmd_assert_module_fails(spec_file *f, const cJSON *cmd, int line, const char *what)
{
    const cJSON *module_type = cJSON_GetObjectItem(cmd, "module_type");
    if (cJSON_IsString(module_type) && strcmp(module_type->valuestring, "text") == 0) {
        if (strcmp(what, "assert_malformed") == 0)
            f->c.skipped_text_malformed++;
        else
            f->c.skipped_text_invalid++;
        return;
    }
    const char *filename = cJSON_GetObjectItem(cmd, "filename")->valuestring;
    const char *text = cJSON_GetObjectItem(cmd, "text")->valuestring;
    kiln_module *m = NULL;
    kiln_error err = {0};
    kiln_status st = load_module(f, filename, &m, &err);
    bool compile_stage = strcmp(what, "assert_invalid") == 0 || strcmp(what, "assert_malformed") == 0;
    if (compile_stage) {
        if (st == KILN_OK) {
            kiln_module_free(m);
            failf(f, line, what, "%s compiled, expected \"%s\"", filename, text);
        } else if (st != KILN_ERR_MALFORMED && st != KILN_ERR_INVALID) {
            failf(f, line, what, "%s: expected \"%s\", got %s: %s", filename, text,
                  kiln_status_name(st), err.message);
        } else {
            f->c.passed++; /* message texts are compared by the unit tests */
        }
        return;
    }
    if (st != KILN_OK) {
        failf(f, line, what, "%s did not compile: %s", filename, err.message);
        return;
    }
    kiln_instance *inst = NULL;
    st = spec_env_instantiate(f->env, m, &inst, &err);
    bool want_link = strcmp(what, "assert_unlinkable") == 0;
    if (st == KILN_OK) {
        failf(f, line, what, "%s instantiated, expected \"%s\"", filename, text);
        /* An instance can be referenced by tables it wrote to: keep it. */
        spec_env_keep(f->env, m, inst);
        return;
    }
    if (want_link ? st != KILN_ERR_LINK : (st != KILN_ERR_TRAP && st != KILN_ERR_INSTANTIATE)) {
        failf(f, line, what, "%s: expected \"%s\", got %s: %s", filename, text,
              kiln_status_name(st), err.message);
    } else {
        f->c.passed++;
    }
    /* A failed instantiation may have written to imported tables and
     * memories (2.0 semantics), so its module stays alive with the env. */
    spec_env_keep(f->env, m, NULL);
}

static void cmd_register(spec_file *f, const cJSON *cmd, int line)
{
    const cJSON *name = cJSON_GetObjectItem(cmd, "name");
    const char *as = cJSON_GetObjectItem(cmd, "as")->valuestring;
    kiln_error err = {0};
    if (spec_env_register(f->env, cJSON_IsString(name) ? name->valuestring : NULL, as, &err) != KILN_OK)
        failf(f, line, "register", "%s", err.message);
    else
        f->c.passed++;
}

static bool run_file(spec_file *f)
{
    size_t size = 0;
    char *text = (char *)read_file(f->path, &size);
    if (text == NULL) {
        fprintf(stdout, "%s: cannot read: %s\n", f->path, strerror(errno));
        f->c.failed++;
        return false;
    }
    char *nul = realloc(text, size + 1);
    if (nul == NULL) {
        free(text);
        return false;
    }
    text = nul;
    text[size] = '\0';
    escape_json_nuls(text);
    cJSON *root = cJSON_Parse(text);
    free(text);
    if (root == NULL) {
        fprintf(stdout, "%s: not valid JSON\n", f->path);
        f->c.failed++;
        return false;
    }
    snprintf(f->dir, sizeof f->dir, "%s", f->path);
    char *slash = strrchr(f->dir, '/');
    if (slash != NULL)
        *slash = '\0';
    else
        snprintf(f->dir, sizeof f->dir, ".");

    if (f->compile_to != NULL) {
        /* "passed" counts the modules written. */
        compile_file_modules(f, root, f->compile_to);
        cJSON_Delete(root);
        return true;
    }
    f->env = spec_env_new();
    char wast[128];
    const char *base = strrchr(f->path, '/');
    snprintf(wast, sizeof wast, "%s", base != NULL ? base + 1 : f->path);
    char *dot = strrchr(wast, '.');
    if (dot != NULL)
        snprintf(dot, sizeof wast - (size_t)(dot - wast), ".wast");
    const cJSON *cmd;
    cJSON_ArrayForEach(cmd, cJSON_GetObjectItem(root, "commands")) {
        const char *type = cJSON_GetObjectItem(cmd, "type")->valuestring;
        int line = cJSON_GetObjectItem(cmd, "line")->valueint;
        f->in_difference = false;
        for (unsigned d = 0; f->diffs != NULL && d < f->diffs->count; d++)
            if (f->diffs->line[d] == line && strcmp(f->diffs->file[d], wast) == 0)
                f->in_difference = true;
        unsigned passed_before = f->c.passed;
        if (f->verbose)
            fprintf(stderr, "%s:%d %s\n", f->path, line, type);
        if (strcmp(type, "module") == 0)
            cmd_module(f, cmd, line);
        else if (strcmp(type, "register") == 0)
            cmd_register(f, cmd, line);
        else if (strcmp(type, "action") == 0)
            cmd_assert_return(f, cmd, line, type);
        else if (strcmp(type, "assert_return") == 0)
            cmd_assert_return(f, cmd, line, type);
        else if (strcmp(type, "assert_trap") == 0 || strcmp(type, "assert_exhaustion") == 0)
            cmd_assert_trap(f, cmd, line, type);
        else if (strcmp(type, "assert_invalid") == 0 || strcmp(type, "assert_malformed") == 0 ||
                 strcmp(type, "assert_unlinkable") == 0 ||
                 strcmp(type, "assert_uninstantiable") == 0)
            cmd_assert_module_fails(f, cmd, line, type);
        else
            failf(f, line, type, "unknown command");
        if (f->in_difference && f->c.passed != passed_before) {
            f->in_difference = false;
            f->c.passed = passed_before;
            failf(f, line, type, "listed in --expected-differences but matches the "
                                 "proposal's expectation: remove it from the list");
        }
        f->in_difference = false;
    }
    spec_env_free(f->env);
    cJSON_Delete(root);
    return true;
}

/* Reads an --expected-differences file; false (with a message) on error. */
static bool load_differences(const char *path, differences *d)
{
    FILE *fp = fopen(path, "r");
    if (fp == NULL) {
        fprintf(stderr, "kiln-spec: error: cannot read %s: %s\n", path, strerror(errno));
        return false;
    }
    char buf[512];
    bool ok = true;
    while (fgets(buf, sizeof buf, fp) != NULL) {
        if (buf[0] == '#' || buf[0] == '\n' || buf[0] == '\0')
            continue;
        char file[128];
        int line;
        if (d->count == MAX_DIFFERENCES || sscanf(buf, "%127[^:]:%d", file, &line) != 2) {
            fprintf(stderr, "kiln-spec: error: %s: bad or too many entries at \"%s\"\n", path,
                    buf);
            ok = false;
            break;
        }
        snprintf(d->file[d->count], sizeof d->file[d->count], "%s", file);
        d->line[d->count++] = line;
    }
    fclose(fp);
    return ok;
}

int main(int argc, char **argv)
{
    static differences diffs;
    bool have_diffs = false;
    const char *compile_to = NULL, *aot_dir = NULL;
    int opt_level = 2;
    const char *target = NULL;
    unsigned partitions = 0;
    bool xip = false;
    bool verbose = false;
    counts total = {0};
    int files = 0;
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--opt-level=", 12) == 0) {
            opt_level = atoi(argv[i] + 12);
            continue;
        }
        if (strncmp(argv[i], "--target=", 9) == 0) {
            target = argv[i] + 9;
            continue;
        }
        if (strncmp(argv[i], "--partitions=", 13) == 0) {
            partitions = (unsigned)atoi(argv[i] + 13);
            continue;
        }
        if (strcmp(argv[i], "--xip") == 0) {
            xip = true;
            continue;
        }
        if (strcmp(argv[i], "--verbose") == 0) {
            verbose = true;
            continue;
        }
        if ((strcmp(argv[i], "--compile-to") == 0 || strcmp(argv[i], "--aot-dir") == 0) &&
            i + 1 < argc) {
            if (argv[i][2] == 'c')
                compile_to = argv[++i];
            else
                aot_dir = argv[++i];
            continue;
        }
        if (strncmp(argv[i], "--expected-differences=", 23) == 0) {
            if (!load_differences(argv[i] + 23, &diffs))
                return 2;
            have_diffs = true;
            continue;
        }
        if (argv[i][0] == '-') {
            fprintf(stderr, "kiln-spec: error: unknown option %s\n", argv[i]);
            return 2;
        }
        if (compile_to != NULL && !spec_can_compile()) {
            fprintf(stderr, "kiln-spec: error: --compile-to needs the compiler; this is "
                            "kiln-spec-rt (use kiln-spec)\n");
            return 2;
        }
        if (compile_to == NULL && aot_dir == NULL && !spec_can_compile()) {
            fprintf(stderr, "kiln-spec: error: kiln-spec-rt has no compiler: give --aot-dir "
                            "DIR (written by kiln-spec --compile-to DIR)\n");
            return 2;
        }
        spec_file f = {.path = argv[i], .target = target, .opt_level = opt_level,
                       .partitions = partitions, .xip = xip,
                       .verbose = verbose,
                       .diffs = have_diffs ? &diffs : NULL, .aot_dir = aot_dir,
                       .compile_to = compile_to};
        run_file(&f);
        unsigned skipped = f.c.skipped_text_malformed + f.c.skipped_text_invalid +
                           f.c.skipped_pre20;
        const char *base = strrchr(f.path, '/');
        printf("%s: %u passed, %u failed, %u skipped\n", base ? base + 1 : f.path,
               f.c.passed, f.c.failed, skipped);
        total.passed += f.c.passed;
        total.failed += f.c.failed;
        total.skipped_text_malformed += f.c.skipped_text_malformed;
        total.skipped_text_invalid += f.c.skipped_text_invalid;
        total.skipped_pre20 += f.c.skipped_pre20;
        files++;
    }
    if (files == 0) {
        fprintf(stderr, "usage: kiln-spec [--opt-level=N] [--target=TRIPLE] [--partitions=N] [--xip] [--verbose] "
                        "[--expected-differences=FILE] [--compile-to DIR | --aot-dir DIR] "
                        "FILE.json...\n");
        return 2;
    }
    printf("skipped: %u assert_malformed in text format, %u assert_invalid in text format, "
           "%u pre-2.0 proposal expectation\n",
           total.skipped_text_malformed, total.skipped_text_invalid, total.skipped_pre20);
    printf("%u passed, %u failed, %u skipped\n", total.passed, total.failed,
           total.skipped_text_malformed + total.skipped_text_invalid + total.skipped_pre20);
    return total.failed == 0 ? 0 : 1;
}
