/*
 * Container inspector (`kilnc --inspect`): reads a kiln container on its
 * own terms — header, section table, types, imports, exports, functions,
 * code and relocations — and renders a report.
 *
 * Invariants: every read goes through a bounded cursor that turns an
 * overrun into KILN_ERR_CORRUPT with the file offset; the report is built
 * in a growable string and handed over only when complete.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inspect.h"
#include "kiln/aot_format.h"
#include "kiln_common.h"

/* ---- report text ---------------------------------------------------------------- */

typedef struct text_buf {
    char *data;
    size_t size;
    size_t capacity;
    bool failed;
} text_buf;

static void text_printf(text_buf *t, const char *fmt, ...) KILN_PRINTF(2, 3);

static void text_printf(text_buf *t, const char *fmt, ...)
{
    if (t->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        t->failed = true;
        return;
    }
    size_t need = t->size + (size_t)n + 1;
    if (need > t->capacity) {
        size_t cap = t->capacity ? t->capacity : 1024;
        while (cap < need)
            cap *= 2;
        char *grown = realloc(t->data, cap);
        if (grown == NULL) {
            t->failed = true;
            return;
        }
        t->data = grown;
        t->capacity = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->data + t->size, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->size += (size_t)n;
}

/* ---- bounded cursor ----------------------------------------------------------------- */

typedef struct cursor {
    const uint8_t *base; /* file start, for offsets in errors */
    size_t pos;          /* from base */
    size_t end;          /* from base; reads stop here */
    const char *what;    /* section being read */
    bool bad;
    size_t bad_pos;
} cursor;

static bool take(cursor *c, size_t n)
{
    if (c->bad)
        return false;
    if (n > c->end - c->pos) {
        c->bad = true;
        c->bad_pos = c->pos;
        return false;
    }
    return true;
}

static uint8_t rd_u8(cursor *c)
{
    if (!take(c, 1))
        return 0;
    return c->base[c->pos++];
}

static uint32_t rd_u32(cursor *c)
{
    if (!take(c, 4))
        return 0;
    uint32_t v = kiln_read_u32le(c->base + c->pos);
    c->pos += 4;
    return v;
}

static uint64_t rd_u64(cursor *c)
{
    if (!take(c, 8))
        return 0;
    uint64_t v = kiln_read_u64le(c->base + c->pos);
    c->pos += 8;
    return v;
}

/* A "str": returns its bytes (not NUL-terminated) and length. */
static const char *rd_str(cursor *c, uint32_t *len)
{
    *len = rd_u32(c);
    if (!take(c, *len)) {
        *len = 0;
        return "";
    }
    const char *s = (const char *)c->base + c->pos;
    c->pos += *len;
    return s;
}

static void skip(cursor *c, size_t n)
{
    if (take(c, n))
        c->pos += n;
}

/* ---- names ----------------------------------------------------------------------- */

/* A section's name from KILN_SECTIONS, in lower case. */
typedef struct section_label {
    char text[16];
} section_label;

static section_label section_name(uint32_t id)
{
#define SECTION_NAME(ID, id, name) [id] = name,
    static const char *const names[KILN_SEC_MAX_ID + 1] = {KILN_SECTIONS(SECTION_NAME)};
#undef SECTION_NAME
    section_label label;
    const char *name = id > KILN_SEC_MAX_ID ? "unknown" : names[id] != NULL ? names[id] : "?";
    size_t i = 0;
    for (; name[i] != '\0' && i + 1 < sizeof label.text; i++)
        label.text[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] - 'A' + 'a' : name[i]);
    label.text[i] = '\0';
    return label;
}

static const char *valtype_name(uint8_t t)
{
    const char *name = kiln_aot_valtype_name(t);
    return name != NULL ? name : "?";
}

static const char *kind_name(uint8_t k)
{
    switch (k) {
    case KILN_EXTERN_FUNC: return "func";
    case KILN_EXTERN_TABLE: return "table";
    case KILN_EXTERN_MEMORY: return "memory";
    case KILN_EXTERN_GLOBAL: return "global";
    default: return "?";
    }
}

