/*
 * kiln-mcu: the `kiln` runner as firmware for a Cortex-M board (the MPS2
 * AN386 that qemu-system-arm emulates). It takes its command line, files
 * and exit status through semihosting:
 *
 *   qemu-system-arm -M mps2-an386 -nographic -kernel kiln-mcu.elf \
 *     -semihosting-config enable=on,target=native,arg=kiln,arg=--invoke,arg=add,arg=m.aot,arg=1,arg=2
 *
 * kiln [--invoke NAME] [--module-path DIR] [--env K=V] [--xip-report]
 *      (MODULE.aot | --embedded) [ARGS...]
 *
 * MODULE.aot (kilnc --target=thumbv7em-none-eabihf --xip) is read once into
 * the flash region after the firmware image (__flash_aot_start__ in
 * mps2-an386.ld) and loaded from there with kiln_module_load_static: its
 * code executes in place and nothing writes to it again. Every other byte
 * the runtime needs (module state, instances, linear memories, tables)
 * comes from an 8 MiB arena in PSRAM (kiln/arena.h, board.c). With
 * --invoke the export is called with ARGS and each result printed as
 * `kiln --invoke` does; without, _start runs with the WASI subset of
 * mcu_wasi.c. Exit status: 0; 1 after `kiln: trap: MESSAGE` or
 * `kiln: error: ...`; 2 for a usage error; a WASI proc_exit's status.
 * --embedded runs the container linked into the image (embedded.c, a const
 * array in flash) instead of a file. --xip-report adds one line to stderr
 * after the run: where the code ran, whether the container is unchanged,
 * the arena's and the stack's peaks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "cli_values.h"
#include "kiln.h"
#include "kiln/linker.h"
#include "mcu_wasi.h"

#define EXIT_TRAP_OR_ERROR 1
#define EXIT_USAGE 2
#define MAX_OPTION_VALUES 16

extern uint8_t __flash_aot_start__[], __flash_aot_end__[];

typedef struct run_options {
    const char *invoke;
    const char *module_path[MAX_OPTION_VALUES];
    size_t module_path_count;
    const char *env[MAX_OPTION_VALUES];
    size_t env_count;
    bool xip_report;
    bool embedded; /* --embedded: the container linked into the image */
} run_options;

static void usage(FILE *out)
{
    fprintf(out, "usage: kiln [--invoke NAME] [--module-path DIR] [--env KEY=VALUE] "
                 "[--xip-report] MODULE.aot [ARGS...]\n"
                 "       kiln --embedded [--invoke NAME] ... [ARGS...]   (the container "
                 "linked into the image)\n"
                 "  (kiln-mcu: the kiln runner as Cortex-M firmware; command line, files and\n"
                 "  exit status through semihosting)\n");
}

/* ---- the container in flash -------------------------------------------------------- */

/* Reads path into the flash region; its size, or -1 after printing why. */
static long read_into_flash(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "kiln: error: cannot open %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t room = (size_t)(__flash_aot_end__ - __flash_aot_start__);
    size_t size = fread(__flash_aot_start__, 1, room, f);
    bool more = size == room && fgetc(f) != EOF;
    bool failed = ferror(f) != 0;
    fclose(f);
    if (failed) {
        fprintf(stderr, "kiln: error: cannot read %s\n", path);
        return -1;
    }
    if (more) {
        fprintf(stderr, "kiln: error: %s does not fit in the %zu bytes of flash left\n", path,
                room);
        return -1;
    }
    return (long)size;
}

/* FNV-1a over the container: the same before loading and after the run
 * shows that nothing wrote into it. */
static uint32_t fingerprint(const uint8_t *bytes, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ bytes[i]) * 16777619u;
    return h;
}

/* ---- the run ------------------------------------------------------------------------- */

static int report(const kiln_error *err)
{
    if (err->status == KILN_ERR_EXIT)
        return err->exit_code;
    if (err->status == KILN_ERR_TRAP)
        fprintf(stderr, "kiln: %s\n", err->message);
    else
        fprintf(stderr, "kiln: error: %s\n", err->message);
    return EXIT_TRAP_OR_ERROR;
}

/* The directory part of path ("." when it has none), into buf. */
static const char *directory_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return ".";
    size_t n = (size_t)(slash - path);
    if (n == 0)
        n = 1;
    if (n >= size)
        n = size - 1;
    memcpy(buf, path, n);
    buf[n] = '\0';
    return buf;
}

