"""Dataset store: prepare throughput against the `cat` bound, and random access from the store against
random access from the videos (docs/dataset-store.md; results in docs/benchmarks.md, "Dataset store").

    python bench/dataset_store.py [--short-clips 500] [--workers 1 2] [--repeats 3]

Datasets: (a) 500 short clips (8 distinct 320x240 clips, 60 frames, GOP 30, H.264 / HEVC / VP9 in
MP4 / MKV / WebM, each copied to many paths: every path is a video to prepare); (b) the 6 camera clips
of make_clips.py (1600x900 HEVC, 300 frames), each copied 10 times (60 videos), for large files.

- prepare: ``prepare`` (the catalogue alone) and ``prepare --bundles`` (catalogue and GOP shards) into
  an empty store, median of ``--repeats``; videos/s and MB/s of source; page cache warm (every file read once first) and cold (``drop_videos_cache`` on every file
  first). The bound is ``cat FILES > /dev/null`` on the same files in the same cache state; for a
  prepare that writes what it reads (``--bundles``) also ``cat FILES > file`` with an fsync.
- random access: per iteration one random frame of each of 6 cameras (a), or 8 random (clip, frame)
  pairs across the 500 clips (b); store: catalogue lookup + one pread per GOP + DecodeFromGOPListRGB;
  videos: DecodeN12ToRGB on the files (index, demux, decode). Same decoder settings (CPU, maxfiles=8),
  page cache warm, the same targets for both; frames/s, median of ``--repeats`` passes.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import RESULTS_DIR, command_line, machine_info, markdown_table, write_json  # noqa: E402
from make_clips import add_clip_arguments, clips_from_args  # noqa: E402

import on_demand_video_decoder as odvd  # noqa: E402
from on_demand_video_decoder.dataset import GopStore, prepare  # noqa: E402

_SHORT = [  # (name, ext, encoder args)
    ("h264_mp4", "mp4", ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0"]),
    ("h264_mkv", "mkv", ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "2"]),
    ("h264_mov", "mov", ["-c:v", "libx264", "-preset", "veryfast", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0"]),
    ("hevc_mp4", "mp4", ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
                         "-x265-params", "keyint=30:min-keyint=30:scenecut=0:log-level=error"]),
    ("hevc_mkv", "mkv", ["-c:v", "libx265", "-preset", "ultrafast",
                         "-x265-params", "keyint=30:min-keyint=30:scenecut=0:bframes=3:log-level=error"]),
    ("vp9_webm", "webm", ["-c:v", "libvpx-vp9", "-g", "30", "-keyint_min", "30", "-deadline", "realtime", "-cpu-used", "8"]),
    ("vp9_mkv", "mkv", ["-c:v", "libvpx-vp9", "-g", "30", "-keyint_min", "30", "-deadline", "realtime", "-cpu-used", "8"]),
    ("h264_mp4_b", "mp4", ["-c:v", "libx264", "-preset", "medium", "-g", "30", "-keyint_min", "30", "-sc_threshold", "0", "-bf", "3"]),
]


def short_clips(folder: Path, count: int):
    """``count`` short clips (copies of 8 distinct ones) under ``folder``, made once."""
    bases = folder / "_bases"
    bases.mkdir(parents=True, exist_ok=True)
    made = []
    for i, (name, ext, enc) in enumerate(_SHORT):
        p = bases / f"{name}.{ext}"
        if not p.exists():
            src = ["testsrc2", "mandelbrot", "life", "cellauto", "smptehdbars", "rgbtestsrc", "testsrc", "yuvtestsrc"][i]
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{src}=size=320x240:rate=30",
                            "-frames:v", "60", *enc, "-pix_fmt", "yuv420p", str(p) + ".tmp." + ext], check=True)
            os.replace(str(p) + ".tmp." + ext, p)
        made.append(p)
    data = folder / "videos"
    paths = []
    for k in range(count):
        base = made[k % len(made)]
        dst = data / f"d{k // 100:02d}" / f"clip{k:04d}_{base.name}"
        if not dst.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(base, dst)
        paths.append(str(dst))
    return data, paths


def copied(folder: Path, paths, copies: int):
    """``copies`` copies of each path (real copies, not links: each is read from disk when cold)."""
    data = folder / "videos"
    out = []
    for k in range(copies):
        for p in paths:
            dst = data / f"c{k:02d}" / os.path.basename(p)
            if not dst.exists() or dst.stat().st_nlink > 1:
                dst.parent.mkdir(parents=True, exist_ok=True)
                if dst.exists():
                    dst.unlink()
                shutil.copyfile(p, dst)
            out.append(str(dst))
    return data, out


def _warm(paths):
    for p in paths:
        with open(p, "rb") as f:
            while f.read(1 << 22):
                pass


def _cold(paths):
    odvd.drop_videos_cache(paths)


def time_cat(paths, cold: bool) -> float:
    (_cold if cold else _warm)(paths)
    t0 = time.perf_counter()
    for i in range(0, len(paths), 200):
        subprocess.run(["cat", *paths[i:i + 200]], stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def time_copy(paths, cold: bool, target: Path) -> float:
    """``cat FILES > target`` and an fsync: the same bytes read and written durably, the I/O bound of a
    prepare that writes what it reads (``--bundles``, whose default fsyncs its shards)."""
    (_cold if cold else _warm)(paths)
    target.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    with open(target, "wb") as f:
        for i in range(0, len(paths), 200):
            subprocess.run(["cat", *paths[i:i + 200]], stdout=f, check=True)
        os.fsync(f.fileno())
    seconds = time.perf_counter() - t0
    target.unlink()
    return seconds


def time_prepare(data: Path, paths, store: Path, workers: int, kind: str, durable: bool, cold: bool,
                 bundles: bool = True) -> dict:
    """``data``: a text file listing ``paths`` (prepare's SRC)."""
    data.write_text("".join(p + "\n" for p in paths))
    shutil.rmtree(store, ignore_errors=True)
    (_cold if cold else _warm)(paths)
    t0 = time.perf_counter()
    if kind.startswith("ray"):
        summary = prepare([str(data)], str(store), bundles=True, engine="ray", durable=durable, progress=False,
                          ray_shared_store=kind == "ray-shared")
    else:
        summary = prepare([str(data)], str(store), bundles=bundles, workers=workers, worker_kind=kind,
                          durable=durable, progress=False)
    seconds = time.perf_counter() - t0
    assert summary["errors"] == 0 and summary["videos"] == len(paths), summary
    return {"seconds": seconds, "summary": summary}


# (workers, worker kind, fsync[, bundles]): the catalogue alone (prepare without --bundles) with 2
# workers, then --bundles: the default (threads, fsync) with 1 and 2 workers, without fsync, processes.
# Ray: a local Ray with 2 CPUs (started once, not timed), one task per batch.
# "ray-shared": its tasks write their shards into the store (a shared folder) instead of returning them.
VARIANTS = [(2, "thread", True, False), (1, "thread", True), (2, "thread", True), (2, "thread", False),
            (2, "process", True), (2, "ray", True), (2, "ray-shared", True)]


def bench_prepare(name, folder, paths, store, args):
    data = Path(str(folder) + ".txt")
    nbytes = sum(os.path.getsize(p) for p in paths)
    rows = []
    for cold in (False, True):
        cat_s = statistics.median(time_cat(paths, cold) for _ in range(args.repeats))
        cat_mb = nbytes / cat_s / 1e6
        rows.append({"dataset": name, "cache": "cold" if cold else "warm", "what": "cat", "workers": None,
                     "seconds": cat_s, "videos_per_s": len(paths) / cat_s, "mb_per_s": cat_mb})
        copy_s = statistics.median(time_copy(paths, cold, store.parent / "copy.tmp") for _ in range(args.repeats))
        copy_mb = nbytes / copy_s / 1e6
        rows.append({"dataset": name, "cache": "cold" if cold else "warm", "what": "cat > file + fsync", "workers": None,
                     "seconds": copy_s, "videos_per_s": len(paths) / copy_s, "mb_per_s": copy_mb,
                     "percent_of_cat": 100 * copy_mb / cat_mb, "percent_of_copy": 100.0})
        for w, kind, durable, *catalogue_only in VARIANTS:
            bundles = not catalogue_only or catalogue_only[0]
            if w not in args.workers or (kind.startswith("ray") and not args.ray):
                continue
            if kind.startswith("ray"):  # started for these runs only (its idle processes would slow the others)
                import ray

                ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
                         runtime_env={"env_vars": {"PYTHONPATH": os.pathsep.join(sys.path)}})
                time_prepare(data, paths[:32], store, w, kind, durable, cold, bundles)  # workers started, untimed
            try:
                runs = [time_prepare(data, paths, store, w, kind, durable, cold, bundles) for _ in range(args.repeats)]
            finally:
                if kind.startswith("ray"):
                    ray.shutdown()
            s = statistics.median(r["seconds"] for r in runs)
            mb = nbytes / s / 1e6
            what = ("prepare --bundles" if bundles else "prepare") + ("" if durable else " --no-fsync") + {"process": " --processes",
                                                                                  "ray": " --engine ray",
                                                                                  "ray-shared": " --engine ray --ray-shared-store"}.get(kind, "")
            rows.append({"dataset": name, "cache": "cold" if cold else "warm", "what": what,
                         "workers": w, "worker_kind": kind, "durable": durable, "bundles": bundles, "seconds": s, "seconds_all": [r["seconds"] for r in runs],
                         "videos_per_s": len(paths) / s, "mb_per_s": mb, "percent_of_cat": 100 * mb / cat_mb,
                         "percent_of_copy": 100 * mb / copy_mb, "shards": runs[0]["summary"]["shards"]})
            print(f"{name} {'cold' if cold else 'warm'} {what} workers={w}: {len(paths) / s:.1f} videos/s, {mb:.1f} MB/s "
                  f"({100 * mb / cat_mb:.0f}% of cat {cat_mb:.0f} MB/s, {100 * mb / copy_mb:.0f}% of cat > file + fsync "
                  f"{copy_mb:.0f} MB/s)", file=sys.stderr)
    return {"videos": len(paths), "mbytes": nbytes / 1e6, "rows": rows}