static const char *reloc_kind_name(uint8_t k)
{
    switch (k) {
    case KILN_RELOC_ABS64: return "abs64";
    case KILN_RELOC_ABS32: return "abs32";
    case KILN_RELOC_REL32: return "rel32";
    default: return "unknown";
    }
}

#define HELPER_NAME(ID, id, fn, name, result, params) [KILN_HELPER_##ID] = name,
static const char *const helper_names[KILN_HELPER_COUNT] = {KILN_HELPERS(HELPER_NAME)};
#undef HELPER_NAME

static const char *const feature_names[] = {"mutable-globals", "sign-ext",  "sat-conv",
                                            "multi-value",     "bulk-memory",
                                            "reference-types", "simd",      "threads"};

/* ---- sections ------------------------------------------------------------------------ */

typedef struct section_ref {
    bool present;
    uint32_t offset;
    uint32_t size;
} section_ref;

static cursor section_cursor(const uint8_t *bytes, const section_ref *s, const char *what)
{
    cursor c = {.base = bytes, .pos = s->offset, .end = (size_t)s->offset + s->size,
                .what = what};
    return c;
}

static void print_limits(text_buf *t, cursor *c)
{
    uint8_t flags = rd_u8(c);
    uint64_t min = rd_u64(c), max = rd_u64(c);
    if (flags & KILN_LIMITS_HAS_MAX)
        text_printf(t, "{min %llu, max %llu}", (unsigned long long)min,
                    (unsigned long long)max);
    else
        text_printf(t, "{min %llu}", (unsigned long long)min);
    if (flags & KILN_LIMITS_SHARED)
        text_printf(t, " shared");
    if (flags & KILN_LIMITS_IS64)
        text_printf(t, " i64");
}

static void print_types(text_buf *t, cursor *c)
{
    uint32_t n = rd_u32(c);
    text_printf(t, "types: %u\n", n);
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        uint32_t params = rd_u32(c), results = rd_u32(c);
        if (!take(c, (size_t)params + results))
            break;
        text_printf(t, "  %u: (", i);
        for (uint32_t k = 0; k < params + results; k++) {
            if (k == params)
                text_printf(t, ") -> (");
            else if (k > 0)
                text_printf(t, " ");
            text_printf(t, "%s", valtype_name(c->base[c->pos + k]));
        }
        if (params + results == params)
            text_printf(t, ") -> (");
        skip(c, (size_t)params + results);
        uint32_t entry = rd_u32(c), host = rd_u32(c);
        text_printf(t, ")");
        if (entry != KILN_AOT_NONE)
            text_printf(t, "  entry@0x%x", entry);
        if (host != KILN_AOT_NONE)
            text_printf(t, "  host@0x%x", host);
        text_printf(t, "\n");
    }
}

static void print_imports(text_buf *t, cursor *c)
{
    uint32_t n = rd_u32(c);
    text_printf(t, "imports: %u\n", n);
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        uint32_t ml, fl;
        const char *m = rd_str(c, &ml);
        const char *f = rd_str(c, &fl);
        uint8_t kind = rd_u8(c);
        text_printf(t, "  %u: %.*s.%.*s %s ", i, (int)ml, m, (int)fl, f, kind_name(kind));
        switch (kind) {
        case KILN_EXTERN_FUNC: text_printf(t, "type %u", rd_u32(c)); break;
        case KILN_EXTERN_TABLE:
            text_printf(t, "%s ", valtype_name(rd_u8(c)));
            print_limits(t, c);
            break;
        case KILN_EXTERN_MEMORY: print_limits(t, c); break;
        case KILN_EXTERN_GLOBAL: {
            uint8_t vt = rd_u8(c);
            uint8_t mut = rd_u8(c);
            text_printf(t, "%s%s", mut ? "mut " : "", valtype_name(vt));
            break;
        }
        default:
            c->bad = true;
            c->bad_pos = c->pos;
            break;
        }
        text_printf(t, "\n");
    }
}

