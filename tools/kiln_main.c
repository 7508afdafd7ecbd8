/*
 * kiln: runs a precompiled module (.aot container written by kilnc).
 *
 *   kiln [options] MODULE [ARGS...]
 *
 * Without --invoke it calls the `_start` export, else `main`. For `_start`
 * (a WASI command) ARGS are the program's arguments (argv = MODULE ARGS...);
 * otherwise they are parsed by the kinds of the called function's
 * parameters, and results are printed one per line (integers in signed
 * decimal, floats in the shortest form that reads back to the same bits).
 * The module is recognised by its content, never by its file name.
 *
 * Imports are resolved by a linker holding WASI (wasi_snapshot_preview1),
 * modules found on --module-path (NAME.aot for an import from NAME) and,
 * with --unknown-imports=trap, trapping stand-ins for anything else.
 *
 * Exit status: 0 success, 1 load/link error or trap (a trap never kills the
 * process with a signal), 2 bad usage; a WASI proc_exit's status as is.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli_values.h"
#include "kiln.h"
#include "kiln/aot_format.h" /* the format versions --version names */
#ifdef KILN_HAVE_SIGNING
#include "kiln/signing.h"
#endif
#ifdef KILN_HAVE_WASI
#include "kiln_wasi.h"
#endif

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
            "  --invoke NAME, -f NAME\n"
            "                 call the exported function NAME instead; ARGS are its\n"
            "                 arguments, read by parameter type: integers in decimal or\n"
            "                 0x hex (negative allowed, i32 also 0..4294967295), floats in\n"
            "                 decimal or hex-float, nan, -nan, inf, -inf, nan:0xPAYLOAD.\n"
            "                 A reactor (exports _initialize, no _start) is initialised\n"
            "                 first\n"
            "  --dir HOST[::GUEST]\n"
            "                 give the WASI program the host directory HOST, named GUEST\n"
            "                 (default: HOST itself); repeatable\n"
            "  --env KEY=VALUE, --env NAME\n"
            "                 set an environment variable for the WASI program (NAME alone\n"
            "                 passes kiln's own NAME on, when set); repeatable\n"
            "  --module-path DIR\n"
            "                 resolve an import from module NAME by loading DIR/NAME.aot\n"
            "                 (instantiated once, its own imports resolved the same way);\n"
            "                 repeatable, searched in order\n"
            "  --unknown-imports=trap\n"
            "                 let functions that nothing provides be imported anyway; a\n"
            "                 call to one traps naming it\n"
            "  --max-memory SIZE\n"
            "                 memories the module defines grow to at most SIZE bytes\n"
            "                 (K, M, G suffixes); memory.grow beyond it returns -1\n"
            "  --stack-size SIZE\n"
            "                 native stack wasm may use (default: up to 1 GiB of the\n"
            "                 thread's stack); deeper calls trap \"call stack exhausted\"\n"
            "  --timeout SECONDS\n"
            "                 stop the call after SECONDS (fractions allowed) with the trap\n"
            "                 \"interrupted\"; needs a module compiled with kilnc\n"
            "                 --interruptible\n"
            "  --check        do not run MODULE: say whether this runtime on this\n"
            "                 machine can load it and, if not, list every reason\n"
            "                 (exit 0 when loadable, 1 when not)\n"
            "  --trust-key PUBFILE\n"
            "                 load only containers signed (kilnc --sign) by this public\n"
            "                 key (kilnc --gen-key writes it); repeatable, any listed\n"
            "                 key is accepted\n"
            "  --help         print this help and exit\n"
            "  --version      print the version and the target this runtime runs\n"
            "  --             end of options (a MODULE name may then start with '-')\n"
            "\n"
            "For `_start`, ARGS are the WASI program's arguments (argv[0] is MODULE).\n"
            "Each result is printed on its own line. Exit status: 0 on success, 1 when\n"
            "the module cannot be loaded or instantiated or wasm traps (the message goes\n"
            "to stderr as `kiln: trap: ...`), 2 on bad usage, and the program's status\n"
            "when it calls WASI proc_exit.\n");
}

extern char **environ; /* POSIX: the process environment, for --env NAME */

/* ---- --timeout --------------------------------------------------------------------- */

/* A thread that interrupts the instance when the time runs out, unless
 * watchdog_stop comes first. */
typedef struct watchdog {
    bool started;
    bool done;  /* the run ended: stop waiting */
    bool fired; /* the time ran out and the instance was interrupted */
    double seconds;
    kiln_instance *instance;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
} watchdog;

