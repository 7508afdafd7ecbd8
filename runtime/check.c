/*
 * Header-level container checks that report every problem (ld_check_,
 * kiln_module_check) and content sniffing (kiln_detect).
 *
 * kiln_module_load stops at the first refusal; `kiln --check` and build
 * tooling want the whole list ("wrong target AND missing avx512f AND ..."),
 * so the checks keep going after a problem wherever the remaining fields can
 * still be read, and the loader (ld_check_header) takes the first.
 *
 * Invariants: every read is bounded by the buffer size (and by the header's
 * file_size once it is known to fit); any alignment is accepted (byte-wise
 * readers); nothing is allocated, printed or aborted.
 */
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "helpers.h"
#include "kiln_common.h"
#include "kiln_cpu.h"
#include "names.h"
#include "platform/platform.h"
#include "reloc/reloc.h"

typedef struct chk_ctx {
    kiln_check_fn report;
    void *user;
    kiln_error *err;
    kiln_status first; /* status of the first problem, KILN_OK if none */
    unsigned count;
} chk_ctx;

/* Records one problem: the first goes to *err, every one to the callback. */
static void problem(chk_ctx *c, kiln_status status, uint64_t offset, const char *fmt, ...)
    KILN_PRINTF(4, 5);
static void problem(chk_ctx *c, kiln_status status, uint64_t offset, const char *fmt, ...)
{
    kiln_error e;
    va_list ap;
    va_start(ap, fmt);
    e.status = status;
    e.trap = KILN_TRAP_NONE;
    e.offset = offset;
    e.exit_code = 0;
    vsnprintf(e.message, sizeof e.message, fmt, ap);
    va_end(ap);
    if (c->count == 0) {
        c->first = status;
        if (c->err != NULL)
            *c->err = e;
    }
    c->count++;
    if (c->report != NULL)
        c->report(c->user, &e);
}

void ld_check_producer(const uint8_t *bytes, size_t size, char *out, size_t out_size)
{
    static const char unknown[] = "an unknown kilnc";
    snprintf(out, out_size, "%s", unknown);
    if (size < KILN_AOT_HEADER_FIXED_SIZE)
        return;
    uint32_t off = kiln_read_u32le(bytes + KILN_AOT_OFF_COMPILER_VERSION);
    uint32_t len = kiln_read_u32le(bytes + KILN_AOT_OFF_COMPILER_VERSION + 4);
    if (len == 0 || len > 200 || (uint64_t)off + len > size)
        return;
    for (uint32_t i = 0; i < len; i++)
        if (bytes[off + i] < 0x20 || bytes[off + i] > 0x7E)
            return;
    snprintf(out, out_size, "%.*s", (int)len, (const char *)bytes + off);
}

/* ---- target triple (same rules as loader.c) ------------------------------------ */

/* The architecture (first component) and the operating system (first
 * component naming a known OS); vendor and environment are ignored. */
static void triple_split(const char *t, size_t n, const char **arch, size_t *arch_len,
                         const char **os, size_t *os_len)
{
    static const char *const known_os[] = {"linux", "darwin", "macos", "ios", "windows",
                                           "freebsd", "netbsd", "openbsd", "none", "wasi",
                                           "android", "elf"};
    size_t i = 0;
    while (i < n && t[i] != '-')
        i++;
    *arch = t;
    *arch_len = i;
    *os = "";
    *os_len = 0;
    while (i < n) {
        size_t start = ++i;
        while (i < n && t[i] != '-')
            i++;
        for (size_t k = 0; k < sizeof known_os / sizeof known_os[0]; k++) {
            size_t kl = strlen(known_os[k]);
            if (i - start >= kl && memcmp(t + start, known_os[k], kl) == 0) {
                *os = t + start;
                *os_len = kl;
                return;
            }
        }
    }
}

/* "thumbv7..." -> "v7...": Thumb-2 code for an Arm architecture version
 * runs on every core of that version (kilnc writes armv7 code as thumbv7,
 * the runtime calls itself armv7). */
static void arm_version(const char **a, size_t *an)
{
    if (*an > 5 && memcmp(*a, "thumb", 5) == 0) {
        *a += 5;
        *an -= 5;
    } else if (*an > 3 && memcmp(*a, "arm", 3) == 0 && (*a)[3] == 'v') {
        *a += 3;
        *an -= 3;
    }
}