static void print_exports(text_buf *t, cursor *c)
{
    uint32_t n = rd_u32(c);
    text_printf(t, "exports: %u\n", n);
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        uint32_t len;
        const char *name = rd_str(c, &len);
        uint8_t kind = rd_u8(c);
        uint32_t index = rd_u32(c);
        text_printf(t, "  \"%.*s\" %s %u\n", (int)len, name, kind_name(kind), index);
    }
}

/* Looks up function index f in the NAMES section, "" when absent. */
static void func_name(const uint8_t *bytes, const section_ref *names, uint32_t f,
                      const char **name, uint32_t *len)
{
    *name = "";
    *len = 0;
    if (!names->present)
        return;
    cursor c = section_cursor(bytes, names, "names");
    uint32_t ml;
    rd_str(&c, &ml);
    uint32_t n = rd_u32(&c);
    for (uint32_t i = 0; i < n && !c.bad; i++) {
        uint32_t index = rd_u32(&c);
        uint32_t l;
        const char *s = rd_str(&c, &l);
        if (index == f && !c.bad) {
            *name = s;
            *len = l;
            return;
        }
    }
}

static void print_funcs(text_buf *t, cursor *c, const uint8_t *bytes, const section_ref *names)
{
    uint32_t imported = rd_u32(c), defined = rd_u32(c);
    text_printf(t, "functions: %u imported, %u defined\n", imported, defined);
    for (uint32_t i = 0; i < defined && !c->bad; i++) {
        uint32_t type = rd_u32(c), off = rd_u32(c), size = rd_u32(c);
        if (c->bad)
            break;
        const char *name;
        uint32_t len;
        func_name(bytes, names, imported + i, &name, &len);
        if (off == KILN_AOT_NONE)
            text_printf(t, "  f%u type %u  (no code: inlined)", imported + i, type);
        else
            text_printf(t, "  f%u type %u  code 0x%06x size %u", imported + i, type, off, size);
        if (len > 0)
            text_printf(t, "  %.*s", (int)len, name);
        text_printf(t, "\n");
    }
}

static void print_code(text_buf *t, cursor *c)
{
    uint32_t exec = rd_u32(c), image = rd_u32(c), align = rd_u32(c);
    rd_u32(c);
    if (exec > image)
        c->bad = true;
    skip(c, image);
    text_printf(t, "code: image %u bytes (machine code %u, read-only data and GOT %u), "
                   "align %u\n",
                image, exec, image - exec, align);
}

static void print_relocs(text_buf *t, cursor *c, const uint8_t *bytes, const section_ref *syms)
{
    uint32_t n = rd_u32(c);
    uint32_t by_kind[5] = {0};
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        skip(c, 4);
        uint8_t kind = rd_u8(c);
        skip(c, 3 + 4 + 8);
        by_kind[kind <= 4 ? kind : 0]++;
    }
    text_printf(t, "relocations: %u", n);
    const char *sep = " (";
    for (uint8_t k = 1; k <= 4; k++) {
        if (by_kind[k] == 0)
            continue;
        text_printf(t, "%s%s %u", sep, reloc_kind_name(k), by_kind[k]);
        sep = ", ";
    }
    if (by_kind[0] > 0)
        text_printf(t, "%sunknown %u", sep, by_kind[0]);
    text_printf(t, "%s\n", sep[0] == ',' || by_kind[0] > 0 ? ")" : "");
    if (!syms->present)
        return;
    cursor s = section_cursor(bytes, syms, "symbols");
    uint32_t count = rd_u32(&s);
    text_printf(t, "external symbols: %u", count);
    for (uint32_t i = 0; i < count && !s.bad; i++) {
        uint32_t len;
        const char *name = rd_str(&s, &len);
        text_printf(t, "%s%.*s", i == 0 ? " (" : ", ", (int)len, name);
    }
    text_printf(t, "%s\n", count > 0 ? ")" : "");
    if (s.bad)
        c->bad = true;
}

/* ---- header ------------------------------------------------------------------------ */

