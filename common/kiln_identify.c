/*
 * Names what a buffer holds when it is not what the caller wanted, so the
 * compiler (given something other than .wasm) and the runtime (given
 * something other than a kiln container) can say what it is and what to do:
 * the confusion between a runtime's precompiled files and .wasm modules is
 * the one kiln exists to end. Looks only at the first bytes, except for the
 * Wasmtime check, which reads an ELF file's section names (neither that nor
 * the WebAssembly text check is built for bare metal, see below).
 */
#include <string.h>

#include "kiln_common.h"

#if !defined(KILN_PLATFORM_BAREMETAL)
/* Reads a little- or big-endian field of an ELF header at off (n bytes). */
static uint64_t elf_field(const uint8_t *b, size_t off, size_t n, bool big)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++)
        v |= (uint64_t)b[off + (big ? n - 1 - i : i)] << (8 * i);
    return v;
}

/* A Wasmtime .cwasm is an ELF file with sections named ".wasmtime.*"
 * (".wasmtime.engine", ".wasmtime.info"): looks for one in the section
 * header string table, every offset checked against size. */
static bool has_wasmtime_section(const uint8_t *b, size_t size)
{
    if (size < 64)
        return false;
    bool is64 = b[4] == 2, big = b[5] == 2;
    size_t shoff_at = is64 ? 0x28 : 0x20, shentsize_at = is64 ? 0x3A : 0x2E;
    uint64_t shoff = elf_field(b, shoff_at, is64 ? 8 : 4, big);
    uint64_t entsize = elf_field(b, shentsize_at, 2, big);
    uint64_t count = elf_field(b, shentsize_at + 2, 2, big);
    uint64_t strndx = elf_field(b, shentsize_at + 4, 2, big);
    size_t name_at = 0, off_at = is64 ? 0x18 : 0x10, size_at = is64 ? 0x20 : 0x14;
    size_t word = is64 ? 8 : 4;
    if (entsize < size_at + word || strndx >= count || shoff > size ||
        count * entsize > size - shoff)
        return false;
    const uint8_t *strhdr = b + shoff + strndx * entsize;
    uint64_t str_off = elf_field(strhdr, off_at, word, big);
    uint64_t str_size = elf_field(strhdr, size_at, word, big);
    if (str_off > size || str_size > size - str_off)
        return false;
    static const char prefix[] = ".wasmtime.";
    for (uint64_t i = 0; i < count; i++) {
        uint64_t name = elf_field(b + shoff + i * entsize, name_at, 4, big);
        if (name < str_size && str_size - name >= sizeof prefix - 1 &&
            memcmp(b + str_off + name, prefix, sizeof prefix - 1) == 0)
            return true;
    }
    return false;
}

/* WebAssembly text: optional whitespace and ;; or (; ;) comments, then
 * "(module" or "(component". */
static bool looks_like_wat(const uint8_t *b, size_t size)
{
    size_t i = 0;
    while (i < size) {
        if (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
            i++;
        } else if (i + 1 < size && b[i] == ';' && b[i + 1] == ';') {
            while (i < size && b[i] != '\n')
                i++;
        } else if (i + 1 < size && b[i] == '(' && b[i + 1] == ';') {
            i += 2;
            while (i + 1 < size && !(b[i] == ';' && b[i + 1] == ')'))
                i++;
            i += 2;
        } else {
            break;
        }
    }
    static const char *const heads[] = {"(module", "(component"};
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        size_t n = strlen(heads[h]);
        if (i + n <= size && memcmp(b + i, heads[h], n) == 0)
            return true;
    }
    return false;
}

#else
/* Bare metal: what a microcontroller loads is what its firmware build put
 * in flash, not a user's stray .cwasm or .wat, and the two checks that
 * read past the magic are 0.7 KB of the runtime core's code there
 * (scripts/footprint.sh). Such an input is reported as an ELF file or as
 * not a kiln container. */
static bool has_wasmtime_section(const uint8_t *b, size_t size)
{
    (void)b, (void)size;
    return false;
}

static bool looks_like_wat(const uint8_t *b, size_t size)
{
    (void)b, (void)size;
    return false;
}
#endif

kiln_input_kind kiln_input_identify(const uint8_t *bytes, size_t size)
{
    if (bytes == NULL || size == 0)
        return KILN_INPUT_EMPTY;
    if (size >= 8 && memcmp(bytes, "\0asm", 4) == 0)
        /* Core modules are version 1 (01 00 00 00); components have layer
         * 1 in bytes 6-7 and a non-zero version (0x0d today) in bytes 4-5.
         * Anything else is left to the decoder's version check. */
        return kiln_read_u16le(bytes + 6) == 1 && kiln_read_u16le(bytes + 4) != 0
                   ? KILN_INPUT_WASM_COMPONENT
                   : KILN_INPUT_WASM;
    if (size >= 4 && memcmp(bytes, "\0asm", 4) == 0)
        return KILN_INPUT_WASM;
    if (size >= 4 && bytes[0] == KILN_AOT_MAGIC_0 && bytes[1] == KILN_AOT_MAGIC_1 &&
        bytes[2] == KILN_AOT_MAGIC_2 && bytes[3] == KILN_AOT_MAGIC_3)
        return KILN_INPUT_KILN;
    if (size >= 4 && memcmp(bytes, "\0aot", 4) == 0)
        return KILN_INPUT_WAMR_AOT;
    if (size >= 4 && memcmp(bytes, "\x7f" "ELF", 4) == 0)
        return has_wasmtime_section(bytes, size) ? KILN_INPUT_WASMTIME_CWASM : KILN_INPUT_ELF;
    if (looks_like_wat(bytes, size))
        return KILN_INPUT_WAT;
    return KILN_INPUT_UNKNOWN;
}

const char *kiln_input_description(kiln_input_kind kind)
{
    switch (kind) {
    case KILN_INPUT_EMPTY: return "empty (0 bytes)";
    case KILN_INPUT_WASM: return "a WebAssembly binary (.wasm)";
    case KILN_INPUT_WASM_COMPONENT:
        return "a WebAssembly component (component model), not a core module";
    case KILN_INPUT_KILN: return "a kiln container (.aot, written by kilnc)";
    case KILN_INPUT_WAMR_AOT:
        return "a WAMR AOT file (written by wamrc, magic \"\\0aot\")";
    case KILN_INPUT_WASMTIME_CWASM:
        return "a Wasmtime precompiled module (.cwasm, written by `wasmtime compile`)";
    case KILN_INPUT_ELF: return "an ELF file (a native object, library or program)";
    case KILN_INPUT_WAT: return "WebAssembly text (.wat), not the binary format";
    case KILN_INPUT_UNKNOWN: break;
    }
    return "not a format kiln knows";
}
