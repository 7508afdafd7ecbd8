/*
 * Linking: the registry that instantiation resolves imports against.
 * Included by kiln.h.
 *
 * A linker maps "module" -> instance (kiln_linker_define_instance) and
 * "module.field" -> host function, memory, table or global. Instantiation
 * resolves every import of a module against it, checking types and limits
 * as the spec's import matching says; a failure is KILN_ERR_LINK with a
 * message naming the import, what the module expects and what was offered.
 * When a module imports from a name the linker does not know, the resolver
 * callback (if set) supplies that module's container; the linker loads,
 * instantiates and registers it, recursively, each dependency once, and
 * reports import cycles by naming them.
 *
 * Ownership: the linker keeps references to what is defined in it (memories,
 * tables, globals and instances are reference-counted) and frees the
 * modules and instances the resolver made when it is freed. Instances made by
 * kiln_linker_instantiate belong to the caller.
 *
 * Threads (the threads proposal, one instance per host thread): define a
 * shared memory in the linker and let every thread instantiate the module
 * through it; the instances share the memory (atomics, wait/notify work
 * across them) and nothing else (each has its own globals, tables and
 * wasm stack pointer):
 *
 *     kiln_memory_new(1, 16, true, &mem, &err);           // shared, fixed base
 *     kiln_linker_define_memory(linker, "env", "memory", mem, &err);
 *     // on each thread:
 *     kiln_linker_instantiate(linker, module, &inst, &err);
 *     kiln_instance_call(inst, "run", args, 1, NULL, 0, &err);
 *     kiln_instance_free(inst);
 *
 * Thread rules: kiln_linker_instantiate may be called from several threads
 * at once (instantiation, including the resolver and start functions, is
 * serialised by the linker's lock). kiln_linker_define_*, _set_resolver,
 * _trap_unknown_imports and _free are not locked: do them before the
 * linker is shared, or after its threads are done. An instance is called
 * by one thread at a time (its vmctx holds the calling thread's stack
 * limit); instances defined in the linker and called from several threads
 * through imports are not supported. Memories, tables, globals and
 * instances may be released from any thread (atomic reference counts), and
 * traps are per thread: each thread gets its own activation chain,
 * alternate signal stack and stack limit on its first call.
 */
/* Outside the guard, as in kiln/host.h. */
#include "kiln.h"

#ifndef KILN_LINKER_H
#define KILN_LINKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kiln_linker kiln_linker;
typedef struct kiln_memory kiln_memory;
typedef struct kiln_table kiln_table;
typedef struct kiln_global kiln_global;

kiln_status kiln_linker_new(kiln_linker **out, kiln_error *err);
void kiln_linker_free(kiln_linker *linker);

/* Raw host function with the given wasm type. */
kiln_status kiln_linker_define_func(kiln_linker *linker, const char *module,
                                    const char *field, const kiln_func_type *type,
                                    kiln_host_fn fn, void *user_data, kiln_error *err);

/*
 * Native host function with a WAMR-style signature, e.g. "(i*~)i":
 *   i i32, I i64, f f32, F f64, r externref;
 *   * a pointer into the caller's memory 0, checked and passed as a native
 *     pointer; ~ the byte length of the preceding * (the whole range is
 *     checked); $ a NUL-terminated string (checked up to its NUL).
 * A bad pointer or length traps before fn runs, with "out of bounds memory
 * access: argument N of native function MODULE.FIELD: [ptr, +len) is
 * outside memory 0 (SIZE bytes)". fn is called as R fn(kiln_caller *caller,
 * args...) with the C types int32_t, int64_t, float, double, void *,
 * uint32_t (~), const char *; r is void * (the externref), and the result,
 * if any, is one of i I f F r. A * not followed by ~ is checked for one
 * byte.
 *
 * Any mix of parameters: the runtime places the arguments as the host's C
 * calling convention does. x86-64 System V, AArch64 and RISC-V LP64D: the
 * integer registers after the caller (5 on x86-64, 7 on the others) and 8
 * float registers, then up to 32 stack words (on RISC-V a float beyond the
 * float registers takes an integer register first). On 32-bit Arm with hard
 * float (armv7 Linux, Cortex-M) the AAPCS-VFP rules place them (r1..r3,
 * s0..s15/d0..d7 with back-filling, then up to 32 stack words). Other hosts refuse native
 * functions with KILN_ERR_UNSUPPORTED (use kiln_linker_define_func there),
 * as do signatures needing more stack; KILN_ERR_ARGUMENT for a malformed
 * signature.
 */
