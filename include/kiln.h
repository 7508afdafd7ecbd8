/*
 * libkiln: the kiln runtime. Loads precompiled .aot containers (written by
 * kilnc), instantiates them and calls their exports. It never links LLVM and
 * never parses .wasm.
 *
 * This header (with kiln/linker.h and kiln/host.h, which it includes)
 * declares the API only. The container format and the compiled-code ABI
 * (kiln/aot_format.h) are for the writer, the loader and the inspector.
 *
 * Conventions:
 * - Every fallible function returns kiln_status and, when err is not NULL,
 *   fills *err with the status, a byte offset where one applies
 *   (KILN_NO_OFFSET otherwise) and a message that names what was wrong
 *   (kiln/status.h).
 * - Out-parameters are written only on success.
 * - X_new / X_load pair with X_free; freeing NULL does nothing.
 * - The library never prints, exits or aborts on bad input.
 */
#ifndef KILN_H
#define KILN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/kinds.h"
#include "kiln/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kiln_val {
    kiln_valkind kind;
    union {
        int32_t i32;
        int64_t i64;
        float f32;
        double f64;
        uint8_t v128[16];
        void *ref;
    } of;
} kiln_val;

/* The target this runtime loads code for, e.g. "x86_64-unknown-linux-gnu". */
const char *kiln_runtime_target(void);

/*
 * The allocator every heap allocation of libkiln goes through (as Lua's
 * lua_Alloc), with its user pointer:
 *   fn(user, NULL, n)  allocates n > 0 bytes, aligned as malloc's;
 *   fn(user, p, n)     resizes p to n > 0 bytes keeping its contents; on
 *                      failure returns NULL and leaves p as it was;
 *   fn(user, p, 0)     frees p (never NULL); the result is ignored.
 * Returning NULL makes the operation that asked fail with KILN_ERR_NOMEM,
 * freeing what it had allocated; the runtime stays usable. fn NULL restores
 * the C library's realloc/free. Set it before anything else, or while no
 * kiln object is alive (memory is freed by the allocator set at that time);
 * not thread-safe. Switching first releases the runtime's process-wide
 * tables (interned function types, fault ranges) through the allocator
 * that made them, so the old allocator's memory (an arena) may be reused. Linear memories, code and signal stacks are mapped pages,
 * not heap, and do not go through it, except on bare metal (no MMU), where
 * they do (kiln/arena.h is an allocator for that).
 */
typedef void *(*kiln_allocator_fn)(void *user, void *ptr, size_t size);
void kiln_set_allocator(kiln_allocator_fn fn, void *user);

/* ---- modules -------------------------------------------------------------- */

typedef struct kiln_module kiln_module;

/*
 * Loads a container from memory. The bytes are copied where needed; the
 * caller may free them when this returns. Any alignment is accepted.
 * Errors: KILN_ERR_NOT_CONTAINER, _IS_WASM, _TRUNCATED, _VERSION, _TARGET,
 * _POINTER_WIDTH, _ENDIANNESS, _CPU_FEATURES, _BOUNDS_MODE, _HELPERS,
 * _CHECKSUM, _CORRUPT, _NOMEM.
 */
kiln_status kiln_module_load(const void *bytes, size_t size, kiln_module **out,
                             kiln_error *err);
/*
 * As kiln_module_load, for the file at path. The file is mapped privately
 * and read-only, nothing is copied but what must be writable: a large code
 * image (which kilnc page-aligns) runs from the mapped pages themselves, and
 * only the pages its relocations patch become private copies. As with
 * Wasmtime's Module::deserialize_file, the file must not be modified while
 * the module is loaded (replace it with rename instead); use
 * kiln_module_load for bytes someone else may rewrite.
 */
kiln_status kiln_module_load_file(const char *path, kiln_module **out, kiln_error *err);
/*
 * As kiln_module_load, for bytes that stay where they are, unchanged, until
 * kiln_module_free: a container in flash, or a const array linked into the
 * program. Nothing is copied and nothing is written into them. On a
 * platform that executes code in place (bare metal), the code of an XIP
 * container (kilnc --xip) runs where it lies, aligned as its image asks
 * (4 bytes for Cortex-M); elsewhere the code is copied, as by
 * kiln_module_load. Same errors as kiln_module_load.
 */
kiln_status kiln_module_load_static(const void *bytes, size_t size, kiln_module **out,
                                    kiln_error *err);
/*
 * A module linked statically into the program: its code is the object
 * kilnc --format=object wrote (kiln_precompile(... FORMAT object)), linked
 * by the system linker, which defines `code` (declare it as
 *     extern const kiln_linked_code NAME;
 * NAME being kilnc's --linked-name, default kiln_linked_module), and its
 * container is what kilnc --format=aot writes for the same .wasm and
 * options. Nothing is mapped or copied: the code runs where the linker put
 * it. The container bytes stay the caller's, as for kiln_module_load_static.
 * Besides kiln_module_load's errors: KILN_ERR_LINK when code does not
 * belong to the container (another module, other counts, code missing for
 * a function or trampoline the container has).
 */
