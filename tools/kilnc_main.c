/*
 * kilnc: the command-line compiler.
 *
 *   kilnc [options] INPUT.wasm [-o OUTPUT]
 *   kilnc --inspect FILE.aot
 *
 * Exit status: 0 success, 1 compile or I/O error, 2 bad usage. Errors are
 * one line on stderr, "kilnc: error: ...", with FILE:0xOFFSET for errors in
 * the input. The output appears atomically (temp file in the same directory,
 * then rename), so a failed compile never leaves a half-written file.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emit/inspect.h"
#include "kiln/aot_format.h"
#include "kiln_compiler.h"
#ifdef KILN_HAVE_SIGNING
#include "kilnc_sign.h"
#endif

enum { EXIT_ERROR = 1, EXIT_USAGE = 2 };

#if defined(__GNUC__)
static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#endif
static void error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("kilnc: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* The progress line on stderr, "[ 812/17490 functions] 46%", rewritten in
 * place; shown only when stderr is a terminal. */
static void show_progress(void *user, uint32_t done, uint32_t total)
{
    bool *shown = user;
    unsigned percent = total ? (unsigned)((uint64_t)done * 100u / total) : 100u;
    fprintf(stderr, "\r[%6u/%u functions] %3u%%", done, total, percent);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
    *shown = done != total;
}

static void usage(FILE *out)
{
    fprintf(out,
            "usage: kilnc [options] INPUT.wasm [-o OUTPUT]\n"
            "       kilnc [options] [NAME=]A.wasm [NAME=]B.wasm ... [-o OUTPUT]\n"
            "       kilnc --inspect FILE.aot\n"
            "\n"
            "Compiles a WebAssembly module ahead of time into a kiln container (.aot)\n"
            "that the kiln runtime loads, or into an object, LLVM IR or assembly.\n"
            "Several inputs make one pre-linked bundle: calls from one module to a\n"
            "function another exports are direct (and inlinable). A module is imported\n"
            "by its file name without extension, or by NAME given as NAME=FILE.wasm;\n"
            "the last input is the main module.\n"
            "\n"
            "options (--opt=VALUE and --opt VALUE are the same):\n"
            "  -o FILE                 output file (default: INPUT with its extension\n"
            "                          replaced by .aot, .o, .ll or .s; '-' = stdout)\n"
            "  --format=FORMAT         aot (default), object, llvm-ir or asm\n"
            "  --linked-name=NAME      object: the record kiln_module_load_linked takes\n"
            "                          (default kiln_linked_module)\n"
            "  --target=TRIPLE         target triple (default: the host, %s);\n"
            "                          --target=help or --list-targets lists them\n"
            "  --cpu=NAME              target CPU, or 'host' (this machine's CPU and\n"
            "                          features; the default without --target, else the\n"
            "                          target's baseline CPU); --cpu=help lists them\n"
            "  --cpu-features=LIST     features to add or remove, such as +avx2,-sse4a;\n"
            "                          --cpu-features=help lists them and how the\n"
            "                          runtime detects each\n"
            "  --list-targets          list the supported targets with their baseline CPU,\n"
            "                          features and bounds-check mode, and exit\n"
            "  --opt-level=N, -ON      optimisation level 0..3 (default 3)\n"
            "  --size-level=N          optimise for size: 0 no (default), 1 -Os, 2 -Oz\n"
            "  -Os, -Oz                optimise for size (level 2 with size level 1, 2)\n"
            "  --jobs=N, -j N          compile on N threads (default: every CPU); the\n"
            "                          output does not depend on it\n"
            "  --partitions=N          compile as N partitions (default: one per MiB of\n"
            "                          wasm code, so small modules are one); a call\n"
            "                          between partitions is never inlined\n"
            "  --bounds-checks=MODE    guard: guard pages, no checks in code (default on\n"
            "                          64-bit targets); explicit: compare every access\n"
            "                          with the memory's bound (default on 32-bit)\n"
            "  --keep-custom=NAME      copy the custom section NAME into the container\n"
            "                          (repeatable; 'all' keeps every one). By default\n"
            "                          none is kept: only the name section's function\n"
            "                          names, for backtraces\n"
            "  --quiet, -q             no progress line (shown on a terminal only)\n"
            "  --xip                   execute in place (32-bit Arm): no relocation in\n"
            "                          the container, so its code may run from flash;\n"
            "                          one that would be needed fails the compile\n"
            "  --interruptible         check at every function entry and loop header\n"
            "                          whether the host asked to stop (kiln --timeout,\n"
            "                          kiln_instance_interrupt); without it, code pays\n"
            "                          nothing and cannot be interrupted\n"
            "  --inspect FILE          describe a kiln container and exit\n"
            "  --sign KEYFILE          append an Ed25519 signature made with the secret\n"
            "                          key in KEYFILE (builds with KILN_SIGNING)\n"
            "  --gen-key OUT           write a new keypair to OUT (secret) and OUT.pub\n"
            "                          (public, for kiln --trust-key) and exit\n"
            "  --help                  show this help and exit\n"
            "  --version               show the compiler and LLVM versions and exit\n",
            kilnc_host_triple());
}

