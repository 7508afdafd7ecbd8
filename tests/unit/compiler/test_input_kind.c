/*
 * kilnc_compile refuses input that is recognisably not a core .wasm module
 * before decoding, with KILN_ERR_NOT_WASM (a component: KILN_ERR_UNSUPPORTED)
 * and a message that says what it is and what to do; bytes it cannot name
 * still reach the decoder and fail as the spec says. kilnc_inspect wraps the
 * inspector.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kiln_common.h"
#include "kiln_compiler.h"

/* (module (func (export "f") (result i32) i32.const 7)) */
static const uint8_t tiny_wasm[] = {0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05,
                                    0x01, 0x60, 0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07,
                                    0x05, 0x01, 0x01, 0x66, 0x00, 0x00, 0x0a, 0x06, 0x01, 0x04,
                                    0x00, 0x41, 0x07, 0x0b};

static kiln_status compile(const uint8_t *bytes, size_t size, kiln_error *err)
{
    kilnc_options o;
    kilnc_options_init(&o);
    o.opt_level = 0;
    uint8_t *out = NULL;
    size_t out_size = 0;
    kiln_status st = kilnc_compile(bytes, size, &o, &out, &out_size, err);
    kilnc_buffer_free(out);
    return st;
}

static void expect_not_wasm(const uint8_t *bytes, size_t size, const char *says,
                            const char *advice)
{
    kiln_error err;
    assert_int_equal(compile(bytes, size, &err), KILN_ERR_NOT_WASM);
    assert_int_equal(err.status, KILN_ERR_NOT_WASM);
    if (strstr(err.message, says) == NULL || strstr(err.message, advice) == NULL)
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err.message, says, advice);
}

static void test_input_kind_container_is_already_compiled(void **state)
{
    (void)state;
    kilnc_options o;
    kilnc_options_init(&o);
    o.opt_level = 0;
    uint8_t *aot = NULL;
    size_t aot_size = 0;
    kiln_error err;
    assert_int_equal(kilnc_compile(tiny_wasm, sizeof tiny_wasm, &o, &aot, &aot_size, &err),
                     KILN_OK);
    expect_not_wasm(aot, aot_size, "already compiled", "Run it with kiln");
    kiln_error e2;
    compile(aot, aot_size, &e2);
    assert_non_null(strstr(e2.message, kilnc_version()));
    assert_string_equal(kiln_status_name(KILN_ERR_NOT_WASM), "not a WebAssembly binary");

    char *text = NULL;
    assert_int_equal(kilnc_inspect(aot, aot_size, &text, &err), KILN_OK);
    assert_non_null(strstr(text, "f"));
    kilnc_buffer_free(text);
    assert_int_equal(kilnc_inspect(tiny_wasm, sizeof tiny_wasm, &text, &err), KILN_ERR_IS_WASM);
    kilnc_buffer_free(aot);
}

static void test_input_kind_wamr_aot(void **state)
{
    (void)state;
    static const uint8_t wamr[16] = {0x00, 'a', 'o', 't', 0x03, 0x00, 0x00, 0x00};
    expect_not_wasm(wamr, sizeof wamr, "WAMR AOT file", "recompile the .wasm");
}

/* A minimal ELF64 file with a section header string table naming
 * ".wasmtime.engine", as `wasmtime compile` writes. */
static size_t make_elf(uint8_t *b, size_t cap, const char *section_name)
{
    memset(b, 0, cap);
    memcpy(b, "\x7f" "ELF", 4);
    b[4] = 2; /* 64-bit */
    b[5] = 1; /* little-endian */
    b[6] = 1;
    size_t strtab = 64;
    char names[64] = "";
    size_t name_len = strlen(section_name);
    memcpy(names + 1, section_name, name_len + 1);
    memcpy(names + 2 + name_len, ".shstrtab", 10);
    memcpy(b + strtab, names, sizeof names);
    size_t shoff = strtab + sizeof names;
    kiln_write_u64le(b + 0x28, shoff);
    b[0x3A] = 64; /* e_shentsize */
    b[0x3C] = 3;  /* e_shnum: null, the named section, .shstrtab */
    b[0x3E] = 2;  /* e_shstrndx */
    uint8_t *sh1 = b + shoff + 64, *sh2 = b + shoff + 128;
    kiln_write_u32le(sh1, 1);
    kiln_write_u32le(sh2, (uint32_t)(2 + name_len));
    kiln_write_u64le(sh2 + 0x18, strtab);
    kiln_write_u64le(sh2 + 0x20, sizeof names);
    assert_true(shoff + 3 * 64 <= cap);
    return shoff + 3 * 64;
}

static void test_input_kind_wasmtime_cwasm_and_elf(void **state)
{
    (void)state;
    uint8_t elf[512];
    size_t n = make_elf(elf, sizeof elf, ".wasmtime.engine");
    expect_not_wasm(elf, n, "Wasmtime precompiled module", "recompile the .wasm");
    n = make_elf(elf, sizeof elf, ".text");
    expect_not_wasm(elf, n, "ELF file", "kilnc compiles .wasm");
    /* A damaged section table is still named an ELF file, never read past. */
    kiln_write_u64le(elf + 0x28, 0xFFFFFFFFFFFFull);
    expect_not_wasm(elf, n, "ELF file", "kilnc compiles .wasm");
}

static void test_input_kind_text_and_component(void **state)
{
    (void)state;
    static const char wat[] = "  ;; a comment\n(; block ;) (module (func))";
    expect_not_wasm((const uint8_t *)wat, sizeof wat - 1, "WebAssembly text", "wat2wasm");
    static const uint8_t component[8] = {0x00, 0x61, 0x73, 0x6d, 0x0d, 0x00, 0x01, 0x00};
    kiln_error err;
    assert_int_equal(compile(component, sizeof component, &err), KILN_ERR_UNSUPPORTED);
    assert_non_null(strstr(err.message, "component"));
}

static void test_input_kind_unknown_reaches_the_decoder(void **state)
{
    (void)state;
    kiln_error err;
    static const uint8_t junk[8] = {0x00, 0x41, 0x53, 0x4d, 0x01, 0x00, 0x00, 0x00};
    assert_int_equal(compile(junk, sizeof junk, &err), KILN_ERR_MALFORMED);
    assert_non_null(strstr(err.message, "magic header not detected"));
    assert_int_equal(compile(junk, 0, &err), KILN_ERR_MALFORMED);
    /* A wrong core version is the decoder's ("unknown binary version"). */
    static const uint8_t v2[8] = {0x00, 0x61, 0x73, 0x6d, 0x00, 0x00, 0x01, 0x00};
    assert_int_equal(compile(v2, sizeof v2, &err), KILN_ERR_MALFORMED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_input_kind_container_is_already_compiled),
        cmocka_unit_test(test_input_kind_wamr_aot),
        cmocka_unit_test(test_input_kind_wasmtime_cwasm_and_elf),
        cmocka_unit_test(test_input_kind_text_and_component),
        cmocka_unit_test(test_input_kind_unknown_reaches_the_decoder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
