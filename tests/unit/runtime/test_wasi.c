/*
 * Unit tests of WASI preview1 (runtime/wasi/). They call the wasi_<name>
 * implementations directly on a guest memory of our own, so they need no
 * instance and no kiln_caller: guest memory is one page followed by a page
 * mapped with no access, so any byte touched past the end crashes the test
 * instead of passing unnoticed.
 *
 * Each file-system test works in its own mkdtemp directory:
 *   ROOT/outside.txt      a file the guest must never reach
 *   ROOT/box/             the preopen (guest fd 3, named "/box")
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kiln_common.h"
#include "wasi/wasi.h"

#define PAGE 4096u

typedef struct fixture {
    uint8_t *mapping; /* PAGE bytes of memory + PAGE of guard */
    wasi_mem mem;
    kiln_wasi *wasi;
    char root[64];
    char box[96];
} fixture;

static kiln_val I32(uint32_t v)
{
    kiln_val val;
    val.kind = KILN_I32;
    val.of.i32 = (int32_t)v;
    return val;
}

static kiln_val I64(uint64_t v)
{
    kiln_val val;
    val.kind = KILN_I64;
    val.of.i64 = (int64_t)v;
    return val;
}

static void write_host_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static bool host_exists(const char *dir, const char *name)
{
    char path[256];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return lstat(path, &st) == 0;
}

static void mem_setup(fixture *fx)
{
    fx->mapping = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                       -1, 0);
    assert_true(fx->mapping != MAP_FAILED);
    assert_int_equal(mprotect(fx->mapping + PAGE, PAGE, PROT_NONE), 0);
    memset(&fx->mem, 0, sizeof fx->mem);
    fx->mem.base = fx->mapping;
    fx->mem.size = PAGE;
}

/* Guest memory with a box preopen and the given stdio, args and env. */
static int setup_with(fixture *fx, int stdout_fd, const char *const *argv, size_t argc,
                      const char *const *envp, size_t envc)
{
    memset(fx, 0, sizeof *fx);
    mem_setup(fx);
    strcpy(fx->root, "/tmp/kiln_wasi_XXXXXX");
    assert_non_null(mkdtemp(fx->root));
    snprintf(fx->box, sizeof fx->box, "%s/box", fx->root);
    assert_int_equal(mkdir(fx->box, 0755), 0);
    write_host_file(fx->root, "outside.txt", "secret\n");
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    config.stdout_fd = stdout_fd;
    config.argv = argv;
    config.argc = argc;
    config.envp = envp;
    config.envc = envc;
    kiln_wasi_preopen preopen = {fx->box, "/box"};
    config.preopens = &preopen;
    config.preopen_count = 1;
    kiln_error err;
    assert_int_equal(kiln_wasi_new(&config, &fx->wasi, &err), KILN_OK);
    return 0;
}

static int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    setup_with(fx, 1, NULL, 0, NULL, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture *fx = *state;
    kiln_wasi_free(fx->wasi);
    munmap(fx->mapping, 2 * PAGE);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", fx->root);
    assert_int_equal(system(cmd), 0);
    free(fx);
    return 0;
}

/* Puts a string in guest memory at off, returns its length. */
static uint32_t put_str(fixture *fx, uint32_t off, const char *s)
{
    size_t len = strlen(s);
    memcpy(fx->mem.base + off, s, len);
    return (uint32_t)len;
}

/* path_open in the box; returns errno, *fd_out set on success. */
static wasi_errno open_in(fixture *fx, uint32_t dir, const char *path, uint32_t lookup,
                          uint32_t oflags, uint64_t rights, uint32_t *fd_out)
{
    uint32_t len = put_str(fx, 1024, path);
    kiln_val args[9] = {I32(dir), I32(lookup), I32(1024), I32(len), I32(oflags),
                        I64(rights), I64(rights), I32(0), I32(2000)};
    wasi_errno e = wasi_path_open(fx->wasi, &fx->mem, args);
    if (e == WASI_ESUCCESS)
        *fd_out = kiln_read_u32le(fx->mem.base + 2000);
    return e;
}

static wasi_errno path_call3(fixture *fx, wasi_impl_fn fn, uint32_t dir, const char *path)
{
    uint32_t len = put_str(fx, 1024, path);
    kiln_val args[3] = {I32(dir), I32(1024), I32(len)};
    return fn(fx->wasi, &fx->mem, args);
}

#define RIGHTS_RW (WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE | WASI_RIGHT_FD_SEEK | \
                   WASI_RIGHT_FD_TELL | WASI_RIGHT_FD_FILESTAT_GET)

/* ---- tests ------------------------------------------------------------------------- */

static void test_wasi_funcs_table(void **state)
{
    (void)state;
    size_t count = 0;
    const kiln_wasi_func *funcs = kiln_wasi_funcs(&count);
    assert_int_equal(count, 46); /* the 45 of the witx + legacy proc_raise */
    bool seen_write = false, seen_open = false, seen_exit = false;
    for (size_t i = 0; i < count; i++) {
        assert_non_null(funcs[i].fn);
        for (size_t j = 0; j < i; j++)
            assert_string_not_equal(funcs[i].name, funcs[j].name);
        if (strcmp(funcs[i].name, "fd_write") == 0) {
            assert_string_equal(funcs[i].params, "iiii");
            assert_string_equal(funcs[i].results, "i");
            seen_write = true;
        }
        if (strcmp(funcs[i].name, "path_open") == 0) {
            assert_string_equal(funcs[i].params, "iiiiiIIii");
            seen_open = true;
        }
        if (strcmp(funcs[i].name, "proc_exit") == 0) {
            assert_string_equal(funcs[i].results, "");
            seen_exit = true;
        }
    }
    assert_true(seen_write && seen_open && seen_exit);
}

static void test_wasi_args_environ(void **state)
{
    fixture *fx = *state;
    kiln_wasi_free(fx->wasi);
    const char *argv[] = {"prog", "a b", "c"};
    const char *envp[] = {"K=V", "LONGER=yes"};
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    config.argv = argv;
    config.argc = 3;
    config.envp = envp;
    config.envc = 2;
    assert_int_equal(kiln_wasi_new(&config, &fx->wasi, NULL), KILN_OK);

    kiln_val sizes[2] = {I32(0), I32(4)};
    assert_int_equal(wasi_args_sizes_get(fx->wasi, &fx->mem, sizes), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base), 3);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 4), 5 + 4 + 2);
    kiln_val get[2] = {I32(100), I32(200)};
    assert_int_equal(wasi_args_get(fx->wasi, &fx->mem, get), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 100), 200);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 104), 205);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 108), 209);
    assert_memory_equal(fx->mem.base + 200, "prog\0a b\0c\0", 11);

    assert_int_equal(wasi_environ_sizes_get(fx->wasi, &fx->mem, sizes), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base), 2);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 4), 4 + 11);
    assert_int_equal(wasi_environ_get(fx->wasi, &fx->mem, get), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 104), 204);
    assert_memory_equal(fx->mem.base + 200, "K=V\0LONGER=yes\0", 15);
}