static bool arch_same(const char *a, size_t an, const char *b, size_t bn)
{
    arm_version(&a, &an);
    arm_version(&b, &bn);
    if (an == 5 && memcmp(a, "amd64", 5) == 0) {
        a = "x86_64";
        an = 6;
    }
    if (bn == 5 && memcmp(b, "amd64", 5) == 0) {
        b = "x86_64";
        bn = 6;
    }
    return an == bn && memcmp(a, b, an) == 0;
}

static bool triple_matches_host(const uint8_t *triple, uint32_t n)
{
    const char *host = arch_host_triple();
    const char *ma, *mo, *ha, *ho;
    size_t mal, mol, hal, hol;
    triple_split((const char *)triple, n, &ma, &mal, &mo, &mol);
    triple_split(host, strlen(host), &ha, &hal, &ho, &hol);
    return arch_same(ma, mal, ha, hal) && mol == hol && memcmp(mo, ho, mol) == 0;
}

/* ---- the checks ---------------------------------------------------------------- */

/* Reads a header string reference; false when it lies outside size. */
static bool string_at(const uint8_t *b, size_t size, uint32_t field, const uint8_t **p,
                      uint32_t *n)
{
    uint32_t off = kiln_read_u32le(b + field);
    uint32_t len = kiln_read_u32le(b + field + 4);
    if ((uint64_t)off + len > size)
        return false;
    *p = b + off;
    *n = len;
    return true;
}

/* ---- CPU features ---------------------------------------------------------- */

/* Whether the container's triple names the host's architecture (its
 * feature names are then the host table's to judge). */
static bool triple_arch_is_host(const uint8_t *b, size_t size)
{
    const uint8_t *triple;
    uint32_t n;
    kiln_arch arch;
    return string_at(b, size, KILN_AOT_OFF_TRIPLE, &triple, &n) &&
           kiln_arch_from_triple((const char *)triple, n, &arch) && arch == os_cpu_arch();
}

/* Probing may cost a CPUID trap to the hypervisor or a system call, and
 * every load asks about every feature a container names, so each answer is
 * kept: 0 not yet asked, else ld_feature_answer + 1. Racing threads compute
 * the same value, so relaxed atomics suffice. */
#define LD_FEATURE_CACHE 512
static _Atomic unsigned char feature_answers[LD_FEATURE_CACHE];

ld_feature_answer ld_cpu_feature(const char *name, size_t len)
{
    size_t count;
    const kiln_cpu_feature *table = os_cpu_features(&count);
    const kiln_cpu_feature *f = kiln_cpu_feature_search(table, count, name, len);
    if (f == NULL)
        return LD_FEATURE_UNKNOWN;
    if (f->kind != KILN_FEATURE_PROBED)
        return LD_FEATURE_PRESENT;
    if (f->probe.source == KILN_PROBE_NONE)
        return LD_FEATURE_UNDETECTABLE;
    size_t index = (size_t)(f - table);
    unsigned char known = index < LD_FEATURE_CACHE
                              ? atomic_load_explicit(&feature_answers[index],
                                                     memory_order_relaxed)
                              : 0;
    if (known == 0) {
        known = (unsigned char)((os_cpu_probe(&f->probe) ? LD_FEATURE_PRESENT
                                                         : LD_FEATURE_ABSENT) +
                                1);
        if (index < LD_FEATURE_CACHE)
            atomic_store_explicit(&feature_answers[index], known, memory_order_relaxed);
    }
    return (ld_feature_answer)(known - 1);
}

/* A list of names for one message, cut (with "...") when it would overflow. */
typedef struct name_list {
    char text[360];
    size_t used;
    unsigned count;
} name_list;

static void name_list_add(name_list *l, const char *name, size_t len, const char *note)
{
    l->count++;
    int w = snprintf(l->text + l->used, sizeof l->text - l->used, "%s%.*s%s",
                     l->count > 1 ? ", " : "", (int)(len > 60 ? 60 : len), name, note);
    if (w > 0 && (size_t)w < sizeof l->text - l->used)
        l->used += (size_t)w;
    else if (l->used + 4 < sizeof l->text)
        l->used += (size_t)snprintf(l->text + l->used, sizeof l->text - l->used, "...");
}

/* Whether every byte is a printable character other than ','. */
static bool printable(const uint8_t *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7E)
            return false;
    return true;
}

/*
 * The container's feature list: "+name" entries the host must have and
 * "-name" entries it need not (both must be names of the host's
 * architecture); empty entries are skipped. Every name the host lacks is
 * one problem, every name this runtime cannot name (or an entry without a
 * sign) another.
 */
