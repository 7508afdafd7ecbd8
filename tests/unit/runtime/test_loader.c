/*
 * The container loader: every refusal has its own status and a message
 * naming both sides; truncation at every length, a flipped byte anywhere,
 * and random damage behind a valid checksum never crash the loader.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "module.h"

#include <cmocka.h>

#include "container_builder.h"
#include "check.h"
#include "reloc/reloc.h"

/* Loads bytes; frees the module on success. Returns the status, fills err. */
static kiln_status load(const uint8_t *bytes, size_t size, kiln_error *err)
{
    kiln_module *m = NULL;
    kiln_error_clear(err);
    kiln_status st = kiln_module_load(bytes, size, &m, err);
    if (st == KILN_OK) {
        assert_non_null(m);
        kiln_module_free(m);
    } else {
        assert_null(m);
    }
    return st;
}

static void expect(kiln_status st, const kiln_error *err, kiln_status want, const char *fragment)
{
    if (st != want || strstr(err->message, fragment) == NULL)
        fail_msg("got status %d (%s) \"%s\", wanted %d with \"%s\"", st, kiln_status_name(st),
                 err->message, want, fragment);
}

/* Builds the sample with a header tweak applied by the caller. */
typedef void (*tweak_fn)(tb_container *c);

static kiln_status load_tweaked(tweak_fn tweak, kiln_error *err)
{
    tb_container c;
    tb_sample(&c, NULL);
    tweak(&c);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    kiln_status st = load(bytes, size, err);
    free(bytes);
    return st;
}

static void test_loader_sample_loads_at_any_alignment(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    uint8_t *shifted = malloc(size + 8);
    kiln_error err;
    for (size_t shift = 0; shift < 8; shift++) {
        memcpy(shifted + shift, bytes, size);
        assert_int_equal(load(shifted + shift, size, &err), KILN_OK);
    }
    free(shifted);
    free(bytes);
}

/* Creates a file from the mkstemp template path holding bytes. */
static void write_temp(char *path, const uint8_t *bytes, size_t size)
{
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
}

/* Replaces the contents of the file at path. */
static void rewrite(const char *path, const uint8_t *bytes, size_t size)
{
    int fd = open(path, O_WRONLY | O_TRUNC);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, bytes, size), (ssize_t)size);
    close(fd);
}

static void test_loader_load_file(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    char path[] = "/tmp/kiln-test-loader-XXXXXX";
    write_temp(path, bytes, size);
    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load_file(path, &m, &err), KILN_OK);
    kiln_instance *inst = NULL;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "answer", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 42);
    kiln_instance_free(inst);
    kiln_module_free(m);
    unlink(path);
    m = NULL;
    assert_int_equal(kiln_module_load_file(path, &m, &err), KILN_ERR_IO);
    assert_non_null(strstr(err.message, path));
    assert_null(m);
    free(bytes);
}

/* Runs the sample's code: a plain function, one that reads through a
 * pointer an ABS64 relocation filled, a libcall through a GOT slot, and a
 * trap. */
