/*
 * libkilnc: the kiln compiler. Decodes and validates a .wasm module, lowers it
 * to native code with LLVM and writes a kiln container (.aot), or the plain
 * object, LLVM IR or assembly.
 *
 * Errors use kiln_status / kiln_error from kiln/status.h (this header does
 * not include the runtime API, and libkilnc does not link libkiln). Decode errors are KILN_ERR_MALFORMED and validation
 * errors KILN_ERR_INVALID, both with the byte offset in the .wasm input.
 */
#ifndef KILN_COMPILER_H
#define KILN_COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kilnc_format {
    KILNC_FORMAT_AOT = 0,  /* kiln container */
    KILNC_FORMAT_OBJECT,   /* relocatable object of the target */
    KILNC_FORMAT_LLVM_IR,  /* textual LLVM IR, after optimisation */
    KILNC_FORMAT_ASM       /* target assembly */
} kilnc_format;

typedef struct kilnc_options {
    const char *target_triple; /* NULL: the host */
    /* A CPU of the target (kilnc_list_cpus), or "host": this machine's CPU
     * and all its features (only when compiling for this machine's
     * architecture and OS). NULL: "host" for the host, else "generic". */
    const char *cpu;
    /* "+f,-g,...": features of the target (kilnc_list_cpu_features) added
     * to or removed from the CPU's, with what they imply. NULL: none. */
    const char *cpu_features;
    unsigned opt_level;        /* 0..3, default 3 */
    unsigned size_level;       /* 0..2, default 0 */
    kilnc_format format;       /* default KILNC_FORMAT_AOT */
    int bounds_checks;         /* -1: target default, 0 guard pages,
                                  1 explicit checks (kiln_bounds_mode) */
    /* Large modules compile as partitions (one LLVM module each) on
     * several threads. partitions: 0 picks from the module's code size
     * (about 1 MiB of wasm code per partition, counting 64 bytes more per
     * function; small modules are one), N
     * asks for N (at most one per function). The count depends on the
     * module and these options only, so the output is the same on every
     * machine; threads only changes how fast: 0 uses every online CPU. */
    unsigned partitions;
    unsigned threads;
    /* Custom sections copied into the container: NULL or "" none (the
     * default; "name" always feeds the backtrace names), "all", or a
     * comma-separated list of section names. Not kept: read by the call. */
    const char *keep_custom;
    /* Progress (NULL: none): called with how many of the module's defined
     * functions are compiled, from 0 up to total, as partitions finish;
     * calls are serialised but may come from any compile thread. */
    void (*progress)(void *user, uint32_t done, uint32_t total);
    void *progress_user;
    /* Non-zero: execute in place (KILN_AOT_FLAG_XIP; 32-bit Arm targets):
     * the container holds no relocation, its code reaches everything
     * outside the module through vmctx, and a relocation that would have
     * the loader write into code or read-only data fails the compile,
     * named (KILN_ERR_UNSUPPORTED). */
    int xip;
    /* Interruptible code: every function entry and loop header checks the
     * instance's interrupt word, so kiln_instance_interrupt (another
     * thread, a timer) can stop a running call with the trap
     * "interrupted". Off (the default), code pays nothing for it. */
    bool interruptible;
    /* KILNC_FORMAT_OBJECT: the name of the kiln_linked_code record
     * (kiln/aot_format.h) the object defines for kiln_module_load_linked,
     * a C identifier; NULL: "kiln_linked_module". Every other symbol of
     * the object is local, so several modules link into one program. */
    const char *linked_name;
} kilnc_options;

/* Fills the defaults described above. */
void kilnc_options_init(kilnc_options *options);

/*
 * Compiles wasm bytes. On success *out is a buffer of *out_size bytes that
 * the caller releases with kilnc_buffer_free.
 * Input that is not a core .wasm module but recognisably something else is
 * refused before decoding, with a message saying what it is and what to
 * do: KILN_ERR_NOT_WASM for a kiln container ("already compiled"), a WAMR
 * .aot ("\0aot"), a Wasmtime .cwasm, another ELF file or WebAssembly text;
 * KILN_ERR_UNSUPPORTED for a component. Other bytes are decoded and fail
 * with KILN_ERR_MALFORMED as the spec says ("magic header not detected").
 */
