"""Whether the cost of a request depends on the length of the file: per-call time of GetGOP (plan +
read one GOP into a bundle) and of Decode (plan + decode one frame) on indexes of 300, 3,600 (one hour
at 1 fps) and 324,000 frames (three hours at 30 fps), tiny frames so that the GOP's work is small and
any cost that grows with the index shows.

    python bench/plan_scaling.py [--calls 300]

Clips: testsrc2 32x32, x264 ultrafast, closed GOPs of 30 frames (no B-frames), made with the ffmpeg
CLI into /tmp/odvd-bench-clips/plan (the 3-hour one takes about a minute).
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import on_demand_video_decoder as odvd
from _common import RESULTS_DIR, command_line, machine_info, markdown_table, summary, write_json

CLIPS_DIR = Path("/tmp/odvd-bench-clips/plan")
LENGTHS = {"300 frames (10 s at 30 fps)": (300, 30), "3,600 frames (1 h at 1 fps)": (3600, 1),
           "324,000 frames (3 h at 30 fps)": (324000, 30)}


def make_clip(frames: int, fps: int) -> Path:
    out = CLIPS_DIR / f"plan_{frames}f_{fps}fps.mp4"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp.mp4")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=size=32x32:rate={fps}", "-frames:v", str(frames), "-c:v", "libx264", "-preset",
                        "ultrafast", "-x264-params", "keyint=30:min-keyint=30:scenecut=0:bframes=0", "-pix_fmt",
                        "yuv420p", str(tmp)], check=True)
        tmp.replace(out)
    return out


def per_call(call, targets) -> dict:
    times = []
    for t in targets:
        start = time.perf_counter()
        call(int(t))
        times.append(time.perf_counter() - start)
    return summary(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--calls", type=int, default=300)
    p.add_argument("--out", default=str(RESULTS_DIR / "plan_scaling.json"))
    args = p.parse_args(argv)
    results = []
    for label, (frames, fps) in LENGTHS.items():
        path = str(make_clip(frames, fps))
        decoder = odvd.PyNvGopDecoder(1, iGpu=-1, num_threads=1, suppressNoColorRangeWarning=True)
        start = time.perf_counter()
        decoder.Decode([path], [0])  # opens and indexes the file (not timed below)
        open_s = time.perf_counter() - start
        targets = np.random.default_rng(0).integers(0, frames, size=args.calls)
        for t in targets[:20]:  # warm-up: allocators, the decoder kept idle, the page cache
            decoder.GetGOP([path], [int(t)])
            decoder.Decode([path], [int(t)])
        get_gop = per_call(lambda t: decoder.GetGOP([path], [t]), targets)
        decode = per_call(lambda t: decoder.Decode([path], [t]), targets)
        results.append({"index": label, "frames": frames, "open_and_index_s": open_s, "get_gop_s": get_gop,
                        "decode_s": decode})
    base = results[0]
    rows = [(r["index"], f"{r['open_and_index_s'] * 1e3:.0f}", f"{r['get_gop_s']['median'] * 1e6:.0f}",
             f"{r['get_gop_s']['median'] / base['get_gop_s']['median']:.2f}", f"{r['decode_s']['median'] * 1e6:.0f}",
             f"{r['decode_s']['median'] / base['decode_s']['median']:.2f}") for r in results]
    print(markdown_table(["index", "open + index, ms", "GetGOP, us/call", "vs 300", "Decode, us/call", "vs 300"], rows))
    write_json(Path(args.out), {"benchmark": "plan_scaling", "command": command_line(), "machine": machine_info(),
                                "settings": vars(args), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