static void test_wasi_fd_write_pipe(void **state)
{
    fixture *fx = *state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    kiln_wasi_free(fx->wasi);
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    config.stdout_fd = p[1];
    assert_int_equal(kiln_wasi_new(&config, &fx->wasi, NULL), KILN_OK);
    close(p[1]); /* the WASI state holds its own duplicate */

    put_str(fx, 300, "hello ");
    put_str(fx, 400, "world\n");
    kiln_write_u32le(fx->mem.base + 16, 300);
    kiln_write_u32le(fx->mem.base + 20, 6);
    kiln_write_u32le(fx->mem.base + 24, 400);
    kiln_write_u32le(fx->mem.base + 28, 6);
    kiln_val args[4] = {I32(1), I32(16), I32(2), I32(32)};
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, args), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 32), 12);
    char got[16] = {0};
    assert_int_equal(read(p[0], got, sizeof got), 12);
    assert_string_equal(got, "hello world\n");

    /* fdstat of a pipe: no seek rights; fd_seek is refused by rights. */
    kiln_val st_args[2] = {I32(1), I32(64)};
    assert_int_equal(wasi_fd_fdstat_get(fx->wasi, &fx->mem, st_args), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 72) & WASI_RIGHT_FD_SEEK, 0);
    kiln_val seek[4] = {I32(1), I64(5), I32(WASI_WHENCE_SET), I32(64)};
    assert_int_equal(wasi_fd_seek(fx->wasi, &fx->mem, seek), WASI_ENOTCAPABLE);

    /* Closing the guest's stdout closes only the duplicate. */
    kiln_val close_args[1] = {I32(1)};
    assert_int_equal(wasi_fd_close(fx->wasi, &fx->mem, close_args), WASI_ESUCCESS);
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, args), WASI_EBADF);
    args[0] = I32(77);
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, args), WASI_EBADF);
    close(p[0]);
}

static void test_wasi_prestat_open_read(void **state)
{
    fixture *fx = *state;
    write_host_file(fx->box, "hello.txt", "Hello, WASI!\n");

    kiln_val pre[2] = {I32(3), I32(8)};
    assert_int_equal(wasi_fd_prestat_get(fx->wasi, &fx->mem, pre), WASI_ESUCCESS);
    assert_int_equal(fx->mem.base[8], WASI_PREOPENTYPE_DIR);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 12), 4);
    kiln_val name[3] = {I32(3), I32(40), I32(4)};
    assert_int_equal(wasi_fd_prestat_dir_name(fx->wasi, &fx->mem, name), WASI_ESUCCESS);
    assert_memory_equal(fx->mem.base + 40, "/box", 4);
    name[2] = I32(3);
    assert_int_equal(wasi_fd_prestat_dir_name(fx->wasi, &fx->mem, name), WASI_ENAMETOOLONG);
    pre[0] = I32(4);
    assert_int_equal(wasi_fd_prestat_get(fx->wasi, &fx->mem, pre), WASI_EBADF);

    uint32_t fd = 0;
    assert_int_equal(open_in(fx, 3, "hello.txt", 0, 0,
                             WASI_RIGHT_FD_READ | WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_TELL |
                                 WASI_RIGHT_FD_FILESTAT_GET,
                             &fd),
                     WASI_ESUCCESS);
    assert_int_equal(fd, 4);
    kiln_write_u32le(fx->mem.base + 16, 500);
    kiln_write_u32le(fx->mem.base + 20, 64);
    kiln_val rd[4] = {I32(fd), I32(16), I32(1), I32(32)};
    assert_int_equal(wasi_fd_read(fx->wasi, &fx->mem, rd), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 32), 13);
    assert_memory_equal(fx->mem.base + 500, "Hello, WASI!\n", 13);

    kiln_val seek[4] = {I32(fd), I64(7), I32(WASI_WHENCE_SET), I32(64)};
    assert_int_equal(wasi_fd_seek(fx->wasi, &fx->mem, seek), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 64), 7);
    kiln_val tell[2] = {I32(fd), I32(72)};
    assert_int_equal(wasi_fd_tell(fx->wasi, &fx->mem, tell), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 72), 7);
    kiln_val fst[2] = {I32(fd), I32(128)};
    assert_int_equal(wasi_fd_filestat_get(fx->wasi, &fx->mem, fst), WASI_ESUCCESS);
    assert_int_equal(fx->mem.base[128 + 16], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 128 + 32), 13);

    /* Rights are honoured: opened without FD_WRITE, so no write. */
    kiln_val wr[4] = {I32(fd), I32(16), I32(1), I32(32)};
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr), WASI_ENOTCAPABLE);
    /* Rights can be dropped, never regained. */
    kiln_val drop[3] = {I32(fd), I64(WASI_RIGHT_FD_SEEK), I64(0)};
    assert_int_equal(wasi_fd_fdstat_set_rights(fx->wasi, &fx->mem, drop), WASI_ESUCCESS);
    assert_int_equal(wasi_fd_read(fx->wasi, &fx->mem, rd), WASI_ENOTCAPABLE);
    drop[1] = I64(WASI_RIGHT_FD_SEEK | WASI_RIGHT_FD_READ);
    assert_int_equal(wasi_fd_fdstat_set_rights(fx->wasi, &fx->mem, drop), WASI_ENOTCAPABLE);

    /* Create, write, renumber, read back on the host. */
    uint32_t out_fd = 0;
    assert_int_equal(open_in(fx, 3, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL,
                             RIGHTS_RW, &out_fd),
                     WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, "new.txt", 0, WASI_OFLAG_CREAT | WASI_OFLAG_EXCL,
                             RIGHTS_RW, &out_fd),
                     WASI_EEXIST);
    put_str(fx, 600, "data");
    kiln_write_u32le(fx->mem.base + 16, 600);
    kiln_write_u32le(fx->mem.base + 20, 4);
    kiln_val renum[2] = {I32(out_fd), I32(fd)};
    assert_int_equal(wasi_fd_renumber(fx->wasi, &fx->mem, renum), WASI_ESUCCESS);
    wr[0] = I32(fd);
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr), WASI_ESUCCESS);
    wr[0] = I32(out_fd);
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr), WASI_EBADF);
    char path[160], got[8] = {0};
    snprintf(path, sizeof path, "%s/new.txt", fx->box);
    int h = open(path, O_RDONLY);
    assert_true(h >= 0);
    assert_int_equal(read(h, got, sizeof got), 4);
    close(h);
    assert_string_equal(got, "data");

    assert_int_equal(open_in(fx, 3, "missing.txt", 0, 0, RIGHTS_RW, &fd), WASI_ENOENT);
    /* A directory that does not grant inheriting rights cannot pass them on. */
    assert_int_equal(open_in(fx, 3, "hello.txt", 0, 0, WASI_RIGHT_SOCK_ACCEPT, &fd),
                     WASI_ENOTCAPABLE);
}

