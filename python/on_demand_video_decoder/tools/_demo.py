"""The demo behind ``python -m on_demand_video_decoder``: six cameras, random frames, a contact sheet.

It makes six small "camera" clips with the ffmpeg CLI (H.264, yuv420p, GOP 30, MP4, each a
different lavfi pattern; cached, made only when missing), asks ``PyNvGopDecoder`` for one random
frame per camera per iteration as RGB, prints the rate and the backend, and writes the frames as a
PNG grid: one column per camera, one row per iteration.

    python -m on_demand_video_decoder                    # GPU 0 if NVDEC is usable, else the CPU
    python -m on_demand_video_decoder --gpu -1 --seed 7  # CPU backend, repeatable frame choice

Example (what the test does):

>>> from on_demand_video_decoder import _demo
>>> _demo.main(["--workdir", "/tmp/odvd-demo", "--output", "/tmp/sheet.png", "--seed", "1"])  # doctest: +SKIP
0
"""

import argparse
import hashlib
import json
import os
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

from ..common._build_info import __version__
from ..encode._png import write_png
from ..seed._gop_decoder import PyNvGopDecoder

DEFAULT_WORKDIR = Path("~/.cache/on_demand_video_decoder/demo")
DEFAULT_OUTPUT = Path("odvd_demo_contact_sheet.png")
GAP = 4  # pixels between tiles of the contact sheet
BACKGROUND = (24, 24, 24)

# One lavfi pattern per camera; {w}x{h} is the clip size, {r} the frame rate.
CAMERAS = [
    ("testsrc2", "testsrc2=size={w}x{h}:rate={r}"),
    ("mandelbrot", "mandelbrot=size={w}x{h}:rate={r}"),
    ("life", "life=size={w}x{h}:rate={r}:mold=10:ratio=0.3:death_color=#202040:life_color=#30c060"),
    ("cellauto", "cellauto=size={w}x{h}:rate={r}:rule=110"),
    ("smptehdbars", "smptehdbars=size={w}x{h}:rate={r},noise=alls=20:allf=t+u"),
    ("rgbtestsrc", "rgbtestsrc=size={w}x{h}:rate={r},hue=H=2*PI*t/3"),
]


@dataclass
class DemoResult:
    clips: List[str]
    frame_ids: List[List[int]]  # [iteration][camera]
    sheet: np.ndarray
    backend: str
    first_call_s: float  # includes opening and indexing the six files
    later_calls_s: float


def _clip_command(pattern: str, width: int, height: int, frames: int, gop: int, fps: int) -> List[str]:
    graph = pattern.format(w=width, h=height, r=fps)
    params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0"
    return [
        "ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-frames:v", str(frames),
        "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "ultrafast", "-x264-params", params, "-an",
        # Say the colour: lavfi's sources are BT.601 limited range (no "could not obtain color range").
        "-color_range", "tv", "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m",
    ]


def ensure_clips(workdir, width: int = 320, height: int = 240, frames: int = 90, gop: int = 30,
                 fps: int = 30) -> List[str]:
    """Paths of the six demo clips in ``workdir``, made with the ffmpeg CLI where missing.

    The file name holds a hash of the ffmpeg command, so other settings make other files.

    Raises:
        RuntimeError: the ffmpeg CLI is missing or failed.
    """
    workdir = Path(workdir).expanduser()
    workdir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, (name, pattern) in enumerate(CAMERAS):
        cmd = _clip_command(pattern, width, height, frames, gop, fps)
        key = hashlib.sha256(json.dumps(cmd).encode()).hexdigest()[:10]
        path = workdir / f"cam{i}_{name}_{width}x{height}_{frames}f_{key}.mp4"
        if not path.exists():
            if shutil.which("ffmpeg") is None:
                raise RuntimeError("the demo makes its sample clips with the ffmpeg command-line tool, which "
                                   "was not found on PATH (Debian/Ubuntu: apt-get install ffmpeg; conda: "
                                   "conda install ffmpeg)")
            tmp = path.with_name(f".tmp{os.getpid()}-{path.name}")
            proc = subprocess.run(cmd + [str(tmp)], capture_output=True, text=True)
            if proc.returncode != 0 or not tmp.exists():
                tmp.unlink(missing_ok=True)
                raise RuntimeError(f"ffmpeg failed making {path.name}: {proc.stderr.strip()[-500:]}")
            os.replace(tmp, path)
        paths.append(str(path))
    return paths


def draw_frame_ids(seed: int, iterations: int, frame_counts: Sequence[int]) -> List[List[int]]:
    """``iterations`` rows of one random frame id per camera (same seed, same ids)."""
    rng = random.Random(seed)
    return [[rng.randrange(n) for n in frame_counts] for _ in range(iterations)]


def contact_sheet(rows: Sequence[Sequence[np.ndarray]], gap: int = GAP) -> np.ndarray:
    """A grid of (H, W, 3) uint8 tiles of one size, ``gap`` background pixels between tiles."""
    h, w = rows[0][0].shape[:2]
    n_rows, n_cols = len(rows), len(rows[0])
    sheet = np.empty((n_rows * h + (n_rows - 1) * gap, n_cols * w + (n_cols - 1) * gap, 3), np.uint8)
    sheet[:] = BACKGROUND
    for r, row in enumerate(rows):
        for c, tile in enumerate(row):
            if tile.shape != (h, w, 3):
                raise ValueError(f"tile ({r}, {c}) has shape {tile.shape}, expected {(h, w, 3)}")
            y, x = r * (h + gap), c * (w + gap)
            sheet[y:y + h, x:x + w] = tile
    return sheet