kiln_status kiln_linker_define_native(kiln_linker *linker, const char *module,
                                      const char *field, const char *signature,
                                      void *fn, kiln_error *err);

/* A host function for every import of the given module that nothing else
 * resolves ("module" NULL = any module): it traps when called, naming the
 * import (kiln --unknown-imports=trap). */
void kiln_linker_trap_unknown_imports(kiln_linker *linker, bool enable);

kiln_status kiln_linker_define_memory(kiln_linker *linker, const char *module,
                                      const char *field, kiln_memory *memory,
                                      kiln_error *err);
kiln_status kiln_linker_define_table(kiln_linker *linker, const char *module,
                                     const char *field, kiln_table *table, kiln_error *err);
kiln_status kiln_linker_define_global(kiln_linker *linker, const char *module,
                                      const char *field, kiln_global *global,
                                      kiln_error *err);
/* Every export of instance becomes importable as "name.<export>". */
kiln_status kiln_linker_define_instance(kiln_linker *linker, const char *name,
                                        kiln_instance *instance, kiln_error *err);

/* Supplies the container of a module by name, or KILN_ERR_NOT_FOUND. */
typedef kiln_status (*kiln_resolver_fn)(void *user_data, const char *module_name,
                                        kiln_module **out, kiln_error *err);
void kiln_linker_set_resolver(kiln_linker *linker, kiln_resolver_fn resolver,
                              void *user_data);

/*
 * The module path: an import from a module NAME that nothing defines loads
 * DIR/NAME.aot from the first of dirs that has it (kiln_module_load_file),
 * instantiates and registers it, recursively (the resolver mechanism
 * above). Names that could leave the directories (empty, starting with
 * '.', holding '/' or '\\') are never looked up. Replaces any resolver; the
 * directories are copied. An import nothing provides names the path in
 * its KILN_ERR_LINK message. kiln/signing.h has a variant that loads only
 * signed containers.
 */
kiln_status kiln_linker_use_module_path(kiln_linker *linker, const char *const *dirs,
                                        size_t dir_count, kiln_error *err);

/* Instantiates module with its imports resolved by linker, then runs its
 * start function. KILN_ERR_LINK, KILN_ERR_INSTANTIATE or KILN_ERR_TRAP. */
kiln_status kiln_linker_instantiate(kiln_linker *linker, const kiln_module *module,
                                    kiln_instance **out, kiln_error *err);

/* ---- memories, tables and globals made by the host ---------------------------- */

/* max_pages UINT32_MAX: no maximum. Shared memories need a maximum and
 * reserve it up front (they never move). */
kiln_status kiln_memory_new(uint32_t min_pages, uint32_t max_pages, bool shared,
                            kiln_memory **out, kiln_error *err);
void kiln_memory_release(kiln_memory *memory);
uint8_t *kiln_memory_data(kiln_memory *memory, uint64_t *size_bytes);

kiln_status kiln_table_new(kiln_valkind elem_kind, uint32_t min, uint32_t max,
                           kiln_table **out, kiln_error *err);
void kiln_table_release(kiln_table *table);

kiln_status kiln_global_new(kiln_val value, bool is_mutable, kiln_global **out,
                            kiln_error *err);
void kiln_global_release(kiln_global *global);
kiln_val kiln_global_get(const kiln_global *global);

/* ---- exports of an instance ---------------------------------------------------- */

/* Reads an exported global. KILN_ERR_NOT_FOUND when absent. */
kiln_status kiln_instance_global_get(kiln_instance *instance, const char *name,
                                     kiln_val *out, kiln_error *err);
/* The exported memory name (NULL: memory 0), borrowed from the instance.
 * (Named _export_memory: kiln.h already has kiln_instance_memory, returning
 * the base and size of memory 0.) */
kiln_status kiln_instance_export_memory(kiln_instance *instance, const char *name,
                                        kiln_memory **out, kiln_error *err);

#endif /* KILN_LINKER_H */