static void check_features(chk_ctx *c, const uint8_t *list, uint32_t n)
{
    name_list missing = {{0}, 0, 0}, unknown = {{0}, 0, 0};
    size_t i = 0;
    while (i < n) {
        size_t start = i;
        while (i < n && list[i] != ',')
            i++;
        size_t len = i - start;
        i++;
        if (len == 0)
            continue;
        const char *entry = (const char *)list + start;
        if (!printable(list + start, len)) {
            name_list_add(&unknown, "(unprintable)", 13, "");
            continue;
        }
        if (entry[0] != '+' && entry[0] != '-') {
            name_list_add(&unknown, entry, len, " (no '+' or '-')");
            continue;
        }
        switch (ld_cpu_feature(entry + 1, len - 1)) {
        case LD_FEATURE_PRESENT:
            break;
        case LD_FEATURE_ABSENT:
            if (entry[0] == '+')
                name_list_add(&missing, entry + 1, len - 1, "");
            break;
        case LD_FEATURE_UNDETECTABLE:
            if (entry[0] == '+')
                name_list_add(&missing, entry + 1, len - 1, " (no host reports it)");
            break;
        case LD_FEATURE_UNKNOWN:
            name_list_add(&unknown, entry + 1, len - 1, "");
            break;
        }
    }
    if (missing.count != 0)
        problem(c, KILN_ERR_CPU_FEATURES, KILN_AOT_OFF_CPU_FEATURES,
                "module needs CPU feature%s this host lacks: %s", missing.count > 1 ? "s" : "",
                missing.text);
    if (unknown.count != 0)
        problem(c, KILN_ERR_CPU_FEATURES, KILN_AOT_OFF_CPU_FEATURES,
                "module names CPU feature%s this runtime does not know for %s: %s",
                unknown.count > 1 ? "s" : "", kiln_arch_name(os_cpu_arch()), unknown.text);
}

static void check_helper_bits(chk_ctx *c, uint64_t used_bits)
{
    char missing[400];
    size_t used = 0;
    unsigned missing_count = 0;
    missing[0] = '\0';
    for (unsigned id = 0; id < 64; id++) {
        if ((used_bits & ((uint64_t)1 << id)) == 0 || hlp_provided(id))
            continue;
        const char *name = hlp_name(id);
        missing_count++;
        int w = name != NULL ? snprintf(missing + used, sizeof missing - used, "%s%s (%u)",
                                        missing_count > 1 ? ", " : "", name, id)
                             : snprintf(missing + used, sizeof missing - used,
                                        "%shelper %u (unknown to this runtime, which knows "
                                        "0..%u)",
                                        missing_count > 1 ? ", " : "", id,
                                        KILN_HELPER_COUNT - 1u);
        if (w > 0 && (size_t)w < sizeof missing - used)
            used += (size_t)w;
    }
    if (missing_count != 0)
        problem(c, KILN_ERR_HELPERS, KILN_AOT_OFF_HELPERS_USED,
                "module uses runtime helper%s this runtime does not provide: %s",
                missing_count > 1 ? "s" : "", missing);
}

/* The section table: ids, bounds, duplicates, overlaps; fills sections
 * (first problem only: after one bad entry the rest of the table means
 * little). */