static void test_wasi_file_ops(void **state)
{
    fixture *fx = *state;
    uint32_t fd = 0;
    uint64_t all = WASI_RIGHTS_FILE;
    assert_int_equal(open_in(fx, 3, "f.bin", 0, WASI_OFLAG_CREAT, all, &fd), WASI_ESUCCESS);
    /* pwrite / pread at an offset leave the position alone. */
    put_str(fx, 600, "abcdef");
    kiln_write_u32le(fx->mem.base + 16, 600);
    kiln_write_u32le(fx->mem.base + 20, 6);
    kiln_val pw[5] = {I32(fd), I32(16), I32(1), I64(10), I32(32)};
    assert_int_equal(wasi_fd_pwrite(fx->wasi, &fx->mem, pw), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 32), 6);
    kiln_write_u32le(fx->mem.base + 16, 700);
    kiln_write_u32le(fx->mem.base + 20, 3);
    kiln_val pr[5] = {I32(fd), I32(16), I32(1), I64(12), I32(32)};
    assert_int_equal(wasi_fd_pread(fx->wasi, &fx->mem, pr), WASI_ESUCCESS);
    assert_memory_equal(fx->mem.base + 700, "cde", 3);
    kiln_val tell[2] = {I32(fd), I32(40)};
    assert_int_equal(wasi_fd_tell(fx->wasi, &fx->mem, tell), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 40), 0);
    /* Size, allocation, sync, advice. */
    kiln_val sz[2] = {I32(fd), I64(100)};
    assert_int_equal(wasi_fd_filestat_set_size(fx->wasi, &fx->mem, sz), WASI_ESUCCESS);
    kiln_val al[3] = {I32(fd), I64(0), I64(200)};
    assert_int_equal(wasi_fd_allocate(fx->wasi, &fx->mem, al), WASI_ESUCCESS);
    kiln_val fst[2] = {I32(fd), I32(128)};
    assert_int_equal(wasi_fd_filestat_get(fx->wasi, &fx->mem, fst), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 128 + 32), 200);
    kiln_val one[1] = {I32(fd)};
    assert_int_equal(wasi_fd_sync(fx->wasi, &fx->mem, one), WASI_ESUCCESS);
    assert_int_equal(wasi_fd_datasync(fx->wasi, &fx->mem, one), WASI_ESUCCESS);
    kiln_val adv[4] = {I32(fd), I64(0), I64(10), I32(2)};
    assert_int_equal(wasi_fd_advise(fx->wasi, &fx->mem, adv), WASI_ESUCCESS);
    adv[3] = I32(9);
    assert_int_equal(wasi_fd_advise(fx->wasi, &fx->mem, adv), WASI_EINVAL);
    /* Times: explicit values, and a contradictory request. */
    kiln_val tm[4] = {I32(fd), I64(UINT64_C(1000000000) * 1234567), I64(UINT64_C(5000000000)),
                      I32(WASI_FSTFLAG_ATIM | WASI_FSTFLAG_MTIM)};
    assert_int_equal(wasi_fd_filestat_set_times(fx->wasi, &fx->mem, tm), WASI_ESUCCESS);
    assert_int_equal(wasi_fd_filestat_get(fx->wasi, &fx->mem, fst), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 128 + 40), UINT64_C(1000000000) * 1234567);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 128 + 48), UINT64_C(5000000000));
    tm[3] = I32(WASI_FSTFLAG_MTIM | WASI_FSTFLAG_MTIM_NOW);
    assert_int_equal(wasi_fd_filestat_set_times(fx->wasi, &fx->mem, tm), WASI_EINVAL);
    uint32_t len = put_str(fx, 1024, "f.bin");
    kiln_val ptm[7] = {I32(3), I32(0), I32(1024), I32(len), I64(0), I64(UINT64_C(7000000000)),
                       I32(WASI_FSTFLAG_MTIM)};
    assert_int_equal(wasi_path_filestat_set_times(fx->wasi, &fx->mem, ptm), WASI_ESUCCESS);
    kiln_val pst[5] = {I32(3), I32(0), I32(1024), I32(len), I32(256)};
    assert_int_equal(wasi_path_filestat_get(fx->wasi, &fx->mem, pst), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 256 + 48), UINT64_C(7000000000));
    /* Flags: append can be switched, sync flags cannot. */
    kiln_val fl[2] = {I32(fd), I32(WASI_FDFLAG_APPEND)};
    assert_int_equal(wasi_fd_fdstat_set_flags(fx->wasi, &fx->mem, fl), WASI_ESUCCESS);
    kiln_val fds[2] = {I32(fd), I32(64)};
    assert_int_equal(wasi_fd_fdstat_get(fx->wasi, &fx->mem, fds), WASI_ESUCCESS);
    assert_int_equal(fx->mem.base[64], WASI_FILETYPE_REGULAR_FILE);
    assert_int_equal(kiln_read_u16le(fx->mem.base + 66), WASI_FDFLAG_APPEND);
    fl[1] = I32(WASI_FDFLAG_SYNC);
    assert_int_equal(wasi_fd_fdstat_set_flags(fx->wasi, &fx->mem, fl), WASI_ENOTSUP);
    /* Hard link and symlink inside the box, then readlink. */
    put_str(fx, 1100, "g.bin");
    kiln_val lnk[7] = {I32(3), I32(0), I32(1024), I32(len), I32(3), I32(1100), I32(5)};
    assert_int_equal(wasi_path_link(fx->wasi, &fx->mem, lnk), WASI_ESUCCESS);
    assert_int_equal(wasi_path_filestat_get(fx->wasi, &fx->mem, pst), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 256 + 24), 2);
    put_str(fx, 1100, "s.lnk");
    kiln_val sym[5] = {I32(1024), I32(len), I32(3), I32(1100), I32(5)};
    assert_int_equal(wasi_path_symlink(fx->wasi, &fx->mem, sym), WASI_ESUCCESS);
    kiln_val rl[6] = {I32(3), I32(1100), I32(5), I32(1200), I32(3), I32(1300)};
    assert_int_equal(wasi_path_readlink(fx->wasi, &fx->mem, rl), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 1300), 3); /* truncated */
    assert_memory_equal(fx->mem.base + 1200, "f.b", 3);
    uint32_t via = 0;
    assert_int_equal(open_in(fx, 3, "s.lnk", WASI_LOOKUP_SYMLINK_FOLLOW, 0,
                             WASI_RIGHT_FD_READ, &via),
                     WASI_ESUCCESS);
    /* Seek relative and from the end; bad whence. */
    kiln_val sk[4] = {I32(fd), I64((uint64_t)-4), I32(WASI_WHENCE_END), I32(48)};
    assert_int_equal(wasi_fd_seek(fx->wasi, &fx->mem, sk), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 48), 196);
    sk[2] = I32(3);
    assert_int_equal(wasi_fd_seek(fx->wasi, &fx->mem, sk), WASI_EINVAL);
}

