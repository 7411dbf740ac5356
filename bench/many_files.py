"""Many files in one decoder: memory per indexed file and random access over 1,000 short clips, with
each clip's index cold (first request) and warm (kept in the decoder's file cache, maxfiles large).

    python bench/many_files.py [--files 1000] [--calls 2000]

Clips: 1,000 copies (distinct files) of a few 64x64 clips of 60 frames (x264 GOP 30, x265 GOP 30,
SVT-AV1 GOP 30), made with the ffmpeg CLI into /tmp/odvd-bench-clips/many.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import on_demand_video_decoder as odvd
from _common import RESULTS_DIR, command_line, machine_info, markdown_table, summary, write_json

CLIPS_DIR = Path("/tmp/odvd-bench-clips/many")
ENCODERS = {"h264": ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-bf", "0"],
            "hevc": ["-c:v", "libx265", "-x265-params", "keyint=30:min-keyint=30:bframes=0:log-level=error"],
            "av1": ["-c:v", "libsvtav1", "-preset", "12", "-g", "30"]}


def rss_mib() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_clips(n: int):
    CLIPS_DIR.mkdir(parents=True, exist_ok=True)
    bases = []
    for codec, args in ENCODERS.items():
        base = CLIPS_DIR / f"base_{codec}.mp4"
        if not base.exists():
            subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                            "testsrc2=size=64x64:rate=30", "-frames:v", "60", *args, "-pix_fmt", "yuv420p", str(base)],
                           check=True)
        bases.append(base)
    paths = []
    for i in range(n):
        p = CLIPS_DIR / f"clip_{i:05d}.mp4"
        if not p.exists():
            shutil.copyfile(bases[i % len(bases)], p)
        paths.append(str(p))
    return paths


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--out", default=str(RESULTS_DIR / "many_files.json"))
    args = ap.parse_args(argv)
    paths = make_clips(args.files)
    for p in paths:  # the page cache warm: this measures the index and the decode, not the disk
        Path(p).read_bytes()
    decoder = odvd.PyNvGopDecoder(args.files, iGpu=-1, suppressNoColorRangeWarning=True)
    rng = np.random.default_rng(0)
    before = rss_mib()
    cold = []
    for p in paths:  # every file's first request: open + index + decode
        t = int(rng.integers(0, 60))
        start = time.perf_counter()
        decoder.Decode([p], [t])
        cold.append(time.perf_counter() - start)
    after = rss_mib()
    warm = []
    for _ in range(args.calls):
        p, t = paths[int(rng.integers(0, len(paths)))], int(rng.integers(0, 60))
        start = time.perf_counter()
        decoder.Decode([p], [t])
        warm.append(time.perf_counter() - start)
    bounded = odvd.PyNvGopDecoder(100, iGpu=-1, suppressNoColorRangeWarning=True)
    for p in paths:
        bounded.Decode([p], [0])
    result = {"files": args.files, "open_files": decoder._engine.open_files,
              "rss_mib_before": before, "rss_mib_after_indexing_all": after,
              "kib_per_indexed_file": (after - before) * 1024 / args.files,
              "cold_request_s": summary(cold), "warm_request_s": summary(warm),
              "bounded_maxfiles_100_open_files": bounded._engine.open_files,
              "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
    print(markdown_table(["files", "KiB per indexed file", "cold request (median)", "warm request (median)",
                          "open files with maxfiles=100"],
                         [(args.files, f"{result['kib_per_indexed_file']:.1f}",
                           f"{result['cold_request_s']['median'] * 1e3:.2f} ms",
                           f"{result['warm_request_s']['median'] * 1e3:.2f} ms",
                           result["bounded_maxfiles_100_open_files"])]))
    write_json(Path(args.out), {"benchmark": "many_files", "command": command_line(), "machine": machine_info(),
                                "settings": vars(args), "result": result})
    return 0


if __name__ == "__main__":
    sys.exit(main())