static void list_targets(void)
{
    printf("%-26s %-14s %-8s %s\n", "target", "baseline cpu", "bounds", "baseline features");
    kilnc_target_info t;
    for (size_t i = 0; kilnc_target_get(i, &t); i++)
        printf("%-26s %-14s %-8s %s\n", t.triple, t.cpu,
               t.bounds_checks == KILN_BOUNDS_EXPLICIT ? "explicit" : "guard",
               t.cpu_features[0] != '\0' ? t.cpu_features : "(none)");
}

static bool read_file(const char *path, uint8_t **out, size_t *out_size)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        error("%s is a directory: kilnc compiles one .wasm file at a time (compile each "
              "module of a module path on its own)",
              path);
        return false;
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        error("%s: %s", path, strerror(errno));
        return false;
    }
    uint8_t *data = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            cap = cap ? cap * 2 : 65536;
            uint8_t *grown = realloc(data, cap);
            if (grown == NULL) {
                error("%s: out of memory", path);
                free(data);
                fclose(f);
                return false;
            }
            data = grown;
        }
        size_t n = fread(data + size, 1, cap - size, f);
        size += n;
        if (n == 0)
            break;
    }
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        error("%s: read error", path);
        free(data);
        return false;
    }
    *out = data;
    *out_size = size;
    return true;
}

static bool write_stream(FILE *f, const char *name, const uint8_t *data, size_t size)
{
    if (fwrite(data, 1, size, f) != size || fflush(f) != 0) {
        error("%s: %s", name, strerror(errno));
        return false;
    }
    return true;
}

/*
 * Writes to a temp file next to path, then renames it into place. An
 * existing output that is not a regular file (/dev/null, a pipe, a
 * terminal) is written in place: renaming over it would replace the device.
 */
static bool write_file_atomic(const char *path, const uint8_t *data, size_t size)
{
    if (strcmp(path, "-") == 0)
        return write_stream(stdout, "<stdout>", data, size);
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(path, "wb");
        if (f == NULL) {
            error("%s: %s", path, strerror(errno));
            return false;
        }
        bool ok = write_stream(f, path, data, size);
        if (fclose(f) != 0 && ok) {
            error("%s: %s", path, strerror(errno));
            ok = false;
        }
        return ok;
    }
    size_t len = strlen(path);
    char *tmp = malloc(len + 16);
    if (tmp == NULL) {
        error("out of memory");
        return false;
    }
    snprintf(tmp, len + 16, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        error("%s: cannot create a temporary file: %s", path, strerror(errno));
        free(tmp);
        return false;
    }
    /* mkstemp makes the file 0600; give it the mode a plain create would. */
    mode_t mask = umask(0);
    umask(mask);
    bool ok = fchmod(fd, 0666 & ~mask) == 0;
    size_t done = 0;
    while (ok && done < size) {
        ssize_t n = write(fd, data + done, size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            ok = false;
        else
            done += (size_t)n;
    }
    int saved_errno = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved_errno = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved_errno = errno;
    }
    if (!ok) {
        error("%s: %s", path, strerror(saved_errno));
        unlink(tmp);
    }
    free(tmp);
    return ok;
}

