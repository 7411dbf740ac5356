"""Structure-aware mutations of GOP bundles, MP4/MOV boxes and Matroska/WebM (EBML) elements, for
tests/test_fuzz.py (run in tests/fuzz_worker.py). Plain Python, deterministic for a given
random.Random: ``mutate(kind, data, rng)`` -> (mutated bytes, what was done).

A mutation aims where a reader trusts the bytes: sizes, counts, offsets, types and identifiers, with
the values that break arithmetic (0, 1, -1, the maximum, off-by-one around the real value), plus
plain bit flips, byte sets and cuts. Bundles follow docs/bundle-format.md; its checksum is
recomputed elsewhere (fuzz_worker.fix_bundle), with the engine's own function.
"""

import struct
from typing import List, NamedTuple, Tuple

BUNDLE_HEADER, ENTRY_HEADER, PACKET = 32, 128, 40
# (offset, struct format) of the bundle header and of an entry header (docs/bundle-format.md).
BUNDLE_FIELDS = [(8, "<H"), (10, "<H"), (12, "<I"), (16, "<Q"), (24, "<Q")]
ENTRY_FIELDS = [(0, "<I"), (4, "<I"), (8, "<i"), (12, "<I"), (16, "<I"), (20, "<I"), (24, "<I"), (28, "<B"),
                (29, "<B"), (30, "<B"), (31, "<B"), (32, "<B"), (33, "<B"), (34, "<H"), (36, "<i"), (40, "<i"),
                (44, "<I"), (48, "<q"), (56, "<q"), (64, "<I"), (68, "<I"), (72, "<I"), (76, "<I"), (80, "<Q"),
                (88, "<Q"), (120, "<Q")]
PACKET_FIELDS = [(0, "<Q"), (8, "<I"), (12, "<I"), (16, "<q"), (24, "<q"), (32, "<q")]
PLAUSIBLE = [4, 8, 10, 11, 12, 16, 30, 64, 128, 176, 144, 1 << 16, (1 << 16) + 1, 90000]


def interesting(rng, fmt: str, current: int, extra=()) -> int:
    """A value for an integer field of struct format `fmt` that is likely to break arithmetic."""
    bits = struct.calcsize(fmt) * 8
    signed = fmt[-1].islower() and fmt[-1] not in "x"
    lo, hi = (-(1 << (bits - 1)), (1 << (bits - 1)) - 1) if signed else (0, (1 << bits) - 1)
    choices = [0, 1, lo, hi, hi - 1, current + 1, current - 1, current * 2, current + rng.randrange(-16, 17),
               1 << rng.randrange(bits - 1), rng.randrange(lo, hi + 1), -1, (1 << (bits - 1)), *PLAUSIBLE, *extra]
    return min(hi, max(lo, rng.choice(choices)))


def _edit(buf: bytearray, rng, at: int, fmt: str, extra=()) -> str:
    size = struct.calcsize(fmt)
    if at < 0 or at + size > len(buf):
        return "edit skipped (outside)"
    old = struct.unpack_from(fmt, buf, at)[0]
    big = fmt.startswith(">")
    new = interesting(rng, fmt, old, extra)
    struct.pack_into(fmt, buf, at, new)
    return f"{'be' if big else 'le'}{size * 8}@{at}: {old} -> {new}"


def flip_bits(buf: bytearray, rng, lo: int = 0, hi: int = None) -> str:
    hi = len(buf) if hi is None else hi
    if hi <= lo:
        return "flip skipped"
    spots = [rng.randrange(lo, hi) for _ in range(rng.choice((1, 1, 2, 4, 8)))]
    for p in spots:
        buf[p] ^= 1 << rng.randrange(8)
    return f"bit flips at {spots}"


def set_bytes(buf: bytearray, rng, lo: int = 0, hi: int = None) -> str:
    hi = len(buf) if hi is None else hi
    if hi <= lo:
        return "set skipped"
    at = rng.randrange(lo, hi)
    n = min(hi - at, rng.choice((1, 1, 2, 4, 16)))
    value = rng.choice((0, 0xFF, 0x7F, 0x80, 1, None))
    buf[at:at + n] = bytes(rng.randrange(256) if value is None else value for _ in range(n))
    return f"{n} bytes set at {at}"


