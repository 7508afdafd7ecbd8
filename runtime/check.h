/*
 * Internal helpers shared by the loader (loader.c) and the header checker
 * (check.c, ld_check_ prefix): naming the kilnc that produced a container,
 * even when the rest of its header cannot be trusted.
 */
#ifndef KILN_RT_CHECK_H
#define KILN_RT_CHECK_H

#include <stddef.h>
#include <stdint.h>

/*
 * Writes the container's compiler_version string (e.g. "kilnc 0.1.0 (LLVM
 * 19.1.7)") to out, NUL-terminated, or "an unknown kilnc" when the header is
 * too short, the string reference points outside the buffer or the text is
 * not printable. Used for version mismatches, where the header layout past
 * the version field is only known for versions this runtime loads; the
 * compiler_version reference at offset 72 is read best-effort.
 */
void ld_check_producer(const uint8_t *bytes, size_t size, char *out, size_t out_size);

#endif /* KILN_RT_CHECK_H */