typedef struct kiln_linked_code kiln_linked_code;
kiln_status kiln_module_load_linked(const void *container, size_t size,
                                    const kiln_linked_code *code, kiln_module **out,
                                    kiln_error *err);
/* Whether module's code runs from the container's own bytes (an XIP
 * container loaded by kiln_module_load_static on bare metal, or pages of a
 * file mapping): nothing was copied for it. */
bool kiln_module_executes_in_place(const kiln_module *module);

/*
 * A pre-linked bundle (kilnc a.wasm b.wasm): loading one returns its main
 * module (the last); the others come with it and are instantiated by the
 * linker when the main module (or another of them) imports from them, once
 * per linker, registered under their names. A pre-linked import binds only
 * to the same bundle's module (else instantiation fails, KILN_ERR_LINK).
 * kiln_module_bundle_size: how many modules were loaded with `module`, 1
 * for a module that is not a bundle (0 for NULL); kiln_module_bundle_name:
 * the name of module index (the main module is size - 1), NULL past the
 * end or outside a bundle. The names live as long as the module.
 */
size_t kiln_module_bundle_size(const kiln_module *module);
const char *kiln_module_bundle_name(const kiln_module *module, size_t index);
void kiln_module_free(kiln_module *module);
/* The module's name from its name section (wat: `(module $name ...)`), or
 * NULL when it has none. Owned by the module. */
const char *kiln_module_name(const kiln_module *module);

/*
 * What a buffer holds, so a program that accepts both .wasm and .aot knows
 * which path to take.
 *   KILN_DETECT_WASM         a WebAssembly binary ("\0asm"): compile it
 *   KILN_DETECT_LOADABLE     a kiln container whose header this runtime
 *                            accepts on this machine (version, checksum,
 *                            target, pointer width, byte order, bounds
 *                            mode, CPU features, helpers)
 *   KILN_DETECT_UNLOADABLE   a kiln container this runtime refuses
 *   KILN_DETECT_NEITHER      anything else
 * For UNLOADABLE, *why (when not NULL) receives the first reason, as
 * kiln_module_load would report it; kiln_module_check lists every reason.
 * The check is header-level (sections are parsed by kiln_module_load), and
 * reads at most size bytes at any alignment.
 */
typedef enum kiln_detect_kind {
    KILN_DETECT_NEITHER = 0,
    KILN_DETECT_WASM = 1,
    KILN_DETECT_LOADABLE = 2,
    KILN_DETECT_UNLOADABLE = 3
} kiln_detect_kind;

kiln_detect_kind kiln_detect(const void *bytes, size_t size, kiln_error *why);

/*
 * Called once per problem found by kiln_module_check, in header order;
 * problem is valid only during the call.
 */
typedef void (*kiln_check_fn)(void *user, const kiln_error *problem);

/*
 * Checks whether this runtime on this machine can load the container and
 * reports EVERY header-level reason it cannot, not just the first: format
 * version (naming the kilnc that produced the file), checksum, target
 * triple, pointer width, byte order, bounds mode, CPU features (all missing
 * names), runtime helpers (all missing names), malformed header strings and
 * section table. Not a container, a .wasm binary or a truncated file are
 * reported alone (nothing else can be read). report may be NULL.
 * Returns KILN_OK when there is no problem, else the first problem's status
 * (also in *err).
 */
kiln_status kiln_module_check(const void *bytes, size_t size, kiln_check_fn report, void *user,
                              kiln_error *err);

typedef struct kiln_func_type {
    uint32_t param_count;
    uint32_t result_count;
    const kiln_valkind *params;  /* owned by the module */
    const kiln_valkind *results; /* owned by the module */
} kiln_func_type;

/* Looks up an exported function's type. KILN_ERR_NOT_FOUND if absent. */
kiln_status kiln_module_export_func_type(const kiln_module *module, const char *name,
                                         kiln_func_type *out, kiln_error *err);

/* Number of exports; 0 for NULL. */
size_t kiln_module_export_count(const kiln_module *module);
/* Name of export `index` (owned by the module), NULL when out of range. */
const char *kiln_module_export_name(const kiln_module *module, size_t index);
/* Kind of export `index`; KILN_EXTERN_FUNC when out of range (check the
 * index against kiln_module_export_count first). */
kiln_extern_kind kiln_module_export_kind(const kiln_module *module, size_t index);
/* Number of imports; 0 for NULL. */
size_t kiln_module_import_count(const kiln_module *module);

/* An import or export with its kind and type. Strings and arrays are owned
 * by the module. */
