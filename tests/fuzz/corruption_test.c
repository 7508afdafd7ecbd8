/*
 * Deterministic corruption test for the container loader (ctest
 * fuzz.corruption, driven by run_corruption.sh with containers kilnc makes
 * from tests/wat at test time).
 *
 * usage: corruption_test FILE.aot...
 *
 * For each container:
 *   1. every truncation length is rejected with an error (each prefix is
 *      copied into an exactly sized heap buffer, so ASan sees any overread);
 *   2. every single-byte change is rejected: all 256 values at a sample of
 *      positions and one xor at every position. From byte 24 on the refusal
 *      must be KILN_ERR_CHECKSUM (CRC-32 catches every burst of <= 32 bits);
 *      bytes 0..23 (magic, version, checksum, file_size) are checked before
 *      the checksum and may give their own status;
 *   3. with the checksum recomputed after the damage, so the loader's deeper
 *      checks are exercised: single-byte changes at every position (three
 *      values each) and seeded random multi-byte changes are each either
 *      rejected or loaded, instantiated and run without a crash.
 *
 * What "run" means depends on where the damage is. Machine code (CODE) and
 * the fields that point into it or choose what it calls (TYPES trampoline
 * offsets, FUNCS code offsets, RELOCS, SYMBOLS, and the header and section
 * table that locate them) cannot be validated by any loader: damage there
 * with a valid checksum is arbitrary native code, which is what the checksum
 * and signatures exist to stop. For those positions the attempt is load +
 * free (parsing, relocating and mapping must still never crash); everywhere
 * else (imports, tables, memories, globals, exports, start, segments,
 * layout, names, custom) it is load + instantiate + call an export with
 * zero arguments, which must give OK, an error or a wasm trap.
 *
 * Attempts run in forked children (many per child, for speed); the child
 * publishes the index of the attempt it is on in shared memory, so a crash
 * (any signal) or a hang (alarm) is reported with the file, the attempt,
 * the positions and the bytes, and the run continues after it. With
 * KILN_FUZZ_CRASH_DIR set, the damaged (resealed) container of each such
 * attempt is also saved there as a reproducer (`kiln FILE` replays it).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kiln.h"
#include "kiln_common.h"

#define MAX_EDITS 4
#define MULTI_ATTEMPTS 600
#define VALUE_SAMPLE_POSITIONS 40
#define CHILD_ALARM_SECONDS 20

typedef enum mode { MODE_LOAD, MODE_RUN } mode;

typedef struct attempt {
    unsigned edit_count;
    uint32_t pos[MAX_EDITS];
    uint8_t value[MAX_EDITS];
    mode how;
} attempt;

typedef struct container {
    const char *path;
    uint8_t *bytes;
    size_t size;
    /* Per byte: may damage there be run (MODE_RUN) or only loaded? */
    uint8_t *run_ok;
    char export_name[128]; /* the export called in MODE_RUN, "" if none */
} container;

static unsigned failures;

static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng_next(void)
{
    /* xorshift64*: deterministic across runs and machines. */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717u;
}

static void reseal(uint8_t *b, size_t size)
{
    kiln_write_u32le(b + KILN_AOT_OFF_CHECKSUM, kiln_container_checksum(b, size));
}

static bool read_file(const char *path, uint8_t **out, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc(n > 0 ? (size_t)n : 1);
    bool ok = b != NULL && n > 0 && fread(b, 1, (size_t)n, f) == (size_t)n;
    fclose(f);
    if (!ok) {
        free(b);
        return false;
    }
    *out = b;
    *size = (size_t)n;
    return true;
}

