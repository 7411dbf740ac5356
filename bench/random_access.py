"""6-camera random access: one random frame from each of six clips per iteration, as RGB uint8 HWC.

For each adapter:

- random access: ``frames/s = 6 * iterations / seconds`` for one pass over the same seeded list of
  targets, after warm-up iterations (whose results are checked: right shape, right frame); the
  median over ``--repeats`` passes is reported. Passes are interleaved across adapters.
- decode-bound limit: the library's sequential rate (every frame of each clip in order, decoded and
  converted to RGB, frames/s, median over ``--seq-repeats``) divided by the mean number of frames a
  target costs to decode from its GOP's keyframe (target k of a GOP starting at frame f costs
  k - f + 1 frames for these no-B clips; the mean is over the targets actually drawn). Random
  access at 100% of it spends all its time decoding the frames it must decode. It can exceed 100%:
  a target converts one frame to RGB where the sequential pass converts every frame. The
  decode-only limit (sequential decode without RGB conversion, ``--no-native`` skips it) is the
  tighter bound, shown for information.

    python bench/random_access.py --adapters pyav odvd
    python bench/random_access.py --adapters pyav pyav:thread_type=AUTO odvd --output bench/results/x.json

Clips come from make_clips.py (cached; see --clips-dir). Prints a Markdown table, writes JSON.
"""

import argparse
import statistics
import sys
import time

import numpy as np

import _common
from adapters import make_adapter, spec_argument
from make_clips import add_clip_arguments


def draw_targets(rng, clips, count):
    """``count`` rows of one uniformly random frame_id per clip."""
    return [[int(rng.integers(0, c.num_frames)) for c in clips] for _ in range(count)]


def frames_per_target(clip, frame_id):
    first, _, _ = clip.gop_of(frame_id)
    return frame_id - first + 1


def random_access_pass(adapter, paths, clips, targets):
    """One timed pass over ``targets``; frames/s. The pass's last result is checked, untimed."""
    last = None
    t0 = time.perf_counter()
    for ids in targets:
        last = adapter.decode_rgb(paths, ids)
    dt = time.perf_counter() - t0
    adapter.check_decode_rgb(last, clips, targets[-1])
    return len(paths) * len(targets) / dt


def sequential_pass(adapter, method, clips, gop):
    """frames/s of ``method`` over every frame of every clip, in order."""
    total_frames = sum(c.num_frames for c in clips)
    t0 = time.perf_counter()
    n = sum(getattr(adapter, method)(c.path, c.num_frames, gop) for c in clips)
    dt = time.perf_counter() - t0
    if n != total_frames:
        raise AssertionError(f"{adapter.label()}: {method} gave {n} frames, expected {total_frames}")
    return n / dt


def open_adapters(specs, clips, paths, warmup, failed):
    """Construct, prepare and warm up (checked) every adapter that loads; record those that do not."""
    ready = []
    for spec in specs:
        try:
            adapter = make_adapter(spec)
            entry = {"spec": spec, "label": adapter.label(), "versions": adapter.versions()}
            adapter.prepare(clips)
        except (ImportError, RuntimeError) as e:
            print(f"[{spec}] skipped: {type(e).__name__}: {e}", file=sys.stderr)
            failed.append({"spec": spec, "error": f"{type(e).__name__}: {e}"})
            continue
        print(f"[{entry['label']}] warm-up: {len(warmup)} checked iterations", file=sys.stderr)
        for ids in warmup:
            adapter.check_decode_rgb(adapter.decode_rgb(paths, ids), clips, ids)
        ready.append((adapter, entry))
    return ready