static void run_sample_code(kiln_module *m)
{
    kiln_instance *inst = NULL;
    kiln_error err;
    assert_int_equal(kiln_instance_new(m, &inst, &err), KILN_OK);
    kiln_val r;
    assert_int_equal(kiln_instance_call(inst, "answer", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal(r.of.i32, 42);
    assert_int_equal(kiln_instance_call(inst, "rodata", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal((uint32_t)r.of.i32, TB_RODATA_VALUE);
    assert_int_equal(kiln_instance_call(inst, "fill", NULL, 0, &r, 1, &err), KILN_OK);
    assert_int_equal((uint32_t)r.of.i32, 0x41414141u);
    assert_int_equal(kiln_instance_call(inst, "boom", NULL, 0, NULL, 0, &err), KILN_ERR_TRAP);
    kiln_instance_free(inst);
}

/* A page-aligned image in a file is used in place (copy-on-write only
 * where relocations write); the same bytes from memory are copied; both
 * run the same. */
static void test_loader_maps_aligned_image_in_place(void **state)
{
    (void)state;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    tb_sample_options opt = {.symbol = "memset", .code_at_least = 3 * 65536,
                             .code_page = (uint32_t)page};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    char path[] = "/tmp/kiln-test-loader-XXXXXX";
    write_temp(path, bytes, size);

    kiln_module *m = NULL;
    kiln_error err;
    assert_int_equal(kiln_module_load_file(path, &m, &err), KILN_OK);
    assert_true(m->code_in_file);
    assert_true((uintptr_t)m->code_base % page == 0);
    assert_true(m->code_base > m->bytes && m->code_base < m->bytes + m->size);
    run_sample_code(m);
    kiln_module_free(m);

    m = NULL;
    assert_int_equal(kiln_module_load(bytes, size, &m, &err), KILN_OK);
    assert_false(m->code_in_file);
    run_sample_code(m);
    kiln_module_free(m);

    /* Off the page boundary the file is copied, and runs the same. */
    opt.code_page = 0;
    free(bytes);
    tb_sample_bytes(&opt, &bytes, &size);
    rewrite(path, bytes, size);
    m = NULL;
    assert_int_equal(kiln_module_load_file(path, &m, &err), KILN_OK);
    assert_false(m->code_in_file);
    run_sample_code(m);
    kiln_module_free(m);
    unlink(path);
    free(bytes);
}

static void test_loader_bad_magic(void **state)
{
    (void)state;
    static const uint8_t elf[] = {0x7F, 'E', 'L', 'F', 2, 1, 1, 0};
    kiln_error err;
    expect(load(elf, sizeof elf, &err), &err, KILN_ERR_NOT_CONTAINER,
           "not a kiln container: it starts with 7f 45 4c 46");
    expect(load(elf, 0, &err), &err, KILN_ERR_NOT_CONTAINER, "0 bytes");
    /* Another runtime's precompiled file is named, with what to do. */
    static const uint8_t wamr[] = {0, 'a', 'o', 't', 3, 0, 0, 0};
    expect(load(wamr, sizeof wamr, &err), &err, KILN_ERR_NOT_CONTAINER,
           "this is a WAMR AOT file (written by wamrc, magic \"\\0aot\"). kiln runs "
           "containers written by kilnc: compile the .wasm with kilnc");
    static const char wat[] = "(module)";
    expect(load(wat, sizeof wat - 1, &err), &err, KILN_ERR_NOT_CONTAINER, "wat2wasm");
}

static void test_loader_wasm_given(void **state)
{
    (void)state;
    static const uint8_t wasm[] = {0, 'a', 's', 'm', 1, 0, 0, 0};
    kiln_error err;
    expect(load(wasm, sizeof wasm, &err), &err, KILN_ERR_IS_WASM,
           "this is a WebAssembly binary, not a precompiled kiln module: compile it with "
           "kilnc first");
}

static void newer_version(tb_container *c) { c->version = 7; }
static void older_version(tb_container *c) { c->version = 0; }

static void test_loader_version_mismatch(void **state)
{
    (void)state;
    kiln_error err;
    expect(load_tweaked(newer_version, &err), &err, KILN_ERR_VERSION,
           "container format version 7, this runtime loads versions 3..3");
    expect(load_tweaked(older_version, &err), &err, KILN_ERR_VERSION,
           "container format version 0, this runtime loads versions 3..3");
}

static void aarch64(tb_container *c) { c->triple = "aarch64-unknown-linux-gnu"; }
static void pc_vendor(tb_container *c) { c->triple = "x86_64-pc-linux-gnu"; }
static void darwin(tb_container *c) { c->triple = "x86_64-apple-darwin23.1.0"; }

static void test_loader_triple(void **state)
{
    (void)state;
    kiln_error err;
    expect(load_tweaked(aarch64, &err), &err, KILN_ERR_TARGET,
           "module compiled for aarch64-unknown-linux-gnu, this runtime is "
           "x86_64-unknown-linux-gnu");
    assert_int_equal(load_tweaked(pc_vendor, &err), KILN_OK);
    expect(load_tweaked(darwin, &err), &err, KILN_ERR_TARGET, "x86_64-apple-darwin23.1.0");
}

static void width4(tb_container *c) { c->pointer_width = 4; }
static void big_endian(tb_container *c) { c->endianness = 1; }
static void bounds5(tb_container *c) { c->bounds = 5; }
static void explicit_bounds(tb_container *c) { c->bounds = KILN_BOUNDS_EXPLICIT; }

static void test_loader_pointer_width_endianness_bounds(void **state)
{
    (void)state;
    kiln_error err;
    expect(load_tweaked(width4, &err), &err, KILN_ERR_POINTER_WIDTH,
           "module compiled for 4-byte pointers, this runtime uses 8-byte pointers");
    expect(load_tweaked(big_endian, &err), &err, KILN_ERR_ENDIANNESS,
           "module is big-endian (byte order 1), this runtime is little-endian");
    expect(load_tweaked(bounds5, &err), &err, KILN_ERR_BOUNDS_MODE, "bounds-check mode 5");
    assert_int_equal(load_tweaked(explicit_bounds, &err), KILN_OK);
}

static const char *const some_features[] = {"sse4.1", "sse4.2", "ssse3", "popcnt", "avx",
                                            "avx2", "bmi", "bmi2", "lzcnt", "fma", "f16c",
                                            "avx512f", "avx512bw", "avx512vl", "movbe"};
static char feature_list[512];
static void many_features(tb_container *c) { c->cpu_features = feature_list; }
static void unknown_features(tb_container *c)
{
    c->cpu_features = "+sse2,-avx512f,+some-future-feature,,+cx16";
}
static void known_features(tb_container *c) { c->cpu_features = "+sse2,-avx512f,,+cx16"; }

static bool host_has(const char *name)
{
    return ld_cpu_feature(name, strlen(name)) == LD_FEATURE_PRESENT;
}

static void test_loader_cpu_features(void **state)
{
    (void)state;
    kiln_error err;
    /* A name this runtime cannot check is refused, never assumed present;
     * "-" entries and empty ones ask nothing of the host. */
    expect(load_tweaked(unknown_features, &err), &err, KILN_ERR_CPU_FEATURES,
           "module names CPU feature this runtime does not know for x86_64: "
           "some-future-feature");
    assert_int_equal(load_tweaked(known_features, &err), KILN_OK);
    feature_list[0] = '\0';
    unsigned missing = 0;
    for (size_t i = 0; i < sizeof some_features / sizeof some_features[0]; i++) {
        strcat(feature_list, i ? ",+" : "+");
        strcat(feature_list, some_features[i]);
        missing += !host_has(some_features[i]);
    }
    kiln_status st = load_tweaked(many_features, &err);
    if (missing == 0) {
        assert_int_equal(st, KILN_OK);
        return;
    }
    expect(st, &err, KILN_ERR_CPU_FEATURES, "module needs CPU feature");
    for (size_t i = 0; i < sizeof some_features / sizeof some_features[0]; i++) {
        bool has = host_has(some_features[i]);
        char needle[40];
        snprintf(needle, sizeof needle, " %s", some_features[i]);
        if (!has)
            assert_non_null(strstr(err.message, needle));
    }
}

static void fill_helper(tb_container *c) { c->helpers_used |= 1u << KILN_HELPER_MEMORY_FILL; }
static void unknown_helper(tb_container *c) { c->helpers_used |= (uint64_t)1 << 40; }

static void test_loader_helpers_missing(void **state)
{
    (void)state;
    kiln_error err;
    /* Every helper of KILN_HELPER_COUNT is provided now (helpers_bulk.c). */
    assert_int_equal(load_tweaked(fill_helper, &err), KILN_OK);
    expect(load_tweaked(unknown_helper, &err), &err, KILN_ERR_HELPERS, "helper 40");
}

static void test_loader_truncated_at_every_length(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    kiln_error err;
    for (size_t n = 0; n < size; n++) {
        /* A fresh exact-size copy so a read past n would be caught by ASan. */
        uint8_t *part = malloc(n ? n : 1);
        memcpy(part, bytes, n);
        kiln_status st = load(part, n, &err);
        free(part);
        if (n == 0) {
            assert_int_equal(st, KILN_ERR_NOT_CONTAINER);
        } else if (n < KILN_AOT_HEADER_FIXED_SIZE) {
            expect(st, &err, KILN_ERR_TRUNCATED, "the fixed header needs 80 bytes");
        } else {
            char fragment[96];
            snprintf(fragment, sizeof fragment, "its header says %zu bytes, only %zu present",
                     size, n);
            expect(st, &err, KILN_ERR_TRUNCATED, fragment);
        }
    }
    free(bytes);
}

static void test_loader_checksum_every_byte(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    kiln_error err;
    for (size_t i = 0; i < size; i++) {
        bytes[i] ^= 0x5A;
        kiln_status st = load(bytes, size, &err);
        bytes[i] ^= 0x5A;
        assert_int_not_equal(st, KILN_OK);
        /* Magic, version and file_size are judged before the checksum. */
        if (i >= 24 || (i >= 8 && i < 16))
            expect(st, &err, KILN_ERR_CHECKSUM, "checksum mismatch: the header says 0x");
    }
    free(bytes);
}

/* Edits the payload of one section of the sample, then loads. */
static kiln_status load_with_section_edit(uint32_t id, size_t offset, const void *value,
                                          size_t n, kiln_error *err)
{
    tb_container c;
    tb_sample(&c, NULL);
    assert_true(c.present[id] && offset + n <= c.sections[id].size);
    memcpy(c.sections[id].data + offset, value, n);
    uint8_t *bytes;
    size_t size;
    tb_finish(&c, &bytes, &size);
    tb_free(&c);
    kiln_status st = load(bytes, size, err);
    free(bytes);
    return st;
}

static void test_loader_corrupt_sections(void **state)
{
    (void)state;
    kiln_error err;
    uint8_t v4[4];
    kiln_write_u32le(v4, 1000000);
    expect(load_with_section_edit(KILN_SEC_TYPES, 0, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "section TYPES at offset");
    assert_non_null(strstr(err.message, "1000000 types"));
    kiln_write_u32le(v4, 9999);
    expect(load_with_section_edit(KILN_SEC_LAYOUT, 0, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "section LAYOUT at offset");
    assert_non_null(strstr(err.message, "vmctx layout {size 9999"));
    /* export "answer": count(4) + name(4 + 6) + kind(1), then the index */
    kiln_write_u32le(v4, 77);
    expect(load_with_section_edit(KILN_SEC_EXPORTS, 15, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "export \"answer\" names function 77, the module has 12");
    /* global 0 init: count(4) valtype(1) mut(1), then the first op */
    uint8_t op = 99;
    expect(load_with_section_edit(KILN_SEC_GLOBALS, 6, &op, 1, &err), &err, KILN_ERR_CORRUPT,
           "unknown constant expression op 99");
    op = KILN_CEXPR_I64_ADD;
    expect(load_with_section_edit(KILN_SEC_GLOBALS, 16, &op, 1, &err), &err, KILN_ERR_CORRUPT,
           "needs two i64 operands");
    kiln_write_u32le(v4, 0xFFFFFF00u);
    expect(load_with_section_edit(KILN_SEC_RELOCS, 4, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "section RELOCS");
    assert_non_null(strstr(err.message, "outside the image"));
    /* function 0's code offset, past the code */
    kiln_write_u32le(v4, 0x100000);
    expect(load_with_section_edit(KILN_SEC_FUNCS, 12, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "function 0: code");
    uint8_t mem_index[4] = {3, 0, 0, 0};
    expect(load_with_section_edit(KILN_SEC_DATA, 5, mem_index, 4, &err), &err,
           KILN_ERR_CORRUPT, "data segment 0 targets memory 3, the module has 1");
}

/* The header's printed strings (cpu, compiler_version) must lie inside the
 * file too. */
static void test_loader_header_strings_outside_file(void **state)
{
    (void)state;
    static const uint32_t fields[] = {KILN_AOT_OFF_CPU, KILN_AOT_OFF_COMPILER_VERSION};
    static const char *const words[] = {"the cpu string lies outside the file",
                                        "the compiler_version string lies outside the file"};
    for (size_t i = 0; i < 2; i++) {
        uint8_t *bytes;
        size_t size;
        tb_sample_bytes(NULL, &bytes, &size);
        kiln_write_u32le(bytes + fields[i], (uint32_t)size);
        kiln_write_u32le(bytes + fields[i] + 4, 1);
        tb_reseal(bytes, size);
        kiln_error err;
        expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT, words[i]);
        free(bytes);
    }
}

static void test_loader_section_outside_file(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    uint32_t table = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE);
    kiln_write_u32le(bytes + table + 4, (uint32_t)size + 100);
    tb_reseal(bytes, size);
    kiln_error err;
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT, "lie outside the payload area");
    kiln_write_u32le(bytes + KILN_AOT_OFF_SECTION_COUNT, 200);
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT, "section_count 200");
    free(bytes);
}

/* The section table itself: overlapping sections, a repeated id, an
 * unknown id, a table that does not start at header_size. */
static void test_loader_section_table_entries(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    uint32_t table = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE);
    uint8_t *first = bytes + table, *second = bytes + table + KILN_AOT_SECTION_ENTRY_SIZE;
    uint8_t saved[2 * KILN_AOT_SECTION_ENTRY_SIZE];
    memcpy(saved, first, sizeof saved);
    kiln_error err;

    kiln_write_u32le(second + 4, kiln_read_u32le(first + 4)); /* same offset */
    kiln_write_u32le(second + 8, 4);
    kiln_write_u32le(first + 8, 4);
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT, "the section overlaps section");
    memcpy(first, saved, sizeof saved);

    kiln_write_u32le(second, kiln_read_u32le(first)); /* same id */
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT,
           "the section appears twice in the section table");
    memcpy(first, saved, sizeof saved);

    kiln_write_u32le(second, 99);
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT,
           "section table entry 1 has unknown id 99");
    memcpy(first, saved, sizeof saved);

    kiln_write_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE, table + 8);
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT, "differs from header_size");
    free(bytes);
}

