"""A small MP4 box editor for tests that need a damaged index: read and rewrite the sample tables
(stss, stts, ctts) of a file's video track (ISO/IEC 14496-12), without the code under test.

The box tree is parsed down through the containers that lead to the sample tables; every other box
(mdat included) is kept as bytes. A rewritten table changes the sizes of the boxes that hold it;
when the moov comes before the media data, the chunk offsets (stco / co64) are moved by the same
amount, so the samples are still found where they are.
"""

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, List, Optional, Tuple

# Boxes whose body is a list of boxes (the path moov/trak/mdia/minf/stbl and its siblings).
_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts", b"dinf", b"mvex"}


@dataclass
class Box:
    kind: bytes
    body: bytes = b""                                    # leaves
    children: List["Box"] = field(default_factory=list)  # containers

    def find(self, kind: bytes) -> Optional["Box"]:
        return next((c for c in self.children if c.kind == kind), None)


def parse(data: bytes, start: int = 0, end: Optional[int] = None) -> List[Box]:
    end = len(data) if end is None else end
    boxes, i = [], start
    while i + 8 <= end:
        size, kind = struct.unpack_from(">I4s", data, i)
        header = 8
        if size == 1:
            size, header = struct.unpack_from(">Q", data, i + 8)[0], 16
        elif size == 0:
            size = end - i
        if size < header or i + size > end:
            raise ValueError(f"box {kind!r} at {i}: size {size} runs past {end}")
        if kind in _CONTAINERS:
            boxes.append(Box(kind, children=parse(data, i + header, i + size)))
        else:
            boxes.append(Box(kind, body=data[i + header:i + size]))
        i += size
    return boxes


def serialize(boxes: List[Box]) -> bytes:
    out = bytearray()
    for b in boxes:
        body = serialize(b.children) if b.kind in _CONTAINERS else b.body
        if len(body) + 8 < 1 << 32:
            out += struct.pack(">I4s", len(body) + 8, b.kind)
        else:
            out += struct.pack(">I4sQ", 1, b.kind, len(body) + 16)
        out += body
    return bytes(out)


def video_stbl(boxes: List[Box]) -> Box:
    """The sample table box of the first track whose handler is 'vide'."""
    moov = next(b for b in boxes if b.kind == b"moov")
    for trak in moov.children:
        if trak.kind != b"trak":
            continue
        mdia = trak.find(b"mdia")
        hdlr = mdia.find(b"hdlr")
        if hdlr.body[8:12] == b"vide":  # version/flags(4), pre_defined(4), handler_type(4)
            return mdia.find(b"minf").find(b"stbl")
    raise ValueError("no video track")


# ---- the tables, as one value per sample (1-based sample numbers for stss) -----------------------

def read_stss(stbl: Box) -> List[int]:
    body = stbl.find(b"stss").body
    n = struct.unpack_from(">I", body, 4)[0]
    return list(struct.unpack_from(f">{n}I", body, 8))


def write_stss(stbl: Box, samples: List[int]) -> None:
    stbl.find(b"stss").body = struct.pack(f">II{len(samples)}I", 0, len(samples), *samples)


def read_per_sample(stbl: Box, kind: bytes) -> List[int]:
    """stts deltas or ctts offsets, expanded from their (count, value) runs to one per sample."""
    body = stbl.find(kind).body
    signed = kind == b"ctts" and body[0] == 1  # ctts version 1: signed offsets
    n = struct.unpack_from(">I", body, 4)[0]
    values = []
    for r in range(n):
        count, value = struct.unpack_from(">Ii" if signed else ">II", body, 8 + 8 * r)
        values += [value] * count
    return values


def write_per_sample(stbl: Box, kind: bytes, values: List[int]) -> None:
    runs: List[Tuple[int, int]] = []
    for v in values:
        if runs and runs[-1][1] == v:
            runs[-1] = (runs[-1][0] + 1, v)
        else:
            runs.append((1, v))
    signed = any(v < 0 for v in values)
    version = 1 if kind == b"ctts" and signed else 0
    fmt = ">Ii" if signed else ">II"
    stbl.find(kind).body = struct.pack(">BxxxI", version, len(runs)) + b"".join(struct.pack(fmt, *r) for r in runs)


def edit_video_tables(src: Path, dst: Path, edit: Callable[[Box], None]) -> Path:
    """Copies `src` to `dst` with `edit(stbl)` applied to its video track's sample table box."""
    data = Path(src).read_bytes()
    boxes = parse(data)
    kinds = [b.kind for b in boxes]
    old_moov = len(serialize([boxes[kinds.index(b"moov")]]))
    edit(video_stbl(boxes))
    delta = len(serialize([boxes[kinds.index(b"moov")]])) - old_moov
    if delta and kinds.index(b"moov") < kinds.index(b"mdat"):
        _move_chunks(boxes, delta)
    Path(dst).write_bytes(serialize(boxes))
    return Path(dst)


def _move_chunks(boxes: List[Box], delta: int) -> None:
    moov = next(b for b in boxes if b.kind == b"moov")
    for trak in (t for t in moov.children if t.kind == b"trak"):
        stbl = trak.find(b"mdia").find(b"minf").find(b"stbl")
        for kind, fmt in ((b"stco", "I"), (b"co64", "Q")):
            box = stbl.find(kind)
            if box is None:
                continue
            n = struct.unpack_from(">I", box.body, 4)[0]
            offsets = [o + delta for o in struct.unpack_from(f">{n}{fmt}", box.body, 8)]
            box.body = box.body[:8] + struct.pack(f">{n}{fmt}", *offsets)
