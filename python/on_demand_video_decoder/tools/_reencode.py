"""``python -m on_demand_video_decoder reencode SRC... --out DIR``: rewrites videos with long GOPs into
random-access-friendly ones (write_video's closed GOPs of ``--gop`` frames, no B-frames), and prints
what it gained: the size ratio and random-access frames/s before and after, measured on the spot
(docs/writer.md, "Re-encoding for random access")."""

import argparse
import os
import statistics
import sys
import time
from typing import Iterator, List, Optional

import numpy as np

from ..encode._writer import write_video
from ..seed._gop_decoder import PyNvGopDecoder
from ..seed._sample_reader import CreateSampleReader
from ..sources._metadata import get_metadata


def random_access_fps(path: str, frames: int, calls: int, seed: int) -> float:
    """Frames/s of one-frame random access (RGB, CPU), median of `calls` calls at seeded random frames,
    the file's index read before timing."""
    decoder = PyNvGopDecoder(1, iGpu=-1, suppressNoColorRangeWarning=True)
    decoder.DecodeN12ToRGB([path], [0])
    rng = np.random.default_rng(seed)
    times = []
    for target in rng.integers(0, frames, size=calls):
        start = time.perf_counter()
        decoder.DecodeN12ToRGB([path], [int(target)])
        times.append(time.perf_counter() - start)
    return 1.0 / statistics.median(times)


def _frames(path: str, count: int, progress) -> Iterator[np.ndarray]:
    """Every frame of `path` in display order, decoded forward by one stream reader."""
    reader = CreateSampleReader(1, 1, iGpu=-1, suppressNoColorRangeWarning=True)
    for i in range(count):
        yield np.asarray(reader.DecodeN12ToRGB([path], [i])[0])
        progress.update(1)


def reencode(src: str, out_dir: str, gop: int, crf: Optional[int], codec: str, preset: str, calls: int,
             seed: int) -> dict:
    from tqdm import tqdm

    facts = get_metadata(src)  # frames shown, frame rate (snapped as ffprobe's r_frame_rate), GOP lengths
    dst = os.path.join(out_dir, os.path.splitext(os.path.basename(src))[0] + ".mp4")
    if os.path.abspath(dst) == os.path.abspath(src):
        raise ValueError(f"{src}: --out would overwrite the source; choose another folder")
    fps = facts.nominal_fps
    with tqdm(total=facts.num_frames, desc=os.path.basename(src), unit="frame", disable=None, leave=False) as bar:
        written = write_video(dst, _frames(src, facts.num_frames, bar), (fps.numerator, fps.denominator),
                              codec=codec, gop=gop, crf=crf, preset=preset)
    before = random_access_fps(src, facts.num_frames, calls, seed)
    after = random_access_fps(dst, written, calls, seed)
    return {"src": src, "dst": dst, "frames": written, "gop_before": facts.max_gop_length, "gop_after": gop,
            "size_ratio": os.path.getsize(dst) / os.path.getsize(src), "fps_before": before, "fps_after": after}


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m on_demand_video_decoder reencode", description=__doc__)
    p.add_argument("src", nargs="+", help="videos to rewrite")
    p.add_argument("--out", required=True, help="folder for the new files (same names, .mp4)")
    p.add_argument("--gop", type=int, default=30, help="frames per closed GOP (default 30)")
    p.add_argument("--crf", type=int, default=None, help="constant quality (default: write_video's, 18 for H.264)")
    p.add_argument("--codec", choices=["h264", "hevc"], default="h264")
    p.add_argument("--preset", default="medium")
    p.add_argument("--calls", type=int, default=20, help="random-access calls timed per file, before and after")
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    failed = 0
    for src in args.src:
        try:
            r = reencode(src, args.out, args.gop, args.crf, args.codec, args.preset, args.calls, args.seed)
        except (OSError, ValueError, RuntimeError) as e:
            print(f"{src}: not rewritten: {e}", file=sys.stderr)
            failed += 1
            continue
        print(f"{r['src']} -> {r['dst']}: {r['frames']} frames, GOP {r['gop_before']} -> {r['gop_after']}, "
              f"size x{r['size_ratio']:.2f}, random access {r['fps_before']:.1f} -> {r['fps_after']:.1f} frames/s "
              f"({r['fps_after'] / r['fps_before']:.1f}x)")
    return 1 if failed else 0
