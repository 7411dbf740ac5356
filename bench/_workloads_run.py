"""The clip sets and workloads of workloads.py: what one call asks for, the timed pass, and
the checks.

Each workload draws its requests from a seeded RNG (the same for every adapter), and each pass
times ``iterations`` calls back to back with ``time.perf_counter`` (E: each call alone, between
untimed file copies). Checks run outside the timed region: every warm-up call, and the last call
of every timed pass (C: a checked warm-up pass over every clip, then frame counts), through
``_workloads_check``.

Clip sets (made by make_clips.py, cached in its clips folder):

- ``hevc``: the six cameras of make_clips.py's default: HEVC, 1600x900, 300 frames, closed GOP of 30,
  no B-frames (decode order = presentation order).
- ``h264-bframes``: the same six sources as H.264 (x264), closed GOP of 30 with B-pyramids
  (``bframes=3:b-pyramid=normal``): decode order differs from presentation order.
- ``h264-long``: one 1080p H.264 clip (testsrc2), 1000 frames, GOP 250 with B-pyramids: a long GOP,
  where a random frame costs on average 125 decoded frames.

``--quick`` shrinks them (640x360; 60 frames per camera, 500 for the long clip) for a smoke run.
"""

import os
import shutil
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Sequence

import _common
from _workloads_check import FrameMismatch, Reference, check_frames
from adapters.base import Adapter, ClipInfo
from make_clips import ensure_clips


# -- clip sets -----------------------------------------------------------------------
CLIP_SETS: Dict[str, Dict[str, object]] = {
    "hevc": dict(codec="hevc", bframes=0, gop=30, cameras=6, size="1600x900", frames=300),
    "h264-bframes": dict(codec="h264", bframes=3, gop=30, cameras=6, size="1600x900", frames=300),
    "h264-long": dict(codec="h264", bframes=3, gop=250, cameras=1, size="1920x1080", frames=1000),
}
QUICK: Dict[str, Dict[str, object]] = {
    "hevc": dict(size="640x360", frames=60),
    "h264-bframes": dict(size="640x360", frames=60),
    "h264-long": dict(size="640x360", frames=500),
}
# which clip sets each workload runs on
WORKLOAD_SETS: Dict[str, List[str]] = {
    "A": ["hevc", "h264-bframes"],
    "B": ["hevc", "h264-bframes"],
    "C": ["hevc", "h264-bframes"],
    "D": ["h264-long"],
    "E": ["h264-long"],
}
FPS = 30
PRESET = "ultrafast"


def clip_set_settings(name: str, quick: bool) -> Dict[str, object]:
    settings = dict(CLIP_SETS[name])
    if quick:
        settings.update(QUICK[name])
    return settings


def describe(name: str, settings: Dict[str, object]) -> str:
    bf = f", B-frames {settings['bframes']} (b-pyramid)" if settings["bframes"] else ", no B-frames"
    return (f"{settings['cameras']} x {settings['codec'].upper()} {settings['size']}, {settings['frames']} frames, "
            f"GOP {settings['gop']}{bf}")


def load_clip_set(name: str, quick: bool, clips_dir: str) -> List[ClipInfo]:
    """The set's clips, made where missing, indexed (by PyAV, or the index file next to each clip),
    with the page cache warm."""
    s = clip_set_settings(name, quick)
    paths = ensure_clips(clips_dir, s["size"], s["frames"], s["gop"], FPS, PRESET, codec=s["codec"],
                         bframes=s["bframes"], cameras=s["cameras"])
    clips = [_common.index_clip(p) for p in paths]
    _common.warm_page_cache(paths)
    return clips


# -- workloads -----------------------------------------------------------------------
CLIP_FRAMES = 8  # B: consecutive frames per camera
SPARSE_FRAMES = 16  # D: sorted random frames per call
FRESH_DIR = "fresh"  # E: one new copy of the file per call, in this folder next to the clip


@dataclass
class Workload:
    key: str
    title: str
    capability: str  # the adapter method it needs
    unit: str  # "frames/s" or "ms/file"
    draw: Callable[[Any, Sequence[ClipInfo]], Any]  # rng, clips -> one request
    frames: Callable[[Sequence[ClipInfo], Any], int]  # frames one call returns


def _draw_a(rng, clips):
    return [int(rng.integers(0, c.num_frames)) for c in clips]


def _draw_b(rng, clips):
    return [int(rng.integers(0, c.num_frames - CLIP_FRAMES + 1)) for c in clips]


def _draw_d(rng, clips):
    return sorted(int(i) for i in rng.choice(clips[0].num_frames, size=SPARSE_FRAMES, replace=False))


WORKLOADS = {
    "A": Workload("A", "6-camera random access: one random frame per camera per call", "decode_rgb",
                  "frames/s", _draw_a, lambda clips, req: len(clips)),
    "B": Workload("B", f"clip sampling: {CLIP_FRAMES} consecutive frames at a random start, each camera",
                  "decode_groups", "frames/s", _draw_b, lambda clips, req: CLIP_FRAMES * len(clips)),
    "C": Workload("C", "sequential decode of whole clips to RGB", "decode_all_rgb", "frames/s",
                  lambda rng, clips: None, lambda clips, req: sum(c.num_frames for c in clips)),
    "D": Workload("D", f"{SPARSE_FRAMES} sorted random frames of one long clip in one call", "decode_frames",
                  "frames/s", _draw_d, lambda clips, req: SPARSE_FRAMES),
    "E": Workload("E", "open + first frame of a file not seen before", "open_first_frame", "ms/file",
                  lambda rng, clips: None, lambda clips, req: 1),
}


