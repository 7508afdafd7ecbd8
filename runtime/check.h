/*
 * The container's header checks (check.c, ld_check_ prefix), one
 * implementation for the loader, which stops at the first problem, and for
 * kiln_module_check, which lists them all.
 */
#ifndef KILN_RT_CHECK_H
#define KILN_RT_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln.h"
#include "kiln/aot_format.h"

/* One entry of the section table, once checked. */
typedef struct ld_section {
    bool present;
    uint32_t offset;
    uint32_t size;
} ld_section;

/*
 * Every header-level check of kiln_module_check on bytes[0, size): magic,
 * .wasm, truncation, version, checksum, triple, pointer width, byte order,
 * bounds mode, CPU features, helpers, and the section table (ids, bounds,
 * duplicates, overlaps). Returns the first problem's status with its
 * message in *err, or KILN_OK with sections[id] filled from the table and
 * *file_size set (<= size).
 */
kiln_status ld_check_header(const uint8_t *bytes, size_t size,
                            ld_section sections[KILN_SEC_MAX_ID + 1], size_t *file_size,
                            kiln_error *err);

/*
 * Writes the container's compiler_version string (e.g. "kilnc 0.1.0 (LLVM
 * 19.1.7)") to out, NUL-terminated, or "an unknown kilnc" when the header is
 * too short, the string reference points outside the buffer or the text is
 * not printable. Used for version mismatches, where the header layout past
 * the version field is only known for versions this runtime loads; the
 * compiler_version reference at offset 72 is read best-effort.
 */
void ld_check_producer(const uint8_t *bytes, size_t size, char *out, size_t out_size);

/* What the host says of one CPU feature name a container lists. */
typedef enum ld_feature_answer {
    LD_FEATURE_PRESENT,      /* the host has it, or it asks nothing of the host */
    LD_FEATURE_ABSENT,       /* the host lacks it */
    LD_FEATURE_UNDETECTABLE, /* LLVM's, but no host can be shown to have it */
    LD_FEATURE_UNKNOWN       /* not a feature of the host's architecture */
} ld_feature_answer;

/* The answer for feature name (len bytes, no NUL needed) on this host,
 * from common/kiln_cpu.h's table and the platform's probe; each probe runs
 * once per process. */
ld_feature_answer ld_cpu_feature(const char *name, size_t len);

#endif /* KILN_RT_CHECK_H */
