"""What chroma_upsampling="bilinear" changes (docs/color.md section 8): accuracy at colour edges and
conversion cost, against nearest chroma.

(a) Accuracy: frame 0 of 1600x900 clips with sharp colour edges (lavfi testsrc2, smptehdbars,
    rgbtestsrc and mandelbrot; x264, yuv420p, left siting), decoded to RGB with each rule and
    compared with the ffmpeg CLI's bilinear chroma (swscale told the siting, 16-bit 4:4:4
    intermediate, the same matrix). Reported: max and mean |difference| in levels, and the share of
    samples more than 2 levels off.
(b) Cost: one random 1600x900 native frame (8-bit and 10-bit) through the CPU converter
    (``_engine._native_to_output``, one call per frame, the engine's threads), median ms per call.

    python bench/chroma_upsampling.py [--repeats 30]
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import _common

CLIPS_DIR = Path("/tmp/odvd-bench-clips/chroma")
SOURCES = ["testsrc2", "smptehdbars", "rgbtestsrc", "mandelbrot"]
WIDTH, HEIGHT = 1600, 900


def make_clip(source: str) -> Path:
    out = CLIPS_DIR / f"{source}_{WIDTH}x{HEIGHT}.mp4"
    if not out.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_suffix(".tmp.mp4")
        subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                        f"{source}=size={WIDTH}x{HEIGHT}:rate=25", "-frames:v", "3", "-c:v", "libx264", "-crf", "12",
                        "-pix_fmt", "yuv420p", "-colorspace", "bt709", "-color_range", "tv", str(tmp)], check=True)
        tmp.replace(out)
    return out


def ffmpeg_bilinear(path: Path) -> np.ndarray:
    vf = ("scale=in_h_chr_pos=0:in_v_chr_pos=128:in_range=tv:out_range=tv:flags=bilinear+accurate_rnd+full_chroma_int,"
          "format=yuv444p16le,scale=in_color_matrix=bt709:in_range=tv:flags=neighbor+accurate_rnd+full_chroma_int+bitexact")
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-vf", vf, "-frames:v", "1", "-f",
                          "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, np.uint8).reshape(HEIGHT, WIDTH, 3)


def time_call(fn, repeats: int) -> float:
    fn()
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(out))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "chroma_upsampling.json"))
    args = parser.parse_args(argv)

    import on_demand_video_decoder as odvd
    from on_demand_video_decoder import _engine

    decoder = odvd.PyNvGopDecoder(4, iGpu=-1)
    accuracy, rows = [], []
    for source in SOURCES:
        path = make_clip(source)
        reference = ffmpeg_bilinear(path).astype(int)
        entry = {"clip": source}
        for rule in ("nearest", "bilinear"):
            rgb = np.asarray(decoder.DecodeN12ToRGB([str(path)], [0], chroma_upsampling=rule)[0]).astype(int)
            diff = np.abs(rgb - reference)
            entry[rule] = {"max": int(diff.max()), "mean": float(diff.mean()), "over_2": float((diff > 2).mean())}
        accuracy.append(entry)
        rows.append([source] + [f"{entry[r]['max']} / {entry[r]['mean']:.3f} / {100 * entry[r]['over_2']:.2f}%"
                                for r in ("nearest", "bilinear")])
    print("(a) against ffmpeg's bilinear chroma: max / mean |diff| levels / samples > 2 levels off")
    print(_common.markdown_table(["clip (1600x900)", "nearest", "bilinear"], rows))

    rng = np.random.default_rng(0)
    cost, rows = [], []
    for depth in (8, 10):
        dtype = np.uint8 if depth == 8 else np.uint16
        native = (rng.integers(0, 1 << depth, (HEIGHT + HEIGHT // 2, WIDTH)) << (0 if depth == 8 else 16 - depth))
        native = native.astype(dtype)
        ms = {}
        for rule in ("nearest", "bilinear"):
            opts = _engine._OutputOptions(chroma_bilinear=rule == "bilinear", planar=True)
            ms[f"CHW {rule}"] = time_call(lambda: _engine._native_to_output(native, depth, "bt709", "limited", options=opts),
                                 args.repeats)
        ms["HWC nearest"] = time_call(lambda: _engine._native_to_rgb(native, depth, "bt709", "limited"),
                                            args.repeats)
        opts = _engine._OutputOptions(chroma_bilinear=True)
        ms["HWC bilinear"] = time_call(
            lambda: _engine._native_to_output(native, depth, "bt709", "limited", options=opts), args.repeats)
        cost.append({"bit_depth": depth, "ms": ms})
        rows.append([f"{depth}-bit"] + [f"{ms[k]:.2f}" for k in ms])
    print("(b) conversion of one 1600x900 frame, median ms")
    print(_common.markdown_table(["frame", "CHW nearest", "CHW bilinear", "HWC nearest", "HWC bilinear"], rows))
    _common.write_json(Path(args.output), {"benchmark": "chroma_upsampling", "machine": _common.machine_info(),
                                           "command": _common.command_line(), "accuracy": accuracy, "cost": cost})
    return 0


if __name__ == "__main__":
    sys.exit(main())