/* Marks the payload bytes of sections whose damage may be run. */
static void classify(container *c)
{
    c->run_ok = calloc(c->size, 1);
    uint32_t table = kiln_read_u32le(c->bytes + KILN_AOT_OFF_SECTION_TABLE);
    uint32_t count = kiln_read_u32le(c->bytes + KILN_AOT_OFF_SECTION_COUNT);
    for (uint32_t i = 0; i < count; i++) {
        const uint8_t *e = c->bytes + table + i * KILN_AOT_SECTION_ENTRY_SIZE;
        uint32_t id = kiln_read_u32le(e), off = kiln_read_u32le(e + 4);
        uint32_t len = kiln_read_u32le(e + 8);
        bool runnable = id != KILN_SEC_CODE && id != KILN_SEC_TYPES && id != KILN_SEC_FUNCS &&
                        id != KILN_SEC_RELOCS && id != KILN_SEC_SYMBOLS;
        if (runnable)
            memset(c->run_ok + off, 1, len);
    }
}

/* Calls export `name` with zero arguments of its type. */
static kiln_status call_export(kiln_instance *inst, const kiln_module *m, const char *name,
                               kiln_error *err)
{
    kiln_func_type type;
    kiln_status st = kiln_module_export_func_type(m, name, &type, err);
    if (st != KILN_OK)
        return st;
    kiln_val args[16], results[16];
    if (type.param_count > 16 || type.result_count > 16)
        return KILN_ERR_ARGUMENT;
    memset(args, 0, sizeof args);
    for (uint32_t i = 0; i < type.param_count; i++)
        args[i].kind = type.params[i];
    return kiln_instance_call(inst, name, args, type.param_count, results, type.result_count,
                              err);
}

/* One attempt: the status of the first failing step, or KILN_OK. */
static kiln_status try_bytes(const container *c, const uint8_t *bytes, size_t size, mode how,
                             kiln_error *err)
{
    kiln_module *m = NULL;
    kiln_status st = kiln_module_load(bytes, size, &m, err);
    if (st != KILN_OK || how == MODE_LOAD || c->export_name[0] == '\0') {
        kiln_module_free(m);
        return st;
    }
    kiln_instance *inst = NULL;
    st = kiln_instance_new(m, &inst, err);
    if (st == KILN_OK)
        st = call_export(inst, m, c->export_name, err);
    kiln_instance_free(inst);
    kiln_module_free(m);
    return st;
}

/* The baseline must load; pick the first function export that runs. */
static bool prepare(container *c)
{
    kiln_error err;
    kiln_module *m = NULL;
    if (kiln_module_load(c->bytes, c->size, &m, &err) != KILN_OK) {
        fprintf(stderr, "FAIL %s: the undamaged container does not load: %s\n", c->path,
                err.message);
        return false;
    }
    kiln_instance *inst = NULL;
    if (kiln_instance_new(m, &inst, &err) == KILN_OK) {
        for (size_t i = 0; i < kiln_module_export_count(m); i++) {
            if (kiln_module_export_kind(m, i) != KILN_EXTERN_FUNC)
                continue;
            const char *name = kiln_module_export_name(m, i);
            kiln_status st = call_export(inst, m, name, &err);
            if (st == KILN_OK || st == KILN_ERR_TRAP) {
                snprintf(c->export_name, sizeof c->export_name, "%s", name);
                break;
            }
        }
    }
    kiln_instance_free(inst);
    kiln_module_free(m);
    classify(c);
    return true;
}

/* Writes the damaged, resealed container of attempt `index` to
 * $KILN_FUZZ_CRASH_DIR/corruption-NAME-INDEX.aot, when that is set. */
static void save_reproducer(const container *c, const attempt *a, size_t index)
{
    const char *dir = getenv("KILN_FUZZ_CRASH_DIR");
    if (dir == NULL || dir[0] == '\0')
        return;
    uint8_t *buf = malloc(c->size);
    if (buf == NULL)
        return;
    memcpy(buf, c->bytes, c->size);
    for (unsigned k = 0; k < a->edit_count; k++)
        buf[a->pos[k]] = a->value[k];
    reseal(buf, c->size);
    const char *base = strrchr(c->path, '/');
    char path[4096];
    snprintf(path, sizeof path, "%s/corruption-%s-%zu.aot", dir, base ? base + 1 : c->path, index);
    FILE *f = fopen(path, "wb");
    if (f != NULL) {
        if (fwrite(buf, 1, c->size, f) == c->size)
            fprintf(stderr, "  reproducer saved: %s\n", path);
        fclose(f);
    }
    free(buf);
}

