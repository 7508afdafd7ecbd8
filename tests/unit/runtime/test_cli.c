/*
 * The kiln command-line runner, run as a program on the hand-built sample
 * module: argument parsing by parameter kind, result printing (shortest
 * round-trip floats, nan payloads), traps and errors on stderr with exit
 * status 1, usage errors with 2. The binary is found next to the tests
 * directory (build/kiln for build/tests/test_cli); the test is skipped when
 * it is not there.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "container_builder.h"

static char kiln_path[4096];
static char sample_path[] = "/tmp/kiln-test-cli-XXXXXX";
static char start_path[] = "/tmp/kiln-test-cli-start-XXXXXX";
static char out_path[] = "/tmp/kiln-test-cli-out-XXXXXX";
static char err_path[] = "/tmp/kiln-test-cli-err-XXXXXX";
static char out_text[4096];
static char err_text[4096];

static void write_sample(char *path, const tb_sample_options *opt)
{
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(opt, &bytes, &size);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
    free(bytes);
}

static void slurp(const char *path, char *buf, size_t size)
{
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(buf, 1, size - 1, f) : 0;
    buf[n] = '\0';
    if (f)
        fclose(f);
}

/* Runs `kiln ARGS` (args are single-quoted), returns the exit status. */
static int run_kiln(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", kiln_path, args, out_path, err_path);
    int rc = system(cmd);
    slurp(out_path, out_text, sizeof out_text);
    slurp(err_path, err_text, sizeof err_text);
    assert_true(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

static int setup(void **state)
{
    (void)state;
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0)
        return -1;
    self[n] = '\0';
    char *slash = strrchr(self, '/');
    *slash = '\0';
    slash = strrchr(self, '/');
    *slash = '\0';
    snprintf(kiln_path, sizeof kiln_path, "%s/kiln", self);
    write_sample(sample_path, NULL);
    tb_sample_options start = {.answer_name = "_start"};
    write_sample(start_path, &start);
    int fd = mkstemp(out_path);
    close(fd);
    fd = mkstemp(err_path);
    close(fd);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(sample_path);
    unlink(start_path);
    unlink(out_path);
    unlink(err_path);
    return 0;
}

static void need_kiln(void)
{
    if (access(kiln_path, X_OK) != 0)
        skip();
}

static void invoke(const char *func, const char *args, int status, const char *out)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "--invoke %s '%s' %s", func, sample_path, args);
    int rc = run_kiln(cmd);
    if (rc != status || strcmp(out_text, out) != 0)
        fail_msg("kiln %s: status %d, stdout \"%s\", stderr \"%s\"; wanted %d and \"%s\"", cmd,
                 rc, out_text, err_text, status, out);
}

static void test_cli_integers(void **state)
{
    (void)state;
    need_kiln();
    invoke("add", "40 2", 0, "42\n");
    invoke("add", "4294967295 1", 0, "0\n");
    invoke("add", "-2147483648 0", 0, "-2147483648\n");
    invoke("add", "0x7fffffff 1", 0, "-2147483648\n");
    invoke("add", "-2147483649 0", 2, "");
    invoke("add", "4294967296 0", 2, "");
    invoke("add", "1", 2, "");
    invoke("id_i64", "-9223372036854775808", 0, "-9223372036854775808\n");
    invoke("id_i64", "0xFFFFFFFFFFFFFFFF", 0, "-1\n");
    invoke("id_i64", "18446744073709551616", 2, "");
    invoke("id_i64", "12abc", 2, "");
}

static void test_cli_floats(void **state)
{
    (void)state;
    need_kiln();
    invoke("id_f32", "0.1", 0, "0.1\n");
    invoke("id_f32", "0x1p-2", 0, "0.25\n");
    invoke("id_f32", "16777217", 0, "16777216\n");
    invoke("id_f32", "-0", 0, "-0\n");
    invoke("id_f32", "3.4028235e38", 0, "3.4028235e+38\n");
    invoke("id_f32", "nan", 0, "nan\n");
    invoke("id_f32", "-nan", 0, "-nan\n");
    invoke("id_f32", "nan:0x200000", 0, "nan:0x200000\n");
    invoke("id_f32", "inf", 0, "inf\n");
    invoke("id_f32", "-inf", 0, "-inf\n");
    invoke("id_f32", "nan:0x800000", 2, "");
    invoke("id_f64", "0.1", 0, "0.1\n");
    invoke("id_f64", "1e308", 0, "1e+308\n");
    invoke("id_f64", "0x1.8p1", 0, "3\n");
    invoke("id_f64", "2.2250738585072014e-308", 0, "2.2250738585072014e-308\n");
    invoke("id_f64", "nan:0x1", 0, "nan:0x1\n");
    invoke("id_f64", "-nan:0x8000000000000", 0, "-nan\n");
    invoke("id_f64", "x", 2, "");
}

/* A trap's first stderr line is its message; backtrace lines follow. */
static void assert_trap_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    if (strncmp(text, line, n) != 0)
        fail_msg("stderr '%s' does not start with '%s'", text, line);
    assert_true(text[n] == '\0' || strncmp(text + n, "  at 0: ", 8) == 0);
}

static void test_cli_traps(void **state)
{
    (void)state;
    need_kiln();
    invoke("boom", "", 1, "");
    assert_trap_line(err_text, "kiln: trap: unreachable\n");
    invoke("load", "70000", 1, "");
    assert_trap_line(err_text, "kiln: trap: out of bounds memory access\n");
    invoke("deeper", "", 1, "");
    assert_trap_line(err_text, "kiln: trap: call stack exhausted\n");
}

static void test_cli_default_entry_and_errors(void **state)
{
    (void)state;
    need_kiln();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "'%s'", start_path);
    assert_int_equal(run_kiln(cmd), 0);
    assert_string_equal(out_text, "42\n");
    snprintf(cmd, sizeof cmd, "'%s'", sample_path);
    assert_int_equal(run_kiln(cmd), 1);
    assert_non_null(strstr(err_text, "kiln: error: "));
    assert_non_null(strstr(err_text, "no function _start or main"));
    /* a .wasm file under any name */
    char wasm_path[] = "/tmp/kiln-test-cli-wasm-XXXXXX";
    int fd = mkstemp(wasm_path);
    assert_int_equal(write(fd, "\0asm\1\0\0\0", 8), 8);
    close(fd);
    snprintf(cmd, sizeof cmd, "'%s'", wasm_path);
    assert_int_equal(run_kiln(cmd), 1);
    unlink(wasm_path);
    assert_string_equal(err_text, "kiln: error: this is a WebAssembly binary, not a "
                                  "precompiled kiln module: compile it with kilnc first\n");
    assert_int_equal(run_kiln("--no-such-option x"), 2);
    assert_int_equal(run_kiln(""), 2);
    assert_int_equal(run_kiln("--help"), 0);
    assert_non_null(strstr(out_text, "--invoke NAME"));
    assert_int_equal(run_kiln("--version"), 0);
    assert_non_null(strstr(out_text, "kiln 0.1.0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cli_integers),
        cmocka_unit_test(test_cli_floats),
        cmocka_unit_test(test_cli_traps),
        cmocka_unit_test(test_cli_default_entry_and_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