static int run(const char *path, const run_options *opts, int argc, char **argv)
{
    kiln_error err;
    kiln_module *module = NULL;
    kiln_linker *linker = NULL;
    kiln_instance *instance = NULL;
    kiln_val args[16], results[16];
    int status = EXIT_TRAP_OR_ERROR;

    const uint8_t *container = __flash_aot_start__;
    long size;
    if (opts->embedded) {
        size_t embedded_size = 0;
        container = board_embedded_container(&embedded_size);
        if (container == NULL) {
            fprintf(stderr, "kiln: error: --embedded: this firmware has no container linked "
                            "in (build it with -DKILN_MCU_EMBED=FILE.aot)\n");
            return EXIT_USAGE;
        }
        size = (long)embedded_size;
    } else if ((size = read_into_flash(path)) < 0) {
        return EXIT_TRAP_OR_ERROR;
    }
    uint32_t before = fingerprint(container, (size_t)size);
    if (kiln_module_load_static(container, (size_t)size, &module, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    const char *name = opts->invoke;
    kiln_func_type type;
    bool is_command = name == NULL;
    if (is_command)
        name = "_start";
    if (kiln_module_export_func_type(module, name, &type, &err) != KILN_OK) {
        if (is_command)
            fprintf(stderr, "kiln: error: %s exports no function _start (use --invoke NAME)\n",
                    path);
        else
            fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    uint32_t typed_argc = is_command ? type.param_count : (uint32_t)argc;
    if (typed_argc != type.param_count || type.param_count > 16 || type.result_count > 16) {
        fprintf(stderr, "kiln: error: %s takes %u argument%s (", name, (unsigned)type.param_count,
                type.param_count == 1 ? "" : "s");
        for (uint32_t i = 0; i < type.param_count; i++)
            fprintf(stderr, "%s%s", i ? ", " : "", cli_kind_name(type.params[i]));
        fprintf(stderr, "), %d given\n", argc);
        status = EXIT_USAGE;
        goto out;
    }
    for (uint32_t i = 0; i < type.param_count; i++) {
        if (!cli_parse_value(argv[i], type.params[i], &args[i])) {
            fprintf(stderr, "kiln: error: argument %u of %s: \"%s\" is not a valid %s\n",
                    (unsigned)i + 1, name, argv[i], cli_kind_name(type.params[i]));
            status = EXIT_USAGE;
            goto out;
        }
    }
    char dir[256];
    const char *dirs[MAX_OPTION_VALUES + 1];
    size_t dir_count = 0;
    for (size_t i = 0; i < opts->module_path_count; i++)
        dirs[dir_count++] = opts->module_path[i];
    dirs[dir_count++] = directory_of(path, dir, sizeof dir);
    if (kiln_linker_new(&linker, &err) != KILN_OK ||
        mcu_wasi_define(linker, path, argc, argv, opts->env, opts->env_count, &err) != KILN_OK ||
        mcu_host_define(linker, &err) != KILN_OK ||
        kiln_linker_use_module_path(linker, dirs, dir_count, &err) != KILN_OK) {
        fprintf(stderr, "kiln: error: %s\n", err.message);
        goto out;
    }
    if (kiln_linker_instantiate(linker, module, &instance, &err) != KILN_OK) {
        status = report(&err);
        goto out;
    }
    if (kiln_instance_call(instance, name, args, type.param_count, results, type.result_count,
                           &err) != KILN_OK) {
        status = report(&err);
        goto out;
    }
    for (uint32_t i = 0; i < type.result_count; i++)
        cli_print_value(&results[i]);
    status = 0;
out:
    fflush(stdout);
    if (opts->xip_report && module != NULL) {
        uint32_t after = fingerprint(container, (size_t)size);
        fprintf(stderr,
                "kiln-mcu: xip: code %s; container at 0x%08lx (%ld bytes) %s; arena peak %lu "
                "bytes; stack peak %lu bytes\n",
                kiln_module_executes_in_place(module) ? "executed in place from flash"
                                                      : "copied to RAM",
                (unsigned long)(uintptr_t)container, size,
                after == before ? "unchanged" : "CHANGED", (unsigned long)board_arena.peak_bytes,
                (unsigned long)kiln_mcu_stack_used());
    }
    kiln_instance_free(instance);
    kiln_linker_free(linker);
    kiln_module_free(module);
    return status;
}

int main(int argc, char **argv)
{
    board_init();

    run_options opts;
    memset(&opts, 0, sizeof opts);
    int i = 1;
    for (; i < argc && argv[i][0] == '-' && argv[i][1] == '-'; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (strcmp(a, "--version") == 0) {
            printf("kiln %s (kiln-mcu firmware, target %s)\n", KILN_VERSION_STRING,
                   kiln_runtime_target());
            return 0;
        }
        if (strcmp(a, "--xip-report") == 0) {
            opts.xip_report = true;
            continue;
        }
        if (strcmp(a, "--embedded") == 0) {
            opts.embedded = true;
            continue;
        }
        const char **list = NULL;
        size_t *count = NULL;
        if (strcmp(a, "--invoke") != 0 && strcmp(a, "--module-path") != 0 &&
            strcmp(a, "--env") != 0) {
            fprintf(stderr, "kiln: error: unknown option %s (see kiln --help)\n", a);
            return EXIT_USAGE;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "kiln: error: %s needs a value\n", a);
            return EXIT_USAGE;
        }
        const char *v = argv[++i];
        if (strcmp(a, "--invoke") == 0) {
            opts.invoke = v;
            continue;
        }
        if (strcmp(a, "--module-path") == 0) {
            list = opts.module_path;
            count = &opts.module_path_count;
        } else {
            list = opts.env;
            count = &opts.env_count;
        }
        if (*count == MAX_OPTION_VALUES) {
            fprintf(stderr, "kiln: error: more than %d %s options\n", MAX_OPTION_VALUES, a);
            return EXIT_USAGE;
        }
        list[(*count)++] = v;
    }
    if (opts.embedded)
        return run("(embedded)", &opts, argc - i, argv + i);
    if (i >= argc) {
        fprintf(stderr, "kiln: error: no MODULE given\n");
        usage(stderr);
        return EXIT_USAGE;
    }
    return run(argv[i], &opts, argc - i - 1, argv + i + 1);
}
