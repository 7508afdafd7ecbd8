/*
 * Pieces shared by libkilnc and libkiln (compiled into both): error records,
 * CRC-32C for the container checksum, and little-endian byte access that works
 * at any alignment. Nothing here allocates.
 */
#ifndef KILN_COMMON_H
#define KILN_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kiln/aot_format.h"
#include "kiln/status.h"

#if defined(__GNUC__)
#define KILN_PRINTF(fmt_index, first_arg) __attribute__((format(printf, fmt_index, first_arg)))
#else
#define KILN_PRINTF(fmt_index, first_arg)
#endif

/* Fills *err (when not NULL) and returns status, so callers can write
 * `return kiln_error_set(err, KILN_ERR_X, off, "...", ...);`. */
kiln_status kiln_error_set(kiln_error *err, kiln_status status, uint64_t offset,
                           const char *fmt, ...) KILN_PRINTF(4, 5);
/* Resets *err to KILN_OK with an empty message. */
void kiln_error_clear(kiln_error *err);

/* CRC-32C (Castagnoli, reflected). Start with crc = 0; chain calls over
 * pieces. kiln_crc32c uses the CPU's CRC instructions where it has them;
 * kiln_crc32c_portable is the table-driven reference (tests compare them):
 * slice-by-8 on hosts, kiln_crc32c_bytewise (one constant 1 KiB table, no
 * RAM) on bare metal. */
uint32_t kiln_crc32c(uint32_t crc, const void *data, size_t size);
uint32_t kiln_crc32c_portable(uint32_t crc, const void *data, size_t size);
uint32_t kiln_crc32c_bytewise(uint32_t crc, const void *data, size_t size);

/* The container checksum: CRC-32C of every byte of the container's size
 * bytes except the 4-byte field at KILN_AOT_OFF_CHECKSUM (size >= 16). */
uint32_t kiln_container_checksum(const uint8_t *bytes, size_t size);

/* What a buffer holds (kiln_identify.c), for messages that say what was
 * given and what to do with it. */
typedef enum kiln_input_kind {
    KILN_INPUT_UNKNOWN = 0,
    KILN_INPUT_EMPTY,
    KILN_INPUT_WASM,            /* "\0asm", a core module */
    KILN_INPUT_WASM_COMPONENT,  /* "\0asm" with a component-model layer */
    KILN_INPUT_KILN,            /* a kiln container */
    KILN_INPUT_WAMR_AOT,        /* WAMR's wamrc output, "\0aot" */
    KILN_INPUT_WASMTIME_CWASM,  /* Wasmtime's .cwasm (ELF with .wasmtime sections) */
    KILN_INPUT_ELF,             /* any other ELF file */
    KILN_INPUT_WAT              /* WebAssembly text */
} kiln_input_kind;

kiln_input_kind kiln_input_identify(const uint8_t *bytes, size_t size);
/* "a WAMR AOT file (...)": a noun phrase for messages, never NULL. */
const char *kiln_input_description(kiln_input_kind kind);

static inline uint16_t kiln_read_u16le(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t kiln_read_u32le(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t kiln_read_u64le(const uint8_t *p)
{
    return (uint64_t)kiln_read_u32le(p) | ((uint64_t)kiln_read_u32le(p + 4) << 32);
}
static inline void kiln_write_u32le(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}
static inline void kiln_write_u64le(uint8_t *p, uint64_t v)
{
    kiln_write_u32le(p, (uint32_t)v);
    kiln_write_u32le(p + 4, (uint32_t)(v >> 32));
}

#endif /* KILN_COMMON_H */