static void *watchdog_main(void *arg)
{
    watchdog *w = arg;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    double whole = floor(w->seconds);
    deadline.tv_sec += (time_t)whole;
    deadline.tv_nsec += (long)((w->seconds - whole) * 1e9);
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&w->lock);
    int rc = 0;
    while (!w->done && rc != ETIMEDOUT)
        rc = pthread_cond_timedwait(&w->wake, &w->lock, &deadline);
    if (!w->done) {
        w->fired = true;
        kiln_instance_interrupt(w->instance, NULL);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static bool watchdog_start(watchdog *w, kiln_instance *instance, double seconds)
{
    w->done = w->fired = false;
    w->seconds = seconds;
    w->instance = instance;
    pthread_mutex_init(&w->lock, NULL);
    pthread_cond_init(&w->wake, NULL);
    w->started = pthread_create(&w->thread, NULL, watchdog_main, w) == 0;
    return w->started;
}

/* Ends the watchdog; true when it had fired. */
static bool watchdog_stop(watchdog *w)
{
    if (!w->started)
        return false;
    pthread_mutex_lock(&w->lock);
    w->done = true;
    pthread_cond_signal(&w->wake);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    w->started = false;
    return w->fired;
}

/* ---- linking --------------------------------------------------------------------- */

typedef struct run_options {
    const char *invoke;
    const char **dirs; /* HOST[::GUEST] */
    size_t dir_count;
    const char **envs; /* KEY=VALUE */
    size_t env_count;
    const char **module_paths;
    size_t module_path_count;
    bool trap_unknown;
    bool check; /* --check: report loadability instead of running */
    uint64_t max_memory; /* --max-memory bytes, 0: none */
    size_t stack_size;   /* --stack-size bytes, 0: the default */
    double timeout;      /* --timeout seconds, 0: none */
#ifdef KILN_HAVE_SIGNING
    kiln_trust *trust; /* --trust-key: NULL = signatures not required */
#endif
} run_options;

/* Every module file goes through here, so --trust-key covers --module-path
 * dependencies too. */
static kiln_status load_module_file(const run_options *o, const char *path, kiln_module **out,
                                    kiln_error *err)
{
#ifdef KILN_HAVE_SIGNING
    if (o->trust != NULL)
        return kiln_module_load_file_trusted(path, o->trust, out, err);
#else
    (void)o;
#endif
    return kiln_module_load_file(path, out, err);
}

/* --module-path DIR...: the library's module path, signed-only with
 * --trust-key. */
static kiln_status use_module_path(kiln_linker *linker, const run_options *o, kiln_error *err)
{
#ifdef KILN_HAVE_SIGNING
    if (o->trust != NULL)
        return kiln_linker_use_module_path_trusted(linker, o->module_paths,
                                                   o->module_path_count, o->trust, err);
#endif
    return kiln_linker_use_module_path(linker, o->module_paths, o->module_path_count, err);
}

#ifdef KILN_HAVE_WASI
/* A kiln_wasi for the program: argv = path ARGS..., --env, --dir. */
static kiln_status make_wasi(const char *path, int argc, char **argv, const run_options *o,
                             kiln_wasi **out, kiln_error *err)
{
    const char **args = calloc((size_t)argc + 1u, sizeof *args);
    kiln_wasi_preopen *preopens = calloc(o->dir_count + 1u, sizeof *preopens);
    char **copies = calloc(o->dir_count + 1u, sizeof *copies);
    kiln_status st = KILN_ERR_NOMEM;
    if (args == NULL || preopens == NULL || copies == NULL)
        goto out;
    args[0] = path;
    for (int i = 0; i < argc; i++)
        args[i + 1] = argv[i];
    for (size_t i = 0; i < o->dir_count; i++) {
        copies[i] = strdup(o->dirs[i]);
        if (copies[i] == NULL)
            goto out;
        char *sep = strstr(copies[i], "::");
        preopens[i].host_path = copies[i];
        preopens[i].guest_path = copies[i];
        if (sep != NULL) {
            *sep = '\0';
            preopens[i].guest_path = sep + 2;
        }
    }
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    config.argv = args;
    config.argc = (size_t)argc + 1u;
    config.envp = o->envs;
    config.envc = o->env_count;
    config.preopens = preopens;
    config.preopen_count = o->dir_count;
    st = kiln_wasi_new(&config, out, err);
out:
    if (st == KILN_ERR_NOMEM && err != NULL && args == NULL)
        snprintf(err->message, sizeof err->message, "out of memory");
    if (copies != NULL)
        for (size_t i = 0; i < o->dir_count; i++)
            free(copies[i]);
    free(copies);
    free(preopens);
    free(args);
    return st;
}
#endif

/* "  at I: [MODULE!]NAME (func[N])", or "  at I: [MODULE!]func[N]" without
 * a function name; MODULE is the module's own name, when it has one. */
static void print_frame(size_t at, const kiln_frame *f)
{
    const char *module = kiln_module_name(f->module);
    const char *bang = module != NULL ? "!" : "";
    module = module != NULL ? module : "";
    if (f->func_name != NULL)
        fprintf(stderr, "  at %zu: %s%s%s (func[%u])\n", at, module, bang, f->func_name,
                f->func_index);
    else
        fprintf(stderr, "  at %zu: %s%sfunc[%u]\n", at, module, bang, f->func_index);
}

static bool same_function(const kiln_frame *a, const kiln_frame *b)
{
    return a->module == b->module && a->func_index == b->func_index;
}

/* Prints the wasm frames of the trap just reported, innermost first (see
 * print_frame). A run of more than BT_RUN_SHOWN frames of one function (a
 * deep recursion) shows its first BT_RUN_SHOWN and a line that counts the
 * rest. */
#define BT_RUN_SHOWN 4
static void print_backtrace(void)
{
    kiln_frame frames[KILN_BACKTRACE_MAX];
    size_t n = kiln_last_trap_backtrace(frames, KILN_BACKTRACE_MAX);
    if (n > KILN_BACKTRACE_MAX)
        n = KILN_BACKTRACE_MAX;
    for (size_t i = 0; i < n;) {
        size_t run = 1;
        while (i + run < n && same_function(&frames[i], &frames[i + run]))
            run++;
        size_t shown = run > BT_RUN_SHOWN + 1 ? BT_RUN_SHOWN : run;
        for (size_t k = 0; k < shown; k++)
            print_frame(i + k, &frames[i + k]);
        if (shown < run)
            fprintf(stderr, "  ... %zu more frames of func[%u] (at %zu..%zu)\n", run - shown,
                    frames[i].func_index, i + shown, i + run - 1);
        i += run;
    }
}

/* Prints a failed call's error; returns the exit status for it. */
static int report(const kiln_error *err)
{
    if (err->status == KILN_ERR_EXIT)
        return err->exit_code;
    if (err->status == KILN_ERR_TRAP) {
        fprintf(stderr, "kiln: %s\n", err->message);
        print_backtrace();
    } else
        fprintf(stderr, "kiln: error: %s\n", err->message);
    return EXIT_TRAP_OR_ERROR;
}

/* ---- argument parsing ------------------------------------------------------------ */

/* "N", "NK", "NM" or "NG" (powers of 1024) in bytes. */
static bool parse_size(const char *s, uint64_t *out)
{
    char *end = NULL;
    errno = 0;
    unsigned long long n = strtoull(s, &end, 10);
    if (end == s || errno != 0 || s[0] == '-')
        return false;
    unsigned shift = 0;
    switch (*end) {
    case '\0': break;
    case 'k': case 'K': shift = 10; end++; break;
    case 'm': case 'M': shift = 20; end++; break;
    case 'g': case 'G': shift = 30; end++; break;
    default: return false;
    }
    if (*end != '\0' || n > (UINT64_MAX >> shift))
        return false;
    *out = (uint64_t)n << shift;
    return true;
}

/* ---- main ------------------------------------------------------------------------------ */

static int run(const char *path, const run_options *opts, int argc, char **argv)
{
    kiln_error err;
    kiln_module *module = NULL;
    kiln_instance *instance = NULL;
    kiln_linker *linker = NULL;
    watchdog dog = {.started = false};
#ifdef KILN_HAVE_WASI
    kiln_wasi *wasi = NULL;
#endif
    kiln_val *args = NULL;
    kiln_val *results = NULL;
    int status = EXIT_TRAP_OR_ERROR;
    const char *invoke = opts->invoke;

    if (load_module_file(opts, path, &module, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    const char *name = invoke;
    kiln_func_type type;
    bool is_command = false;
    if (name == NULL) {
        name = "_start";
        is_command = true;
        if (kiln_module_export_func_type(module, name, &type, &err) != KILN_OK) {
            name = "main";
            is_command = false;
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
    /* A command's ARGS are its WASI arguments, not typed parameters. */
    uint32_t typed_argc = is_command ? type.param_count : (uint32_t)argc;
    if (typed_argc != type.param_count) {
        fprintf(stderr, "kiln: error: %s takes %u argument%s (", name, type.param_count,
                type.param_count == 1 ? "" : "s");
        for (uint32_t i = 0; i < type.param_count; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", cli_kind_name(type.params[i]));
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
        if (!cli_parse_value(argv[i], type.params[i], &args[i])) {
            fprintf(stderr, "kiln: error: argument %u of %s: \"%s\" is not a valid %s\n", i + 1,
                    name, argv[i], cli_kind_name(type.params[i]));
            status = EXIT_USAGE;
            goto out;
        }
    }
    if (kiln_linker_new(&linker, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
#ifdef KILN_HAVE_WASI
    if (make_wasi(path, argc, argv, opts, &wasi, &err) != KILN_OK ||
        kiln_wasi_define(linker, wasi, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
#else
    if (opts->dir_count > 0 || opts->env_count > 0) {
        fprintf(stderr, "kiln: error: --dir and --env need WASI, which this kiln was built "
                        "without\n");
        status = EXIT_USAGE;
        goto out;
    }
#endif
    if (opts->module_path_count > 0 && use_module_path(linker, opts, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    kiln_linker_trap_unknown_imports(linker, opts->trap_unknown);
    if (kiln_linker_instantiate(linker, module, &instance, &err) != KILN_OK) {
        status = report(&err);
        goto out;
    }
    kiln_instance_set_max_memory(instance, opts->max_memory, NULL);
    kiln_instance_set_stack_size(instance, opts->stack_size, NULL);
    if (opts->timeout > 0) {
        if (!kiln_module_interruptible(module)) {
            fprintf(stderr,
                    "kiln: error: --timeout: %s was compiled without kilnc --interruptible, "
                    "so nothing can stop it; recompile it with kilnc --interruptible\n",
                    path);
            status = EXIT_USAGE;
            goto out;
        }
        if (!watchdog_start(&dog, instance, opts->timeout)) {
            fprintf(stderr, "kiln: error: --timeout: cannot start the timer thread\n");
            goto out;
        }
    }
    kiln_func_type init_type;
    if (invoke != NULL && kiln_module_export_func_type(module, "_start", &init_type, &err) !=
                              KILN_OK &&
        kiln_module_export_func_type(module, "_initialize", &init_type, &err) == KILN_OK &&
        init_type.param_count == 0 && init_type.result_count == 0 &&
        strcmp(invoke, "_initialize") != 0) {
        if (kiln_instance_call(instance, "_initialize", NULL, 0, NULL, 0, &err) != KILN_OK) {
            status = report(&err);
            goto out;
        }
    }
    if (kiln_instance_call(instance, name, args, type.param_count, results, type.result_count,
                           &err) != KILN_OK) {
        status = report(&err);
        goto out;
    }
    for (uint32_t i = 0; i < type.result_count; i++)
        cli_print_value(&results[i]);
    status = fflush(stdout) == 0 ? 0 : EXIT_TRAP_OR_ERROR;
out:
    if (watchdog_stop(&dog))
        fprintf(stderr, "kiln: the --timeout of %g s ran out\n", opts->timeout);
    free(args);
    free(results);
    kiln_instance_free(instance);
    kiln_linker_free(linker);
#ifdef KILN_HAVE_WASI
    kiln_wasi_free(wasi);
#endif
    kiln_module_free(module);
    return status;
}

/* Appends value to a growable list of option values; false when out of
 * memory. */
static bool push_option(const char ***list, size_t *count, const char *value)
{
    const char **grown = realloc(*list, (*count + 1) * sizeof *grown);
    if (grown == NULL)
        return false;
    grown[(*count)++] = value;
    *list = grown;
    return true;
}

/* Value of option `name` at argv[*i]: "--name=V" or "--name V". NULL when
 * argv[*i] is not this option; *missing set when it is but has no value. */
static const char *option_value(int argc, char **argv, int *i, const char *name, bool *missing)
{
    const char *a = argv[*i];
    size_t n = strlen(name);
    *missing = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=')
        return a + n + 1;
    if (a[n] != '\0')
        return NULL;
    if (*i + 1 >= argc) {
        *missing = true;
        return NULL;
    }
    return argv[++*i];
}

/* ---- kiln --check -------------------------------------------------------------- */

static void print_problem(void *user, const kiln_error *problem)
{
    unsigned *count = user;
    (*count)++;
    /* The status name labels the line unless the message already says it
     * (it starts with it, or names what the bytes are). */
    const char *label = kiln_status_name(problem->status);
    bool says_it = strncmp(problem->message, label, strlen(label)) == 0 ||
                   problem->status == KILN_ERR_IS_WASM ||
                   problem->status == KILN_ERR_NOT_CONTAINER;
    if (says_it)
        fprintf(stdout, "  %s\n", problem->message);
    else
        fprintf(stdout, "  %s: %s\n", label, problem->message);
}

/* Answers whether this runtime on this machine can load path and, if not,
 * every reason: the header-level list from kiln_module_check, then (when the
 * header is fine) a full load, which also checks every section and symbol. */
static int check_file(const char *path, const run_options *opts)
{
    int status = EXIT_TRAP_OR_ERROR;
    uint8_t *bytes = NULL;
    size_t size = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "kiln: error: cannot open %s: %s\n", path, strerror(errno));
        return EXIT_TRAP_OR_ERROR;
    }
    size_t cap = 0;
    for (;;) {
        if (size == cap) {
            size_t ncap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(bytes, ncap);
            if (nb == NULL) {
                fprintf(stderr, "kiln: error: out of memory reading %s\n", path);
                goto out;
            }
            bytes = nb;
            cap = ncap;
        }
        size_t got = fread(bytes + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        fprintf(stderr, "kiln: error: cannot read %s: %s\n", path, strerror(errno));
        goto out;
    }
    unsigned count = 0;
    kiln_error err;
    printf("%s: checking against kiln %s (container format %u..%u, target %s)\n", path,
           KILN_VERSION_STRING, KILN_AOT_FORMAT_VERSION_MIN, KILN_AOT_FORMAT_VERSION,
           kiln_runtime_target());
#ifdef KILN_HAVE_SIGNING
    if (opts->trust != NULL && kiln_module_verify(bytes, size, opts->trust, &err) != KILN_OK)
        print_problem(&count, &err);
#else
    (void)opts;
#endif
    if (kiln_module_check(bytes, size, print_problem, &count, &err) == KILN_OK && count == 0) {
        kiln_module *m = NULL;
        if (kiln_module_load(bytes, size, &m, &err) != KILN_OK) {
            print_problem(&count, &err);
        } else {
            size_t modules = kiln_module_bundle_size(m);
            if (modules > 1) {
                printf("%s: a pre-linked bundle of %zu modules:", path, modules);
                for (size_t i = 0; i < modules; i++)
                    printf(" %s", kiln_module_bundle_name(m, i));
                printf(" (the main module)\n");
            }
            kiln_module_free(m);
            printf("%s: loadable by this runtime on this machine\n", path);
            status = 0;
            goto out;
        }
    }
    printf("%s: NOT loadable: %u problem%s\n", path, count, count == 1 ? "" : "s");
out:
    free(bytes);
    fclose(f);
    return status;
}

int main(int argc, char **argv)
{
    run_options opts;
    memset(&opts, 0, sizeof opts);
    int status = EXIT_USAGE;
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
            status = 0;
            goto done;
        }
        if (strcmp(a, "--version") == 0) {
            printf("kiln %s (container format %u..%u, target %s)\n", KILN_VERSION_STRING,
                   KILN_AOT_FORMAT_VERSION_MIN, KILN_AOT_FORMAT_VERSION, kiln_runtime_target());
            status = 0;
            goto done;
        }
        if (strcmp(a, "--check") == 0) {
            opts.check = true;
            continue;
        }
        bool missing = false;
        const char *v;
        if ((v = option_value(argc, argv, &i, "--invoke", &missing)) != NULL ||
            (!missing && (v = option_value(argc, argv, &i, "-f", &missing)) != NULL)) {
            opts.invoke = v;
            continue;
        }
        if (!missing && (v = option_value(argc, argv, &i, "--dir", &missing)) != NULL) {
            if (v[0] == '\0' || strncmp(v, "::", 2) == 0) {
                fprintf(stderr, "kiln: error: --dir needs HOST[::GUEST], got \"%s\"\n", v);
                goto done;
            }
            if (!push_option(&opts.dirs, &opts.dir_count, v))
                goto nomem;
            continue;
        }
        if (!missing && (v = option_value(argc, argv, &i, "--env", &missing)) != NULL) {
            if (v[0] == '=' || v[0] == '\0') {
                fprintf(stderr, "kiln: error: --env needs KEY=VALUE or NAME, got \"%s\"\n",
                        v);
                goto done;
            }
            /* --env NAME passes NAME on from kiln's own environment (as
             * wasmtime does); unset there, it is not passed. */
            if (strchr(v, '=') == NULL) {
                const char *inherited = NULL;
                for (char **e = environ; *e != NULL && inherited == NULL; e++)
                    if (strncmp(*e, v, strlen(v)) == 0 && (*e)[strlen(v)] == '=')
                        inherited = *e;
                if (inherited == NULL)
                    continue;
                v = inherited;
            }
            if (!push_option(&opts.envs, &opts.env_count, v))
                goto nomem;
            continue;
        }
        if (!missing && (v = option_value(argc, argv, &i, "--trust-key", &missing)) != NULL) {
#ifdef KILN_HAVE_SIGNING
            kiln_error kerr;
            if ((opts.trust == NULL && kiln_trust_new(&opts.trust, &kerr) != KILN_OK) ||
                kiln_trust_add_key_file(opts.trust, v, &kerr) != KILN_OK) {
                fprintf(stderr, "kiln: error: %s\n", kerr.message);
                goto done;
            }
            continue;
#else
            fprintf(stderr, "kiln: error: --trust-key: this kiln was built without signing "
                            "(-DKILN_SIGNING=OFF)\n");
            goto done;
#endif
        }
        if (!missing && (v = option_value(argc, argv, &i, "--module-path", &missing)) != NULL) {
            if (!push_option(&opts.module_paths, &opts.module_path_count, v))
                goto nomem;
            continue;
        }
        if (!missing && ((v = option_value(argc, argv, &i, "--max-memory", &missing)) != NULL ||
                         (!missing && (v = option_value(argc, argv, &i, "--stack-size",
                                                        &missing)) != NULL))) {
            bool is_memory = strncmp(a, "--max-memory", 12) == 0;
            uint64_t bytes = 0;
            if (!parse_size(v, &bytes) || bytes == 0) {
                fprintf(stderr,
                        "kiln: error: %s needs a size in bytes (suffix K, M or G allowed), "
                        "got \"%s\"\n",
                        is_memory ? "--max-memory" : "--stack-size", v);
                goto done;
            }
            if (is_memory)
                opts.max_memory = bytes;
            else
                opts.stack_size = (size_t)bytes;
            continue;
        }
        if (!missing && (v = option_value(argc, argv, &i, "--timeout", &missing)) != NULL) {
            char *end = NULL;
            double seconds = strtod(v, &end);
            if (end == v || *end != '\0' || !(seconds > 0) || seconds > 1e9) {
                fprintf(stderr, "kiln: error: --timeout needs seconds > 0, got \"%s\"\n", v);
                goto done;
            }
            opts.timeout = seconds;
            continue;
        }
        if (!missing && (v = option_value(argc, argv, &i, "--unknown-imports", &missing)) != NULL) {
            if (strcmp(v, "trap") != 0) {
                fprintf(stderr, "kiln: error: --unknown-imports takes only \"trap\", got \"%s\"\n", v);
                goto done;
            }
            opts.trap_unknown = true;
            continue;
        }
        if (missing) {
            fprintf(stderr, "kiln: error: %s needs a value\n", a);
            goto done;
        }
        fprintf(stderr, "kiln: error: unknown option %s (see kiln --help)\n", a);
        goto done;
    }
    if (i >= argc) {
        fprintf(stderr, "kiln: error: no MODULE given\n");
        usage(stderr);
        goto done;
    }
    /* WASI output goes straight to the descriptors: keep printf in order. */
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    if (opts.check) {
        status = check_file(argv[i], &opts);
        goto done;
    }
    status = run(argv[i], &opts, argc - i - 1, argv + i + 1);
    goto done;
nomem:
    fprintf(stderr, "kiln: error: out of memory\n");
    status = EXIT_TRAP_OR_ERROR;
done:
#ifdef KILN_HAVE_SIGNING
    kiln_trust_free(opts.trust);
#endif
    free(opts.dirs);
    free(opts.envs);
    free(opts.module_paths);
    return status;
}
