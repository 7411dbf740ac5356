"""The NumPy twin of docs/bundle-format.md, written from the spec and not from the C++: the layout's
offsets, the checksum of each version (version 2: XXH3-64 from the `xxhash` package, an implementation
independent of the one the engine compiles in; version 1: the lane sums, kept because version-1
bundles are still read), and helpers that rewrite fields of a real bundle and make its checksum match
again, so a test reaches the check of the field itself."""

import struct

import numpy as np

HEADER = 32
ENTRY_HEADER = 128
PACKET = 40

# Packet flags (docs/bundle-format.md, the packet table).
KEY, NONREF, DISCARD, PREFIX = 1, 2, 4, 8


def checksum_v2(data: bytes) -> int:
    """Version 2: XXH3-64 (seed 0) of the bytes after the header."""
    import xxhash

    return xxhash.xxh3_64_intdigest(bytes(data))


def checksum_v1(data: bytes) -> int:
    """Version 1: 8 lanes of 64-bit word sums, combined with odd weights, then splitmix64's finalizer."""
    words = np.frombuffer(data[: len(data) // 8 * 8], dtype="<u8")
    mask = (1 << 64) - 1
    h = 0
    for lane in range(8):
        x = words[lane::8]
        a = int(x.sum(dtype=np.uint64))
        b = int((np.arange(len(x), 0, -1, dtype=np.uint64) * x).sum(dtype=np.uint64))
        odd = 0x9E3779B97F4A7C15 * (2 * lane + 1)
        h += a * odd + b * 2 * odd
    h &= mask
    for shift, mul in ((30, 0xBF58476D1CE4E5B9), (27, 0x94D049BB133111EB), (31, 1)):
        h = ((h ^ (h >> shift)) * mul) & mask
    return h


def version(buf) -> int:
    return struct.unpack_from("<H", buf, 8)[0]


def checksum(buf) -> int:
    """The checksum the header's version calls for, over the bytes after the header."""
    data = bytes(buf[HEADER:])
    return checksum_v1(data) if version(buf) == 1 else checksum_v2(data)


def with_crc(buf: bytearray) -> np.ndarray:
    """`buf` with its checksum recomputed, as a uint8 array."""
    struct.pack_into("<Q", buf, 24, checksum(buf))
    return np.frombuffer(bytes(buf), dtype=np.uint8)


def entry_layout(buf: bytes, k: int = 0):
    """(entry offset, entry size, packet table offset, packet count) of entry k."""
    off, size = struct.unpack_from("<QQ", buf, HEADER + 16 * k)
    extradata, path = struct.unpack_from("<II", buf, off + 68)
    var = (extradata + path + 7) & ~7
    table = off + ENTRY_HEADER + var
    n = struct.unpack_from("<I", buf, off + 64)[0]
    return off, size, table, n


def source_path(buf: bytes, k: int = 0) -> str:
    """Entry k's source_path (the UTF-8 bytes after its extradata)."""
    off = struct.unpack_from("<Q", buf, HEADER + 16 * k)[0]
    extradata, size = struct.unpack_from("<II", buf, off + 68)
    start = off + ENTRY_HEADER + extradata
    return bytes(buf[start:start + size]).decode("utf-8")


def packets(buf: bytes, k: int = 0):
    """Entry k's packet records: dicts of offset, size, flags, pts, dts, frame_id."""
    _, _, table, n = entry_layout(buf, k)
    names = ("offset", "size", "flags", "pts", "dts", "frame_id")
    return [dict(zip(names, struct.unpack_from("<QIIqqq", buf, table + i * PACKET))) for i in range(n)]


def set_packet(buf: bytearray, k: int, i: int, field: str, value: int) -> None:
    _, _, table, _ = entry_layout(buf, k)
    pos, fmt = {"offset": (0, "<Q"), "size": (8, "<I"), "flags": (12, "<I"), "pts": (16, "<q"),
                "dts": (24, "<q"), "frame_id": (32, "<q")}[field]
    struct.pack_into(fmt, buf, table + i * PACKET + pos, value)


def set_entry_sizes(buf: bytearray, k: int, width: int, height: int, coded_width: int, coded_height: int,
                    bit_depth: int = None) -> None:
    """Rewrites entry k's declared display and coded size (and bit depth)."""
    off = entry_layout(buf, k)[0]
    struct.pack_into("<IIII", buf, off + 12, coded_width, coded_height, width, height)
    if bit_depth is not None:
        buf[off + 28] = bit_depth


def reference_table(buf: bytes, k: int = 0):
    """Entry k's reference table (version 3, docs/bundle-format.md "Reference table") as
    (offset of the table, [references of each packet, or None where unknown]); (None, None) without one."""
    off, size, _, n = entry_layout(buf, k)
    table_size = struct.unpack_from("<I", buf, off + 76)[0]
    if table_size == 0:
        return None, None
    at = off + size - table_size
    fmt, edges = struct.unpack_from("<II", buf, at)
    assert fmt == 1
    row = struct.unpack_from(f"<{n + 1}I", buf, at + 8)
    refs = struct.unpack_from(f"<{edges}I", buf, at + 8 + 4 * (n + 1))
    known = buf[at + 8 + 4 * (n + 1) + 4 * edges: at + 8 + 4 * (n + 1) + 4 * edges + n]
    lists = [list(refs[row[i]:row[i + 1]]) if known[i] else None for i in range(n)]
    return at, lists