static void test_wasi_escapes_refused(void **state)
{
    fixture *fx = *state;
    char path[200];
    snprintf(path, sizeof path, "%s/sub", fx->box);
    assert_int_equal(mkdir(path, 0755), 0);
    write_host_file(fx->box, "inside.txt", "ok\n");
    snprintf(path, sizeof path, "%s/abs_link", fx->box);
    assert_int_equal(symlink(fx->root, path), 0);
    snprintf(path, sizeof path, "%s/rel_link", fx->box);
    assert_int_equal(symlink("../outside.txt", path), 0);
    snprintf(path, sizeof path, "%s/dir_link", fx->box);
    assert_int_equal(symlink("..", path), 0);
    snprintf(path, sizeof path, "%s/sub/deep_link", fx->box);
    assert_int_equal(symlink("../../outside.txt", path), 0);
    snprintf(path, sizeof path, "%s/ok_link", fx->box);
    assert_int_equal(symlink("sub/../inside.txt", path), 0);
    snprintf(path, sizeof path, "%s/loop", fx->box);
    assert_int_equal(symlink("loop", path), 0);

    const uint32_t F = WASI_LOOKUP_SYMLINK_FOLLOW;
    const uint64_t R = WASI_RIGHT_FD_READ;
    uint32_t fd = 0;
    static const char *const escapes[] = {
        "..", "../outside.txt", "/etc/passwd", "sub/../../outside.txt", "./../outside.txt",
        "sub/../sub/../../box/inside.txt", "rel_link", "abs_link/outside.txt",
        "dir_link/outside.txt", "sub/deep_link", "dir_link",
    };
    for (size_t i = 0; i < sizeof escapes / sizeof escapes[0]; i++) {
        wasi_errno e = open_in(fx, 3, escapes[i], F, 0, R, &fd);
        if (e != WASI_ENOTCAPABLE)
            fail_msg("escape '%s' gave errno %u, want ENOTCAPABLE", escapes[i], e);
    }
    /* Without following, a final link is not opened at all (O_NOFOLLOW). */
    assert_int_equal(open_in(fx, 3, "rel_link", 0, 0, R, &fd), WASI_ELOOP);
    assert_int_equal(open_in(fx, 3, "loop", F, 0, R, &fd), WASI_ELOOP);
    /* Links and ".." that stay inside are fine. */
    assert_int_equal(open_in(fx, 3, "ok_link", F, 0, R, &fd), WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, "sub/../inside.txt", F, 0, R, &fd), WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, "sub/..", 0, WASI_OFLAG_DIRECTORY, WASI_RIGHT_FD_READDIR,
                             &fd),
                     WASI_ESUCCESS);
    /* A directory opened inside the box is a sandbox root of its own. */
    uint32_t sub = 0;
    assert_int_equal(open_in(fx, 3, "sub", 0, WASI_OFLAG_DIRECTORY, WASI_RIGHT_FD_READDIR,
                             &sub),
                     WASI_ESUCCESS);
    assert_int_equal(open_in(fx, sub, "../inside.txt", F, 0, R, &fd), WASI_ENOTCAPABLE);

    /* Every path function refuses the same way. */
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "../made"),
                     WASI_ENOTCAPABLE);
    assert_false(host_exists(fx->root, "made"));
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "dir_link/made"),
                     WASI_ENOTCAPABLE);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "../outside.txt"),
                     WASI_ENOTCAPABLE);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "dir_link/outside.txt"),
                     WASI_ENOTCAPABLE);
    assert_true(host_exists(fx->root, "outside.txt"));
    assert_int_equal(path_call3(fx, wasi_path_remove_directory, 3, "../box"),
                     WASI_ENOTCAPABLE);
    assert_int_equal(path_call3(fx, wasi_path_remove_directory, 3, "."), WASI_EINVAL);

    /* path_filestat_get: follow refuses, nofollow sees the link itself. */
    uint32_t len = put_str(fx, 1024, "rel_link");
    kiln_val st[5] = {I32(3), I32(F), I32(1024), I32(len), I32(128)};
    assert_int_equal(wasi_path_filestat_get(fx->wasi, &fx->mem, st), WASI_ENOTCAPABLE);
    st[1] = I32(0);
    assert_int_equal(wasi_path_filestat_get(fx->wasi, &fx->mem, st), WASI_ESUCCESS);
    assert_int_equal(fx->mem.base[128 + 16], WASI_FILETYPE_SYMBOLIC_LINK);

    /* rename and link out of the box. */
    put_str(fx, 1024, "inside.txt");
    put_str(fx, 1100, "../stolen.txt");
    kiln_val ren[6] = {I32(3), I32(1024), I32(10), I32(3), I32(1100), I32(13)};
    assert_int_equal(wasi_path_rename(fx->wasi, &fx->mem, ren), WASI_ENOTCAPABLE);
    kiln_val lnk[7] = {I32(3), I32(0), I32(1024), I32(10), I32(3), I32(1100), I32(13)};
    assert_int_equal(wasi_path_link(fx->wasi, &fx->mem, lnk), WASI_ENOTCAPABLE);
    put_str(fx, 1024, "../outside.txt");
    put_str(fx, 1100, "hardlink.txt");
    kiln_val lnk2[7] = {I32(3), I32(0), I32(1024), I32(14), I32(3), I32(1100), I32(12)};
    assert_int_equal(wasi_path_link(fx->wasi, &fx->mem, lnk2), WASI_ENOTCAPABLE);
    assert_false(host_exists(fx->root, "stolen.txt"));
    assert_false(host_exists(fx->box, "hardlink.txt"));

    /* Absolute symlinks are refused at creation; relative ones are made but
     * can never be followed out. */
    put_str(fx, 1024, "/etc/passwd");
    put_str(fx, 1100, "new_link");
    kiln_val sym[5] = {I32(1024), I32(11), I32(3), I32(1100), I32(8)};
    assert_int_equal(wasi_path_symlink(fx->wasi, &fx->mem, sym), WASI_ENOTCAPABLE);
    assert_false(host_exists(fx->box, "new_link"));
    put_str(fx, 1024, "../outside.txt");
    sym[1] = I32(14);
    assert_int_equal(wasi_path_symlink(fx->wasi, &fx->mem, sym), WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, "new_link", F, 0, R, &fd), WASI_ENOTCAPABLE);

    /* path_readlink shows the link text without following it. */
    put_str(fx, 1024, "rel_link");
    kiln_val rl[6] = {I32(3), I32(1024), I32(8), I32(1200), I32(64), I32(1300)};
    assert_int_equal(wasi_path_readlink(fx->wasi, &fx->mem, rl), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 1300), 14);
    assert_memory_equal(fx->mem.base + 1200, "../outside.txt", 14);

    /* A path with a NUL in it cannot be cut short on the host. */
    memcpy(fx->mem.base + 1024, "inside.txt\0../x", 15);
    kiln_val nul[9] = {I32(3), I32(0), I32(1024), I32(15), I32(0), I64(R), I64(0),
                       I32(0), I32(2000)};
    assert_int_equal(wasi_path_open(fx->wasi, &fx->mem, nul), WASI_EILSEQ);
}

