"""The GOP cache (CreateGopDecoder, useGOPCache=True) against plain GetGOPList / GetGOP.

A sampler walks forward through six cameras: call k asks for frame ``start + k`` of every clip
(``start`` drawn per pass), so with GOP 30 one call in 30 misses for each clip and the rest hit.
Each call is timed alone; the median per call is reported for:

- ``plain``: PyNvGopDecoder.GetGOPList / GetGOP (every call demuxes, files already indexed);
- ``cached``: CachedGopDecoder with useGOPCache=True over the whole walk (hits and misses mixed);
- ``hit`` and ``miss``: the cached calls split by whether all six requests hit or all missed.

Every result is checked untimed: each cached bundle equals the plain one byte for byte. The page
cache is warm (every clip read once) and every clip is indexed before timing.

    python bench/gop_cache.py
"""

import argparse
import sys
import time

import numpy as np

import _common
from make_clips import add_clip_arguments


def walk(args, clips, rng):
    span = min(c.num_frames for c in clips) - args.calls
    if span < 1:
        raise SystemExit(f"--calls {args.calls} is longer than the clips ({min(c.num_frames for c in clips)} frames)")
    start = int(rng.integers(0, span))
    return [[start + k] * len(clips) for k in range(args.calls)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--calls", type=int, default=120, help="calls per pass (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="passes (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "gop_cache.json"))
    add_clip_arguments(parser)
    args = parser.parse_args(argv)

    import on_demand_video_decoder as odvd

    clips = _common.prepare_clips(args)
    paths = [c.path for c in clips]
    rng = np.random.default_rng(args.seed)
    plain = odvd.PyNvGopDecoder(maxfiles=len(paths), iGpu=-1)
    plain.GetGOPList(paths, [0] * len(paths))  # index every clip
    times = {"plain GetGOPList": [], "cached GetGOPList": [], "plain GetGOP": [], "cached GetGOP": [],
             "cached GetGOPList, all hit": [], "cached GetGOPList, all miss": []}
    hits = total = 0
    for _ in range(args.repeats):
        ids_per_call = walk(args, clips, rng)
        cached = odvd.CreateGopDecoder(maxfiles=len(paths), iGpu=-1)
        cached.GetGOPList(paths, [0] * len(paths))  # index every clip (then forget the GOPs)
        cached.clear_cache()
        for ids in ids_per_call:
            t0 = time.perf_counter()
            want = plain.GetGOPList(paths, ids)
            t1 = time.perf_counter()
            got = cached.GetGOPList(paths, ids, useGOPCache=True)
            t2 = time.perf_counter()
            flags = cached.isCacheHit()
            times["plain GetGOPList"].append(t1 - t0)
            times["cached GetGOPList"].append(t2 - t1)
            if all(flags):
                times["cached GetGOPList, all hit"].append(t2 - t1)
            elif not any(flags):
                times["cached GetGOPList, all miss"].append(t2 - t1)
            hits += sum(flags)
            total += len(flags)
            for (a, fa, la), (b, fb, lb) in zip(got, want):  # untimed check
                assert (fa, la) == (fb, lb) and np.array_equal(a, b), f"cached GOP differs at {ids}"
        cached.clear_cache()
        for ids in ids_per_call:
            t0 = time.perf_counter()
            want = plain.GetGOP(paths, ids)
            t1 = time.perf_counter()
            got = cached.GetGOP(paths, ids, useGOPCache=True)
            t2 = time.perf_counter()
            times["plain GetGOP"].append(t1 - t0)
            times["cached GetGOP"].append(t2 - t1)
            assert got[1:] == want[1:] and np.array_equal(got[0], want[0]), f"cached bundle differs at {ids}"

    stats = {name: _common.summary(v) for name, v in times.items() if v}
    base = stats["plain GetGOPList"]["median"]
    rows = [(name, f"{s['median'] * 1e3:.3f}", f"{s['p10'] * 1e3:.3f}", f"{s['p90'] * 1e3:.3f}", s["n"],
             f"{s['median'] / base:.2f}") for name, s in stats.items()]
    table = _common.markdown_table(["call (6 files)", "median ms", "p10 ms", "p90 ms", "calls", "vs plain GetGOPList"], rows)
    out = {
        "benchmark": "gop_cache",
        "command": _common.command_line(),
        "machine": _common.machine_info(),
        "config": {"calls": args.calls, "repeats": args.repeats, "seed": args.seed, "size": args.size,
                   "frames": args.frames, "gop": args.gop, "fps": args.fps, "preset": args.preset},
        "clips": _common.clip_facts(clips, args.fps),
        "hit_rate": hits / total,
        "seconds": stats,
        "table_markdown": table,
    }
    _common.write_json(args.output, out)
    print(f"hit rate {hits / total:.3f}\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