# ---- GOP bundles -----------------------------------------------------------------------------

def bundle_entries(data: bytes) -> List[Tuple[int, int, int, int]]:
    """(entry offset, packet table offset, packet count, payload offset) of each entry that the
    header's own fields place inside `data` (a mutated bundle may place some elsewhere)."""
    out = []
    if len(data) < BUNDLE_HEADER:
        return out
    count = struct.unpack_from("<I", data, 12)[0]
    for k in range(min(count, 64)):
        if BUNDLE_HEADER + 16 * k + 16 > len(data):
            break
        off = struct.unpack_from("<Q", data, BUNDLE_HEADER + 16 * k)[0]
        if off + ENTRY_HEADER > len(data):
            continue
        n, extradata, path = struct.unpack_from("<III", data, off + 64)
        table = off + ENTRY_HEADER + ((extradata + path + 7) & ~7)
        out.append((off, table, n, table + PACKET * n))
    return out


def mutate_bundle(data: bytes, rng) -> Tuple[bytes, str]:
    buf = bytearray(data)
    entries = bundle_entries(data)
    off, table, n, payload = rng.choice(entries) if entries else (BUNDLE_HEADER, BUNDLE_HEADER, 0, BUNDLE_HEADER)
    n = min(n, max(0, (len(buf) - table) // PACKET))
    how = rng.choice(["flip", "set", "header", "table", "entry", "entry", "packet", "packet", "packet", "swap",
                      "payload", "cut", "extend", "path"])
    if how == "flip":
        return bytes(buf), flip_bits(buf, rng)
    if how == "set":
        return bytes(buf), set_bytes(buf, rng)
    if how == "header":
        at, fmt = rng.choice(BUNDLE_FIELDS)
        return bytes(buf), "header " + _edit(buf, rng, at, fmt, (len(buf), len(buf) - 8, len(buf) + 8))
    if how == "table":
        k = rng.randrange(max(1, len(entries)))
        at = BUNDLE_HEADER + 16 * k + rng.choice((0, 8))
        return bytes(buf), "entry table " + _edit(buf, rng, at, "<Q", (len(buf), off, payload))
    if how == "entry":
        at, fmt = rng.choice(ENTRY_FIELDS)
        return bytes(buf), "entry header " + _edit(buf, rng, off + at, fmt, (n, len(buf)))
    if how in ("packet", "swap") and n:
        i = rng.randrange(n)
        rec = table + PACKET * i
        if how == "swap" and n > 1:  # two packets' records (or one field of them) exchanged
            j = rng.randrange(n)
            lo, hi = rng.choice(((0, PACKET), (12, 16), (32, 40)))
            a, b = rec + lo, table + PACKET * j + lo
            buf[a:a + hi - lo], buf[b:b + hi - lo] = data[b:b + hi - lo], data[a:a + hi - lo]
            return bytes(buf), f"packets {i} and {j}: bytes {lo}..{hi} swapped"
        at, fmt = rng.choice(PACKET_FIELDS)
        neighbour = struct.unpack_from(fmt, data, table + PACKET * rng.randrange(n) + at)[0]
        return bytes(buf), f"packet {i} " + _edit(buf, rng, rec + at, fmt, (neighbour,))
    if how == "payload" and payload < len(buf):
        return bytes(buf), "payload " + rng.choice((set_bytes, flip_bits))(buf, rng, payload, len(buf))
    if how == "path":
        return bytes(buf), "extradata/path " + set_bytes(buf, rng, off + ENTRY_HEADER, table)
    if how == "extend":
        more = rng.choice((8, 64, 4096))
        return bytes(buf) + bytes(rng.randrange(256) if rng.random() < 0.5 else 0 for _ in range(more)), f"+{more} bytes"
    cut = rng.randrange(len(buf) + 1)
    return bytes(buf[:cut]), f"cut at {cut}"


# ---- MP4 / MOV ---------------------------------------------------------------------------------

class Node(NamedTuple):
    off: int
    header: int
    size: int
    kind: bytes
    parents: Tuple[int, ...]  # offsets of the enclosing boxes (their size fields)


MP4_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"udta", b"mvex", b"moof",
                  b"traf", b"meta"}
SAMPLE_ENTRIES = {b"avc1": 78, b"avc3": 78, b"hvc1": 78, b"hev1": 78, b"av01": 78, b"mp4a": 28}
MP4_TABLES = {b"stts": 8, b"ctts": 8, b"stss": 4, b"stsc": 12, b"stco": 4, b"co64": 8, b"elst": 12, b"stsz": 4,
              b"sdtp": 1, b"stsd": 0, b"dref": 0}
MP4_TYPES = [b"moov", b"trak", b"mdia", b"minf", b"stbl", b"stsd", b"stts", b"ctts", b"stss", b"stsz", b"stsc",
             b"stco", b"co64", b"avcC", b"hvcC", b"av1C", b"mdat", b"free", b"edts", b"elst", b"mvex", b"moof",
             b"hdlr", b"mdhd", b"mvhd", b"tkhd", b"stz2", b"sgpd", b"sbgp", b"avc1", b"hvc1", b"av01", b"colr"]


def mp4_boxes(data: bytes, start: int = 0, end: int = None, parents=()) -> List[Node]:
    end = len(data) if end is None else end
    out, at = [], start
    while at + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, at)
        header = 8
        if size == 1 and at + 16 <= end:
            size, header = struct.unpack_from(">Q", data, at + 8)[0], 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            break
        out.append(Node(at, header, size, kind, parents))
        body = at + header
        inner = {b"stsd": 8, b"dref": 8, b"meta": 4}.get(kind, SAMPLE_ENTRIES.get(kind))
        if kind in MP4_CONTAINERS or inner is not None:
            out += mp4_boxes(data, body + (inner or 0), at + size, parents + (at,))
        at += size
    return out