static void test_wasi_rename_unlink_mkdir(void **state)
{
    fixture *fx = *state;
    write_host_file(fx->box, "a.txt", "A");
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "d"), WASI_ESUCCESS);
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "d"), WASI_EEXIST);
    put_str(fx, 1024, "a.txt");
    put_str(fx, 1100, "d/b.txt");
    kiln_val ren[6] = {I32(3), I32(1024), I32(5), I32(3), I32(1100), I32(7)};
    assert_int_equal(wasi_path_rename(fx->wasi, &fx->mem, ren), WASI_ESUCCESS);
    assert_false(host_exists(fx->box, "a.txt"));
    assert_true(host_exists(fx->box, "d/b.txt"));
    assert_int_equal(path_call3(fx, wasi_path_remove_directory, 3, "d"), WASI_ENOTEMPTY);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "d"), WASI_EISDIR);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "d/b.txt/"), WASI_ENOTDIR);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "d/b.txt"), WASI_ESUCCESS);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "d/b.txt"), WASI_ENOENT);
    assert_int_equal(path_call3(fx, wasi_path_remove_directory, 3, "d"), WASI_ESUCCESS);
    assert_false(host_exists(fx->box, "d"));
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, ""), WASI_ENOENT);
}

/* path_link / path_symlink with a trailing '/' on the new name, as Linux
 * answers them (wasi-testsuite path_link, path_symlink_trailing_slashes):
 * nothing is created; a missing name is ENOENT, an existing one EEXIST. */
static wasi_errno link_call(fixture *fx, const char *from, const char *to)
{
    uint32_t from_len = put_str(fx, 1024, from);
    uint32_t to_len = put_str(fx, 1100, to);
    kiln_val args[7] = {I32(3), I32(0), I32(1024), I32(from_len), I32(3), I32(1100),
                        I32(to_len)};
    return wasi_path_link(fx->wasi, &fx->mem, args);
}

static wasi_errno symlink_call(fixture *fx, const char *target, const char *name)
{
    uint32_t target_len = put_str(fx, 1024, target);
    uint32_t name_len = put_str(fx, 1100, name);
    kiln_val args[5] = {I32(1024), I32(target_len), I32(3), I32(1100), I32(name_len)};
    return wasi_path_symlink(fx->wasi, &fx->mem, args);
}

static void test_wasi_trailing_slash_new_names(void **state)
{
    fixture *fx = *state;
    write_host_file(fx->box, "file", "F");
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "dir"), WASI_ESUCCESS);
    assert_int_equal(link_call(fx, "file", "link/"), WASI_ENOENT);
    assert_false(host_exists(fx->box, "link"));
    assert_int_equal(link_call(fx, "file", "dir/"), WASI_EEXIST);
    assert_int_equal(link_call(fx, "file/", "link"), WASI_ENOTDIR);
    assert_int_equal(link_call(fx, "dir/", "link"), WASI_EPERM);
    assert_false(host_exists(fx->box, "link"));
    assert_int_equal(link_call(fx, "file", "link"), WASI_ESUCCESS);

    assert_int_equal(symlink_call(fx, "source", "target/"), WASI_ENOENT);
    assert_false(host_exists(fx->box, "target"));
    assert_int_equal(symlink_call(fx, "source", "dir/"), WASI_EEXIST);
    assert_int_equal(symlink_call(fx, "source", "file/"), WASI_EEXIST);
    assert_int_equal(symlink_call(fx, "source", "target"), WASI_ESUCCESS);

    /* A final symlink before a '/' is the entry itself for the operations
     * that create, remove or rename it: "dangling/" is not followed to make
     * "made", "to_dir/" is a link, not the directory. */
    assert_int_equal(symlink_call(fx, "made", "dangling"), WASI_ESUCCESS);
    assert_int_equal(path_call3(fx, wasi_path_create_directory, 3, "dangling/"), WASI_EEXIST);
    assert_false(host_exists(fx->box, "made"));
    assert_int_equal(symlink_call(fx, "dir", "to_dir"), WASI_ESUCCESS);
    assert_int_equal(path_call3(fx, wasi_path_unlink_file, 3, "to_dir/"), WASI_ENOTDIR);
    assert_int_equal(path_call3(fx, wasi_path_remove_directory, 3, "to_dir/"), WASI_ENOTDIR);
    assert_true(host_exists(fx->box, "dir"));
    uint32_t from_len = put_str(fx, 1024, "to_dir/");
    uint32_t to_len = put_str(fx, 1100, "moved");
    kiln_val ren[6] = {I32(3), I32(1024), I32(from_len), I32(3), I32(1100), I32(to_len)};
    assert_int_equal(wasi_path_rename(fx->wasi, &fx->mem, ren), WASI_ENOTDIR);
    assert_true(host_exists(fx->box, "dir"));
    assert_false(host_exists(fx->box, "moved"));
    /* Lookups still follow it: "to_dir/" is the directory. */
    uint32_t fd = 0;
    assert_int_equal(open_in(fx, 3, "to_dir/", 0, 0, WASI_RIGHT_FD_READDIR, &fd), WASI_ESUCCESS);
}