def prepare_for_random(data, paths, folder):
    list_file = Path(str(data) + ".txt")
    list_file.write_text("".join(p + "\n" for p in paths))
    shutil.rmtree(folder, ignore_errors=True)
    prepare([str(list_file)], str(folder), bundles=True, workers=2, progress=False)


def bench_random(name, paths, store_dir, per_iter, iterations, args):
    store = GopStore(store_dir)
    rng = np.random.default_rng(args.seed)
    counts = {p: store.frame_count(p) for p in paths}
    plans = []
    for _ in range(args.repeats):
        plan = []
        for _ in range(iterations):
            vids = paths if per_iter is None else [paths[i] for i in rng.choice(len(paths), per_iter, replace=False)]
            plan.append((vids, [int(rng.integers(0, counts[v])) for v in vids]))
        plans.append(plan)
    _warm(paths)
    for p in store.shards.column("name").to_pylist():
        _warm([os.path.join(store_dir, "shards", p)])

    def from_store(dec, vids, ids):
        bundles = [store.get(v, [i])[0] for v, i in zip(vids, ids)]
        return dec.DecodeFromGOPListRGB(bundles, [store.bundle_path(v) for v in vids], ids)

    def from_videos(dec, vids, ids):
        return dec.DecodeN12ToRGB(vids, ids)

    def read_only(dec, vids, ids):
        return [store.get(v, [i])[0] for v, i in zip(vids, ids)]

    result = {}
    methods = {"store": from_store, "videos": from_videos, "store lookup+read only": read_only}
    decs = {m: odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1, suppressNoColorRangeWarning=True) for m in methods}
    # Check once: the same frames both ways.
    vids, ids = plans[0][0]
    a, b = from_store(decs["store"], vids, ids), from_videos(decs["videos"], vids, ids)
    assert all(np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a, b))
    # Interleaved per iteration (the methods in rotating order on the same targets), so a machine whose
    # speed drifts (shared cores) slows every method alike; the paired ratio per iteration is the
    # robust figure.
    times = {m: [] for m in methods}
    per_iter = {m: [] for m in methods}
    names = list(methods)
    for r, plan in enumerate(plans):
        totals = {m: 0.0 for m in methods}
        for k, (vids, ids) in enumerate(plan):
            for m in names[k % len(names):] + names[:k % len(names)]:
                t0 = time.perf_counter()
                methods[m](decs[m], vids, ids)
                dt = time.perf_counter() - t0
                totals[m] += dt
                per_iter[m].append(dt)
        for m in methods:
            times[m].append(totals[m])
    frames = sum(len(ids) for _, ids in plans[0])
    for m in methods:
        fps = [frames / t for t in times[m]]
        result[m] = {"frames_per_s": statistics.median(fps), "min": min(fps), "max": max(fps),
                     "ms_per_frame": 1000 / statistics.median(fps)}
        print(f"{name} random access {m}: {statistics.median(fps):.1f} frames/s", file=sys.stderr)
    ratios = [v / s for s, v in zip(per_iter["store"], per_iter["videos"])]
    result["speedup_store_over_videos"] = {"median_of_iterations": statistics.median(ratios),
                                           "iterations": len(ratios)}
    print(f"{name} random access store / videos speed: {statistics.median(ratios):.3f}x (median of "
          f"{len(ratios)} paired iterations)", file=sys.stderr)
    return {"frames_per_pass": frames, **result}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_clip_arguments(p)
    p.add_argument("--work-dir", default="/tmp/odvd-bench-dataset")
    p.add_argument("--short-clips", type=int, default=500)
    p.add_argument("--camera-copies", type=int, default=10)
    p.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--iterations", type=int, default=10, help="random-access iterations per pass")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--parts", nargs="+", choices=("prepare", "random"), default=["prepare", "random"])
    p.add_argument("--no-ray", dest="ray", action="store_false", help="leave out the Ray engine (default: in, when Ray imports)")
    p.add_argument("--out", default=str(RESULTS_DIR / "dataset_store.json"))
    args = p.parse_args(argv)
    work = Path(args.work_dir)
    cams = clips_from_args(args)
    short_data, short_paths = short_clips(work / "short", args.short_clips)
    cam_data, cam_paths = copied(work / "cams", cams, args.camera_copies)
    if args.ray:
        try:
            import ray  # noqa: F401
        except ImportError:
            args.ray = False
    out = {"benchmark": "dataset_store", "command": command_line(), "machine": machine_info(), "prepare": {}, "random_access": {}}
    if "prepare" in args.parts:
        out["prepare"]["short_clips"] = bench_prepare("short clips", short_data, short_paths, work / "store-short", args)
        out["prepare"]["cameras"] = bench_prepare("6 cameras x copies", cam_data, cam_paths, work / "store-cams", args)
    if "prepare" not in args.parts:  # the stores random access reads
        for folder, data, paths in ((work / "store-short", short_data, short_paths),
                                    (work / "store-cams", cam_data, cam_paths)):
            prepare_for_random(data, paths, folder)
    cam_paths = [p for p in sorted(cam_paths) if "/c00/" in p]  # the 6 cameras, once
    if "random" in args.parts:
        out["random_access"]["6 cameras"] = bench_random("6 cameras", cam_paths, work / "store-cams", None,
                                                         args.iterations, args)
        out["random_access"]["500 short clips"] = bench_random("short clips", short_paths, work / "store-short", 8,
                                                               args.iterations * 4, args)
    out["machine"] = machine_info()  # at the end: its load average is then the run's
    write_json(Path(args.out), out)
    rows = [[r["dataset"], r["cache"], r["what"], r["workers"] or "", f"{r['videos_per_s']:.1f}",
             f"{r['mb_per_s']:.1f}", f"{r.get('percent_of_cat', 100):.0f}%",
             f"{r['percent_of_copy']:.0f}%" if "percent_of_copy" in r else ""]
            for d in out["prepare"].values() for r in d["rows"]]
    print(markdown_table(["dataset", "page cache", "what", "workers", "videos/s", "MB/s", "% of cat",
                          "% of cat > file + fsync"], rows))
    rows = [[name, m, f"{v['frames_per_s']:.1f}", f"{v['min']:.1f}-{v['max']:.1f}"]
            for name, d in out["random_access"].items() for m, v in d.items() if isinstance(v, dict) and "min" in v]
    print(markdown_table(["dataset", "from", "frames/s (median)", "min-max"], rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
