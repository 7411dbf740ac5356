"""``verify STORE``: every shard against its size and checksum (blake2b, recorded when it was
written), every bundle in it parsed and checked (its own XXH3-64 checksum, its structure, its GOP
against the catalogue's), and the catalogue against the videos (size, mtime, frame count)."""

import hashlib
import os
from typing import Dict, List

from .. import _engine
from . import _catalogue as cat
from ._scan import is_url


def verify(store: str, check_videos: bool = True) -> Dict[str, object]:
    """A report: ``ok`` and the list of ``problems`` (empty when ok), with counts of what was checked."""
    table, shards = cat.load(None, store)
    problems: List[str] = []
    shard_dir = os.path.join(store, cat.SHARD_DIR)
    for s in shards.to_pylist():
        path = os.path.join(shard_dir, s["name"])
        try:
            h = hashlib.blake2b(digest_size=16)
            size = 0
            with open(path, "rb") as f:
                for chunk in iter(lambda: f.read(1 << 22), b""):
                    h.update(chunk)
                    size += len(chunk)
        except OSError as e:
            problems.append(f"shard {s['name']}: {e}")
            continue
        if size != s["size"]:
            problems.append(f"shard {s['name']}: {size} bytes, recorded {s['size']}")
        elif h.hexdigest() != s["blake2b"]:
            problems.append(f"shard {s['name']}: checksum {h.hexdigest()}, recorded {s['blake2b']}")
    bundles = videos = 0
    from ._gop_store import GopStore

    reader = GopStore(store)
    try:
        for r in table.to_pylist():
            if r["error"] is not None:
                continue
            if r["gop_shard"] is not None:
                for g, (shard, offset, length) in enumerate(zip(r["gop_shard"], r["gop_offset"], r["gop_bundle_size"])):
                    where = f"{r['path']} GOP {g} ({shard} @ {offset})"
                    try:
                        parsed = _engine._parse_bundle(reader.read(shard, offset, length))
                    except (OSError, ValueError) as e:
                        problems.append(f"{where}: {e}")
                        continue
                    bundles += 1
                    gop_len, first = parsed[5], parsed[6]
                    if (first, gop_len) != ([r["gop_first_frame_id"][g]], [r["gop_len"][g]]):
                        problems.append(f"{where}: bundle holds GOP {first} x {gop_len}, catalogue says "
                                        f"{r['gop_first_frame_id'][g]} x {r['gop_len'][g]}")
            if check_videos and not is_url(r["path"]):
                videos += 1
                problems.extend(_check_video(r))
    finally:
        reader.close()
    return {"ok": not problems, "problems": problems, "shards": shards.num_rows, "bundles": bundles,
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