static void check_section_table(chk_ctx *c, const uint8_t *b, size_t size,
                                ld_section sections[KILN_SEC_MAX_ID + 1])
{
    uint32_t header_size = kiln_read_u32le(b + KILN_AOT_OFF_HEADER_SIZE);
    uint32_t count = kiln_read_u32le(b + KILN_AOT_OFF_SECTION_COUNT);
    uint32_t table = kiln_read_u32le(b + KILN_AOT_OFF_SECTION_TABLE);
    if (header_size < KILN_AOT_HEADER_FIXED_SIZE || header_size % 8u != 0 ||
        header_size > size) {
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_HEADER_SIZE,
                "corrupt container: header at offset %u: header_size %u is not a multiple of "
                "8 in [%u, %zu]",
                (unsigned)KILN_AOT_OFF_HEADER_SIZE, header_size, KILN_AOT_HEADER_FIXED_SIZE,
                size);
        return;
    }
    if (table != header_size) {
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_SECTION_TABLE,
                "corrupt container: header at offset %u: section_table_offset %u differs "
                "from header_size %u",
                (unsigned)KILN_AOT_OFF_SECTION_TABLE, table, header_size);
        return;
    }
    if (count > KILN_SEC_MAX_ID) {
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_SECTION_COUNT,
                "corrupt container: header at offset %u: section_count %u exceeds the %u "
                "section kinds",
                (unsigned)KILN_AOT_OFF_SECTION_COUNT, count, (unsigned)KILN_SEC_MAX_ID);
        return;
    }
    uint64_t table_end = (uint64_t)table + (uint64_t)count * KILN_AOT_SECTION_ENTRY_SIZE;
    if (table_end > size) {
        problem(c, KILN_ERR_CORRUPT, table,
                "corrupt container: header at offset %u: the section table (%u entries) "
                "ends at %llu, past the end of the file (%zu bytes)",
                table, count, (unsigned long long)table_end, size);
        return;
    }
    memset(sections, 0, sizeof(ld_section) * (KILN_SEC_MAX_ID + 1));
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = b + table + i * KILN_AOT_SECTION_ENTRY_SIZE;
        uint64_t at = table + (uint64_t)i * KILN_AOT_SECTION_ENTRY_SIZE;
        uint32_t id = kiln_read_u32le(e);
        uint32_t off = kiln_read_u32le(e + 4);
        uint32_t len = kiln_read_u32le(e + 8);
        uint32_t reserved = kiln_read_u32le(e + 12);
        if (id == 0 || id > KILN_SEC_MAX_ID) {
            problem(c, KILN_ERR_CORRUPT, at,
                    "corrupt container: header at offset %llu: section table entry %u has "
                    "unknown id %u",
                    (unsigned long long)at, i, id);
            return;
        }
        if (reserved != 0) {
            problem(c, KILN_ERR_CORRUPT, at + 12,
                    "corrupt container: header at offset %llu: section table entry %u has "
                    "reserved field 0x%08x, the format requires 0",
                    (unsigned long long)at + 12, i, reserved);
            return;
        }
        if (sections[id].present) {
            problem(c, KILN_ERR_CORRUPT, at,
                    "corrupt container: section %s at offset %llu: the section appears "
                    "twice in the section table",
                    ld_section_name(id), (unsigned long long)at);
            return;
        }
        if ((uint64_t)off < table_end || (uint64_t)off + len > size) {
            problem(c, KILN_ERR_CORRUPT, off,
                    "corrupt container: section %s at offset %u: the section's bytes [%u, "
                    "%llu) lie outside the payload area [%llu, %zu)",
                    ld_section_name(id), off, off, (unsigned long long)off + len,
                    (unsigned long long)table_end, size);
            return;
        }
        for (uint32_t other = 1; other <= KILN_SEC_MAX_ID; other++) {
            const ld_section *o = &sections[other];
            if (o->present && len != 0 && o->size != 0 && off < o->offset + o->size &&
                o->offset < off + len) {
                problem(c, KILN_ERR_CORRUPT, off,
                        "corrupt container: section %s at offset %u: the section overlaps "
                        "section %s",
                        ld_section_name(id), off, ld_section_name(other));
                return;
            }
        }
        sections[id].present = true;
        sections[id].offset = off;
        sections[id].size = len;
    }
}

