/*
 * Mutation driver for the kilnc command: takes real modules (the spec
 * suite's .wasm files from wast2json, or the repo's own), flips, sets,
 * truncates, deletes, duplicates and splices their bytes (within a module,
 * between two modules, and whole sections between modules), and runs
 * `kilnc --opt-level=0|2 -j 1` on each mutant in a child with a CPU, wall
 * clock and address-space limit.
 *
 * usage: mutate_kilnc [options] KILNC SEED...
 *   SEED is a .wasm file, or a folder whose .wasm files (and those of its
 *   direct subfolders, as wast2json output is laid out) are read.
 * options:
 *   --seconds=N    stop after N seconds (default 60)
 *   --runs=N       stop after N mutants (default: no limit)
 *   --seed=N       PRNG seed (default: from the clock; printed); mutant K of
 *                  seed N is mutant 0 of seed N+K (--seed=N+K --runs=1)
 *   --timeout=N    per-kilnc CPU and wall limit in seconds (default 20)
 *   --memory-mb=N  per-kilnc address-space limit (default 4096; 0: none, for
 *                  a kilnc built with AddressSanitizer, which reserves
 *                  terabytes of address space for its shadow)
 *   --work=DIR     scratch folder (default .)
 *   --crash-dir=DIR  where reproducers are saved (default WORK/crashes)
 *
 * Each mutant ends as one of:
 *   compiled       exit 0
 *   refused        exit 1 with "kilnc: error:" on stderr (a clean error,
 *                  including limit errors)
 *   limit          killed at the time limit, or out of memory under the
 *                  address-space limit (LLVM's "out of memory"): counted
 *                  and saved in CRASH_DIR/limits/, not a failure (it depends
 *                  on the machine's load)
 *   crash          any signal (SIGSEGV, SIGABRT: exit 134 included), an
 *                  "LLVM ERROR" (a fatal error: nothing a user gives kilnc
 *                  may reach one), a sanitizer report, or any other exit:
 *                  a failure, saved as
 *                  CRASH_DIR/kilnc-crash-N.wasm with the command that
 *                  reproduces it
 * Exit status: 0 without crashes, 1 with, 2 on bad usage.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_SEEDS 20000u
#define MAX_SEED_BYTES (1u << 20)
#define MAX_MUTANT_BYTES (2u << 20)

typedef struct blob {
    uint8_t *bytes;
    size_t size;
    char *path;
} blob;

typedef struct seeds {
    blob *items;
    size_t count;
} seeds;

typedef enum outcome { OUT_COMPILED, OUT_REFUSED, OUT_LIMIT, OUT_CRASH } outcome;

static uint64_t rng;

static uint64_t rng_next(void)
{
    /* xorshift64*: reproducible from the printed seed. */
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * UINT64_C(2685821657736338717);
}

static size_t rng_below(size_t n)
{
    return n == 0 ? 0 : (size_t)(rng_next() % n);
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool read_file(const char *path, blob *out)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    uint8_t *buf = malloc(MAX_SEED_BYTES);
    size_t n = buf ? fread(buf, 1, MAX_SEED_BYTES, f) : 0;
    bool whole = buf != NULL && feof(f);
    fclose(f);
    /* Only whole binary modules: wast2json also writes text (.wat) ones. */
    if (!whole || n < 8 || memcmp(buf, "\0asm", 4) != 0) {
        free(buf);
        return false;
    }
    out->bytes = buf;
    out->size = n;
    out->path = strdup(path);
    return out->path != NULL;
}