/* A directory is never opened for writing: write rights on one are EISDIR,
 * with or without O_DIRECTORY (wasi-testsuite path_open_preopen); read-only
 * opens work, and O_DIRECTORY on a file is ENOTDIR. */
static void test_wasi_open_directory_for_write(void **state)
{
    fixture *fx = *state;
    write_host_file(fx->box, "file", "F");
    uint32_t fd = 0;
    uint64_t rw = WASI_RIGHT_FD_READ | WASI_RIGHT_FD_WRITE;
    assert_int_equal(open_in(fx, 3, ".", 0, WASI_OFLAG_DIRECTORY, rw, &fd), WASI_EISDIR);
    assert_int_equal(open_in(fx, 3, ".", 0, 0, rw, &fd), WASI_EISDIR);
    assert_int_equal(open_in(fx, 3, "./", 0, 0, WASI_RIGHT_FD_WRITE, &fd), WASI_EISDIR);
    assert_int_equal(open_in(fx, 3, ".", 0, WASI_OFLAG_DIRECTORY, WASI_RIGHT_FD_READ, &fd),
                     WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, ".", 0, WASI_OFLAG_DIRECTORY, 0, &fd), WASI_ESUCCESS);
    assert_int_equal(open_in(fx, 3, "file", 0, WASI_OFLAG_DIRECTORY, rw, &fd), WASI_ENOTDIR);
    assert_int_equal(open_in(fx, 3, "file", 0, WASI_OFLAG_DIRECTORY, 0, &fd), WASI_ENOTDIR);
}

/* Reads one fd_readdir buffer; appends "name:d_next" pairs to out. Returns
 * bufused. */
static uint32_t readdir_once(fixture *fx, uint32_t fd, uint32_t buf_len, uint64_t cookie)
{
    kiln_val args[5] = {I32(fd), I32(2048), I32(buf_len), I64(cookie), I32(40)};
    assert_int_equal(wasi_fd_readdir(fx->wasi, &fx->mem, args), WASI_ESUCCESS);
    return kiln_read_u32le(fx->mem.base + 40);
}

/* Walks the whole listing with buffers of buf_len bytes, as wasi-libc does:
 * when a buffer comes back full, restart from the last whole entry, and when
 * not even one entry fitted, double the buffer. */
static void list_all(fixture *fx, uint32_t fd, uint32_t buf_len, char *names, size_t size)
{
    uint64_t cookie = 0;
    uint64_t expect_next = 1;
    names[0] = '\0';
    for (int rounds = 0; rounds < 100; rounds++) {
        uint32_t used = readdir_once(fx, fd, buf_len, cookie);
        uint32_t pos = 0;
        while (pos + WASI_DIRENT_SIZE <= used) {
            const uint8_t *d = fx->mem.base + 2048 + pos;
            uint32_t namlen = kiln_read_u32le(d + 16);
            if (pos + WASI_DIRENT_SIZE + namlen > used)
                break; /* truncated: asked again from cookie */
            uint64_t next = kiln_read_u64le(d);
            assert_int_equal(next, expect_next);
            expect_next++;
            strncat(names, (const char *)d + WASI_DIRENT_SIZE,
                    namlen < size - strlen(names) - 2 ? namlen : 0);
            strcat(names, ",");
            cookie = next;
            pos += WASI_DIRENT_SIZE + namlen;
        }
        if (used < buf_len)
            return;
        if (pos == 0)
            buf_len *= 2; /* one entry larger than the buffer */
        assert_true(buf_len <= 2048);
    }
    fail_msg("fd_readdir never finished with %u-byte buffers", buf_len);
}

static void sort_csv(char *csv)
{
    /* names are short: a bubble sort over the comma-separated list */
    char items[16][64];
    int n = 0;
    for (char *tok = strtok(csv, ","); tok != NULL && n < 16; tok = strtok(NULL, ","))
        snprintf(items[n++], sizeof items[0], "%s", tok);
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (strcmp(items[i], items[j]) > 0) {
                char tmp[64];
                memcpy(tmp, items[i], sizeof tmp);
                memcpy(items[i], items[j], sizeof tmp);
                memcpy(items[j], tmp, sizeof tmp);
            }
    csv[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(csv, items[i]);
        strcat(csv, ",");
    }
}

static void test_wasi_readdir_cookies(void **state)
{
    fixture *fx = *state;
    write_host_file(fx->box, "a", "");
    write_host_file(fx->box, "bb", "");
    write_host_file(fx->box, "a_much_longer_file_name.txt", "");
    char path[200];
    snprintf(path, sizeof path, "%s/subdir", fx->box);
    assert_int_equal(mkdir(path, 0755), 0);
    const char *want = ".,..,a,a_much_longer_file_name.txt,bb,subdir,";
    static const uint32_t sizes[] = {1024, 80, 60, 40, 25};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char names[512];
        list_all(fx, 3, sizes[i], names, sizeof names);
        sort_csv(names);
        assert_string_equal(names, want);
    }
    /* Entry types and a restart in the middle by cookie. */
    uint32_t used = readdir_once(fx, 3, 1024, 0);
    uint32_t pos = 0, count = 0;
    uint64_t third_cookie = 0;
    char third_name[64] = {0};
    while (pos < used) {
        const uint8_t *d = fx->mem.base + 2048 + pos;
        uint32_t namlen = kiln_read_u32le(d + 16);
        char name[64] = {0};
        memcpy(name, d + WASI_DIRENT_SIZE, namlen);
        if (strcmp(name, "subdir") == 0)
            assert_int_equal(d[20], WASI_FILETYPE_DIRECTORY);
        if (strcmp(name, "bb") == 0)
            assert_int_equal(d[20], WASI_FILETYPE_REGULAR_FILE);
        if (count == 1)
            third_cookie = kiln_read_u64le(d);
        if (count == 2)
            memcpy(third_name, name, sizeof name);
        count++;
        pos += WASI_DIRENT_SIZE + namlen;
    }
    assert_int_equal(count, 6);
    readdir_once(fx, 3, 1024, third_cookie);
    uint32_t namlen = kiln_read_u32le(fx->mem.base + 2048 + 16);
    assert_memory_equal(fx->mem.base + 2048 + WASI_DIRENT_SIZE, third_name, namlen);
    /* A cookie past the end gives an empty listing. */
    assert_int_equal(readdir_once(fx, 3, 1024, 1000), 0);
    /* A regular file is not a directory. */
    uint32_t fd = 0;
    assert_int_equal(open_in(fx, 3, "bb", 0, 0, WASI_RIGHT_FD_READ | WASI_RIGHT_FD_READDIR,
                             &fd),
                     WASI_ESUCCESS);
    kiln_val args[5] = {I32(fd), I32(2048), I32(64), I64(0), I32(40)};
    assert_int_equal(wasi_fd_readdir(fx->wasi, &fx->mem, args), WASI_ENOTCAPABLE);
}

