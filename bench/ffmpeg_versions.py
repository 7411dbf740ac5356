"""Decode-only speed of two ffmpeg CLIs (e.g. FFmpeg 5.1 against 7.1) on the same clips, A/B interleaved.

Each timed run is ``FFMPEG -hide_banner -nostdin -benchmark -threads T -i CLIP -f null -`` (decoder
threads T, frame + slice threading as libavcodec defaults, the wrapped_avframe encoder and the null
muxer: nothing but demux + decode). The ``bench: utime=... rtime=...`` line gives CPU time (all
threads) and wall time; frames/s are reported both ways (frames / utime: CPU cost; frames / rtime:
wall-clock speed), with the median and min-max over passes, and the B/A ratio paired within each
pass (median and min-max of the per-pass ratios). Runs are interleaved: every pass runs each (clip, threads) once with A and once
with B back to back, A first on odd passes and B first on even ones, so load drift on a shared
machine does not favour one side. ``/proc/loadavg`` is recorded with every run.

Build the two CLIs with identical configure flags (docs/benchmarks.md, "FFmpeg 5.1 against 7.1",
has the flags used) so the comparison is of libavcodec, not of what else was enabled.

    python bench/ffmpeg_versions.py /tmp/ff7/prefix51/bin/ffmpeg /tmp/ff7/prefix/bin/ffmpeg \\
        --labels 5.1 7.1 --passes 5 --threads 1 3
    python bench/ffmpeg_versions.py A B --clips-dir DIR --make-clips   # make the clips first (needs
        # an ffmpeg with libx264, libx265 and libvpx: --encoder, default `ffmpeg` on PATH)

Prints a Markdown table (median and min-max over passes) and writes every run to --out as JSON.
"""

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

DEFAULT_CLIPS_DIR = "/tmp/odvd-bench-clips/ffmpeg-versions"