static void add_seed(seeds *s, const char *path)
{
    if (s->count >= MAX_SEEDS)
        return;
    size_t len = strlen(path);
    if (len < 5 || strcmp(path + len - 5, ".wasm") != 0)
        return;
    blob b;
    if (read_file(path, &b))
        s->items[s->count++] = b;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Adds path (a file, or a folder and its direct subfolders) in name order,
 * so a seed number means the same module on every machine. */
static void add_path(seeds *s, const char *path, int depth)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return;
    if (!S_ISDIR(st.st_mode)) {
        add_seed(s, path);
        return;
    }
    if (depth > 1)
        return;
    DIR *dir = opendir(path);
    if (dir == NULL)
        return;
    char **names = NULL;
    size_t count = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(dir)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (count == cap) {
            cap = cap ? cap * 2 : 64;
            char **grown = realloc(names, cap * sizeof *names);
            if (grown == NULL)
                break;
            names = grown;
        }
        names[count++] = strdup(e->d_name);
    }
    closedir(dir);
    qsort(names, count, sizeof *names, compare_names);
    for (size_t i = 0; i < count; i++) {
        char child[4096];
        snprintf(child, sizeof child, "%s/%s", path, names[i]);
        add_path(s, child, depth + 1);
        free(names[i]);
    }
    free(names);
}

/* Offsets of the section starts of a module (after the 8-byte header),
 * found by reading each id and LEB size; stops at the first bad one. */
static size_t section_starts(const blob *b, size_t *starts, size_t max)
{
    size_t n = 0, pos = 8;
    while (pos < b->size && n < max) {
        starts[n++] = pos;
        pos++; /* id */
        uint64_t size = 0;
        unsigned shift = 0;
        for (;;) {
            if (pos >= b->size || shift > 28)
                return n;
            uint8_t byte = b->bytes[pos++];
            size |= (uint64_t)(byte & 0x7f) << shift;
            shift += 7;
            if ((byte & 0x80) == 0)
                break;
        }
        if (size > b->size - pos)
            return n;
        pos += (size_t)size;
    }
    if (n < max)
        starts[n++] = b->size; /* end marker */
    return n;
}

static const uint8_t interesting[] = {0x00, 0x01, 0x02, 0x40, 0x7f, 0x80, 0x81,
                                      0xfe, 0xff, 0x0b, 0x0f, 0x10, 0x20, 0x41};

/* One mutation of buf (size *size, capacity MAX_MUTANT_BYTES) in place;
 * returns its name for the log. */
static const char *mutate_once(uint8_t *buf, size_t *size, const seeds *s)
{
    size_t n = *size;
    switch (rng_below(9)) {
    case 0: { /* flip 1..8 bits */
        unsigned flips = 1 + (unsigned)rng_below(8);
        for (unsigned i = 0; i < flips && n > 0; i++)
            buf[rng_below(n)] ^= (uint8_t)(1u << rng_below(8));
        return "flip";
    }
    case 1: { /* set 1..4 bytes to values that matter in LEBs and opcodes */
        unsigned sets = 1 + (unsigned)rng_below(4);
        for (unsigned i = 0; i < sets && n > 0; i++)
            buf[rng_below(n)] = interesting[rng_below(sizeof interesting)];
        return "set";
    }
    case 2: /* truncate */
        *size = rng_below(n + 1);
        return "truncate";
    case 3: { /* a 5-byte maximal LEB (a huge count or size) */
        if (n < 6)
            return "none";
        size_t at = rng_below(n - 5);
        buf[at] = 0xff, buf[at + 1] = 0xff, buf[at + 2] = 0xff, buf[at + 3] = 0xff;
        buf[at + 4] = (uint8_t)(rng_below(2) ? 0x0f : 0x07);
        return "big-leb";
    }
    case 4: { /* delete a range */
        if (n == 0)
            return "none";
        size_t at = rng_below(n), len = 1 + rng_below(n - at < 64 ? n - at : 64);
        memmove(buf + at, buf + at + len, n - at - len);
        *size = n - len;
        return "delete";
    }
    case 5: { /* duplicate a range in place */
        if (n == 0)
            return "none";
        size_t at = rng_below(n), len = 1 + rng_below(n - at < 256 ? n - at : 256);
        if (n + len > MAX_MUTANT_BYTES)
            return "none";
        memmove(buf + at + len, buf + at, n - at);
        *size = n + len;
        return "duplicate";
    }
    case 6: { /* splice: our prefix, another module's suffix */
        const blob *other = &s->items[rng_below(s->count)];
        size_t cut = rng_below(n + 1), from = rng_below(other->size + 1);
        size_t tail = other->size - from;
        if (cut + tail > MAX_MUTANT_BYTES)
            return "none";
        memcpy(buf + cut, other->bytes + from, tail);
        *size = cut + tail;
        return "splice";
    }
    case 7: { /* splice sections: our sections up to one, another's after one */
        const blob *other = &s->items[rng_below(s->count)];
        blob self = {buf, n, NULL};
        size_t mine[64], theirs[64];
        size_t nm = section_starts(&self, mine, 64), nt = section_starts(other, theirs, 64);
        if (nm == 0 || nt == 0)
            return "none";
        size_t cut = mine[rng_below(nm)], from = theirs[rng_below(nt)];
        size_t tail = other->size - from;
        if (cut + tail > MAX_MUTANT_BYTES)
            return "none";
        memcpy(buf + cut, other->bytes + from, tail);
        *size = cut + tail;
        return "splice-sections";
    }
    default: { /* insert another module's section into ours */
        const blob *other = &s->items[rng_below(s->count)];
        blob self = {buf, n, NULL};
        size_t mine[64], theirs[64];
        size_t nm = section_starts(&self, mine, 64), nt = section_starts(other, theirs, 64);
        if (nm == 0 || nt < 2)
            return "none";
        size_t k = rng_below(nt - 1);
        size_t len = theirs[k + 1] - theirs[k], at = mine[rng_below(nm)];
        if (n + len > MAX_MUTANT_BYTES)
            return "none";
        memmove(buf + at + len, buf + at, n - at);
        memcpy(buf + at, other->bytes + theirs[k], len);
        *size = n + len;
        return "insert-section";
    }
    }
}