static void describe(const attempt *a, char *out, size_t n)
{
    size_t used = 0;
    for (unsigned i = 0; i < a->edit_count && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, "%s[%u]=0x%02x", i ? " " : "",
                                 a->pos[i], a->value[i]);
}

/*
 * Runs attempts [0, count) with the checksum recomputed, in children. The
 * child writes the attempt index to *progress before each attempt and
 * count when done.
 */
static void run_resealed(const container *c, const attempt *attempts, size_t count,
                         size_t *loaded, size_t *ran)
{
    volatile size_t *progress = mmap(NULL, 3 * sizeof(size_t), PROT_READ | PROT_WRITE,
                                     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (progress == MAP_FAILED) {
        fprintf(stderr, "FAIL: mmap for progress\n");
        failures++;
        return;
    }
    size_t next = 0;
    while (next < count) {
        progress[0] = next;
        progress[1] = 0;
        progress[2] = 0;
        pid_t pid = fork();
        if (pid < 0) {
            fprintf(stderr, "FAIL: fork\n");
            failures++;
            break;
        }
        if (pid == 0) {
            uint8_t *buf = malloc(c->size);
            for (size_t i = next; i < count; i++) {
                progress[0] = i;
                alarm(CHILD_ALARM_SECONDS);
                const attempt *a = &attempts[i];
                memcpy(buf, c->bytes, c->size);
                for (unsigned k = 0; k < a->edit_count; k++)
                    buf[a->pos[k]] = a->value[k];
                reseal(buf, c->size);
                kiln_error err;
                kiln_status st = try_bytes(c, buf, c->size, a->how, &err);
                progress[1]++;
                if (st != KILN_OK && st != KILN_ERR_TRAP && err.message[0] == '\0') {
                    fprintf(stderr, "FAIL %s: attempt %zu: status %d with an empty message\n",
                            c->path, i, (int)st);
                    _exit(3);
                }
                if (a->how == MODE_RUN && (st == KILN_OK || st == KILN_ERR_TRAP))
                    progress[2]++;
            }
            alarm(0);
            free(buf);
            progress[0] = count;
            _exit(0);
        }
        int status = 0;
        waitpid(pid, &status, 0);
        *loaded += progress[1];
        *ran += progress[2];
        size_t at = progress[0];
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && at == count)
            break;
        char what[128];
        describe(&attempts[at], what, sizeof what);
        if (WIFSIGNALED(status))
            fprintf(stderr, "FAIL %s: %s (checksum recomputed, %s) killed the %s by signal %d%s\n",
                    c->path, what, attempts[at].how == MODE_RUN ? "run" : "load",
                    attempts[at].how == MODE_RUN ? "load/instantiate/call" : "load",
                    WTERMSIG(status), WTERMSIG(status) == SIGALRM ? " (hang)" : "");
        else
            fprintf(stderr, "FAIL %s: %s (checksum recomputed): child exited with %d\n",
                    c->path, what, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
        save_reproducer(c, &attempts[at], at);
        failures++;
        next = at + 1;
    }
    munmap((void *)progress, 3 * sizeof(size_t));
}

static void check_container(container *c)
{
    kiln_error err;
    size_t before = failures;

    /* 1. Truncation. */
    for (size_t len = 0; len < c->size; len++) {
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, c->bytes, len);
        kiln_module *m = NULL;
        kiln_status st = kiln_module_load(cut, len, &m, &err);
        if (st == KILN_OK || err.message[0] == '\0') {
            fprintf(stderr, "FAIL %s: truncated to %zu bytes: status %d \"%s\"\n", c->path, len,
                    (int)st, st == KILN_OK ? "" : err.message);
            failures++;
            kiln_module_free(m);
        }
        free(cut);
    }

    /* 2. Single-byte changes, checksum as written. */
    uint8_t *buf = malloc(c->size);
    size_t singles = 0;
    for (size_t pos = 0; pos < c->size; pos++) {
        bool all_values = pos < 24 || pos % (c->size / VALUE_SAMPLE_POSITIONS + 1) == 0;
        for (unsigned v = 0; v < 256; v++) {
            uint8_t value = all_values ? (uint8_t)v : (uint8_t)(c->bytes[pos] ^ 0xA5u);
            if (value == c->bytes[pos])
                continue;
            memcpy(buf, c->bytes, c->size);
            buf[pos] = value;
            singles++;
            kiln_module *m = NULL;
            kiln_status st = kiln_module_load(buf, c->size, &m, &err);
            bool ok = st != KILN_OK && err.message[0] != '\0' &&
                      (pos < 24 || st == KILN_ERR_CHECKSUM);
            if (!ok) {
                fprintf(stderr, "FAIL %s: byte %zu set to 0x%02x: status %d (%s)\n", c->path,
                        pos, value, (int)st, kiln_status_name(st));
                failures++;
                kiln_module_free(m);
            }
            if (!all_values)
                break;
        }
    }
    free(buf);

    /* 3. Checksum recomputed: single-byte (3 values per position) and
     * multi-byte damage. The checksum field itself is not damaged. */
    size_t cap = c->size * 3 + MULTI_ATTEMPTS;
    attempt *attempts = calloc(cap, sizeof *attempts);
    size_t n = 0;
    static const uint8_t xors[3] = {0x01, 0x80, 0xFF};
    for (uint32_t pos = 0; pos < c->size; pos++) {
        if (pos >= KILN_AOT_OFF_CHECKSUM && pos < KILN_AOT_OFF_CHECKSUM + 4)
            continue;
        for (unsigned k = 0; k < 3; k++) {
            attempt *a = &attempts[n++];
            a->edit_count = 1;
            a->pos[0] = pos;
            a->value[0] = (uint8_t)(c->bytes[pos] ^ xors[k]);
            a->how = c->run_ok[pos] ? MODE_RUN : MODE_LOAD;
        }
    }
    for (unsigned i = 0; i < MULTI_ATTEMPTS; i++) {
        attempt *a = &attempts[n++];
        a->edit_count = 2 + (unsigned)(rng_next() % (MAX_EDITS - 1));
        a->how = MODE_RUN;
        /* Half the attempts keep the damage close together (one record),
         * half spread it over the file. */
        uint32_t base = (uint32_t)(rng_next() % c->size);
        for (unsigned k = 0; k < a->edit_count; k++) {
            uint32_t pos = i % 2 ? (uint32_t)(rng_next() % c->size)
                                 : (uint32_t)((base + rng_next() % 8) % c->size);
            if (pos >= KILN_AOT_OFF_CHECKSUM && pos < KILN_AOT_OFF_CHECKSUM + 4)
                pos = KILN_AOT_OFF_CHECKSUM + 4;
            a->pos[k] = pos;
            a->value[k] = (uint8_t)rng_next();
            if (!c->run_ok[pos])
                a->how = MODE_LOAD;
        }
    }
    size_t loaded = 0, ran = 0;
    run_resealed(c, attempts, n, &loaded, &ran);
    free(attempts);
    printf("%s: %zu bytes, %zu truncations, %zu single-byte changes rejected, %zu resealed "
           "damages (%zu handled without a crash, %zu loaded and ran): %s\n",
           c->path, c->size, c->size, singles, n, loaded, ran,
           failures == before ? "ok" : "FAILED");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: corruption_test FILE.aot...\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        container c;
        memset(&c, 0, sizeof c);
        c.path = argv[i];
        if (!read_file(c.path, &c.bytes, &c.size)) {
            fprintf(stderr, "FAIL %s: cannot read\n", c.path);
            failures++;
            continue;
        }
        if (prepare(&c))
            check_container(&c);
        else
            failures++;
        free(c.bytes);
        free(c.run_ok);
    }
    printf("corruption_test: %u failure%s\n", failures, failures == 1 ? "" : "s");
    return failures == 0 ? 0 : 1;
}
