"""GOP extraction: the compressed packets of the GOP holding a frame, as one buffer.

(a) fresh: from a file the adapter has not seen: odvd builds a new ``PyNvGopDecoder`` and calls
    ``GetGOP([path], [id])`` (open + index + extract; decoder construction included); PyAV opens
    the file, seeks to the keyframe at or before the target, demuxes the packets up to, not
    including, the next keyframe, joins ``bytes(packet)``, closes.
(b) warm: from a file already opened and indexed: odvd repeats ``GetGOP`` on one decoder (its
    warm-up calls indexed every clip); the floors are ``os.pread`` of the GOP's byte ranges (from
    PyAV ``packet.pos``/``packet.size``, one descriptor per clip): ``pread-packets`` (one pread per
    packet) and ``pread-range`` (one pread covering the GOP's contiguous packets). PyAV with its
    container kept open (seek + demux) is shown for reference.

Each call is timed alone with ``time.perf_counter``; the median per call over all calls and
``--repeats`` passes (interleaved across adapters) is reported, with ratios to the baseline of each part (pyav for (a),
pread-range for (b)). Every call's result is checked untimed: the GOP's first frame id and length,
and its bytes equal the file's packet bytes where the output is raw packets (odvd's bundle, which
adds a header, must be at least that long). The page cache is warm: every clip is read once before
timing, and warm-up calls (one per clip, checked) precede each measurement.

    python bench/gop_extract.py
    python bench/gop_extract.py --fresh odvd pyav --warm odvd pread-packets pread-range pyav
"""

import argparse
import os
import sys
import time

import numpy as np

import _common
from adapters import make_adapter, spec_argument
from make_clips import add_clip_arguments


class Expected:
    """The true bytes of each GOP, read once per GOP with os.pread (untimed)."""

    def __init__(self, clips):
        self.clips = {c.path: c for c in clips}
        self._cache = {}

    def check(self, spec, info, path, frame_id):
        clip = self.clips[path]
        first, length, packets = clip.gop_of(frame_id)
        where = f"{spec}: {os.path.basename(path)} frame {frame_id}"
        assert (info.first_frame_id, info.gop_len) == (first, length), (
            f"{where}: GOP (first={info.first_frame_id}, len={info.gop_len}), expected ({first}, {length})"
        )
        key = (path, first)
        if key not in self._cache:
            fd = os.open(path, os.O_RDONLY)
            try:
                self._cache[key] = b"".join(os.pread(fd, size, pos) for pos, size in packets)
            finally:
                os.close(fd)
        want = self._cache[key]
        if info.data is not None:
            assert info.data == want, f"{where}: {len(info.data)} bytes differ from the file's {len(want)} packet bytes"
        else:
            assert info.nbytes >= len(want), f"{where}: {info.nbytes} bytes < the GOP's {len(want)} packet bytes"


def run_part(mode, specs, baseline, clips, calls, args, expected, failed):
    """Time ``mode`` (gop_fresh or gop_warm) for every adapter; passes interleaved across adapters."""
    ready = []
    for spec in specs:
        try:
            adapter = make_adapter(spec)
            if not adapter.supports(mode):
                raise RuntimeError(f"adapter {spec} has no {mode}")
            entry = {"spec": spec, "label": adapter.label(), "versions": adapter.versions()}
            adapter.prepare(clips)
        except (ImportError, RuntimeError) as e:
            print(f"[{mode} {spec}] skipped: {type(e).__name__}: {e}", file=sys.stderr)
            failed.append({"part": mode, "spec": spec, "error": f"{type(e).__name__}: {e}"})
            continue
        call = getattr(adapter, mode)
        for c in clips:  # warm-up: one checked call per clip (indexes each clip for the warm mode)
            fid = c.num_frames // 2
            expected.check(spec, adapter.gop_info(call(c.path, fid)), c.path, fid)
        ready.append((adapter, call, entry, [], []))
    try:
        for _ in range(args.repeats):
            for adapter, call, entry, times, nbytes in ready:
                for path, fid in calls:
                    t0 = time.perf_counter()
                    result = call(path, fid)
                    times.append(time.perf_counter() - t0)
                    info = adapter.gop_info(result)
                    expected.check(entry["spec"], info, path, fid)
                    nbytes.append(info.nbytes)
                    del result
    finally:
        for adapter, *_ in ready:
            adapter.close()
    entries = []
    for _, _, entry, times, nbytes in ready:
        entry["seconds_per_call"] = _common.summary(times)
        entry["mean_bytes_returned"] = float(np.mean(nbytes))
        print(f"[{mode} {entry['label']}] median {entry['seconds_per_call']['median'] * 1e3:.3f} ms/call",
              file=sys.stderr)
        entries.append(entry)
    base = next((e for e in entries if e["spec"] == baseline), None)
    for e in entries:
        if base is not None:
            e["ratio_to_baseline"] = e["seconds_per_call"]["median"] / base["seconds_per_call"]["median"]
    rows = []
    for e in entries:
        s = e["seconds_per_call"]
        rows.append([
            e["label"], f"{s['median'] * 1e3:.3f}", f"{s['p10'] * 1e3:.3f}-{s['p90'] * 1e3:.3f}",
            f"{e['mean_bytes_returned'] / 1e3:.1f}",
            f"{e['ratio_to_baseline']:.2f}x" if "ratio_to_baseline" in e else "-",
        ])
    table = _common.markdown_table(
        ["adapter", "median ms/call", "p10-p90 ms", "mean kB returned", f"time / {baseline}"], rows)
    return {"baseline": baseline, "results": entries, "table_markdown": table}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--fresh", nargs="*", type=spec_argument, default=["odvd", "pyav"],
                        help="adapters for (a), first-seen file (default: odvd pyav)")
    parser.add_argument("--fresh-baseline", default="pyav")
    parser.add_argument("--warm", nargs="*", type=spec_argument,
                        default=["odvd", "pread-packets", "pread-range", "pyav"],
                        help="adapters for (b), indexed file (default: odvd pread-packets pread-range pyav)")
    parser.add_argument("--warm-baseline", default="pread-range")
    parser.add_argument("--calls", type=int, default=60,
                        help="calls per pass, cycling over the clips (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=5, help="passes (default %(default)s)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "gop_extract.json"))
    add_clip_arguments(parser)
    args = parser.parse_args(argv)

    clips = _common.prepare_clips(args)
    rng = np.random.default_rng(args.seed)
    calls = [(clips[i % len(clips)].path, int(rng.integers(0, clips[i % len(clips)].num_frames)))
             for i in range(args.calls)]
    expected = Expected(clips)

    failed = []
    fresh = run_part("gop_fresh", args.fresh, args.fresh_baseline, clips, calls, args, expected, failed)
    warm = run_part("gop_warm", args.warm, args.warm_baseline, clips, calls, args, expected, failed)
    out = {
        "benchmark": "gop_extract",
        "command": _common.command_line(),
        "machine": _common.machine_info(),
        "page_cache": "warm: every clip read once before timing; one checked warm-up call per clip",
        "config": {"calls": args.calls, "repeats": args.repeats, "seed": args.seed, "size": args.size,
                   "frames": args.frames, "gop": args.gop, "fps": args.fps, "preset": args.preset},
        "clips": _common.clip_facts(clips, args.fps),
        "fresh": fresh,
        "warm": warm,
        "failed": failed,
    }
    _common.write_json(args.output, out)
    print("(a) GetGOP on a file not seen before\n")
    print(fresh["table_markdown"])
    print("\n(b) GetGOP on a file already indexed\n")
    print(warm["table_markdown"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