static bool write_file(const char *path, const uint8_t *bytes, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return false;
    bool ok = fwrite(bytes, 1, size, f) == size;
    return fclose(f) == 0 && ok;
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return false;
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    return strstr(text, needle) != NULL;
}

typedef struct limits {
    unsigned timeout_seconds;
    unsigned long memory_mb;
} limits;

/* Runs kilnc on in (opt level opt), stderr to err_path; *why says what
 * happened for a crash or a limit. */
static outcome run_kilnc(const char *kilnc, const char *in, const char *out, const char *err_path,
                         unsigned opt, const limits *lim, char *why, size_t why_size)
{
    char opt_arg[32];
    snprintf(opt_arg, sizeof opt_arg, "--opt-level=%u", opt);
    double start = now_seconds();
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(why, why_size, "fork: %s", strerror(errno));
        return OUT_CRASH;
    }
    if (pid == 0) {
        struct rlimit cpu = {lim->timeout_seconds, lim->timeout_seconds + 1};
        struct rlimit as = {(rlim_t)lim->memory_mb << 20, (rlim_t)lim->memory_mb << 20};
        struct rlimit core = {0, 0};
        setrlimit(RLIMIT_CPU, &cpu);
        if (lim->memory_mb > 0)
            setrlimit(RLIMIT_AS, &as);
        setrlimit(RLIMIT_CORE, &core);
        int null_fd = open("/dev/null", O_RDWR);
        int err_fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (null_fd < 0 || err_fd < 0)
            _exit(125);
        dup2(null_fd, 0);
        dup2(null_fd, 1);
        dup2(err_fd, 2);
        execl(kilnc, kilnc, opt_arg, "-j", "1", in, "-o", out, (char *)NULL);
        _exit(126);
    }
    int status = 0;
    bool killed = false;
    for (;;) {
        pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid)
            break;
        if (!killed && now_seconds() - start > 2.0 * lim->timeout_seconds + 5.0) {
            kill(pid, SIGKILL); /* wall-clock limit: blocked, not computing */
            killed = true;
        }
        struct timespec nap = {0, 5 * 1000 * 1000};
        nanosleep(&nap, NULL);
    }
    if (killed || (WIFSIGNALED(status) && (WTERMSIG(status) == SIGXCPU ||
                                           WTERMSIG(status) == SIGKILL))) {
        snprintf(why, why_size, "time limit (%u s CPU)", lim->timeout_seconds);
        return OUT_LIMIT;
    }
    bool oom = file_contains(err_path, "out of memory") || file_contains(err_path, "bad_alloc");
    if (WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 134)) {
        int sig = WIFSIGNALED(status) ? WTERMSIG(status) : SIGABRT;
        if (oom) {
            snprintf(why, why_size, "out of memory under %lu MB", lim->memory_mb);
            return OUT_LIMIT;
        }
        snprintf(why, why_size, "killed by signal %d (%s)%s", sig, strsignal(sig),
                 file_contains(err_path, "LLVM ERROR") ? ", LLVM ERROR" : "");
        return OUT_CRASH;
    }
    int code = WEXITSTATUS(status);
    if (file_contains(err_path, "Sanitizer") || file_contains(err_path, "runtime error:")) {
        snprintf(why, why_size, "sanitizer report (exit %d)", code);
        return OUT_CRASH;
    }
    if (code == 0)
        return OUT_COMPILED;
    if (file_contains(err_path, "LLVM ERROR")) {
        if (oom) {
            snprintf(why, why_size, "out of memory under %lu MB", lim->memory_mb);
            return OUT_LIMIT;
        }
        snprintf(why, why_size, "LLVM fatal error (exit %d)", code);
        return OUT_CRASH;
    }
    if (code == 1 && file_contains(err_path, "kilnc: error:"))
        return OUT_REFUSED;
    if (code == 1 && oom) {
        snprintf(why, why_size, "out of memory under %lu MB", lim->memory_mb);
        return OUT_LIMIT;
    }
    snprintf(why, why_size, "exit %d without a kilnc error message", code);
    return OUT_CRASH;
}