# name -> (frames, ffmpeg arguments after the input that encode the clip). Source: testsrc2.
CLIPS = {
    "a_hevc_1600x900_gop30.mp4": (
        "1600x900", 300,
        ["-c:v", "libx265", "-preset", "ultrafast",
         "-x265-params", "keyint=30:min-keyint=30:scenecut=0:bframes=0:log-level=error"]),
    "b_h264_1600x900_gop30_b3.mp4": (
        "1600x900", 300,
        ["-c:v", "libx264", "-preset", "veryfast",
         "-x264-params", "keyint=30:min-keyint=30:scenecut=0:bframes=3:b-pyramid=normal"]),
    "c_h264_1920x1080_gop250.mp4": (
        "1920x1080", 300,
        ["-c:v", "libx264", "-preset", "veryfast", "-g", "250"]),
    "d_vp9_1280x720.webm": (
        "1280x720", 150,
        ["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "2M"]),
}

BENCH_RE = re.compile(r"bench: utime=([0-9.]+)s stime=([0-9.]+)s rtime=([0-9.]+)s")
FRAME_RE = re.compile(r"frame=\s*(\d+)")


def make_clips(encoder, clips_dir):
    clips_dir.mkdir(parents=True, exist_ok=True)
    for name, (size, frames, args) in CLIPS.items():
        path = clips_dir / name
        if path.exists():
            continue
        cmd = [encoder, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi",
               "-i", f"testsrc2=size={size}:rate=30", "-frames:v", str(frames), "-pix_fmt", "yuv420p",
               *args, str(path)]
        print("making", name, file=sys.stderr)
        subprocess.run(cmd, check=True)


def loadavg():
    try:
        return Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        return None


def run_once(ffmpeg, clip, threads):
    cmd = [ffmpeg, "-hide_banner", "-nostdin", "-benchmark", "-threads", str(threads), "-i", str(clip),
           "-f", "null", "-"]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{p.stderr[-2000:]}")
    m = BENCH_RE.search(p.stderr)
    frames = FRAME_RE.findall(p.stderr)
    if not m or not frames:
        raise RuntimeError(f"no bench/frame line from {' '.join(cmd)}:\n{p.stderr[-2000:]}")
    return {"frames": int(frames[-1]), "utime": float(m.group(1)), "stime": float(m.group(2)),
            "rtime": float(m.group(3))}


def version_line(ffmpeg):
    p = subprocess.run([ffmpeg, "-hide_banner", "-version"], stdout=subprocess.PIPE, text=True)
    lines = p.stdout.splitlines()
    return {"version": lines[0] if lines else "",
            "configuration": next((l for l in lines if l.startswith("configuration:")), ""),
            "libavcodec": next((l.strip() for l in lines if l.startswith("libavcodec")), "")}


def fmt(values):
    return f"{statistics.median(values):.1f} ({min(values):.1f}-{max(values):.1f})"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("ffmpeg_a")
    ap.add_argument("ffmpeg_b")
    ap.add_argument("--labels", nargs=2, default=["A", "B"])
    ap.add_argument("--clips-dir", type=Path, default=Path(DEFAULT_CLIPS_DIR))
    ap.add_argument("--clips", nargs="*", help="clip file names in --clips-dir (default: those present)")
    ap.add_argument("--make-clips", action="store_true", help="encode the missing clips first")
    ap.add_argument("--encoder", default="ffmpeg", help="ffmpeg with libx264/libx265/libvpx for --make-clips")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 3])
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--out", type=Path, default=Path("bench/results/ffmpeg_versions.json"))
    args = ap.parse_args()

    if args.make_clips:
        make_clips(args.encoder, args.clips_dir)
    names = args.clips or [n for n in CLIPS if (args.clips_dir / n).exists()]
    if not names:
        sys.exit(f"no clips in {args.clips_dir} (use --make-clips)")
    sides = [(args.labels[0], args.ffmpeg_a), (args.labels[1], args.ffmpeg_b)]

    # Warm-up: every clip read and decoded once by each CLI (page cache, first-run effects).
    for name in names:
        for _, ff in sides:
            run_once(ff, args.clips_dir / name, 1)

    runs = []
    for p in range(args.passes):
        order = sides if p % 2 == 0 else sides[::-1]
        for name in names:
            for t in args.threads:
                for label, ff in order:
                    r = run_once(ff, args.clips_dir / name, t)
                    r.update({"pass": p, "clip": name, "threads": t, "side": label, "loadavg": loadavg()})
                    runs.append(r)
        print(f"pass {p + 1}/{args.passes} done, loadavg {' '.join(loadavg() or [])}", file=sys.stderr)

    rows = []
    la, lb = args.labels
    print(f"| clip | threads | {la} fps (utime) | {lb} fps (utime) | {lb}/{la} paired (utime) | "
          f"{la} fps (rtime) | {lb} fps (rtime) | {lb}/{la} paired (rtime) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in names:
        for t in args.threads:
            by = {label: {r["pass"]: r for r in runs if r["clip"] == name and r["threads"] == t
                          and r["side"] == label} for label in (la, lb)}
            row = {"clip": name, "threads": t}
            cells = []
            for kind in ("utime", "rtime"):
                fps = {label: [by[label][p]["frames"] / by[label][p][kind] for p in sorted(by[label])]
                       for label in (la, lb)}
                # Paired: the two sides of one pass ran back to back, under the same load.
                paired = [b / a for a, b in zip(fps[la], fps[lb])]
                row.update({f"{la}_fps_{kind}": fps[la], f"{lb}_fps_{kind}": fps[lb], f"paired_{kind}": paired})
                cells += [fmt(fps[la]), fmt(fps[lb]),
                          f"{statistics.median(paired):.3f}x ({min(paired):.2f}-{max(paired):.2f})"]
            print(f"| {name} | {t} | " + " | ".join(cells) + " |")
            rows.append(row)
    loads = [float(r["loadavg"][0]) for r in runs if r["loadavg"]]
    if loads:
        print(f"\nloadavg (1 min) over the runs: median {statistics.median(loads):.2f}, "
              f"min {min(loads):.2f}, max {max(loads):.2f}; {os.cpu_count()} CPUs")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d %H:%M:%S"), "machine": platform.platform(),
        "cpus": os.cpu_count(), "passes": args.passes, "threads": args.threads,
        "sides": {label: {"path": ff, **version_line(ff)} for label, ff in sides},
        "summary": rows, "runs": runs}, indent=1))
    print(f"\nraw runs: {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