def _resize(buf: bytearray, node: Node, delta: int) -> None:
    """Adds `delta` to the sizes of `node`'s ancestors (a box was removed or inserted); 64-bit sizes
    (never those of moov and its children in the test media) are left alone."""
    for p in node.parents:
        size = struct.unpack_from(">I", buf, p)[0]
        if 8 <= size + delta < 1 << 32:
            struct.pack_into(">I", buf, p, size + delta)


def mutate_mp4(data: bytes, rng) -> Tuple[bytes, str]:
    buf = bytearray(data)
    boxes = mp4_boxes(data)
    if not boxes:
        return bytes(buf), flip_bits(buf, rng)
    tables = [b for b in boxes if b.kind in MP4_TABLES]
    b = rng.choice(tables if tables and rng.random() < 0.6 else boxes)
    body = b.off + b.header
    name = b.kind.decode("latin-1")
    how = rng.choice(["size", "type", "count", "count", "entry", "entry", "entry", "body", "flip", "mdat",
                      "remove", "duplicate", "shrink"])
    if how == "size":
        return bytes(buf), f"{name} size " + _edit(buf, rng, b.off, ">I", (b.size + 8, b.size - 8, len(buf) - b.off))
    if how == "type":
        other = rng.choice(MP4_TYPES + [bytes(rng.randrange(256) for _ in range(4))])
        buf[b.off + 4:b.off + 8] = other
        return bytes(buf), f"{name}@{b.off} type -> {other!r}"
    if how == "count" and b.kind in MP4_TABLES:
        at = body + (rng.choice((4, 8)) if b.kind == b"stsz" else 4)
        return bytes(buf), f"{name} count " + _edit(buf, rng, at, ">I", ((b.size - b.header - 8) // 4,))
    if how == "entry" and b.kind in MP4_TABLES and b.size >= b.header + 12:  # at least one 4-byte entry
        at = body + 8 + 4 * rng.randrange((b.size - b.header - 8) // 4)
        return bytes(buf), f"{name} entry " + _edit(buf, rng, at, ">I", (len(buf), len(buf) - 1, 90000))
    if how == "mdat":
        mdat = [x for x in boxes if x.kind == b"mdat"]
        if mdat:
            m = mdat[0]
            return bytes(buf), "mdat " + rng.choice((set_bytes, flip_bits))(buf, rng, m.off + m.header, m.off + m.size)
    if how == "remove" and b.parents:
        del buf[b.off:b.off + b.size]
        _resize(buf, b, -b.size)
        return bytes(buf), f"{name}@{b.off} removed"
    if how == "duplicate" and b.parents:
        buf[b.off + b.size:b.off + b.size] = data[b.off:b.off + b.size]
        _resize(buf, b, b.size)
        return bytes(buf), f"{name}@{b.off} duplicated"
    if how == "shrink" and b.parents and b.size > b.header:
        cut = rng.randrange(1, b.size - b.header + 1)
        del buf[b.off + b.size - cut:b.off + b.size]
        if b.header == 8:
            struct.pack_into(">I", buf, b.off, b.size - cut)
        else:
            struct.pack_into(">Q", buf, b.off + 8, b.size - cut)
        _resize(buf, b, -cut)
        return bytes(buf), f"{name}@{b.off} body cut by {cut}"
    if how == "flip":
        return bytes(buf), f"{name} " + flip_bits(buf, rng, b.off, b.off + b.size)
    if b.size > b.header:
        if rng.random() < 0.5 and b.size >= b.header + 4:
            at = body + rng.randrange(b.size - b.header - 3)
            return bytes(buf), f"{name} body " + _edit(buf, rng, at, rng.choice((">I", ">H")))
        return bytes(buf), f"{name} body " + set_bytes(buf, rng, body, b.off + b.size)
    return bytes(buf), flip_bits(buf, rng)


# ---- Matroska / WebM (EBML) ------------------------------------------------------------------

EBML_MASTERS = {0x1A45DFA3, 0x18538067, 0x114D9B74, 0x4DBB, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0, 0x55B0, 0x55D0,
                0x1F43B675, 0xA0, 0x1C53BB6B, 0xBB, 0xB7, 0x1254C367, 0x7373, 0x63C0, 0x67C8, 0x6D80, 0x6240,
                0x75A1, 0xA6, 0x1043A770}
EBML_IDS = [0x1A45DFA3, 0x18538067, 0x1549A966, 0x1654AE6B, 0xAE, 0xE0, 0x1F43B675, 0xA3, 0xA1, 0xA0, 0xE7,
            0x63A2, 0x86, 0xB0, 0xBA, 0xD7, 0x83, 0x2AD7B1, 0x1C53BB6B, 0xB3, 0xF1, 0x23E383, 0x55B0, 0xEC]


class Element(NamedTuple):
    off: int        # of the ID
    id_len: int
    size_len: int
    size: int       # of the body; None for an unknown size
    body: int       # body offset
    end: int
    ident: int
    parents: Tuple[Tuple[int, int, int], ...]  # (size offset, size length, body start) of enclosing elements


def _vint(data: bytes, at: int, keep_marker: bool):
    if at >= len(data) or data[at] == 0:
        return None, 0
    length = 9 - data[at].bit_length()
    if at + length > len(data):
        return None, 0
    value = int.from_bytes(data[at:at + length], "big")
    if not keep_marker:
        value &= (1 << (7 * length)) - 1
        if value == (1 << (7 * length)) - 1:
            return -1, length  # unknown size
    return value, length


def ebml_elements(data: bytes, start: int = 0, end: int = None, parents=()) -> List[Element]:
    end = len(data) if end is None else end
    out, at = [], start
    while at < end:
        ident, id_len = _vint(data, at, True)
        size, size_len = _vint(data, at + id_len, False) if ident is not None else (None, 0)
        if ident is None or size is None or id_len > 4:
            break
        body = at + id_len + size_len
        stop = end if size == -1 else body + size
        if stop > end:
            break
        out.append(Element(at, id_len, size_len, None if size == -1 else size, body, stop, ident, parents))
        if ident in EBML_MASTERS:
            out += ebml_elements(data, body, stop, parents + ((at + id_len, size_len, body),))
        at = stop
    return out


def _put_size(buf: bytearray, at: int, length: int, value: int) -> bool:
    if not 0 <= value < (1 << (7 * length)) - 1:
        return False
    buf[at:at + length] = ((1 << (7 * length)) | value).to_bytes(length, "big")
    return True


def _resize_ebml(buf: bytearray, e: Element, delta: int) -> None:
    for at, length, body in e.parents:
        size, _ = _vint(bytes(buf[at:at + length]), 0, False)
        if size is not None and size >= 0:
            _put_size(buf, at, length, size + delta)


def mutate_ebml(data: bytes, rng) -> Tuple[bytes, str]:
    buf = bytearray(data)
    elements = ebml_elements(data)
    if not elements:
        return bytes(buf), flip_bits(buf, rng)
    blocks = [e for e in elements if e.ident in (0xA3, 0xA1)]
    e = rng.choice(blocks if blocks and rng.random() < 0.3 else elements)
    name = f"{e.ident:X}@{e.off}"
    how = rng.choice(["size", "size", "id", "value", "value", "block", "flip", "remove", "duplicate"])
    if how == "size":
        limit = (1 << (7 * e.size_len)) - 2
        cur = e.size if e.size is not None else 0
        value = rng.choice((0, 1, cur - 1, cur + 1, cur * 2, limit, limit + 1, len(buf), rng.randrange(limit + 1)))
        if value == limit + 1:  # every value bit set: an unknown size (EBML 4.5)
            buf[e.off + e.id_len:e.body] = ((1 << (7 * e.size_len + 1)) - 1).to_bytes(e.size_len, "big")
            return bytes(buf), f"{name} size -> unknown"
        _put_size(buf, e.off + e.id_len, e.size_len, max(0, min(limit, value)))
        return bytes(buf), f"{name} size {cur} -> {max(0, min(limit, value))}"
    if how == "id":
        same = [i for i in EBML_IDS if (i.bit_length() + 7) // 8 == e.id_len and i != e.ident]
        new = rng.choice(same) if same and rng.random() < 0.7 else None
        if new is None:
            new = int.from_bytes(bytes(rng.randrange(256) for _ in range(e.id_len)), "big")
            new |= 1 << (8 * e.id_len - e.id_len)  # keep the length marker
        buf[e.off:e.off + e.id_len] = new.to_bytes(e.id_len, "big")
        return bytes(buf), f"{name} id -> {new:X}"
    if how in ("value", "block") and e.end > e.body:
        if e.ident in (0xA3, 0xA1) and e.end - e.body > 4 and rng.random() < 0.6:
            at = e.body + rng.randrange(4)  # track number, timecode, flags (lacing, key)
            buf[at] = rng.choice((0, 0x80, 0x81, 0x82, 0xFF, 0x06, 0x02, 0x04, rng.randrange(256)))
            return bytes(buf), f"{name} block header byte {at - e.body}"
        return bytes(buf), f"{name} " + rng.choice((set_bytes, flip_bits))(buf, rng, e.body, e.end)
    if how == "remove" and e.parents and e.size is not None:
        del buf[e.off:e.end]
        _resize_ebml(buf, e, -(e.end - e.off))
        return bytes(buf), f"{name} removed"
    if how == "duplicate" and e.parents and e.size is not None:
        buf[e.end:e.end] = data[e.off:e.end]
        _resize_ebml(buf, e, e.end - e.off)
        return bytes(buf), f"{name} duplicated"
    return bytes(buf), f"{name} " + flip_bits(buf, rng, e.off, e.end)


# ---- cuts ------------------------------------------------------------------------------------

def cut_points(data: bytes, kind: str, count: int) -> List[int]:
    """Where to cut a file: the boundaries of its structures (+-1) and evenly spaced points."""
    if kind == "mp4":
        marks = [x for b in mp4_boxes(data) for x in (b.off, b.off + b.header, b.off + b.size)]
    elif kind == "ebml":
        marks = [x for e in ebml_elements(data) for x in (e.off, e.body, e.end)]
    else:
        marks = [x for off, table, n, payload in bundle_entries(data) for x in (off, table, payload)]
        marks += [BUNDLE_HEADER]
    points = {p + d for p in marks for d in (-1, 0, 1)} | {len(data) * k // count for k in range(count)}
    points = sorted(p for p in points if 0 <= p < len(data))
    step = max(1, len(points) // count)
    return points[::step][:count]


MUTATORS = {"bundle": mutate_bundle, "mp4": mutate_mp4, "ebml": mutate_ebml}


def mutate(kind: str, data: bytes, rng) -> Tuple[bytes, str]:
    """One to three mutations of `data` (kind: bundle, mp4, ebml)."""
    notes = []
    for _ in range(rng.choice((1, 1, 1, 2, 3))):
        data, note = MUTATORS[kind](data, rng)
        notes.append(note)
    return data, "; ".join(notes)