typedef struct kiln_extern_desc {
    const char *module;  /* the import's module name; NULL for exports */
    const char *name;    /* field (import) or export name, NUL-terminated */
    size_t name_len;     /* bytes of name (a wasm name may hold NULs) */
    kiln_extern_kind kind;
    kiln_func_type func; /* KILN_EXTERN_FUNC */
    kiln_valkind elem_kind; /* KILN_EXTERN_TABLE: KILN_FUNCREF or KILN_EXTERNREF */
    uint64_t min, max;   /* TABLE (elements), MEMORY (64 KiB pages) */
    bool has_max;        /* TABLE, MEMORY: max is set */
    bool shared;         /* MEMORY */
    kiln_valkind global_kind; /* KILN_EXTERN_GLOBAL */
    bool global_mutable;      /* KILN_EXTERN_GLOBAL */
} kiln_extern_desc;

/* Import `index` (0 .. kiln_module_import_count - 1), in the module's
 * order. KILN_ERR_NOT_FOUND when out of range. */
kiln_status kiln_module_import(const kiln_module *module, size_t index, kiln_extern_desc *out,
                               kiln_error *err);
/* Export `index` (0 .. kiln_module_export_count - 1). */
kiln_status kiln_module_export(const kiln_module *module, size_t index, kiln_extern_desc *out,
                               kiln_error *err);

/* ---- instances ------------------------------------------------------------ */

typedef struct kiln_instance kiln_instance;

/*
 * Instantiates a module that has no imports: memories, tables, globals,
 * segments, then the start function. The module must outlive the instance.
 * A trap in the start function returns KILN_ERR_TRAP.
 */
kiln_status kiln_instance_new(const kiln_module *module, kiln_instance **out,
                              kiln_error *err);
void kiln_instance_free(kiln_instance *instance);

/* ---- instantiation budget (issue 10; one block, keep together) ----------------
 * Every instantiation (kiln_instance_new, the linker's) first adds up what
 * the module's defined tables and memories need at their minimum sizes
 * (elements * pointer size, pages * 64 KiB) and refuses the instance with
 * KILN_ERR_INSTANTIATE "instantiation budget exceeded: ..." when the sum is
 * above the budget, before allocating anything. Process-wide, thread-safe;
 * bytes == 0 restores the default. Large tables are committed lazily, so
 * within the budget an instance costs memory only as it is used. */
#define KILN_INSTANCE_BUDGET_DEFAULT ((uint64_t)8 << 30) /* 8 GiB */
void kiln_instance_budget_set(uint64_t bytes);
/* ---- end of instantiation budget ---------------------------------------------- */

/*
 * Calls the exported function `name`. args must match its parameters in
 * number and kind; results receives result_count values. A trap returns
 * KILN_ERR_TRAP with err->trap set; the instance stays usable. Looks the
 * name up on every call: a host that calls an export often keeps a
 * function handle instead (kiln_instance_func, below).
 */
kiln_status kiln_instance_call(kiln_instance *instance, const char *name,
                               const kiln_val *args, size_t arg_count, kiln_val *results,
                               size_t result_count, kiln_error *err);
/*
 * kiln_instance_call for an export named by name_len bytes: wasm names are
 * any UTF-8 and may contain NUL bytes, which a C string cannot carry.
 */
kiln_status kiln_instance_call_n(kiln_instance *instance, const char *name, size_t name_len,
                                 const kiln_val *args, size_t arg_count, kiln_val *results,
                                 size_t result_count, kiln_error *err);

/* ---- fault handlers ------------------------------------------------------------
 *
 * Out-of-bounds accesses (caught by guard pages) and stack overflows in
 * wasm code become traps through SIGSEGV/SIGBUS handlers that kiln installs
 * once per process, on the first instantiation, chaining to the handlers
 * that were there before; every instantiation checks that they are still
 * in place. Calls make no system call. A host that installs its own
 * handlers for these signals later must chain to the handler it replaced,
 * as kiln does, or call kiln_fault_handlers_ensure afterwards: it puts
 * kiln's handlers back in front, chaining to the host's. (Test frameworks
 * such as cmocka replace them around every test.)
 * KILN_ERR_INSTANTIATE when the handlers cannot be installed.
 */
kiln_status kiln_fault_handlers_ensure(kiln_error *err);

/* ---- limits ----------------------------------------------------------------- */

/*
 * The native stack wasm may use in a call that enters this instance from
 * the host, in bytes (0, the default: up to 1 GiB, or what the thread's
 * stack has, always leaving a 256 KiB reserve for host functions and
 * trap handling). Code that needs more traps with "call stack exhausted"
 * (KILN_TRAP_CALL_STACK_EXHAUSTED) and the instance stays usable. Applies
 * to calls made after it (and to calls that host functions make back into
 * wasm, which stay inside the outer call's limit).
 */