static bool parse_unsigned(const char *arg, const char *name, unsigned long long *out)
{
    size_t len = strlen(name);
    if (strncmp(arg, name, len) != 0 || arg[len] != '=')
        return false;
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(arg + len + 1, &end, 10);
    if (errno != 0 || end == arg + len + 1 || *end != '\0') {
        fprintf(stderr, "mutate_kilnc: bad value in %s\n", arg);
        exit(2);
    }
    *out = v;
    return true;
}

int main(int argc, char **argv)
{
    unsigned long long seconds = 60, runs = 0, seed = 0, timeout = 20, memory_mb = 4096;
    bool seed_given = false;
    const char *work = ".", *crash_dir = NULL;
    int i = 1;
    for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
        unsigned long long v;
        if (parse_unsigned(argv[i], "--seconds", &v))
            seconds = v;
        else if (parse_unsigned(argv[i], "--runs", &v))
            runs = v;
        else if (parse_unsigned(argv[i], "--seed", &v))
            seed = v, seed_given = true;
        else if (parse_unsigned(argv[i], "--timeout", &v))
            timeout = v;
        else if (parse_unsigned(argv[i], "--memory-mb", &v))
            memory_mb = v;
        else if (strncmp(argv[i], "--work=", 7) == 0)
            work = argv[i] + 7;
        else if (strncmp(argv[i], "--crash-dir=", 12) == 0)
            crash_dir = argv[i] + 12;
        else {
            fprintf(stderr, "mutate_kilnc: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (argc - i < 2 || timeout == 0) {
        fprintf(stderr, "usage: mutate_kilnc [--seconds=N] [--runs=N] [--seed=N] [--timeout=N]"
                        " [--memory-mb=N] [--work=DIR] [--crash-dir=DIR] KILNC SEED...\n");
        return 2;
    }
    const char *kilnc = argv[i++];
    seeds s = {calloc(MAX_SEEDS, sizeof(blob)), 0};
    for (; i < argc; i++)
        add_path(&s, argv[i], 0);
    if (s.count == 0) {
        fprintf(stderr, "mutate_kilnc: no .wasm seeds found\n");
        return 2;
    }
    if (!seed_given)
        seed = (unsigned long long)time(NULL) ^ ((unsigned long long)getpid() << 16);
    char default_crash_dir[4096], limit_dir[4096 + 16];
    if (crash_dir == NULL) {
        snprintf(default_crash_dir, sizeof default_crash_dir, "%s/crashes", work);
        crash_dir = default_crash_dir;
    }
    snprintf(limit_dir, sizeof limit_dir, "%s/limits", crash_dir);
    mkdir(work, 0755);
    mkdir(crash_dir, 0755);
    mkdir(limit_dir, 0755);
    char in[4200], out[4200], err[4200];
    snprintf(in, sizeof in, "%s/mutant.wasm", work);
    snprintf(out, sizeof out, "%s/mutant.aot", work);
    snprintf(err, sizeof err, "%s/mutant.err", work);
    char memory_text[64] = "no memory limit";
    if (memory_mb > 0)
        snprintf(memory_text, sizeof memory_text, "%llu MB", memory_mb);
    printf("mutate_kilnc: %zu seed modules, seed %llu, %llu s, limits %llu s CPU and %s "
           "per kilnc; reproducers go to %s\n",
           s.count, seed, seconds, timeout, memory_text, crash_dir);
    fflush(stdout);

    limits lim = {(unsigned)timeout, (unsigned long)memory_mb};
    uint8_t *buf = malloc(MAX_MUTANT_BYTES);
    size_t counts[4] = {0, 0, 0, 0};
    double start = now_seconds();
    unsigned long long n = 0;
    for (; (runs == 0 || n < runs) && now_seconds() - start < (double)seconds; n++) {
        rng = (seed + n) * UINT64_C(0x9E3779B97F4A7C15) | 1u; /* mutant n of seed: replayable */
        for (int warm = 0; warm < 4; warm++)
            rng_next();
        const blob *base = &s.items[rng_below(s.count)];
        memcpy(buf, base->bytes, base->size);
        size_t size = base->size;
        /* Mostly one mutation, so that many mutants still decode and reach
         * the validator and codegen; sometimes two or three. */
        unsigned stacked = rng_below(4) == 0 ? 2 + (unsigned)rng_below(2) : 1;
        char how[128] = "";
        for (unsigned k = 0; k < stacked; k++) {
            const char *what = mutate_once(buf, &size, &s);
            strncat(how, k ? "+" : "", sizeof how - strlen(how) - 1);
            strncat(how, what, sizeof how - strlen(how) - 1);
        }
        unsigned opt = rng_below(2) ? 2 : 0;
        if (!write_file(in, buf, size)) {
            fprintf(stderr, "mutate_kilnc: cannot write %s\n", in);
            return 2;
        }
        char why[256] = "";
        outcome o = run_kilnc(kilnc, in, out, err, opt, &lim, why, sizeof why);
        counts[o]++;
        if (o == OUT_CRASH || o == OUT_LIMIT) {
            char saved[4300];
            snprintf(saved, sizeof saved, "%s/kilnc-%s-%llu-%llu.wasm",
                     o == OUT_CRASH ? crash_dir : limit_dir, o == OUT_CRASH ? "crash" : "limit",
                     seed, n);
            write_file(saved, buf, size);
            printf("%s: mutant %llu (%s of %s, %zu bytes): %s\n  saved %s\n"
                   "  reproduce: %s --opt-level=%u -j 1 %s -o /dev/null\n",
                   o == OUT_CRASH ? "CRASH" : "limit", n, how, base->path, size, why, saved,
                   kilnc, opt, saved);
            fflush(stdout);
        }
    }
    double elapsed = now_seconds() - start;
    printf("mutate_kilnc: %llu mutants in %.0f s (%.1f/s): %zu compiled, %zu refused cleanly, "
           "%zu hit a limit, %zu crashed\n",
           n, elapsed, elapsed > 0 ? (double)n / elapsed : 0.0, counts[OUT_COMPILED],
           counts[OUT_REFUSED], counts[OUT_LIMIT], counts[OUT_CRASH]);
    free(buf);
    for (size_t k = 0; k < s.count; k++) {
        free(s.items[k].bytes);
        free(s.items[k].path);
    }
    free(s.items);
    return counts[OUT_CRASH] > 0 ? 1 : 0;
}