/* INPUT with its extension (after the last '/') replaced by ext. */
static char *default_output(const char *input, const char *ext)
{
    const char *slash = strrchr(input, '/');
    const char *base = slash != NULL ? slash + 1 : input;
    const char *dot = strrchr(base, '.');
    size_t stem = dot != NULL && dot != base ? (size_t)(dot - input) : strlen(input);
    char *out = malloc(stem + strlen(ext) + 1);
    if (out == NULL)
        return NULL;
    memcpy(out, input, stem);
    strcpy(out + stem, ext);
    return out;
}

static bool parse_uint(const char *option, const char *value, unsigned max, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(value, &end, 10);
    if (value[0] == '\0' || *end != '\0' || errno != 0 || v > max || value[0] == '-') {
        error("%s: expected a number 0..%u, got '%s'", option, max, value);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

/* Matches "--name=VALUE" or "--name VALUE"; *value points at VALUE. Returns
 * 1 matched, 0 not this option, -1 missing value. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
    const char *arg = argv[*i];
    size_t n = strlen(name);
    if (strncmp(arg, name, n) != 0)
        return 0;
    if (arg[n] == '=') {
        *value = arg + n + 1;
        return 1;
    }
    if (arg[n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        error("%s needs a value (see --help)", name);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

typedef struct listing {
    const char *header; /* printed before the first entry */
    int width;          /* of the name column */
    bool started;
} listing;

static void print_entry(void *user, const char *name, const char *description)
{
    listing *l = user;
    if (!l->started)
        fputs(l->header, stdout);
    l->started = true;
    if (description != NULL)
        printf("  %-*s %s\n", l->width, name, description);
    else
        printf("  %s\n", name);
}

/* --target=help, --cpu=help, --cpu-features=help: kiln's lists (never
 * LLVM's), exit 0; an unknown --target is an error. */
static int list(const char *what, const char *triple)
{
    kiln_error err;
    kiln_status st = KILN_OK;
    char header[300];
    listing l = {header, 24, false};
    const char *shown = triple != NULL ? triple : kilnc_host_triple();
    if (strcmp(what, "target") == 0) {
        snprintf(header, sizeof header, "Targets kilnc compiles for:\n");
        kilnc_list_targets(print_entry, &l);
    } else if (strcmp(what, "cpu") == 0) {
        snprintf(header, sizeof header,
                 "CPUs for %s (--cpu=NAME; --cpu=host is this machine's CPU and "
                 "features):\n",
                 shown);
        st = kilnc_list_cpus(triple, print_entry, &l, &err);
    } else {
        snprintf(header, sizeof header,
                 "CPU features for %s (--cpu-features=+NAME,-NAME; [how the runtime "
                 "detects it]):\n",
                 shown);
        st = kilnc_list_cpu_features(triple, print_entry, &l, &err);
    }
    if (st != KILN_OK) {
        error("%s", err.message);
        return EXIT_USAGE;
    }
    return 0;
}

static int inspect(const char *path)
{
    uint8_t *data;
    size_t size;
    if (!read_file(path, &data, &size))
        return EXIT_ERROR;
    char *text = NULL;
    kiln_error err;
    kiln_status st = emit_inspect(data, size, &text, &err);
    free(data);
    if (st != KILN_OK) {
        if (err.offset != KILN_NO_OFFSET)
            error("%s:0x%llx: %s", path, (unsigned long long)err.offset, err.message);
        else
            error("%s: %s", path, err.message);
        return EXIT_ERROR;
    }
    fputs(text, stdout);
    free(text);
    return 0;
}

#define MAX_INPUTS 64

/* A bundle input "NAME=FILE" (NAME without '/'): FILE, and NAME in *name;
 * else the argument itself, and its basename without extension. */
static const char *bundle_path(const char *arg, char *name, size_t name_size)
{
    const char *eq = strchr(arg, '=');
    if (eq != NULL && eq != arg && memchr(arg, '/', (size_t)(eq - arg)) == NULL) {
        snprintf(name, name_size, "%.*s", (int)(eq - arg), arg);
        return eq + 1;
    }
    const char *slash = strrchr(arg, '/');
    const char *base = slash != NULL ? slash + 1 : arg;
    const char *dot = strrchr(base, '.');
    size_t n = dot != NULL && dot != base ? (size_t)(dot - base) : strlen(base);
    snprintf(name, name_size, "%.*s", (int)n, base);
    return arg;
}

/* kilnc A.wasm B.wasm ...: one pre-linked bundle (kilnc_compile_bundle);
 * the last input is the main module and names the default output. */
static int compile_bundle(const char *const *args, int count, kilnc_options *options,
                          const char *output, const char *sign_key, bool quiet)
{
    static char names[MAX_INPUTS][256];
    kilnc_bundle_input inputs[MAX_INPUTS];
    const char *paths[MAX_INPUTS];
    int status = EXIT_ERROR, read = 0;
    uint8_t *result = NULL;
    size_t result_size = 0;
    char *default_path = NULL;
    bool progress_open = false;
    (void)sign_key;
    for (; read < count; read++) {
        paths[read] = bundle_path(args[read], names[read], sizeof names[read]);
        uint8_t *bytes;
        size_t size;
        if (!read_file(paths[read], &bytes, &size))
            goto out;
        inputs[read] = (kilnc_bundle_input){names[read], bytes, size};
    }
    static const char *const extensions[] = {".aot", ".o", ".ll", ".s"};
    if (output == NULL) {
        default_path = default_output(paths[count - 1], extensions[options->format]);
        if (default_path == NULL) {
            error("out of memory");
            goto out;
        }
        output = default_path;
    }
    for (int i = 0; i < count; i++)
        if (strcmp(output, paths[i]) == 0) {
            error("output %s would overwrite the input", output);
            status = EXIT_USAGE;
            goto out;
        }
    if (!quiet && isatty(STDERR_FILENO)) {
        options->progress = show_progress;
        options->progress_user = &progress_open;
    }
    kiln_error err;
    kiln_status st =
        kilnc_compile_bundle(inputs, (size_t)count, options, &result, &result_size, &err);
    if (progress_open)
        fputc('\n', stderr);
    if (st != KILN_OK) {
        if (err.offset != KILN_NO_OFFSET)
            error("bundle: %s (at offset 0x%llx of that module)", err.message,
                  (unsigned long long)err.offset);
        else
            error("bundle: %s", err.message);
        goto out;
    }
    uint8_t *signed_result = NULL;
    size_t signed_size = 0;
    status = 0;
#ifdef KILN_HAVE_SIGNING
    if (sign_key != NULL &&
        !kilnc_sign(sign_key, result, result_size, &signed_result, &signed_size))
        status = EXIT_ERROR;
#endif
    if (status == 0)
        status = write_file_atomic(output, signed_result != NULL ? signed_result : result,
                                   signed_result != NULL ? signed_size : result_size)
                     ? 0
                     : EXIT_ERROR;
    free(signed_result);
out:
    for (int i = 0; i < read; i++)
        free((void *)inputs[i].wasm);
    kilnc_buffer_free(result);
    free(default_path);
    return status;
}

int main(int argc, char **argv)
{
    kilnc_options options;
    kilnc_options_init(&options);
    const char *input = NULL, *output = NULL, *inspect_path = NULL;
    const char *inputs[MAX_INPUTS];
    int input_count = 0;
    const char *sign_key = NULL, *gen_key = NULL;
    static char keep_custom[4096]; /* --keep-custom values joined by commas */
    bool quiet = false, progress_open = false;

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *v = NULL;
        int m;
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(arg, "--xip") == 0) {
            options.xip = 1;
            continue;
        }
        if (strcmp(arg, "--list-targets") == 0) {
            list_targets();
            return 0;
        }
        if (strcmp(arg, "--version") == 0) {
            printf("%s\n", kilnc_version());
            return 0;
        }
        if (strcmp(arg, "--quiet") == 0 || strcmp(arg, "-q") == 0) {
            quiet = true;
            continue;
        }
        if (strcmp(arg, "-o") == 0) {
            if (i + 1 >= argc) {
                error("-o needs a file name");
                return EXIT_USAGE;
            }
            output = argv[++i];
            continue;
        }
        /* Compiler habits: -O0..-O3, and -Os/-Oz as clang means them
         * (optimise at level 2 for size). */
        if (arg[0] == '-' && arg[1] == 'O' && arg[2] != '\0' && arg[3] == '\0') {
            if (arg[2] >= '0' && arg[2] <= '3') {
                options.opt_level = (unsigned)(arg[2] - '0');
                options.size_level = 0;
            } else if (arg[2] == 's' || arg[2] == 'z') {
                options.opt_level = 2;
                options.size_level = arg[2] == 's' ? 1u : 2u;
            } else {
                error("unknown option '%s' (-O0, -O1, -O2, -O3, -Os or -Oz)", arg);
                return EXIT_USAGE;
            }
            continue;
        }
        if (strcmp(arg, "--interruptible") == 0) {
            options.interruptible = true;
            continue;
        }
        if ((m = option_value(argc, argv, &i, "--target", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            options.target_triple = v;
        } else if ((m = option_value(argc, argv, &i, "--cpu-features", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            options.cpu_features = v;
        } else if ((m = option_value(argc, argv, &i, "--cpu", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            options.cpu = v;
        } else if ((m = option_value(argc, argv, &i, "--opt-level", &v)) != 0) {
            if (m < 0 || !parse_uint("--opt-level", v, 3, &options.opt_level))
                return EXIT_USAGE;
        } else if ((m = option_value(argc, argv, &i, "--size-level", &v)) != 0) {
            if (m < 0 || !parse_uint("--size-level", v, 2, &options.size_level))
                return EXIT_USAGE;
        } else if ((m = option_value(argc, argv, &i, "--jobs", &v)) != 0 ||
                   (m = option_value(argc, argv, &i, "-j", &v)) != 0) {
            if (m < 0 || !parse_uint("--jobs", v, 1024, &options.threads))
                return EXIT_USAGE;
        } else if ((m = option_value(argc, argv, &i, "--partitions", &v)) != 0) {
            if (m < 0 || !parse_uint("--partitions", v, 64, &options.partitions))
                return EXIT_USAGE;
        } else if ((m = option_value(argc, argv, &i, "--bounds-checks", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "guard") == 0) {
                options.bounds_checks = KILN_BOUNDS_GUARD;
            } else if (strcmp(v, "explicit") == 0) {
                options.bounds_checks = KILN_BOUNDS_EXPLICIT;
            } else {
                error("--bounds-checks: expected guard or explicit, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if ((m = option_value(argc, argv, &i, "--format", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            if (strcmp(v, "aot") == 0) {
                options.format = KILNC_FORMAT_AOT;
            } else if (strcmp(v, "object") == 0 || strcmp(v, "obj") == 0) {
                options.format = KILNC_FORMAT_OBJECT;
            } else if (strcmp(v, "llvm-ir") == 0 || strcmp(v, "ll") == 0) {
                options.format = KILNC_FORMAT_LLVM_IR;
            } else if (strcmp(v, "asm") == 0) {
                options.format = KILNC_FORMAT_ASM;
            } else {
                error("--format: expected aot, object, llvm-ir or asm, got '%s'", v);
                return EXIT_USAGE;
            }
        } else if ((m = option_value(argc, argv, &i, "--linked-name", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            options.linked_name = v;
        } else if ((m = option_value(argc, argv, &i, "--keep-custom", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            size_t used = strlen(keep_custom), add = strlen(v);
            if (add == 0 || strchr(v, ',') != NULL) {
                error("--keep-custom: expected one section name or 'all', got '%s'", v);
                return EXIT_USAGE;
            }
            if (used + add + 2 > sizeof keep_custom) {
                error("--keep-custom: too many section names");
                return EXIT_USAGE;
            }
            snprintf(keep_custom + used, sizeof keep_custom - used, "%s%s", used ? "," : "", v);
            options.keep_custom = keep_custom;
        } else if ((m = option_value(argc, argv, &i, "--inspect", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            inspect_path = v;
        } else if ((m = option_value(argc, argv, &i, "--sign", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            sign_key = v;
        } else if ((m = option_value(argc, argv, &i, "--gen-key", &v)) != 0) {
            if (m < 0)
                return EXIT_USAGE;
            gen_key = v;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            error("unknown option '%s' (see --help)", arg);
            return EXIT_USAGE;
        } else if (input_count < MAX_INPUTS) {
            inputs[input_count++] = arg;
            input = arg;
        } else {
            error("more than %d input files", MAX_INPUTS);
            return EXIT_USAGE;
        }
    }

    if (options.target_triple != NULL && strcmp(options.target_triple, "help") == 0)
        return list("target", NULL);
    if (options.cpu != NULL && strcmp(options.cpu, "help") == 0)
        return list("cpu", options.target_triple);
    if (options.cpu_features != NULL && strcmp(options.cpu_features, "help") == 0)
        return list("cpu-features", options.target_triple);

#ifndef KILN_HAVE_SIGNING
    if (sign_key != NULL || gen_key != NULL) {
        error("this kilnc was built without signing (-DKILN_SIGNING=OFF)");
        return EXIT_USAGE;
    }
#else
    if (gen_key != NULL)
        return kilnc_gen_key(gen_key) ? 0 : EXIT_ERROR;
    if (sign_key != NULL && options.format != KILNC_FORMAT_AOT) {
        error("--sign applies only to kiln containers (--format=aot)");
        return EXIT_USAGE;
    }
#endif
    if (inspect_path != NULL) {
        if (input != NULL || output != NULL) {
            error("--inspect takes only the container to describe");
            return EXIT_USAGE;
        }
        return inspect(inspect_path);
    }
    if (input == NULL) {
        error("no input file (usage: kilnc [options] INPUT.wasm [-o OUTPUT]; see --help)");
        return EXIT_USAGE;
    }

    if (input_count > 1)
        return compile_bundle(inputs, input_count, &options, output, sign_key, quiet);

    uint8_t *wasm;
    size_t wasm_size;
    if (!read_file(input, &wasm, &wasm_size))
        return EXIT_ERROR;

    static const char *const extensions[] = {".aot", ".o", ".ll", ".s"};
    char *default_path = NULL;
    if (output == NULL) {
        default_path = default_output(input, extensions[options.format]);
        if (default_path == NULL) {
            error("out of memory");
            free(wasm);
            return EXIT_ERROR;
        }
        output = default_path;
    }

    uint8_t *result = NULL;
    size_t result_size = 0;
    kiln_error err;
    if (!quiet && isatty(STDERR_FILENO)) {
        options.progress = show_progress;
        options.progress_user = &progress_open;
    }
    kiln_status st = kilnc_compile(wasm, wasm_size, &options, &result, &result_size, &err);
    if (progress_open) /* failed part-way: end the line before the error */
        fputc('\n', stderr);
    free(wasm);
    int status = 0;
    /* After compiling, so that input which is not .wasm (say, a container
     * named X.aot whose default output is itself) is named for what it is. */
    if (st == KILN_OK && strcmp(output, input) == 0) {
        error("output %s would overwrite the input", output);
        status = EXIT_USAGE;
    } else if (st != KILN_OK) {
        if (err.offset != KILN_NO_OFFSET)
            error("%s:0x%llx: %s", input, (unsigned long long)err.offset, err.message);
        else
            error("%s: %s", input, err.message);
        status = EXIT_ERROR;
    } else {
        uint8_t *signed_result = NULL;
        size_t signed_size = 0;
#ifdef KILN_HAVE_SIGNING
        if (sign_key != NULL && !kilnc_sign(sign_key, result, result_size, &signed_result,
                                            &signed_size))
            status = EXIT_ERROR;
#endif
        if (status == 0 && signed_result != NULL)
            status = write_file_atomic(output, signed_result, signed_size) ? 0 : EXIT_ERROR;
        else if (status == 0)
            status = write_file_atomic(output, result, result_size) ? 0 : EXIT_ERROR;
        free(signed_result);
    }
    kilnc_buffer_free(result);
    free(default_path);
    return status;
}