kiln_status kiln_instance_set_stack_size(kiln_instance *instance, size_t bytes,
                                         kiln_error *err);

/*
 * The most bytes each memory the instance defines may grow to: a
 * memory.grow beyond it returns -1, as for the module's own maximum (a
 * memory already larger stays as it is). 0 (the default) removes the cap.
 * Memories the instance imports are capped by whoever made them.
 */
kiln_status kiln_instance_set_max_memory(kiln_instance *instance, uint64_t max_bytes,
                                         kiln_error *err);

/*
 * Interruption: stops a running call from another thread (or a timer, or a
 * signal handler: it is one atomic store per instance) in code compiled with
 * kilnc --interruptible, which checks at every function entry and loop
 * header. The call returns KILN_ERR_TRAP with err->trap
 * KILN_TRAP_INTERRUPTED ("interrupted") and the instance stays usable.
 * When no call is running, the next call into the instance is stopped at
 * its first check. Code compiled without the option never looks (and pays
 * nothing): kiln_module_interruptible says which kind a module is.
 */
kiln_status kiln_instance_interrupt(kiln_instance *instance, kiln_error *err);
bool kiln_module_interruptible(const kiln_module *module);

/* ---- function handles -------------------------------------------------------
 *
 * A handle names an exported function once; calls through it do no name
 * lookup. Handles belong to the instance (valid until kiln_instance_free;
 * looking the same export up again returns the same handle) and are called
 * by one thread at a time, as the instance is.
 *
 *     kiln_func *add;
 *     kiln_instance_func(inst, "add", &add, &err);
 *     kiln_val args[2] = {{.kind = KILN_I32, .of.i32 = 1}, {.kind = KILN_I32, .of.i32 = 2}};
 *     kiln_val sum;
 *     kiln_func_call(add, args, 2, &sum, 1, &err);
 */
typedef struct kiln_func kiln_func;

/* The exported function `name`. KILN_ERR_NOT_FOUND when the module has no
 * such export or it is not a function; KILN_ERR_NOMEM. */
kiln_status kiln_instance_func(kiln_instance *instance, const char *name, kiln_func **out,
                               kiln_error *err);
/* As kiln_instance_func, for a name of name_len bytes (NULs allowed). */
kiln_status kiln_instance_func_n(kiln_instance *instance, const char *name, size_t name_len,
                                 kiln_func **out, kiln_error *err);
/* The function's type (arrays owned by the module). Zero counts for NULL. */
kiln_func_type kiln_func_get_type(const kiln_func *func);
/* The export name the handle was looked up by (owned by the module). */
const char *kiln_func_name(const kiln_func *func);
/*
 * Calls the function: args must match its parameters in number and kind
 * (KILN_ERR_TYPE names the mismatch), results receives result_count values.
 * A trap returns KILN_ERR_TRAP with err->trap set; the instance stays
 * usable. The steady state makes no system call.
 */
kiln_status kiln_func_call(kiln_func *func, const kiln_val *args, size_t arg_count,
                           kiln_val *results, size_t result_count, kiln_error *err);

/* ---- trap backtraces ------------------------------------------------------- */

/* One wasm frame of a trap's backtrace. */
typedef struct kiln_frame {
    const kiln_module *module; /* the module whose code it is */
    uint32_t func_index;       /* in the module's function index space */
    const char *func_name;     /* from the name section, NULL when it has none;
                                  owned by the module */
} kiln_frame;

/* Most frames recorded per trap; deeper stacks keep the innermost ones. */
#define KILN_BACKTRACE_MAX 64

/*
 * The wasm frames of the most recent trap on the calling thread, innermost
 * first: after any call (kiln_instance_call, instantiation's start function)
 * returned KILN_ERR_TRAP, and until the next trap on this thread. Copies up
 * to capacity frames into frames (which may be NULL when capacity is 0) and
 * returns how many were recorded. The names stay valid while their module
 * lives.
 *
 * Frames come from walking the frame-pointer chain at the trap, so compiled
 * code does no bookkeeping. Host (C) frames are skipped; a host function
 * built without frame pointers that sits between wasm frames can hide the
 * wasm frames outside it. For a fault in a leaf function (one that calls
 * nothing and so has no frame), its caller is recovered from the return
 * address at the top of the stack; when that word cannot be trusted (stack
 * exhaustion) the caller may be missing.
 */
size_t kiln_last_trap_backtrace(kiln_frame *frames, size_t capacity);

#include "kiln/host.h"
#include "kiln/linker.h"

/*
 * Memory 0 of the instance: its base (stable for the instance's life) and
 * its current size in bytes (changes when wasm grows it).
 * KILN_ERR_NOT_FOUND when the instance has no memory.
 */
kiln_status kiln_instance_memory(const kiln_instance *instance, uint8_t **base, uint64_t *size,
                                 kiln_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KILN_H */