static kiln_status read_string_ref(const uint8_t *bytes, size_t size, uint32_t field,
                                   const char **s, uint32_t *len, kiln_error *err)
{
    uint32_t off = kiln_read_u32le(bytes + field);
    uint32_t n = kiln_read_u32le(bytes + field + 4);
    if ((uint64_t)off + n > size)
        return kiln_error_set(err, KILN_ERR_CORRUPT, field,
                              "header string at 0x%x (%u bytes) lies outside the file", off,
                              n);
    *s = (const char *)bytes + off;
    *len = n;
    return KILN_OK;
}

static kiln_status inspect_container(const uint8_t *bytes, size_t size, bool member,
                                     char **text, kiln_error *err);

/* BUNDLE: the members with their pre-linked imports, then each member's
 * own description (members are not bundles: not described further). */
static kiln_status print_bundle(text_buf *t, cursor *c, const uint8_t *bytes, size_t size,
                                bool member, kiln_error *err)
{
    if (member) {
        text_printf(t, "bundle: a member holding a bundle (refused by the loader)\n");
        return KILN_OK;
    }
    uint32_t count = rd_u32(c);
    text_printf(t, "bundle: %u modules (the last is the main module)\n", count);
    size_t table = c->pos;
    for (uint32_t i = 0; i < count && !c->bad; i++) {
        uint32_t len;
        const char *name = rd_str(c, &len);
        uint32_t off = rd_u32(c), sz = rd_u32(c);
        text_printf(t, "  module %u %.*s at 0x%08x, %u bytes\n", i, (int)len, name, off, sz);
    }
    uint32_t prelinks = rd_u32(c);
    text_printf(t, "pre-linked imports: %u\n", prelinks);
    for (uint32_t i = 0; i < prelinks && !c->bad; i++) {
        uint32_t m = rd_u32(c), import = rd_u32(c), callee = rd_u32(c), f = rd_u32(c);
        text_printf(t, "  module %u import %u -> module %u f%u\n", m, import, callee, f);
    }
    c->pos = table;
    for (uint32_t i = 0; i < count && !c->bad; i++) {
        uint32_t len;
        const char *name = rd_str(c, &len);
        uint32_t off = rd_u32(c), sz = rd_u32(c);
        if (c->bad || (uint64_t)off + sz > size)
            return kiln_error_set(err, KILN_ERR_CORRUPT, c->pos,
                                  "bundle module %u lies outside the file", i);
        char *sub = NULL;
        kiln_status st = inspect_container(bytes + off, sz, true, &sub, err);
        if (st != KILN_OK)
            return st;
        text_printf(t, "\n== module %u: %.*s ==\n%s", i, (int)len, name, sub);
        free(sub);
    }
    return KILN_OK;
}

kiln_status emit_inspect(const uint8_t *bytes, size_t size, char **text, kiln_error *err)
{
    return inspect_container(bytes, size, false, text, err);
}

