/* Error records and the fixed names of statuses and traps. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kiln_common.h"

kiln_status kiln_error_set(kiln_error *err, kiln_status status, uint64_t offset,
                           const char *fmt, ...)
{
    if (err == NULL)
        return status;
    err->status = status;
    err->trap = KILN_TRAP_NONE;
    err->offset = offset;
    err->exit_code = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return status;
}

void kiln_error_clear(kiln_error *err)
{
    if (err == NULL)
        return;
    err->status = KILN_OK;
    err->trap = KILN_TRAP_NONE;
    err->offset = KILN_NO_OFFSET;
    err->exit_code = 0;
    err->message[0] = '\0';
}

const char *kiln_status_name(kiln_status status)
{
    switch (status) {
    case KILN_OK: return "ok";
    case KILN_ERR_NOMEM: return "out of memory";
    case KILN_ERR_IO: return "i/o error";
    case KILN_ERR_ARGUMENT: return "bad argument";
    case KILN_ERR_MALFORMED: return "malformed module";
    case KILN_ERR_INVALID: return "invalid module";
    case KILN_ERR_UNSUPPORTED: return "unsupported";
    case KILN_ERR_CODEGEN: return "code generation failed";
    case KILN_ERR_NOT_CONTAINER: return "not a kiln container";
    case KILN_ERR_IS_WASM: return "WebAssembly binary, not a kiln container";
    case KILN_ERR_TRUNCATED: return "truncated container";
    case KILN_ERR_VERSION: return "unsupported container version";
    case KILN_ERR_TARGET: return "wrong target";
    case KILN_ERR_POINTER_WIDTH: return "wrong pointer width";
    case KILN_ERR_ENDIANNESS: return "wrong byte order";
    case KILN_ERR_CPU_FEATURES: return "missing CPU features";
    case KILN_ERR_BOUNDS_MODE: return "unsupported bounds-check mode";
    case KILN_ERR_HELPERS: return "missing runtime helpers";
    case KILN_ERR_CHECKSUM: return "checksum mismatch";
    case KILN_ERR_CORRUPT: return "corrupt container";
    case KILN_ERR_LINK: return "link error";
    case KILN_ERR_INSTANTIATE: return "instantiation failed";
    case KILN_ERR_NOT_FOUND: return "not found";
    case KILN_ERR_TYPE: return "type mismatch";
    case KILN_ERR_TRAP: return "trap";
    case KILN_ERR_EXIT: return "exit";
    case KILN_ERR_UNSIGNED: return "unsigned container";
    case KILN_ERR_SIGNATURE: return "bad signature";
    case KILN_ERR_NOT_WASM: return "not a WebAssembly binary";
    }
    return "unknown status";
}

const char *kiln_trap_message(kiln_trap_code code)
{
    switch (code) {
    case KILN_TRAP_NONE: return "no trap";
    case KILN_TRAP_UNREACHABLE: return "unreachable";
    case KILN_TRAP_INT_DIV_BY_ZERO: return "integer divide by zero";
    case KILN_TRAP_INT_OVERFLOW: return "integer overflow";
    case KILN_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case KILN_TRAP_OUT_OF_BOUNDS_MEMORY: return "out of bounds memory access";
    case KILN_TRAP_CALL_STACK_EXHAUSTED: return "call stack exhausted";
    case KILN_TRAP_INDIRECT_CALL_TYPE_MISMATCH: return "indirect call type mismatch";
    case KILN_TRAP_UNDEFINED_ELEMENT: return "undefined element";
    case KILN_TRAP_UNINITIALIZED_ELEMENT: return "uninitialized element";
    case KILN_TRAP_OUT_OF_BOUNDS_TABLE: return "out of bounds table access";
    case KILN_TRAP_NULL_REFERENCE: return "null reference";
    case KILN_TRAP_UNALIGNED_ATOMIC: return "unaligned atomic";
    case KILN_TRAP_HOST: return "host function trapped";
    case KILN_TRAP_INTERRUPTED: return "interrupted";
    case KILN_TRAP_COUNT: break;
    }
    return "unknown trap";
}