static void test_loader_unknown_symbol_is_link_error(void **state)
{
    (void)state;
    tb_sample_options opt = {.symbol = "system"};
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(&opt, &bytes, &size);
    kiln_error err;
    expect(load(bytes, size, &err), &err, KILN_ERR_LINK, "unresolved symbol system");
    free(bytes);
}

/* Relocations patch data only: one that targets machine code is refused
 * before anything is mapped (it used to load, and the patched function
 * then died with SIGSEGV). The sample's first relocation is at offset 4 of
 * RELOCS; offset 0 of the image is function 0's code. */
static void test_loader_reloc_into_code_refused(void **state)
{
    (void)state;
    kiln_error err;
    uint8_t v4[4];
    kiln_write_u32le(v4, 0);
    expect(load_with_section_edit(KILN_SEC_RELOCS, 4, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "relocation 0 patches [0, 8), inside the executable part of the image");
    assert_non_null(strstr(err.message, "section RELOCS"));
}

/* Reserved fields must be 0: the header flags' undefined bits, a section table entry's
 * word, the code header's word and a relocation's three bytes. */
static void test_loader_reserved_fields(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    kiln_error err;
    tb_sample_bytes(NULL, &bytes, &size);
    bytes[KILN_AOT_OFF_FLAGS] = 0x80;
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT,
           "header at offset 27: the flags byte is 0x80");
    assert_int_equal(err.offset, KILN_AOT_OFF_FLAGS);
    bytes[KILN_AOT_OFF_FLAGS] = 0;
    uint32_t table = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE);
    kiln_write_u32le(bytes + table + KILN_AOT_SECTION_ENTRY_SIZE + 12, 5);
    tb_reseal(bytes, size);
    expect(load(bytes, size, &err), &err, KILN_ERR_CORRUPT,
           "section table entry 1 has reserved field 0x00000005");
    free(bytes);

    uint8_t v4[4];
    kiln_write_u32le(v4, 7);
    expect(load_with_section_edit(KILN_SEC_CODE, 12, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "the reserved field of the code header is 0x00000007");
    uint8_t one = 1;
    expect(load_with_section_edit(KILN_SEC_RELOCS, 4 + 6, &one, 1, &err), &err,
           KILN_ERR_CORRUPT, "relocation 0 has reserved bytes 00 01 00");
}