def _call(adapter: Adapter, w: Workload, clips: Sequence[ClipInfo], req) -> Any:
    """The timed call of workloads A, B and D."""
    if w.key == "A":
        return adapter.decode_rgb([c.path for c in clips], req)
    if w.key == "B":
        return adapter.decode_groups([(c.path, range(s, s + CLIP_FRAMES)) for c, s in zip(clips, req)])
    return adapter.decode_frames(clips[0].path, req)


def _expected(w: Workload, clips: Sequence[ClipInfo], req):
    """(clip, frame_id) of each frame a call of A, B or D returns, in order."""
    if w.key == "A":
        return list(clips), list(req)
    if w.key == "B":
        return [c for c in clips for _ in range(CLIP_FRAMES)], [s + i for s in req for i in range(CLIP_FRAMES)]
    return [clips[0]] * len(req), list(req)


def check_result(ref: Reference, adapter: Adapter, w: Workload, clips, req, result) -> float:
    want_clips, want_ids = _expected(w, clips, req)
    if w.key == "A":
        adapter.check_decode_rgb(result, clips, req)  # the adapter's own checks (odvd: frame_id, pts)
    return check_frames(ref, adapter.label(), adapter.to_arrays(result), want_clips, want_ids)


def warm_up(ref: Reference, adapter: Adapter, w: Workload, clips, requests, c_samples) -> None:
    """Checked calls before timing; raises FrameMismatch (or the library's error) on a wrong result."""
    if w.key == "C":
        for clip in clips:
            sequential_pass(adapter, [clip], ref, c_samples[clip.path])
    elif w.key == "E":
        for _ in range(len(requests)):
            fresh_file_pass(adapter, clips[0], 1, ref)
    else:
        for req in requests:
            check_result(ref, adapter, w, clips, req, _call(adapter, w, clips, req))


def timed_pass(ref: Reference, adapter: Adapter, w: Workload, clips, requests) -> float:
    """One timed pass: frames/s (A-D) or mean ms per file (E); its last result is checked."""
    if w.key == "C":
        return sequential_pass(adapter, clips)
    if w.key == "E":
        return fresh_file_pass(adapter, clips[0], len(requests), ref)
    last = None
    t0 = time.perf_counter()
    for req in requests:
        last = _call(adapter, w, clips, req)
    dt = time.perf_counter() - t0
    check_result(ref, adapter, w, clips, requests[-1], last)
    return w.frames(clips, None) * len(requests) / dt


def sequential_pass(adapter: Adapter, clips, ref: Reference = None, samples: List[int] = None) -> float:
    """frames/s decoding every frame of every clip in order; with ``ref`` (untimed warm-up) the
    frames at ``samples`` (positions in the output) are kept and checked against PyAV's."""
    total, kept = 0, {}

    def sink(i, frame):
        if i in samples:
            kept[i] = frame.copy() if hasattr(frame, "copy") else frame

    t0 = time.perf_counter()
    for clip in clips:
        gop_len = max(length for _, length, _ in clip.gops)
        n = adapter.decode_all_rgb(clip.path, clip.num_frames, gop_len, sink if ref is not None else None)
        if n != clip.num_frames:
            raise FrameMismatch(f"{adapter.label()}: {n} frames from {clip.path}, expected {clip.num_frames}")
        total += n
    dt = time.perf_counter() - t0
    if ref is not None:
        (clip,) = clips
        got = sorted(kept)
        if got != sorted(samples):
            raise FrameMismatch(f"{adapter.label()}: sequential decode of {clip.path} gave positions {got} of {samples}")
        check_frames(ref, adapter.label(), [kept[i] for i in got], [clip] * len(got), got)
    return total / dt


def fresh_file_pass(adapter: Adapter, clip: ClipInfo, iterations: int, ref: Reference) -> float:
    """Mean ms per call of ``open_first_frame`` on a new copy of the clip each time (the copy is
    made untimed, so it sits in the page cache as the original does); every frame is checked."""
    fresh_dir = os.path.join(os.path.dirname(clip.path), FRESH_DIR)
    os.makedirs(fresh_dir, exist_ok=True)
    times = []
    for _ in range(iterations):
        fresh = os.path.join(fresh_dir, f"{uuid.uuid4().hex}{os.path.splitext(clip.path)[1]}")
        shutil.copyfile(clip.path, fresh)
        try:
            t0 = time.perf_counter()
            frame = adapter.open_first_frame(fresh)
            times.append(time.perf_counter() - t0)
            check_frames(ref, adapter.label(), [frame], [clip], [0])
        finally:
            os.unlink(fresh)
    return 1e3 * sum(times) / len(times)


def read_memory_kib() -> dict:
    """VmRSS and VmHWM (peak resident set) of this process, KiB, from /proc/self/status."""
    out = {}
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, value = line.split(":", 1)
                out[key] = int(value.split()[0])
    return out
