"""Rewrites an MP4 holding one length-prefixed H.264 / HEVC track so that its NAL lengths take 1 or 2
bytes instead of 4 (ISO/IEC 14496-15 allows 1, 2 or 4: the avcC / hvcC field lengthSizeMinusOne), as
some muxers write them. The samples shrink, so the mdat is rebuilt and the sample sizes (stsz) and
chunk offsets (stco / co64) follow; everything else is kept byte for byte. Written from the spec for
tests/test_nal_lengths.py, independent of the code under test."""

import struct
from typing import Dict, List, Tuple

_CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}


def _boxes(data: bytes, start: int, end: int, path=()):
    """(path, offset, size) of every box under [start, end), descending into the containers."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size == 1:
            size = struct.unpack(">Q", data[at + 8:at + 16])[0]
        elif size == 0:
            size = end - at
        yield path + (kind,), at, size
        if kind in _CONTAINERS:
            yield from _boxes(data, at + 8, at + size, path + (kind,))
        at += size


def _find(boxes: Dict[bytes, Tuple[int, int]], kind: bytes) -> Tuple[int, int]:
    if kind not in boxes:
        raise ValueError(f"no {kind!r} box")
    return boxes[kind]


def _sample_table(data: bytes, boxes) -> Tuple[List[int], List[int], List[Tuple[int, int]], str]:
    """(sample sizes, chunk offsets, (first chunk, samples per chunk) runs, offset box kind)."""
    off, _ = _find(boxes, b"stsz")
    uniform, count = struct.unpack(">II", data[off + 12:off + 20])
    if uniform:
        raise ValueError("uniform sample sizes are not rewritten")
    sizes = list(struct.unpack(f">{count}I", data[off + 20:off + 20 + 4 * count]))
    kind = b"stco" if b"stco" in boxes else b"co64"
    off, _ = _find(boxes, kind)
    n = struct.unpack(">I", data[off + 12:off + 16])[0]
    fmt = "I" if kind == b"stco" else "Q"
    chunks = list(struct.unpack(f">{n}{fmt}", data[off + 16:off + 16 + struct.calcsize(fmt) * n]))
    off, _ = _find(boxes, b"stsc")
    n = struct.unpack(">I", data[off + 12:off + 16])[0]
    runs = [struct.unpack(">III", data[off + 16 + 12 * i:off + 28 + 12 * i])[:2] for i in range(n)]
    return sizes, chunks, runs, kind.decode()


def _sample_offsets(sizes, chunks, runs) -> List[int]:
    offsets, sample = [], 0
    for c, chunk_offset in enumerate(chunks, start=1):
        per_chunk = [spc for first, spc in runs if first <= c][-1]
        at = chunk_offset
        for _ in range(per_chunk):
            if sample == len(sizes):
                break
            offsets.append(at)
            at += sizes[sample]
            sample += 1
    return offsets


def _shorten(sample: bytes, new: int) -> bytes:
    out, pos = bytearray(), 0
    while pos < len(sample):
        n = struct.unpack(">I", sample[pos:pos + 4])[0]
        if n >= 1 << (8 * new):
            raise ValueError(f"a NAL of {n} bytes does not fit a {new}-byte length")
        out += n.to_bytes(new, "big") + sample[pos + 4:pos + 4 + n]
        pos += 4 + n
    return bytes(out)


def rewrite_nal_length_size(data: bytes, new: int) -> bytes:
    """The same MP4 with `new`-byte NAL lengths (1 or 2); the input must use 4-byte lengths."""
    boxes = {path[-1]: (off, size) for path, off, size in _boxes(data, 0, len(data))}
    sizes, chunks, runs, chunk_box = _sample_table(data, boxes)
    offsets = _sample_offsets(sizes, chunks, runs)
    mdat_off, mdat_size = _find(boxes, b"mdat")
    body = mdat_off + 8
    if offsets[0] != body or any(offsets[i] + sizes[i] != offsets[i + 1] for i in range(len(sizes) - 1)):
        raise ValueError("samples are not stored back to back at the start of the mdat")
    new_samples = [_shorten(data[o:o + s], new) for o, s in zip(offsets, sizes)]
    new_mdat_body = b"".join(new_samples) + data[offsets[-1] + sizes[-1]:mdat_off + mdat_size]
    out = bytearray(data[:mdat_off]) + struct.pack(">I4s", 8 + len(new_mdat_body), b"mdat") + new_mdat_body
    out += data[mdat_off + mdat_size:]
    shift = len(out) - len(data)  # boxes after the mdat move by this much
    moved = (lambda o: o + shift) if mdat_off < boxes[b"moov"][0] else (lambda o: o)

    # Sample sizes and chunk offsets (each chunk starts where its first sample now lies).
    new_offsets, at = [], body
    for s in new_samples:
        new_offsets.append(at)
        at += len(s)
    stsz = moved(boxes[b"stsz"][0])
    struct.pack_into(f">{len(sizes)}I", out, stsz + 20, *[len(s) for s in new_samples])
    first_of_chunk, sample = [], 0
    for c in range(1, len(chunks) + 1):
        first_of_chunk.append(sample)
        sample += [spc for first, spc in runs if first <= c][-1]
    fmt = "I" if chunk_box == "stco" else "Q"
    stco = moved(boxes[chunk_box.encode()][0])
    struct.pack_into(f">{len(chunks)}{fmt}", out, stco + 16, *[new_offsets[i] for i in first_of_chunk])

    # lengthSizeMinusOne: avcC byte 4, hvcC byte 21 (low two bits, the others reserved as ones).
    for kind, at in ((b"avcC", 4), (b"hvcC", 21)):
        pos = bytes(out).find(kind, moved(boxes[b"stsd"][0]))
        if pos > 0:
            field = pos + 4 + at
            out[field] = (out[field] & 0xFC) | (new - 1)
            return bytes(out)
    raise ValueError("no avcC / hvcC record")
