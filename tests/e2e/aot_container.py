"""A kiln container (include/kiln/aot_format.h) as tests that damage one on
purpose read and reseal it: the header's CRC-32C at offset 12 covers every
other byte, and the section count and table offset are at 40 and 44 (16
bytes per entry: id, offset, size, flags)."""
import struct

SEC_BUNDLE = 17  # KILN_SEC_BUNDLE

_TABLE = []
for _i in range(256):
    _c = _i
    for _ in range(8):
        _c = (_c >> 1) ^ 0x82F63B78 if _c & 1 else _c >> 1
    _TABLE.append(_c)


def crc32c(b):
    c = 0xFFFFFFFF
    for x in b:
        c = _TABLE[(c ^ x) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def reseal(d):
    """Writes the checksum of the bytearray d into its header."""
    struct.pack_into('<I', d, 12, crc32c(d[:12] + d[16:]))


def section(data, sid):
    """(offset, size) of the section sid, or None."""
    count, table = struct.unpack_from('<II', data, 40)
    for i in range(count):
        s, off, size, _ = struct.unpack_from('<IIII', data, table + 16 * i)
        if s == sid:
            return off, size
    return None
