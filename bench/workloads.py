"""Workloads A-E on the CPU against peer libraries, interleaved across adapters.

- A: 6-camera random access, one random frame per camera per call (RGB uint8 HWC)
- B: clip sampling, 8 consecutive frames at a random start from each of 6 cameras per call
- C: sequential decode of whole clips to RGB
- D: 16 sorted random frames of one long-GOP clip in one call
- E: open + first frame of a file not seen before (a new copy of the file for every call)
- peak RSS of workload A per adapter, each in its own process (VmHWM)

A, B and C run on two six-camera sets (HEVC GOP 30 without B-frames; H.264 GOP 30 with B-pyramids),
D and E on a 1080p H.264 clip with GOP 250 (_workloads_run.py). Each pass times one adapter;
pass r of every adapter runs before pass r + 1 of any. Every warm-up call and the last call of
every pass is checked against PyAV's frame for the same frame_id (_workloads_check.py); an adapter
that fails a check or raises is reported with the reason and no number for that workload.

    python bench/workloads.py                     # all adapters that load, all workloads
    python bench/workloads.py --quick             # a smoke run: small clips, few iterations
    python bench/workloads.py --adapters odvd pyav decord2 --workloads A D

Writes bench/results/workloads.json (--quick: workloads_quick.json), prints Markdown tables, and
draws one plot per workload with bench/plot.py when matplotlib is installed.
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np

import _common
import _workloads_run as wrun
from _workloads_check import Reference
from adapters import make_adapter, spec_argument

DEFAULT_ADAPTERS = ["odvd", "pyav", "opencv", "decord2", "video-reader-rs", "spdl", "torchcodec"]
FULL = dict(iterations=dict(A=30, B=10, D=10, E=10), warmup=dict(A=2, B=2, D=2, E=1), repeats=5, c_repeats=3)
QUICK = dict(iterations=dict(A=6, B=3, D=3, E=3), warmup=dict(A=1, B=1, D=1, E=1), repeats=2, c_repeats=2)
OURS = "odvd"


def requests_for(key, set_index, clips, args, mode):
    """(warm-up requests, timed requests, C's checked positions per clip), seeded per workload and set."""
    rng = np.random.default_rng([args.seed, ord(key), set_index])
    w = wrun.WORKLOADS[key]
    n_warm, n_iter = mode["warmup"].get(key, 1), args.iterations or mode["iterations"].get(key, 1)
    warm = [w.draw(rng, clips) for _ in range(n_warm)]
    timed = [w.draw(rng, clips) for _ in range(n_iter)]
    samples = {c.path: sorted({0, int(rng.integers(1, c.num_frames - 1)), c.num_frames - 1}) for c in clips}
    return warm, timed, samples


def open_adapters(specs, clips, failed):
    ready = []
    for spec in specs:
        try:
            adapter = make_adapter(spec)
            entry = {"spec": spec, "label": adapter.label(), "versions": adapter.versions()}
            adapter.prepare(clips)
        except (ImportError, RuntimeError, OSError) as e:
            if not any(f["spec"] == spec for f in failed):
                print(f"[{spec}] skipped: {type(e).__name__}: {e}", file=sys.stderr)
                failed.append({"spec": spec, "error": f"{type(e).__name__}: {e}"})
            continue
        ready.append((adapter, entry))
    return ready


def run_workload(key, set_name, set_index, clips, ready, ref, args, mode):
    """Warm-up (checked) then interleaved timed passes; one result entry per adapter."""
    w = wrun.WORKLOADS[key]
    warm, timed, samples = requests_for(key, set_index, clips, args, mode)
    entries, live = [], []
    for adapter, info in ready:
        e = {"workload": key, "clip_set": set_name, "spec": info["spec"], "label": info["label"], "unit": w.unit}
        entries.append(e)
        if not adapter.supports(w.capability):
            e["error"] = f"not implemented ({w.capability})"
            continue
        try:
            wrun.warm_up(ref, adapter, w, clips, warm, samples)
            live.append((adapter, e))
            e["runs"] = []
        except Exception as ex:  # noqa: BLE001 - a peer's failure is a result, not a crash
            e["error"] = f"{type(ex).__name__}: {ex}"
            print(f"[{info['label']}] {key}/{set_name} failed in warm-up: {e['error']}", file=sys.stderr)
    repeats = mode["c_repeats"] if key == "C" else mode["repeats"]
    for r in range(args.repeats or repeats):
        for adapter, e in live:
            if "error" in e:
                continue
            try:
                value = wrun.timed_pass(ref, adapter, w, clips, timed)
            except Exception as ex:  # noqa: BLE001
                e["error"] = f"{type(ex).__name__}: {ex}"
                print(f"[{e['label']}] {key}/{set_name} pass {r} failed: {e['error']}", file=sys.stderr)
                continue
            e["runs"].append(value)
            print(f"[{e['label']}] {key}/{set_name} pass {r}: {value:.2f} {w.unit}", file=sys.stderr)
    for e in entries:
        if "error" in e:
            e.pop("runs", None)
        elif e.get("runs"):
            e["summary"] = _common.summary(e["runs"])
    return entries, {"warmup": warm, "timed": timed, "c_samples": samples if key == "C" else None}


def add_ratios(results):
    """ours / peer as a speed ratio (> 1: ours faster): frames/s ours / peer, or ms/file peer / ours."""
    ours = {(e["workload"], e["clip_set"]): e["summary"]["median"] for e in results
            if e["spec"].split(":")[0] == OURS and "summary" in e}
    for e in results:
        base = ours.get((e["workload"], e["clip_set"]))
        if base and "summary" in e:
            m = e["summary"]["median"]
            e["ours_over_peer"] = base / m if e["unit"] == "frames/s" else m / base


def measure_rss(specs, set_name, args):
    """Peak RSS of workload A per adapter, each in a child process running this script."""
    rows = []
    for spec in specs:
        cmd = [sys.executable, __file__, "--rss-child", spec, "--rss-set", set_name, "--seed", str(args.seed),
               "--clips-dir", args.clips_dir] + (["--quick"] if args.quick else []) + (
               ["--iterations", str(args.iterations)] if args.iterations else [])
        proc = subprocess.run(cmd, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("RSS ")]
        row = {"spec": spec, "clip_set": set_name}
        if proc.returncode == 0 and lines:
            row.update(json.loads(lines[-1][4:]))
            print(f"[{spec}] A/{set_name} peak RSS {row['peak_rss_mib']:.0f} MiB", file=sys.stderr)
        else:
            row["error"] = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        rows.append(row)
    return rows


def rss_child(args, mode) -> int:
    """Run workload A for one adapter (warm-up + one pass) and print its memory as one JSON line."""
    adapter = make_adapter(args.rss_child)
    before = wrun.read_memory_kib()["VmRSS"]
    set_index = list(wrun.CLIP_SETS).index(args.rss_set)
    clips = wrun.load_clip_set(args.rss_set, args.quick, args.clips_dir)
    warm, timed, _ = requests_for("A", set_index, clips, args, mode)
    adapter.prepare(clips)
    paths = [c.path for c in clips]
    last = None
    for ids in warm + timed:
        last = adapter.decode_rgb(paths, ids)
    mem = wrun.read_memory_kib()  # before the check, which loads PyAV
    wrun.check_result(Reference(), adapter, wrun.WORKLOADS["A"], clips, timed[-1], last)
    print("RSS " + json.dumps({"label": adapter.label(), "rss_before_prepare_mib": before / 1024,
                               "peak_rss_mib": mem["VmHWM"] / 1024, "calls": len(warm) + len(timed)}))
    return 0


def tables(results, rss):
    out = []
    peak = {(r["spec"], r["clip_set"]): r for r in rss}
    for key, w in wrun.WORKLOADS.items():
        rows = [e for e in results if e["workload"] == key]
        if not rows:
            continue
        head = ["adapter", "clips", f"{w.unit} median (min-max)", "ours / peer (speed)"]
        if key == "A" and rss:
            head += ["peak RSS MiB (before prepare)"]
        body = []
        for e in rows:
            if "summary" in e:
                s = e["summary"]
                value = f"{s['median']:.1f} ({s['min']:.1f}-{s['max']:.1f})" if w.unit == "frames/s" else \
                    f"{s['median']:.2f} ({s['min']:.2f}-{s['max']:.2f})"
                ratio = f"{e['ours_over_peer']:.2f}" if "ours_over_peer" in e else "-"
            else:
                value, ratio = "failed: " + e.get("error", "no result")[:160].replace("|", "/"), "-"
            row = [e["label"], e["clip_set"], value, ratio]
            if key == "A" and rss:
                r = peak.get((e["spec"], e["clip_set"]), {})
                row.append(f"{r['peak_rss_mib']:.0f} ({r['rss_before_prepare_mib']:.0f})" if "peak_rss_mib" in r
                           else "-")
            body.append(row)
        out.append(f"**{key}: {w.title}**\n\n" + _common.markdown_table(head, body))
    return "\n\n".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--adapters", nargs="+", default=DEFAULT_ADAPTERS, type=spec_argument,
                        help="adapter specs, name[:key=value,...] (default: %(default)s)")
    parser.add_argument("--workloads", nargs="+", default=list(wrun.WORKLOADS), choices=list(wrun.WORKLOADS))
    parser.add_argument("--quick", action="store_true", help="smoke run: 640x360 clips, few iterations, 2 passes")
    parser.add_argument("--repeats", type=int, default=0, help="timed passes (default: 5, C 3; --quick 2)")
    parser.add_argument("--iterations", type=int, default=0,
                        help="calls per pass of A, B, D and E (default: 30, 10, 10, 10; --quick 6, 3, 3, 3)")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed of the requests (default %(default)s)")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-RSS child processes of A")
    parser.add_argument("--clips-dir", default="/tmp/odvd-bench-clips", help="clip cache (default %(default)s)")
    parser.add_argument("--output", default=None, help="JSON results (default bench/results/workloads[_quick].json)")
    parser.add_argument("--rss-child", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--rss-set", default="hevc", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    mode = QUICK if args.quick else FULL
    if args.rss_child:
        return rss_child(args, mode)
    output = args.output or str(_common.RESULTS_DIR / ("workloads_quick.json" if args.quick else "workloads.json"))

    failed, results, requests, sets, adapters_seen, rss = [], [], {}, {}, {}, []
    try:
        ref = Reference()
    except ImportError as e:
        print(f"workloads.py checks every frame against PyAV's ({e}): pip install -r bench/requirements.txt",
              file=sys.stderr)
        return 2
    for set_index, set_name in enumerate(wrun.CLIP_SETS):
        keys = [k for k in args.workloads if set_name in wrun.WORKLOAD_SETS[k]]
        if not keys:
            continue
        clips = wrun.load_clip_set(set_name, args.quick, args.clips_dir)
        settings = wrun.clip_set_settings(set_name, args.quick)
        sets[set_name] = {"settings": settings, "description": wrun.describe(set_name, settings),
                          "clips": _common.clip_facts(clips, wrun.FPS)}
        ready = open_adapters(args.adapters, clips, failed)
        for _, info in ready:
            adapters_seen.setdefault(info["spec"], info)
        try:
            for key in keys:
                print(f"== {key} on {set_name}: {wrun.WORKLOADS[key].title}", file=sys.stderr)
                entries, reqs = run_workload(key, set_name, set_index, clips, ready, ref, args, mode)
                results += entries
                requests[f"{key}/{set_name}"] = reqs
        finally:
            for adapter, _ in ready:
                adapter.close()
        if "A" in keys and not args.no_rss:
            rss += measure_rss([info["spec"] for _, info in ready], set_name, args)
    add_ratios(results)
    table = tables(results, rss)
    out = {
        "benchmark": "workloads",
        "command": _common.command_line(),
        "machine": _common.machine_info(),
        "page_cache": "warm: every clip read once before timing; E's copies are written just before each call",
        "config": {"quick": args.quick, "seed": args.seed, "workloads": args.workloads, **mode,
                   "repeats_override": args.repeats, "iterations_override": args.iterations},
        "workload_titles": {k: w.title for k, w in wrun.WORKLOADS.items()},
        "clip_sets": sets,
        "adapters": adapters_seen,
        "results": results,
        "rss_A": rss,
        "requests": requests,
        "failed": failed,
        "table_markdown": table,
    }
    _common.write_json(output, out)
    print(table)
    try:
        import plot

        plot.main([output])
    except Exception as e:  # noqa: BLE001 - the plot is optional
        print(f"no plot: {type(e).__name__}: {e}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    rc = main()
    # Leave without the interpreter's teardown: with several peers' extension modules loaded, one of
    # them now and then crashed there (SIGSEGV in pybind11's state clean-up, reported by spdl's glog
    # handler) after the results were written, turning a finished run into a failed exit status.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(rc)
