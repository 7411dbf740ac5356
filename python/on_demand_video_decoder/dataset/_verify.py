"""``verify STORE``: every shard walked bundle by bundle (each bundle parsed, which checks its XXH3-64
checksum and its structure; padding zero; the shard's size and digest as recorded when it was
written), every GOP the catalogue names found at a bundle start and holding that GOP, and the catalogue
against the videos (size, mtime, frame count)."""

import os
from typing import Dict, List, Set, Tuple

import numpy as np

from .. import _engine
from . import _catalogue as cat
from ._gop_store import GopStore
from ._scan import is_url
from ._video import ALIGN, HEADER, new_digest


def _walk_shard(path: str, size: int, digest: str) -> Tuple[Set[int], List[str]]:
    """(offsets of the bundles in the shard, problems)."""
    name = os.path.basename(path)
    try:
        data = np.fromfile(path, dtype=np.uint8)
    except OSError as e:
        return set(), [f"shard {name}: {e}"]
    if len(data) != size:
        return set(), [f"shard {name}: {len(data)} bytes, recorded {size}"]
    h = new_digest()
    offsets: Set[int] = set()
    offset = 0
    while offset < len(data):
        if len(data) - offset < HEADER or bytes(data[offset:offset + 8]) != b"ODVDGOPB":
            return offsets, [f"shard {name}: no bundle at offset {offset}"]
        total = int(data[offset + 16:offset + 24].view("<u8")[0])
        if total < HEADER or offset + total > len(data):
            return offsets, [f"shard {name}: bundle at {offset} claims {total} bytes, past the shard's end"]
        try:
            _engine._parse_bundle(data[offset:offset + total])
        except ValueError as e:
            return offsets, [f"shard {name}: bundle at {offset}: {e}"]
        h.update(offset.to_bytes(8, "little"))
        h.update(data[offset:offset + HEADER].tobytes())
        offsets.add(offset)
        end = offset + total
        offset = min(len(data), end + (-end % ALIGN))
        if np.any(data[end:offset]):
            return offsets, [f"shard {name}: non-zero padding after the bundle ending at {end}"]
    if h.hexdigest() != digest:
        return offsets, [f"shard {name}: digest {h.hexdigest()}, recorded {digest}"]
    return offsets, []


def verify(store: str, check_videos: bool = True) -> Dict[str, object]:
    """A report: ``ok`` and the list of ``problems`` (empty when ok), with counts of what was checked."""
    table, shards = cat.load(None, store)
    problems: List[str] = []
    starts: Dict[str, Set[int]] = {}
    bundles = 0
    for s in shards.to_pylist():
        offsets, found = _walk_shard(os.path.join(store, cat.SHARD_DIR, s["name"]), s["size"], s["digest"])
        starts[s["name"]] = offsets
        bundles += len(offsets)
        problems.extend(found)

    videos = gops = 0
    reader = GopStore(store)
    try:
        for r in table.to_pylist():
            if r["error"] is not None:
                continue
            if r["gop_shard"] is not None:
                for g, (shard, offset, length) in enumerate(zip(r["gop_shard"], r["gop_offset"], r["gop_bundle_size"])):
                    where = f"{r['path']} GOP {g} ({shard} @ {offset})"
                    if offset not in starts.get(shard, ()):
                        problems.append(f"{where}: no bundle starts there")
                        continue
                    parsed = _engine._parse_bundle(reader.read(shard, offset, length))
                    gops += 1
                    gop_len, first = parsed[5], parsed[6]
                    if (first, gop_len) != ([r["gop_first_frame_id"][g]], [r["gop_len"][g]]):
                        problems.append(f"{where}: bundle holds GOP {first} x {gop_len}, catalogue says "
                                        f"{r['gop_first_frame_id'][g]} x {r['gop_len'][g]}")
            if check_videos and not is_url(r["path"]):
                videos += 1
                problems.extend(_check_video(r))
    finally:
        reader.close()
    return {"ok": not problems, "problems": problems, "shards": shards.num_rows, "bundles": bundles, "gops": gops,
            "videos": videos, "rows": table.num_rows}


def _check_video(r: dict) -> List[str]:
    try:
        st = os.stat(r["path"])
    except OSError as e:
        return [f"{r['path']}: {e}"]
    if (st.st_size, st.st_mtime_ns) != (r["size"], r["mtime_ns"]):
        return [f"{r['path']}: changed since prepared (size {st.st_size}, mtime_ns {st.st_mtime_ns}; catalogue "
                f"{r['size']}, {r['mtime_ns']}): run prepare again"]
    try:
        report = _engine._index_report(r["path"])
    except (OSError, ValueError) as e:
        return [f"{r['path']}: {e}"]
    frames = int((report["frame_id"] >= 0).sum())
    if frames != r["frame_count"]:
        return [f"{r['path']}: {frames} frames, catalogue says {r['frame_count']}"]
    return []