static void test_wasi_bad_pointers_fault(void **state)
{
    fixture *fx = *state;
    /* Snapshot of all guest memory: a faulting call must change nothing. */
    memset(fx->mem.base, 0xAB, PAGE);
    uint8_t before[PAGE];
    memcpy(before, fx->mem.base, PAGE);
    const uint32_t end = PAGE;

    kiln_val sizes[2] = {I32(0), I32(end - 3)};
    assert_int_equal(wasi_args_sizes_get(fx->wasi, &fx->mem, sizes), WASI_EFAULT);
    kiln_val get[2] = {I32(UINT32_MAX - 2), I32(0)};
    assert_int_equal(wasi_environ_get(fx->wasi, &fx->mem, get), WASI_EFAULT);
    kiln_val clk[3] = {I32(WASI_CLOCK_MONOTONIC), I64(0), I32(end - 7)};
    assert_int_equal(wasi_clock_time_get(fx->wasi, &fx->mem, clk), WASI_EFAULT);
    kiln_val res[2] = {I32(WASI_CLOCK_REALTIME), I32(UINT32_MAX)};
    assert_int_equal(wasi_clock_res_get(fx->wasi, &fx->mem, res), WASI_EFAULT);
    kiln_val rnd[2] = {I32(end - 10), I32(11)};
    assert_int_equal(wasi_random_get(fx->wasi, &fx->mem, rnd), WASI_EFAULT);
    kiln_val rnd_wrap[2] = {I32(16), I32(UINT32_MAX)};
    assert_int_equal(wasi_random_get(fx->wasi, &fx->mem, rnd_wrap), WASI_EFAULT);
    /* iovec array past the end; an iovec whose buffer is past the end;
     * nwritten past the end. */
    kiln_val wr[4] = {I32(1), I32(end - 8), I32(2), I32(0)};
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr), WASI_EFAULT);
    fx->mem.base[100] = 0; /* iovec at 96: buf = end - 2, len = 4 */
    kiln_write_u32le(fx->mem.base + 96, end - 2);
    kiln_write_u32le(fx->mem.base + 100, 4);
    memcpy(before + 96, fx->mem.base + 96, 8);
    kiln_val wr2[4] = {I32(1), I32(96), I32(1), I32(0)};
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr2), WASI_EFAULT);
    kiln_val rd[4] = {I32(0), I32(96), I32(1), I32(0)};
    assert_int_equal(wasi_fd_read(fx->wasi, &fx->mem, rd), WASI_EFAULT);
    kiln_write_u32le(fx->mem.base + 100, 0);
    memcpy(before + 96, fx->mem.base + 96, 8);
    kiln_val wr3[4] = {I32(1), I32(96), I32(1), I32(end - 2)};
    assert_int_equal(wasi_fd_write(fx->wasi, &fx->mem, wr3), WASI_EFAULT);
    /* Paths, stat buffers and out-pointers. */
    kiln_val open[9] = {I32(3), I32(0), I32(end - 4), I32(5), I32(0), I64(0), I64(0),
                        I32(0), I32(0)};
    assert_int_equal(wasi_path_open(fx->wasi, &fx->mem, open), WASI_EFAULT);
    kiln_val open2[9] = {I32(3), I32(0), I32(0), I32(1), I32(1), I64(0), I64(0), I32(0),
                         I32(end)};
    assert_int_equal(wasi_path_open(fx->wasi, &fx->mem, open2), WASI_EFAULT);
    kiln_val fst[2] = {I32(3), I32(end - 63)};
    assert_int_equal(wasi_fd_filestat_get(fx->wasi, &fx->mem, fst), WASI_EFAULT);
    kiln_val fds[2] = {I32(3), I32(end - 23)};
    assert_int_equal(wasi_fd_fdstat_get(fx->wasi, &fx->mem, fds), WASI_EFAULT);
    kiln_val pre[3] = {I32(3), I32(end - 3), I32(4)};
    assert_int_equal(wasi_fd_prestat_dir_name(fx->wasi, &fx->mem, pre), WASI_EFAULT);
    kiln_val rdd[5] = {I32(3), I32(end - 100), I32(101), I64(0), I32(0)};
    assert_int_equal(wasi_fd_readdir(fx->wasi, &fx->mem, rdd), WASI_EFAULT);
    kiln_val poll[4] = {I32(0), I32(end - 31), I32(1), I32(0)};
    assert_int_equal(wasi_poll_oneoff(fx->wasi, &fx->mem, poll), WASI_EFAULT);
    kiln_val pst[5] = {I32(3), I32(0), I32(0), I32(1), I32(end - 8)};
    assert_int_equal(wasi_path_filestat_get(fx->wasi, &fx->mem, pst), WASI_EFAULT);
    assert_memory_equal(fx->mem.base, before, PAGE);
    assert_false(host_exists(fx->box, "\xAB"));

    /* An instance without memory: every pointer faults. */
    wasi_mem none;
    memset(&none, 0, sizeof none);
    kiln_val clk0[3] = {I32(WASI_CLOCK_MONOTONIC), I64(0), I32(0)};
    assert_int_equal(wasi_clock_time_get(fx->wasi, &none, clk0), WASI_EFAULT);
}

static void test_wasi_clocks(void **state)
{
    fixture *fx = *state;
    kiln_val clk[3] = {I32(WASI_CLOCK_MONOTONIC), I64(1), I32(8)};
    assert_int_equal(wasi_clock_time_get(fx->wasi, &fx->mem, clk), WASI_ESUCCESS);
    uint64_t t1 = kiln_read_u64le(fx->mem.base + 8);
    usleep(2000);
    assert_int_equal(wasi_clock_time_get(fx->wasi, &fx->mem, clk), WASI_ESUCCESS);
    uint64_t t2 = kiln_read_u64le(fx->mem.base + 8);
    assert_true(t2 >= t1 + 2000000);
    clk[0] = I32(WASI_CLOCK_REALTIME);
    assert_int_equal(wasi_clock_time_get(fx->wasi, &fx->mem, clk), WASI_ESUCCESS);
    assert_true(kiln_read_u64le(fx->mem.base + 8) > UINT64_C(1600000000) * 1000000000u);
    for (uint32_t id = 0; id < 4; id++) {
        kiln_val res[2] = {I32(id), I32(16)};
        assert_int_equal(wasi_clock_res_get(fx->wasi, &fx->mem, res), WASI_ESUCCESS);
        assert_true(kiln_read_u64le(fx->mem.base + 16) > 0);
    }
    clk[0] = I32(4);
    assert_int_equal(wasi_clock_time_get(fx->wasi, &fx->mem, clk), WASI_EINVAL);
}