/* The image alignment: 0 has its own message. */
static void test_loader_image_align_zero(void **state)
{
    (void)state;
    kiln_error err;
    uint8_t v4[4] = {0, 0, 0, 0};
    expect(load_with_section_edit(KILN_SEC_CODE, 8, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "image_align is 0");
    kiln_write_u32le(v4, 24);
    expect(load_with_section_edit(KILN_SEC_CODE, 8, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "image_align 24 is not a power of two");
}

/* Function and trampoline offsets must lie in the executable part of the
 * image, not in its read-only data. */
static void test_loader_code_offsets_outside_exec(void **state)
{
    (void)state;
    tb_container c;
    tb_sample(&c, NULL);
    uint32_t exec_size = kiln_read_u32le(c.sections[KILN_SEC_CODE].data);
    tb_free(&c);
    kiln_error err;
    uint8_t v4[4];
    kiln_write_u32le(v4, exec_size);
    /* FUNCS: imported(4) defined(4), then function 0: type(4) offset(4) size(4) */
    expect(load_with_section_edit(KILN_SEC_FUNCS, 12, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "function 0: code [");
    assert_non_null(strstr(err.message, "outside the code"));
    /* TYPES: count(4), type 0 () -> i32: params(4) results(4) kind(1), then
     * its entry trampoline */
    expect(load_with_section_edit(KILN_SEC_TYPES, 13, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "entry trampoline of type 0");
    assert_non_null(strstr(err.message, "is outside the code"));
    expect(load_with_section_edit(KILN_SEC_TYPES, 17, v4, 4, &err), &err, KILN_ERR_CORRUPT,
           "host trampoline of type 0");
}

/* Random damage behind a valid checksum: whatever the loader says, it
 * must not crash or read outside the buffer (run under ASan to see). */
static void test_loader_random_damage_never_crashes(void **state)
{
    (void)state;
    uint8_t *bytes;
    size_t size;
    tb_sample_bytes(NULL, &bytes, &size);
    uint8_t *copy = malloc(size);
    uint32_t seed = 12345;
    kiln_error err;
    unsigned loaded = 0;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(copy, bytes, size);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = KILN_AOT_OFF_POINTER_WIDTH + (seed >> 8) % (size - 24);
            seed = seed * 1103515245u + 12345u;
            copy[at] = (uint8_t)(seed >> 16);
        }
        tb_reseal(copy, size);
        loaded += load(copy, size, &err) == KILN_OK;
    }
    assert_true(loaded < 3000);
    free(copy);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_loader_sample_loads_at_any_alignment),
        cmocka_unit_test(test_loader_load_file),
        cmocka_unit_test(test_loader_maps_aligned_image_in_place),
        cmocka_unit_test(test_loader_bad_magic),
        cmocka_unit_test(test_loader_wasm_given),
        cmocka_unit_test(test_loader_version_mismatch),
        cmocka_unit_test(test_loader_triple),
        cmocka_unit_test(test_loader_pointer_width_endianness_bounds),
        cmocka_unit_test(test_loader_cpu_features),
        cmocka_unit_test(test_loader_helpers_missing),
        cmocka_unit_test(test_loader_truncated_at_every_length),
        cmocka_unit_test(test_loader_checksum_every_byte),
        cmocka_unit_test(test_loader_corrupt_sections),
        cmocka_unit_test(test_loader_header_strings_outside_file),
        cmocka_unit_test(test_loader_section_outside_file),
        cmocka_unit_test(test_loader_section_table_entries),
        cmocka_unit_test(test_loader_unknown_symbol_is_link_error),
        cmocka_unit_test(test_loader_reloc_into_code_refused),
        cmocka_unit_test(test_loader_reserved_fields),
        cmocka_unit_test(test_loader_image_align_zero),
        cmocka_unit_test(test_loader_code_offsets_outside_exec),
        cmocka_unit_test(test_loader_random_damage_never_crashes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
