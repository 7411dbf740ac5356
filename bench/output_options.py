"""Cost of the output options on the CPU backend: conversion alone and a whole 6-camera call.

(a) Conversion alone: one random 1600x900 8-bit native frame through ``_engine._native_to_output``
    (the CPU converter of docs/color.md section 6) for each option set, and the plain RGB converter.
(b) Whole call: ``DecodeN12ToRGB`` of one random frame per clip of the six bench clips, for the
    same option sets (decode + conversion; files indexed and page cache warm before timing).

Median ms per call over --repeats calls.

    python bench/output_options.py
"""

import argparse
import sys
import time

import numpy as np

import _common
from make_clips import add_clip_arguments

IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
CASES = [
    ("plain HWC uint8", {}),
    ("stack HWC uint8", dict(stack=True)),
    ("CHW uint8", dict(layout="CHW")),
    ("CHW float32 normalised", dict(layout="CHW", dtype="float32", **IMAGENET)),
    ("224x224 uint8", dict(size=(224, 224))),
    ("450x800 CHW float32, stack", dict(size=(450, 800), layout="CHW", dtype="float32", stack=True)),
]


def _engine_options(kw):
    from on_demand_video_decoder.common._output import output_options

    return output_options(**kw)


def time_call(fn, repeats):
    """Median ms of fn(k) for k in 0..repeats-1, after one untimed call (pools, pages)."""
    fn(0)
    out = []
    for k in range(repeats):
        t0 = time.perf_counter()
        fn(k)
        out.append(time.perf_counter() - t0)
    return 1e3 * float(np.median(out))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--repeats", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "output_options.json"))
    add_clip_arguments(parser)
    args = parser.parse_args(argv)

    import on_demand_video_decoder as odvd
    from on_demand_video_decoder import _engine

    rng = np.random.default_rng(args.seed)
    h, w = 900, 1600
    native = rng.integers(0, 256, (h + h // 2, w), dtype=np.uint8)
    clips = _common.prepare_clips(args)
    paths = [c.path for c in clips]
    dec = odvd.PyNvGopDecoder(maxfiles=len(paths), iGpu=-1)
    dec.GetGOPList(paths, [0] * len(paths))  # index every clip
    n = min(c.num_frames for c in clips)
    # The same requests for every case: one random frame per clip per call.
    requests = [[int(i) for i in rng.integers(0, n, len(paths))] for _ in range(args.repeats)]

    rows, results = [], []
    for name, kw in CASES:
        opts = _engine_options(kw)
        if opts is None:
            convert_ms = time_call(lambda k: _engine._native_to_rgb(native, 8, "bt709", "limited"), args.repeats)
        else:
            convert_ms = time_call(lambda k: _engine._native_to_output(native, 8, "bt709", "limited", options=opts),
                                   args.repeats)
        call_ms = time_call(lambda k: dec.DecodeN12ToRGB(paths, requests[k], **kw), args.repeats)
        rows.append([name, f"{convert_ms:.2f}", f"{call_ms:.1f}"])
        results.append({"case": name, "options": {k: list(v) if isinstance(v, tuple) else v for k, v in kw.items()},
                        "convert_ms": convert_ms, "call_ms": call_ms})
    print(_common.markdown_table(["output", "(a) convert 1600x900 ms", "(b) 6-camera call ms"], rows))
    _common.write_json(args.output, {"machine": _common.machine_info(), "command": _common.command_line(),
                                     "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