static kiln_status inspect_container(const uint8_t *bytes, size_t size, bool member,
                                     char **text, kiln_error *err)
{
    if (size >= 4 && memcmp(bytes, "\0asm", 4) == 0)
        return kiln_error_set(err, KILN_ERR_IS_WASM, 0,
                              "this is a WebAssembly binary, not a kiln container: compile "
                              "it with kilnc first");
    if (size < 4 || bytes[0] != KILN_AOT_MAGIC_0 || bytes[1] != KILN_AOT_MAGIC_1 ||
        bytes[2] != KILN_AOT_MAGIC_2 || bytes[3] != KILN_AOT_MAGIC_3)
        return kiln_error_set(err, KILN_ERR_NOT_CONTAINER, 0,
                              "not a kiln container (no 0x7F 'KLN' magic)");
    if (size < KILN_AOT_HEADER_FIXED_SIZE)
        return kiln_error_set(err, KILN_ERR_TRUNCATED, size,
                              "container header needs %u bytes, the file has %zu",
                              KILN_AOT_HEADER_FIXED_SIZE, size);
    uint64_t file_size = kiln_read_u64le(bytes + KILN_AOT_OFF_FILE_SIZE);
    if (file_size > size)
        return kiln_error_set(err, KILN_ERR_TRUNCATED, size,
                              "container says it has %llu bytes, the file has %zu",
                              (unsigned long long)file_size, size);
    uint32_t version = kiln_read_u32le(bytes + KILN_AOT_OFF_VERSION);
    uint32_t header_size = kiln_read_u32le(bytes + KILN_AOT_OFF_HEADER_SIZE);
    uint32_t checksum = kiln_read_u32le(bytes + KILN_AOT_OFF_CHECKSUM);
    uint32_t section_count = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_COUNT);
    uint32_t table = kiln_read_u32le(bytes + KILN_AOT_OFF_SECTION_TABLE);
    if ((uint64_t)table + (uint64_t)section_count * KILN_AOT_SECTION_ENTRY_SIZE > file_size)
        return kiln_error_set(err, KILN_ERR_CORRUPT, KILN_AOT_OFF_SECTION_COUNT,
                              "section table (%u entries at 0x%x) lies outside the file",
                              section_count, table);

    const char *strs[4];
    uint32_t lens[4];
    static const uint32_t fields[4] = {KILN_AOT_OFF_TRIPLE, KILN_AOT_OFF_CPU,
                                       KILN_AOT_OFF_CPU_FEATURES,
                                       KILN_AOT_OFF_COMPILER_VERSION};
    for (int i = 0; i < 4; i++) {
        kiln_status st = read_string_ref(bytes, (size_t)file_size, fields[i], &strs[i],
                                         &lens[i], err);
        if (st != KILN_OK)
            return st;
    }

    text_buf t = {0};
    uint32_t computed = 0;
    if (file_size >= 16)
        computed = kiln_container_checksum(bytes, (size_t)file_size);
    text_printf(&t, "kiln container, format version %u, %llu bytes, header %u bytes\n",
                version, (unsigned long long)file_size, header_size);
    if (computed == checksum)
        text_printf(&t, "checksum:     0x%08x (ok)\n", checksum);
    else
        text_printf(&t, "checksum:     0x%08x (MISMATCH: contents give 0x%08x)\n", checksum,
                    computed);
    text_printf(&t, "target:       %.*s\n", (int)lens[0], strs[0]);
    text_printf(&t, "cpu:          %.*s\n", (int)lens[1], strs[1]);
    text_printf(&t, "cpu features: %.*s\n", (int)lens[2], lens[2] ? strs[2] : "(none)");
    text_printf(&t, "compiler:     %.*s\n", (int)lens[3], strs[3]);
    uint8_t bounds = bytes[KILN_AOT_OFF_BOUNDS_CHECKS];
    text_printf(&t, "pointers:     %u bytes, %s-endian\n", bytes[KILN_AOT_OFF_POINTER_WIDTH],
                bytes[KILN_AOT_OFF_ENDIANNESS] == 0 ? "little" : "big");
    text_printf(&t, "bounds:       %s\n",
                bounds == KILN_BOUNDS_GUARD      ? "guard pages"
                : bounds == KILN_BOUNDS_EXPLICIT ? "explicit checks"
                                                 : "unknown");
    text_printf(&t, "code:         %s\n",
                (bytes[KILN_AOT_OFF_FLAGS] & KILN_AOT_FLAG_XIP) != 0
                    ? "execute in place (XIP: no relocations, libcalls through r9)"
                    : "relocated at load");
    uint32_t features = kiln_read_u32le(bytes + KILN_AOT_OFF_WASM_FEATURES);
    text_printf(&t, "wasm features:");
    for (unsigned i = 0; i < sizeof feature_names / sizeof feature_names[0]; i++)
        if (features & (1u << i))
            text_printf(&t, " %s", feature_names[i]);
    text_printf(&t, "%s\n", (features & 0xFFu) == 0 ? " (none)" : "");
    if (features & KILN_FEATURE_INTERRUPTIBLE)
        text_printf(&t, "code:         interruptible (kilnc --interruptible)\n");
    uint64_t helpers = kiln_read_u64le(bytes + KILN_AOT_OFF_HELPERS_USED);
    text_printf(&t, "helpers:");
    for (unsigned i = 0; i < 64; i++) {
        if ((helpers & (1ull << i)) == 0)
            continue;
        if (i < KILN_HELPER_COUNT)
            text_printf(&t, " %s", helper_names[i]);
        else
            text_printf(&t, " #%u", i);
    }
    text_printf(&t, "%s\n", helpers == 0 ? " (none)" : "");

    section_ref secs[KILN_SEC_MAX_ID + 1] = {{0}};
    kiln_status st = KILN_OK;
    text_printf(&t, "sections: %u\n", section_count);
    text_printf(&t, "  %-9s %10s %10s\n", "name", "offset", "size");
    for (uint32_t i = 0; i < section_count; i++) {
        const uint8_t *e = bytes + table + (size_t)i * KILN_AOT_SECTION_ENTRY_SIZE;
        uint32_t id = kiln_read_u32le(e), off = kiln_read_u32le(e + 4);
        uint32_t sz = kiln_read_u32le(e + 8);
        if ((uint64_t)off + sz > file_size) {
            st = kiln_error_set(err, KILN_ERR_CORRUPT, (uint64_t)(e - bytes),
                                "section %s (id %u) at 0x%x, %u bytes, lies outside the "
                                "file",
                                section_name(id).text, id, off, sz);
            goto out;
        }
        text_printf(&t, "  %-9s 0x%08x %10u\n", section_name(id).text, off, sz);
        if (id >= 1 && id <= KILN_SEC_MAX_ID) {
            secs[id].present = true;
            secs[id].offset = off;
            secs[id].size = sz;
        }
    }

    static const uint32_t order[] = {KILN_SEC_TYPES, KILN_SEC_IMPORTS, KILN_SEC_EXPORTS,
                                     KILN_SEC_FUNCS, KILN_SEC_CODE, KILN_SEC_RELOCS};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        uint32_t id = order[i];
        if (!secs[id].present)
            continue;
        section_label label = section_name(id);
        cursor c = section_cursor(bytes, &secs[id], label.text);
        switch (id) {
        case KILN_SEC_TYPES: print_types(&t, &c); break;
        case KILN_SEC_IMPORTS: print_imports(&t, &c); break;
        case KILN_SEC_EXPORTS: print_exports(&t, &c); break;
        case KILN_SEC_FUNCS: print_funcs(&t, &c, bytes, &secs[KILN_SEC_NAMES]); break;
        case KILN_SEC_CODE: print_code(&t, &c); break;
        case KILN_SEC_RELOCS: print_relocs(&t, &c, bytes, &secs[KILN_SEC_SYMBOLS]); break;
        default: break;
        }
        if (c.bad) {
            st = kiln_error_set(err, KILN_ERR_CORRUPT, c.bad_pos,
                                "section %s is inconsistent near offset 0x%zx", c.what,
                                c.bad_pos);
            goto out;
        }
    }
    if (secs[KILN_SEC_START].present) {
        cursor c = section_cursor(bytes, &secs[KILN_SEC_START], "start");
        uint32_t f = rd_u32(&c);
        if (!c.bad)
            text_printf(&t, "start: f%u\n", f);
    }
    if (secs[KILN_SEC_BUNDLE].present) {
        cursor c = section_cursor(bytes, &secs[KILN_SEC_BUNDLE], "bundle");
        st = print_bundle(&t, &c, bytes, file_size, member, err);
        if (st == KILN_OK && c.bad)
            st = kiln_error_set(err, KILN_ERR_CORRUPT, c.bad_pos,
                                "section bundle is inconsistent near offset 0x%zx", c.bad_pos);
        if (st != KILN_OK)
            goto out;
    }
    if (t.failed) {
        st = kiln_error_set(err, KILN_ERR_NOMEM, KILN_NO_OFFSET, "out of memory");
        goto out;
    }

out:
    if (st != KILN_OK) {
        free(t.data);
        return st;
    }
    *text = t.data;
    return KILN_OK;
}
