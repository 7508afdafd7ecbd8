/*
 * Host functions of the firmware runner: the WASI preview1 subset that
 * makes sense without a file system (mcu_wasi_define) and the "env"
 * functions the board tests call (mcu_host_define). Both check every
 * pointer a module passes against its memory 0 before using it.
 */
#ifndef KILN_MCU_WASI_H
#define KILN_MCU_WASI_H

#include <stddef.h>

#include "kiln.h"
#include "kiln/linker.h"

/*
 * Defines wasi_snapshot_preview1's args_*, environ_*, fd_write (stdout,
 * stderr), fd_fdstat_get, fd_seek, fd_close, fd_prestat_* (no preopened
 * directories), clock_time_get, clock_res_get, sched_yield and proc_exit.
 * The program's arguments are program then argv[0..argc-1]; environ is
 * env[0..env_count-1] (KEY=VALUE). The strings must outlive the linker.
 * A module importing another WASI function fails to instantiate, naming it.
 */
kiln_status mcu_wasi_define(kiln_linker *linker, const char *program, int argc, char **argv,
                            const char *const *env, size_t env_count, kiln_error *err);

/*
 * Defines env.log (ptr, len) -> i32 (prints "log: TEXT", returns len),
 * env.strlen (ptr) -> i32 (of a NUL-terminated string), env.addf (f32, f64,
 * i32) -> f64, env.fail () (traps "the host says no") and env.quit () (exits
 * with status 3). A pointer outside memory 0 traps "out of bounds memory
 * access: argument N of host function env.NAME: ...".
 */
kiln_status mcu_host_define(kiln_linker *linker, kiln_error *err);

#endif /* KILN_MCU_WASI_H */
