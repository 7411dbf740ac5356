"""What reference-closure decoding saves (docs/reference-closure.md): packets fed per target and
random-access frames/s with closures against today's non-reference skip, on hierarchical content.

    python bench/reference_closure.py [--size 1280x720] [--frames 128] [--gop 32] [--calls 60] [--gpu N]
                                      [--clips-dir DIR] [--make-only]

Clips (made with the ffmpeg CLI, cached in /tmp/odvd-bench-clips/closure): x265 with 7 B-frames
between P frames and B-pyramid (`bframes=7:b-pyramid=1:b-adapt=0`), SVT-AV1 (its default 5-level
hierarchy, mini-GOP 16), libaom (alt-ref frames) and, as a control whose references are not read, x264
with B-pyramid. Both modes decode the same targets in the same process, calls interleaved; every
frame of the closure mode is checked against the other mode's first.
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from _common import RESULTS_DIR, command_line, machine_info, markdown_table, summary, warm_page_cache, write_json

DEFAULT_CLIPS_DIR = Path("/tmp/odvd-bench-clips/closure")

ENCODERS = {
    "hevc_x265_b7_pyramid": ["-c:v", "libx265", "-preset", "fast", "-x265-params",
                             "keyint={gop}:min-keyint={gop}:scenecut=0:bframes=7:b-pyramid=1:b-adapt=0:open-gop=0:log-level=error"],
    "av1_svt_hierarchical": ["-c:v", "libsvtav1", "-preset", "10", "-g", "{gop}"],
    "av1_aom_altref": ["-c:v", "libaom-av1", "-cpu-used", "8", "-g", "{gop}", "-keyint_min", "{gop}"],
    "h264_x264_b3_pyramid": ["-c:v", "libx264", "-preset", "fast", "-x264-params",
                             "keyint={gop}:min-keyint={gop}:scenecut=0:bframes=3:b-pyramid=normal:b-adapt=0"],
}


def make_clip(name: str, size: str, frames: int, gop: int, clips_dir: Path = DEFAULT_CLIPS_DIR) -> Path:
    """The clip (made with the ffmpeg CLI when missing: a GPU machine without ffmpeg uses the ones
    scripts/gpu/prepare.sh put into its kit)."""
    out = clips_dir / f"{name}_{size}_{frames}f_gop{gop}.mp4"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    args = [a.format(gop=gop) for a in ENCODERS[name]]
    tmp = out.with_suffix(".tmp.mp4")
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=size={size}:rate=30", "-frames:v", str(frames), *args, "-pix_fmt", "yuv420p",
                    str(tmp)], check=True)
    tmp.replace(out)
    return out


def measure(path: str, frames: int, calls: int, seed: int, gpu: int) -> dict:
    import on_demand_video_decoder as odvd  # here: --make-only runs where the package is not installed
    decoders = {"closure": odvd.PyNvGopDecoder(1, iGpu=gpu, reference_closure=True),
                "nonref_skip": odvd.PyNvGopDecoder(1, iGpu=gpu, reference_closure=False)}
    # Packets fed per target, every frame as a target once.
    fed = {}
    for mode, dec in decoders.items():
        counts = []
        for i in range(frames):
            before = dec._engine.packets_fed
            dec.Decode([path], [i])
            counts.append(dec._engine.packets_fed - before)
        fed[mode] = counts
    # Random access, one frame per call (RGB), the same targets for both modes, calls interleaved.
    rng = np.random.default_rng(seed)
    targets = [int(t) for t in rng.integers(0, frames, size=calls)]
    times = {mode: [] for mode in decoders}
    for t in targets[:5]:  # warm-up and check
        got = {mode: np.asarray(dec.DecodeN12ToRGB([path], [t])[0].cpu()) for mode, dec in decoders.items()}
        if not np.array_equal(got["closure"], got["nonref_skip"]):
            raise AssertionError(f"{path}: frame {t} differs between the modes")
    for t in targets:
        for mode, dec in decoders.items():
            start = time.perf_counter()
            dec.DecodeN12ToRGB([path], [t])  # frames are complete when returned, on the GPU too
            times[mode].append(time.perf_counter() - start)
    result = {}
    for mode in decoders:
        s = summary(times[mode])
        result[mode] = {"packets_fed_per_target": float(np.mean(fed[mode])),
                        "packets_fed_max": int(max(fed[mode])),
                        "seconds_per_call": s, "frames_per_s": 1.0 / s["median"]}
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="1280x720")
    p.add_argument("--frames", type=int, default=128)
    p.add_argument("--gop", type=int, default=32)
    p.add_argument("--calls", type=int, default=60)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--gpu", type=int, default=-1, help="-1: the CPU backend (default); N: NVDEC on GPU N")
    p.add_argument("--clips-dir", type=Path, default=DEFAULT_CLIPS_DIR)
    p.add_argument("--make-only", action="store_true", help="make the clips (scripts/gpu/prepare.sh) and stop")
    p.add_argument("--out", "--output", dest="out", default=str(RESULTS_DIR / "reference_closure.json"))
    args = p.parse_args(argv)
    if args.make_only:
        for name in ENCODERS:
            print(make_clip(name, args.size, args.frames, args.gop, args.clips_dir))
        return 0
    results = []
    for name in ENCODERS:
        path = make_clip(name, args.size, args.frames, args.gop, args.clips_dir)
        warm_page_cache([str(path)])
        r = measure(str(path), args.frames, args.calls, args.seed, args.gpu)
        results.append({"clip": name, "file": path.name, "mbytes": round(path.stat().st_size / 1e6, 2), **r})
        print(f"{name}: {r['closure']['packets_fed_per_target']:.1f} vs {r['nonref_skip']['packets_fed_per_target']:.1f} "
              f"packets per target; {r['closure']['frames_per_s']:.1f} vs {r['nonref_skip']['frames_per_s']:.1f} frames/s",
              file=sys.stderr)
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    data = {"benchmark": "reference_closure", "command": command_line(), "machine": machine_info(),
            "settings": settings, "results": results}
    write_json(Path(args.out), data)
    rows = [(e["clip"], f"{e['closure']['packets_fed_per_target']:.1f}", f"{e['nonref_skip']['packets_fed_per_target']:.1f}",
             f"{e['nonref_skip']['packets_fed_per_target'] / e['closure']['packets_fed_per_target']:.2f}x",
             f"{e['closure']['frames_per_s']:.1f}", f"{e['nonref_skip']['frames_per_s']:.1f}",
             f"{e['closure']['frames_per_s'] / e['nonref_skip']['frames_per_s']:.2f}x") for e in results]
    print(markdown_table(["clip", "packets per target, closure", "non-ref skip", "fewer", "frames/s, closure",
                          "non-ref skip", "speed-up"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