kiln_status kilnc_compile(const uint8_t *wasm, size_t wasm_size,
                          const kilnc_options *options, uint8_t **out, size_t *out_size,
                          kiln_error *err);
void kilnc_buffer_free(void *buffer);

/* One module of a pre-linked bundle. */
typedef struct kilnc_bundle_input {
    const char *name;     /* what the other modules import it as ("b") */
    const uint8_t *wasm;  /* the .wasm bytes, read during the call only */
    size_t wasm_size;
} kilnc_bundle_input;

/*
 * Compiles modules that import from each other into one pre-linked bundle
 * container: one code image, in which a call to a function import naming
 * another module of the set by its name, and a function that module
 * defines and exports, is a direct native call (inlinable), passing the
 * callee instance's vmctx. Every other import (WASI, host functions,
 * modules outside the set, memories, tables and globals) stays an
 * ordinary import. Each module keeps its own memories, tables and globals.
 * The last input is the main module (the one kiln_module_load returns);
 * the runtime instantiates the others, once each, as it links.
 * Formats: KILNC_FORMAT_AOT, KILNC_FORMAT_LLVM_IR, KILNC_FORMAT_ASM (the
 * bundle's one LLVM module). A bundle is one LLVM module, unless a member
 * is large enough to be partitioned (options->partitions as for
 * kilnc_compile): then every member is compiled as its partitions on
 * threads, and pre-linked calls stay direct but are inlined only within a
 * partition. The output never depends on options->threads. Errors as
 * kilnc_compile, with the module's name in the
 * message; KILN_ERR_LINK when a module imports from another of the set
 * something it does not export (or a function of another type), or names
 * are empty or repeated; KILN_ERR_ARGUMENT for no input.
 */
kiln_status kilnc_compile_bundle(const kilnc_bundle_input *inputs, size_t count,
                                 const kilnc_options *options, uint8_t **out, size_t *out_size,
                                 kiln_error *err);

/*
 * Describes a kiln container in human-readable text (header, target,
 * sections, imports, exports), reading it independently of the runtime:
 * every offset is checked, nothing is mapped or run. On success *text is
 * a NUL-terminated buffer the caller releases with kilnc_buffer_free.
 * KILN_ERR_IS_WASM for a .wasm binary; KILN_ERR_NOT_CONTAINER,
 * KILN_ERR_TRUNCATED or KILN_ERR_CORRUPT (with the byte offset) for bytes it
 * cannot read. A checksum mismatch is reported in the text, so damaged files
 * can be looked at. Used by kiln-objdump and kilnc --inspect.
 */
kiln_status kilnc_inspect(const uint8_t *bytes, size_t size, char **text, kiln_error *err);

/*
 * What kilnc accepts (kilnc --target=help, --cpu=help, --cpu-features=help):
 * fn is called once per entry, in order, with its name and a one-line
 * description (NULL when there is none). The CPU and feature lists are
 * those of triple's architecture (NULL: the host); KILN_ERR_ARGUMENT for a
 * triple kiln does not know, naming the valid ones. A feature's description
 * says how the runtime detects it ("[cpuid 0x7.0 ebx[16], xcr0 ...]").
 */
typedef void (*kilnc_list_fn)(void *user, const char *name, const char *description);
void kilnc_list_targets(kilnc_list_fn fn, void *user);
kiln_status kilnc_list_cpus(const char *triple, kilnc_list_fn fn, void *user, kiln_error *err);
kiln_status kilnc_list_cpu_features(const char *triple, kilnc_list_fn fn, void *user,
                                    kiln_error *err);

/* A target kilnc writes containers for (static storage). */
typedef struct kilnc_target_info {
    const char *triple;       /* what --target takes, e.g. "aarch64-linux-gnu" */
    const char *cpu;          /* baseline CPU: the default with --target */
    const char *cpu_features; /* baseline features, LLVM syntax */
    int bounds_checks;        /* default kiln_bounds_mode */
    unsigned pointer_width;   /* bytes */
} kilnc_target_info;

/* Target number index (0, 1, ...) into *out; false past the last. */
bool kilnc_target_get(size_t index, kilnc_target_info *out);

/* "kilnc X.Y.Z (LLVM A.B.C)" */
const char *kilnc_version(void);
/* The default target triple of this host, normalised (static storage). */
const char *kilnc_host_triple(void);

#ifdef __cplusplus
}
#endif

#endif /* KILN_COMPILER_H */