/* The checks, in the loader's order; returns the first problem's status. */
static kiln_status check_all(chk_ctx *c, const uint8_t *b, size_t size,
                             ld_section sections[KILN_SEC_MAX_ID + 1], size_t *file_size_out)
{
    static const uint8_t magic[4] = {KILN_AOT_MAGIC_0, KILN_AOT_MAGIC_1, KILN_AOT_MAGIC_2,
                                     KILN_AOT_MAGIC_3};
    if (b == NULL && size != 0) {
        problem(c, KILN_ERR_ARGUMENT, KILN_NO_OFFSET, "no bytes given (NULL with size %zu)",
                size);
        return c->first;
    }
    if (size >= 4 && memcmp(b, "\0asm", 4) == 0) {
        problem(c, KILN_ERR_IS_WASM, 0,
                "this is a WebAssembly binary, not a precompiled kiln module: compile it "
                "with kilnc first");
        return c->first;
    }
    size_t prefix = size < 4 ? size : 4;
    kiln_input_kind kind = kiln_input_identify(b, size);
    if (kind == KILN_INPUT_WAMR_AOT || kind == KILN_INPUT_WASMTIME_CWASM ||
        kind == KILN_INPUT_WAT) {
        problem(c, KILN_ERR_NOT_CONTAINER, 0,
                "not a kiln container: this is %s. kiln runs containers written by kilnc: "
                "%s",
                kiln_input_description(kind),
                kind == KILN_INPUT_WAT ? "convert it with wat2wasm, then compile the .wasm "
                                         "with kilnc"
                                       : "compile the .wasm with kilnc");
        return c->first;
    }
    if (size == 0 || memcmp(b, magic, prefix) != 0) {
        char seen[32] = "";
        size_t used = 0;
        for (size_t i = 0; i < prefix; i++)
            used += (size_t)snprintf(seen + used, sizeof seen - used, " %02x", b[i]);
        problem(c, KILN_ERR_NOT_CONTAINER, 0,
                "not a kiln container: it starts with%s, a container starts with 7f 4b 4c "
                "4e (\"\\x7fKLN\")",
                size == 0 ? " nothing (0 bytes)" : seen);
        return c->first;
    }
    if (size < KILN_AOT_HEADER_FIXED_SIZE) {
        problem(c, KILN_ERR_TRUNCATED, size,
                "container truncated: the fixed header needs %u bytes, only %zu present",
                KILN_AOT_HEADER_FIXED_SIZE, size);
        return c->first;
    }
    uint64_t file_size = kiln_read_u64le(b + KILN_AOT_OFF_FILE_SIZE);
    if (file_size > size) {
        problem(c, KILN_ERR_TRUNCATED, size,
                "container truncated: its header says %llu bytes, only %zu present",
                (unsigned long long)file_size, size);
        return c->first;
    }
    uint32_t version = kiln_read_u32le(b + KILN_AOT_OFF_VERSION);
    if (version < KILN_AOT_FORMAT_VERSION_MIN || version > KILN_AOT_FORMAT_VERSION) {
        char producer[256];
        ld_check_producer(b, size, producer, sizeof producer);
        problem(c, KILN_ERR_VERSION, KILN_AOT_OFF_VERSION,
                "container format version %u, this runtime loads versions %u..%u (the "
                "module was compiled by %s, %s)",
                version, KILN_AOT_FORMAT_VERSION_MIN, KILN_AOT_FORMAT_VERSION, producer,
                version > KILN_AOT_FORMAT_VERSION ? "newer than this runtime"
                                                  : "recompile it with this kilnc");
        /* The rest is read as this runtime's layout: for a list of reasons
         * that is still the most useful guess. */
    }
    if (file_size < KILN_AOT_HEADER_FIXED_SIZE) {
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_FILE_SIZE,
                "corrupt container: header at offset %u: file_size %llu is smaller than the "
                "fixed header (%u bytes)",
                (unsigned)KILN_AOT_OFF_FILE_SIZE, (unsigned long long)file_size,
                KILN_AOT_HEADER_FIXED_SIZE);
        return c->first;
    }
    size = (size_t)file_size;
    uint32_t stored = kiln_read_u32le(b + KILN_AOT_OFF_CHECKSUM);
    uint32_t actual = kiln_container_checksum(b, size);
    if (stored != actual)
        problem(c, KILN_ERR_CHECKSUM, KILN_AOT_OFF_CHECKSUM,
                "checksum mismatch: the header says 0x%08x, the contents give 0x%08x (the "
                "file is damaged)",
                stored, actual);

    /* cpu and compiler_version are only printed, but a reference outside
     * the file is still a damaged header. */
    static const struct {
        uint32_t field;
        const char *name;
    } printed[] = {{KILN_AOT_OFF_CPU, "cpu"}, {KILN_AOT_OFF_COMPILER_VERSION, "compiler_version"}};
    for (size_t i = 0; i < sizeof printed / sizeof printed[0]; i++) {
        const uint8_t *text;
        uint32_t text_n;
        if (!string_at(b, size, printed[i].field, &text, &text_n))
            problem(c, KILN_ERR_CORRUPT, printed[i].field,
                    "corrupt container: header at offset %u: the %s string lies outside the "
                    "file",
                    (unsigned)printed[i].field, printed[i].name);
    }
    const uint8_t *triple, *features;
    uint32_t triple_n, features_n;
    if (!string_at(b, size, KILN_AOT_OFF_TRIPLE, &triple, &triple_n))
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_TRIPLE,
                "corrupt container: header at offset %u: the triple string lies outside the "
                "file",
                (unsigned)KILN_AOT_OFF_TRIPLE);
    else if (!triple_matches_host(triple, triple_n))
        problem(c, KILN_ERR_TARGET, KILN_AOT_OFF_TRIPLE, "module compiled for %.*s, this runtime is %s",
                (int)(triple_n > 200 ? 200 : triple_n), (const char *)triple,
                arch_host_triple());
    uint8_t width = b[KILN_AOT_OFF_POINTER_WIDTH];
    if (width != sizeof(void *))
        problem(c, KILN_ERR_POINTER_WIDTH, KILN_AOT_OFF_POINTER_WIDTH,
                "module compiled for %u-byte pointers, this runtime uses %u-byte pointers",
                (unsigned)width, (unsigned)sizeof(void *));
    uint8_t endian = b[KILN_AOT_OFF_ENDIANNESS];
    if (endian != 0)
        problem(c, KILN_ERR_ENDIANNESS, KILN_AOT_OFF_ENDIANNESS,
                "module is %s (byte order %u), this runtime is little-endian",
                endian == 1 ? "big-endian" : "of an unknown byte order", (unsigned)endian);
    uint8_t bounds = b[KILN_AOT_OFF_BOUNDS_CHECKS];
    if (bounds != KILN_BOUNDS_GUARD && bounds != KILN_BOUNDS_EXPLICIT)
        problem(c, KILN_ERR_BOUNDS_MODE, KILN_AOT_OFF_BOUNDS_CHECKS,
                "module uses bounds-check mode %u, this runtime honours guard (0) and "
                "explicit (1)",
                (unsigned)bounds);
    else if (bounds == KILN_BOUNDS_GUARD && sizeof(void *) < 8)
        problem(c, KILN_ERR_BOUNDS_MODE, KILN_AOT_OFF_BOUNDS_CHECKS,
                "module relies on guard pages (bounds-check mode guard), which need a 64-bit "
                "host; this runtime has %u-byte pointers: compile with "
                "--bounds-checks=explicit",
                (unsigned)sizeof(void *));
    uint8_t flags = b[KILN_AOT_OFF_FLAGS];
    if ((flags & ~KILN_AOT_FLAG_XIP) != 0)
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_FLAGS,
                "corrupt container: header at offset %u: the flags byte is 0x%02x, the "
                "format defines only 0x%02x (XIP)",
                (unsigned)KILN_AOT_OFF_FLAGS, (unsigned)flags, (unsigned)KILN_AOT_FLAG_XIP);
    if (!string_at(b, size, KILN_AOT_OFF_CPU_FEATURES, &features, &features_n))
        problem(c, KILN_ERR_CORRUPT, KILN_AOT_OFF_CPU_FEATURES,
                "corrupt container: header at offset %u: the cpu_features string lies "
                "outside the file",
                (unsigned)KILN_AOT_OFF_CPU_FEATURES);
    else if (triple_arch_is_host(b, size))
        check_features(c, features, features_n);
    /* else: features of another architecture say nothing more than the
     * target mismatch already reported. */
    check_helper_bits(c, kiln_read_u64le(b + KILN_AOT_OFF_HELPERS_USED));
    check_section_table(c, b, size, sections);
    *file_size_out = size;
    return c->first;
}

