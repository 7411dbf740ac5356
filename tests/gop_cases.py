"""Which frames of a test clip are worth asking for, worked out from ffprobe and the ffmpeg
reference (not from the code under test): first, last, both sides of every GOP boundary, open-GOP
leading pictures, and a few seeded random ids. Also the colour spec ffprobe reports for a clip."""

import random
from typing import List, Tuple

import numpy as np

from media import inspect


def interesting_ids(path, ref, n_random: int = 3, seed: int = 0) -> List[int]:
    pts = np.asarray(ref.pts)
    order = {int(p): i for i, p in enumerate(pts)}
    ids = {0, len(pts) - 1}
    packets = inspect.packets(path)
    key_pts = None
    for p in packets:
        if p["pts"] is None or p["pts"] not in order:
            continue
        fid = order[p["pts"]]
        if "K" in p["flags"]:
            key_pts = p["pts"]
            ids.update({fid, max(fid - 1, 0)})
        elif key_pts is not None and p["pts"] < key_pts:
            ids.add(fid)  # a leading picture: shown before the key frame it follows in decode order
    rng = random.Random(seed)
    ids.update(rng.randrange(len(pts)) for _ in range(n_random))
    return sorted(ids)


def leading_ids(path, ref) -> List[int]:
    pts = np.asarray(ref.pts)
    order = {int(p): i for i, p in enumerate(pts)}
    out, key_pts = [], None
    for p in inspect.packets(path):
        if p["pts"] is None or p["pts"] not in order:
            continue
        if "K" in p["flags"]:
            key_pts = p["pts"]
        elif key_pts is not None and p["pts"] < key_pts:
            out.append(order[p["pts"]])
    return out


def color_spec(path, height: int) -> Tuple[str, str]:
    """(matrix, range) as docs/color.md resolves them from the stream's colour description."""
    s = inspect.video_stream(path)
    cs = s.get("color_space", "unknown")
    matrix = {"bt709": "bt709", "smpte170m": "bt601", "bt470bg": "bt601", "bt2020nc": "bt2020",
              "bt2020c": "bt2020"}.get(cs, "bt709" if height >= 720 else "bt601")
    rng = "full" if s.get("color_range") == "pc" else "limited"
    return matrix, rng