static void test_wasi_random_fills(void **state)
{
    fixture *fx = *state;
    memset(fx->mem.base + 64, 0, 128);
    kiln_val rnd[2] = {I32(64), I32(64)};
    assert_int_equal(wasi_random_get(fx->wasi, &fx->mem, rnd), WASI_ESUCCESS);
    int nonzero = 0;
    for (int i = 0; i < 64; i++)
        nonzero += fx->mem.base[64 + i] != 0;
    assert_true(nonzero > 32);
    for (int i = 64; i < 128; i++)
        assert_int_equal(fx->mem.base[64 + i], 0); /* nothing past the range */
    kiln_val empty[2] = {I32(PAGE), I32(0)};
    assert_int_equal(wasi_random_get(fx->wasi, &fx->mem, empty), WASI_ESUCCESS);
}

static void test_wasi_poll_oneoff(void **state)
{
    fixture *fx = *state;
    /* One relative clock of 3 ms. */
    uint8_t *sub = fx->mem.base + 256;
    memset(sub, 0, 2 * WASI_SUBSCRIPTION_SIZE);
    kiln_write_u64le(sub, 0x1234);
    sub[8] = WASI_EVENTTYPE_CLOCK;
    kiln_write_u32le(sub + 16, WASI_CLOCK_MONOTONIC);
    kiln_write_u64le(sub + 24, 3000000);
    kiln_val clk[3] = {I32(WASI_CLOCK_MONOTONIC), I64(0), I32(8)};
    wasi_clock_time_get(fx->wasi, &fx->mem, clk);
    uint64_t t1 = kiln_read_u64le(fx->mem.base + 8);
    kiln_val poll[4] = {I32(256), I32(512), I32(1), I32(16)};
    assert_int_equal(wasi_poll_oneoff(fx->wasi, &fx->mem, poll), WASI_ESUCCESS);
    wasi_clock_time_get(fx->wasi, &fx->mem, clk);
    assert_true(kiln_read_u64le(fx->mem.base + 8) - t1 >= 3000000);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 16), 1);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 512), 0x1234);
    assert_int_equal(kiln_read_u16le(fx->mem.base + 520), 0);
    assert_int_equal(fx->mem.base[522], WASI_EVENTTYPE_CLOCK);

    /* A readable file beats a 10 s clock; a bad fd is an event with EBADF. */
    write_host_file(fx->box, "f.txt", "12345");
    uint32_t fd = 0;
    assert_int_equal(open_in(fx, 3, "f.txt", 0, 0,
                             WASI_RIGHT_FD_READ | WASI_RIGHT_POLL_FD_READWRITE, &fd),
                     WASI_ESUCCESS);
    kiln_write_u64le(sub + 24, UINT64_C(10000000000));
    uint8_t *sub2 = sub + WASI_SUBSCRIPTION_SIZE;
    memset(sub2, 0, WASI_SUBSCRIPTION_SIZE);
    kiln_write_u64le(sub2, 7);
    sub2[8] = WASI_EVENTTYPE_FD_READ;
    kiln_write_u32le(sub2 + 16, fd);
    poll[2] = I32(2);
    assert_int_equal(wasi_poll_oneoff(fx->wasi, &fx->mem, poll), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 16), 1);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 512), 7);
    assert_int_equal(fx->mem.base[522], WASI_EVENTTYPE_FD_READ);
    assert_int_equal(kiln_read_u64le(fx->mem.base + 512 + 16), 5);
    kiln_write_u32le(sub2 + 16, 99);
    assert_int_equal(wasi_poll_oneoff(fx->wasi, &fx->mem, poll), WASI_ESUCCESS);
    assert_int_equal(kiln_read_u32le(fx->mem.base + 16), 1);
    assert_int_equal(kiln_read_u16le(fx->mem.base + 520), WASI_EBADF);
    poll[2] = I32(0);
    assert_int_equal(wasi_poll_oneoff(fx->wasi, &fx->mem, poll), WASI_EINVAL);
}

static void test_wasi_proc_and_sock(void **state)
{
    fixture *fx = *state;
    kiln_val code[1] = {I32(3)};
    assert_int_equal(wasi_proc_exit(fx->wasi, &fx->mem, code), WASI_ESUCCESS);
    assert_true(fx->mem.exit_requested);
    assert_int_equal(fx->mem.exit_code, 3);
    assert_int_equal(wasi_sched_yield(fx->wasi, &fx->mem, NULL), WASI_ESUCCESS);
    kiln_val sock[6] = {I32(3), I32(0), I32(0), I32(0), I32(0), I32(0)};
    assert_int_equal(wasi_sock_accept(fx->wasi, &fx->mem, sock), WASI_ENOTSOCK);
    assert_int_equal(wasi_sock_recv(fx->wasi, &fx->mem, sock), WASI_ENOTSOCK);
    assert_int_equal(wasi_sock_send(fx->wasi, &fx->mem, sock), WASI_ENOTSOCK);
    assert_int_equal(wasi_sock_shutdown(fx->wasi, &fx->mem, sock), WASI_ENOTSOCK);
    sock[0] = I32(50);
    assert_int_equal(wasi_sock_shutdown(fx->wasi, &fx->mem, sock), WASI_EBADF);
}

static void test_wasi_new_bad_preopen(void **state)
{
    (void)state;
    kiln_wasi_config config;
    kiln_wasi_config_init(&config);
    kiln_wasi_preopen preopen = {"/nonexistent/kiln/dir", "/data"};
    config.preopens = &preopen;
    config.preopen_count = 1;
    kiln_wasi *wasi = (kiln_wasi *)&config; /* must stay untouched */
    kiln_error err;
    assert_int_equal(kiln_wasi_new(&config, &wasi, &err), KILN_ERR_IO);
    assert_ptr_equal(wasi, (kiln_wasi *)&config);
    assert_non_null(strstr(err.message, "/nonexistent/kiln/dir"));
    kiln_wasi_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wasi_funcs_table),
        cmocka_unit_test_setup_teardown(test_wasi_args_environ, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_fd_write_pipe, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_prestat_open_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_file_ops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_escapes_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_rename_unlink_mkdir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_trailing_slash_new_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_open_directory_for_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_readdir_cookies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_bad_pointers_fault, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_clocks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_random_fills, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_poll_oneoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wasi_proc_and_sock, setup, teardown),
        cmocka_unit_test(test_wasi_new_bad_preopen),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