def tile(sheet: np.ndarray, row: int, col: int, height: int, width: int, gap: int = GAP) -> np.ndarray:
    """The tile at (row, col) of a contact sheet (the inverse of ``contact_sheet``)."""
    y, x = row * (height + gap), col * (width + gap)
    return sheet[y:y + height, x:x + width]


def to_host(frame) -> np.ndarray:
    """A decoded RGB frame as a host (H, W, 3) uint8 array: a view for CPU frames, a copy for
    device frames (through DLPack, asking the producer for a host copy)."""
    if getattr(frame, "device", "cpu") == "cpu":
        arr = np.asarray(frame)
    elif hasattr(frame, "cpu"):
        arr = np.asarray(frame.cpu())
    else:
        try:
            arr = np.from_dlpack(frame, device="cpu", copy=True)
        except (TypeError, ValueError, RuntimeError, BufferError) as e:
            raise RuntimeError(f"cannot copy a frame on {frame.device} to the host: {e}") from e
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        raise RuntimeError(f"decoded frame is {arr.dtype} {arr.shape}, expected (H, W, 3) uint8")
    return arr


def backend_name(decoder, gpu: Optional[int]) -> str:
    """Which backend ``decoder`` (made with ``iGpu=gpu``) decodes on, from its ``device``."""
    device = getattr(decoder, "device", None)
    if device is None:  # no device property: docs/design.md's rule for iGpu
        device = "cpu" if gpu in (None, -1) else f"cuda:{gpu}"
    name = "CPU (libavcodec)" if device == "cpu" else f"GPU {device.partition(':')[2]} (NVDEC)"
    return name + (", chosen by iGpu=None" if gpu is None else "")


def run(workdir, iterations: int, seed: int, width: int, height: int, frames: int,
        gpu: Optional[int] = None) -> DemoResult:
    """Make (or reuse) the clips, decode ``iterations`` x 6 random frames, build the sheet.

    Raises:
        RuntimeError: the clips are missing and the ffmpeg CLI is missing or failed.
        ImportError: this build has no ``PyNvGopDecoder``.
    """
    clips = ensure_clips(workdir, width, height, frames)
    ids = draw_frame_ids(seed, iterations, [frames] * len(clips))
    decoder = PyNvGopDecoder(maxfiles=len(clips), iGpu=gpu)
    rows, times = [], []
    for row_ids in ids:
        t0 = time.perf_counter()
        decoded = decoder.DecodeN12ToRGB(clips, row_ids)
        times.append(time.perf_counter() - t0)
        rows.append([to_host(f) for f in decoded])
    return DemoResult(clips=clips, frame_ids=ids, sheet=contact_sheet(rows), backend=backend_name(decoder, gpu),
                      first_call_s=times[0], later_calls_s=sum(times[1:]))


def _size(text: str):
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WxH, got {text!r}") from None
    if w < 16 or h < 16 or w % 2 or h % 2:
        raise argparse.ArgumentTypeError(f"size {text}: width and height must be even and >= 16")
    return w, h


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m on_demand_video_decoder",
        description="Decode random frames from six generated camera clips and write a PNG contact sheet.",
    )
    p.add_argument("--workdir", default=str(DEFAULT_WORKDIR),
                   help="where the sample clips are cached (default %(default)s)")
    p.add_argument("--output", default=str(DEFAULT_OUTPUT), help="contact sheet PNG (default %(default)s)")
    p.add_argument("--iterations", type=int, default=4, help="rows: one random frame per camera each (default 4)")
    p.add_argument("--seed", type=int, default=None, help="seed of the frame choice (default: a random one)")
    p.add_argument("--size", type=_size, default=(320, 240), help="clip size WxH (default 320x240)")
    p.add_argument("--frames", type=int, default=90, help="frames per clip (default 90)")
    p.add_argument("--gpu", type=int, default=None,
                   help="iGpu: -1 for the CPU backend, N for GPU N (default: GPU 0 if usable, else CPU)")
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the demo; returns the process exit status (0 on success)."""
    args = _parser().parse_args(argv)
    if args.iterations < 1 or args.frames < 1:
        print("error: --iterations and --frames must be at least 1", file=sys.stderr)
        return 2
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2**31)
    width, height = args.size
    try:
        result = run(args.workdir, args.iterations, seed, width, height, args.frames, args.gpu)
    except ImportError as e:
        print(f"error: this build of on_demand_video_decoder {__version__} has no PyNvGopDecoder ({e})",
              file=sys.stderr)
        return 1
    except (RuntimeError, ValueError, OSError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 1

    n = len(result.clips)
    print(f"on_demand_video_decoder {__version__}, backend: {result.backend}")
    print(f"clips: {n} x {width}x{height}, {args.frames} frames, H.264 GOP 30, in {Path(args.workdir).expanduser()}")
    for i, row in enumerate(result.frame_ids):
        print(f"  iteration {i}: frame ids {row}")
    print(f"first call ({n} frames, opens and indexes {n} files): {result.first_call_s * 1e3:.1f} ms")
    if args.iterations > 1:
        rate = n * (args.iterations - 1) / max(result.later_calls_s, 1e-9)
        print(f"next {args.iterations - 1} calls: {rate:.1f} frames/s")
    write_png(args.output, result.sheet)
    print(f"contact sheet ({args.iterations} rows x {n} cameras, seed {seed}): {Path(args.output).resolve()}")
    return 0
