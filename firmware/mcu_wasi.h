/*
 * Host functions of the firmware runner: the WASI preview1 subset that
 * makes sense without a file system (mcu_wasi_define) and the "env"
 * functions the board tests call (mcu_host_define). Every pointer a module
 * passes is checked against its memory 0 before it is used.
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
 * Defines the native functions (kiln_linker_define_native, whose pointers
 * the runtime checks) env.log "(*~)i" (prints "log: TEXT", returns len),
 * env.strlen "($)i", env.addf "(fFi)F", env.mix "(iIfFifFIif)F" and
 * env.many_f "(FFFFFFFFfFi)F" (each argument weighted by its position),
 * and the raw functions env.fail () (traps "the host says no") and
 * env.quit () (exits with status 3).
 */
kiln_status mcu_host_define(kiln_linker *linker, kiln_error *err);

#endif /* KILN_MCU_WASI_H */