def measure(ready, clips, paths, targets, args):
    """Timed passes, interleaved across adapters (pass r of every adapter, then pass r + 1), so a
    machine that speeds up or slows down during the run does not favour one adapter."""
    runs = {id(a): {"random_access": [], "sequential": [], "sequential_native": []} for a, _ in ready}
    for r in range(args.repeats):
        for adapter, entry in ready:
            fps = random_access_pass(adapter, paths, clips, targets)
            runs[id(adapter)]["random_access"].append(fps)
            print(f"[{entry['label']}] random access pass {r}: {fps:.2f} frames/s", file=sys.stderr)
    methods = [("sequential", "decode_sequential")]
    if not args.no_native:
        methods.append(("sequential_native", "decode_sequential_native"))
    for r in range(args.seq_repeats):
        for key, method in methods:
            for adapter, entry in ready:
                if adapter.supports(method):
                    fps = sequential_pass(adapter, method, clips, args.gop)
                    runs[id(adapter)][key].append(fps)
                    print(f"[{entry['label']}] {method} pass {r}: {fps:.2f} frames/s", file=sys.stderr)
    results = []
    for adapter, entry in ready:
        for key, values in runs[id(adapter)].items():
            if values:
                entry[key] = {"frames_per_s": _common.summary(values), "runs": values}
        results.append(entry)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--adapters", nargs="+", default=["pyav"], type=spec_argument,
                        help="adapter specs, name[:key=value,...] (default: pyav)")
    parser.add_argument("--iterations", type=int, default=30, help="timed iterations per pass (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=3, help="checked warm-up iterations (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="timed passes; median reported (default %(default)s)")
    parser.add_argument("--seq-repeats", type=int, default=3,
                        help="sequential-decode passes for the limit; 0 skips it (default %(default)s)")
    parser.add_argument("--no-native", action="store_true",
                        help="skip the decode-only (native format, no RGB) sequential passes")
    parser.add_argument("--seed", type=int, default=0, help="RNG seed of the targets (default %(default)s)")
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "random_access.json"),
                        help="JSON results (default %(default)s)")
    add_clip_arguments(parser)
    args = parser.parse_args(argv)

    clips = _common.prepare_clips(args)
    paths = [c.path for c in clips]
    rng = np.random.default_rng(args.seed)
    warmup = draw_targets(rng, clips, args.warmup)
    targets = draw_targets(rng, clips, args.iterations)
    cost = statistics.mean(frames_per_target(c, k) for ids in targets for c, k in zip(clips, ids))

    failed = []
    ready = open_adapters(args.adapters, clips, paths, warmup, failed)
    try:
        results = measure(ready, clips, paths, targets, args)
    finally:
        for adapter, _ in ready:
            adapter.close()
    for entry in results:
        ra = entry["random_access"]["frames_per_s"]["median"]
        for key, suffix in (("sequential", ""), ("sequential_native", "_native")):
            if key in entry:
                limit = entry[key]["frames_per_s"]["median"] / cost
                entry["decode_bound_limit" + suffix + "_frames_per_s"] = limit
                entry["percent_of_limit" + suffix] = 100.0 * ra / limit

    def cell(e, key, fmt):
        return fmt.format(e[key]) if key in e else "-"

    rows = []
    for e in results:
        ra = e["random_access"]["frames_per_s"]
        seq = {k: e[k]["frames_per_s"]["median"] for k in ("sequential", "sequential_native") if k in e}
        rows.append([
            e["label"],
            f"{ra['median']:.1f} ({ra['min']:.1f}-{ra['max']:.1f})",
            f"{seq['sequential']:.1f}" if "sequential" in seq else "-",
            cell(e, "decode_bound_limit_frames_per_s", "{:.1f}"),
            cell(e, "percent_of_limit", "{:.0f}%"),
            f"{seq['sequential_native']:.1f}" if "sequential_native" in seq else "-",
            cell(e, "percent_of_limit_native", "{:.0f}%"),
        ])
    table = _common.markdown_table(
        ["adapter", "random access frames/s, median (min-max)", "sequential decode+RGB frames/s",
         "decode-bound limit frames/s", "% of limit", "sequential decode-only frames/s",
         "% of decode-only limit"], rows)
    table += f"\n\nMean frames decoded per target: {cost:.2f} ({len(targets)} iterations x {len(paths)} clips)."
    out = {
        "benchmark": "random_access",
        "command": _common.command_line(),
        "machine": _common.machine_info(),
        "page_cache": "warm: every clip read once before timing",
        "config": {
            "cameras": len(paths), "iterations": args.iterations, "warmup": args.warmup,
            "repeats": args.repeats, "seq_repeats": args.seq_repeats, "seed": args.seed,
            "size": args.size, "frames": args.frames, "gop": args.gop, "fps": args.fps, "preset": args.preset,
        },
        "clips": _common.clip_facts(clips, args.fps),
        "mean_frames_decoded_per_target": cost,
        "targets": targets,
        "results": results,
        "failed": failed,
        "table_markdown": table,
    }
    _common.write_json(args.output, out)
    print(table)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
