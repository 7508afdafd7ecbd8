/*
 * Status codes, trap codes and the error record: the one vocabulary of
 * errors that libkiln, libkilnc and the compiler's internals share. This
 * header declares nothing else, so code that only reports errors (the
 * compiler) includes it without the runtime API.
 *
 * Every fallible kiln function returns a kiln_status and, when its err
 * argument is not NULL, fills *err with the status, a byte offset where one
 * applies (KILN_NO_OFFSET otherwise) and a message that names what was
 * wrong (for mismatches, both sides).
 */
#ifndef KILN_STATUS_H
#define KILN_STATUS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KILN_VERSION_STRING "0.1.0"

typedef enum kiln_status {
    KILN_OK = 0,
    KILN_ERR_NOMEM,         /* allocation failed */
    KILN_ERR_IO,            /* a file could not be read or written */
    KILN_ERR_ARGUMENT,      /* a caller passed a bad argument */
    KILN_ERR_MALFORMED,     /* .wasm binary is malformed (compiler) */
    KILN_ERR_INVALID,       /* .wasm module fails validation (compiler) */
    KILN_ERR_UNSUPPORTED,   /* valid input using something not implemented */
    KILN_ERR_CODEGEN,       /* LLVM refused the module or target (compiler) */
    KILN_ERR_NOT_CONTAINER, /* bytes are not a kiln container */
    KILN_ERR_IS_WASM,       /* bytes are a .wasm binary, not a container */
    KILN_ERR_TRUNCATED,     /* container shorter than its header says */
    KILN_ERR_VERSION,       /* container format version not loadable */
    KILN_ERR_TARGET,        /* container built for another target triple */
    KILN_ERR_POINTER_WIDTH, /* container pointer width differs from host */
    KILN_ERR_ENDIANNESS,    /* container byte order differs from host */
    KILN_ERR_CPU_FEATURES,  /* host CPU lacks features the code needs */
    KILN_ERR_BOUNDS_MODE,   /* bounds-check mode the platform cannot honour */
    KILN_ERR_HELPERS,       /* code needs runtime helpers this runtime lacks */
    KILN_ERR_CHECKSUM,      /* container damaged */
    KILN_ERR_CORRUPT,       /* a section is inconsistent */
    KILN_ERR_LINK,          /* an import cannot be resolved or mismatches */
    KILN_ERR_INSTANTIATE,   /* instantiation failed (segment out of bounds) */
    KILN_ERR_NOT_FOUND,     /* no export of that name / kind */
    KILN_ERR_TYPE,          /* arguments or results do not match the type */
    KILN_ERR_TRAP,          /* wasm trapped; see kiln_error.trap */
    KILN_ERR_EXIT,          /* the program exited (WASI proc_exit); see
                               kiln_error.exit_code */
    KILN_ERR_UNSIGNED,      /* signatures required, the container has none */
    KILN_ERR_SIGNATURE,     /* bad signature, or signed by an untrusted key */
    KILN_ERR_NOT_WASM       /* compiler input is not a .wasm binary (a kiln
                               container, another runtime's precompiled
                               file, text...); the message says what it is */
} kiln_status;

/* Trap codes: passed by compiled code to the runtime's trap helper (part of
 * the code ABI, kiln/aot_format.h) and reported in kiln_error.trap. */
typedef enum kiln_trap_code {
    KILN_TRAP_NONE = 0,
    KILN_TRAP_UNREACHABLE = 1,
    KILN_TRAP_INT_DIV_BY_ZERO = 2,
    KILN_TRAP_INT_OVERFLOW = 3,
    KILN_TRAP_INVALID_CONVERSION = 4,
    KILN_TRAP_OUT_OF_BOUNDS_MEMORY = 5,
    KILN_TRAP_CALL_STACK_EXHAUSTED = 6,
    KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH = 7,
    KILN_TRAP_UNDEFINED_ELEMENT = 8,
    KILN_TRAP_UNINITIALIZED_ELEMENT = 9,
    KILN_TRAP_OUT_OF_BOUNDS_TABLE = 10,
    KILN_TRAP_NULL_REFERENCE = 11,
    KILN_TRAP_UNALIGNED_ATOMIC = 12,
    KILN_TRAP_HOST = 13,
    KILN_TRAP_INTERRUPTED = 14, /* kiln_instance_interrupt (kilnc --interruptible) */
    KILN_TRAP_COUNT = 15
} kiln_trap_code;

#define KILN_NO_OFFSET UINT64_MAX
#define KILN_ERROR_MESSAGE_SIZE 512

typedef struct kiln_error {
    kiln_status status;
    kiln_trap_code trap;  /* set when status == KILN_ERR_TRAP */
    uint64_t offset;      /* byte offset in the input, or KILN_NO_OFFSET */
    int exit_code;        /* set when status == KILN_ERR_EXIT */
    char message[KILN_ERROR_MESSAGE_SIZE];
} kiln_error;

/* Short fixed name of a status ("checksum mismatch"), never NULL. */
const char *kiln_status_name(kiln_status status);
/* The spec's message for a trap ("integer divide by zero"), never NULL. */
const char *kiln_trap_message(kiln_trap_code code);

#ifdef __cplusplus
}
#endif

#endif /* KILN_STATUS_H */