kiln_status kiln_module_check(const void *bytes, size_t size, kiln_check_fn report, void *user,
                              kiln_error *err)
{
    chk_ctx c = {report, user, err, KILN_OK, 0};
    ld_section sections[KILN_SEC_MAX_ID + 1];
    size_t file_size = 0;
    return check_all(&c, bytes, size, sections, &file_size);
}

kiln_status ld_check_header(const uint8_t *bytes, size_t size,
                            ld_section sections[KILN_SEC_MAX_ID + 1], size_t *file_size,
                            kiln_error *err)
{
    chk_ctx c = {NULL, NULL, err, KILN_OK, 0};
    return check_all(&c, bytes, size, sections, file_size);
}

kiln_detect_kind kiln_detect(const void *bytes, size_t size, kiln_error *why)
{
    const uint8_t *b = bytes;
    if (b == NULL || size < 4)
        return KILN_DETECT_NEITHER;
    if (memcmp(b, "\0asm", 4) == 0)
        return KILN_DETECT_WASM;
    if (b[0] != KILN_AOT_MAGIC_0 || b[1] != KILN_AOT_MAGIC_1 || b[2] != KILN_AOT_MAGIC_2 ||
        b[3] != KILN_AOT_MAGIC_3)
        return KILN_DETECT_NEITHER;
    kiln_error first;
    if (kiln_module_check(bytes, size, NULL, NULL, &first) == KILN_OK)
        return KILN_DETECT_LOADABLE;
    if (why != NULL)
        *why = first;
    return KILN_DETECT_UNLOADABLE;
}
