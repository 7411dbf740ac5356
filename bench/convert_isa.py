"""Host YUV->RGB conversion per instruction set (docs/color.md, "Implementation"): one random 1600x900
native frame, 8-bit and 10-bit, NV12 / P016 through ``_engine._native_to_rgb`` (one thread, HWC RGB,
nearest chroma), with the row loops of each instruction set the CPU has (``_engine._convert_isa``).
Median and minimum ms per call over --repeats calls (each call allocates its output array, whose page
faults are part of the median), instruction sets interleaved; the outputs are checked equal.

    python bench/convert_isa.py [--repeats 200]
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

import _common

WIDTH, HEIGHT = 1600, 900


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "convert_isa.json"))
    args = parser.parse_args(argv)

    from on_demand_video_decoder import _engine

    default = _engine._convert_isa()
    isas = ["baseline"]
    try:
        _engine._convert_isa("avx2")
        isas.append("avx2")
    except ValueError:
        pass
    rng = np.random.default_rng(0)
    results, rows = [], []
    for depth in (8, 10):
        dtype = np.uint8 if depth == 8 else np.uint16
        native = rng.integers(0, 1 << depth, (HEIGHT + HEIGHT // 2, WIDTH)) << (0 if depth == 8 else 16 - depth)
        native = native.astype(dtype)
        times = {isa: [] for isa in isas}
        outputs = {}
        for _ in range(args.repeats):
            for isa in isas:
                _engine._convert_isa(isa)
                t0 = time.perf_counter()
                outputs[isa] = _engine._native_to_rgb(native, depth, "bt709", "limited")
                times[isa].append(time.perf_counter() - t0)
        for isa in isas[1:]:
            assert np.array_equal(outputs[isa], outputs["baseline"]), f"{isa} and baseline differ ({depth}-bit)"
        ms = {isa: 1e3 * float(np.median(t)) for isa, t in times.items()}
        best = {isa: 1e3 * float(np.min(t)) for isa, t in times.items()}
        results.append({"bit_depth": depth, "median_ms": ms, "min_ms": best})
        rows.append([f"{depth}-bit"] + [f"{ms[i]:.2f} ({best[i]:.2f})" for i in isas] +
                    ([f"{ms['baseline'] / ms['avx2']:.2f}x ({best['baseline'] / best['avx2']:.2f}x)"]
                     if "avx2" in ms else []))
    _engine._convert_isa(default)
    print(f"1600x900 native -> RGB HWC, one thread, median (min) ms of {args.repeats} calls")
    print(_common.markdown_table(["frame"] + isas + (["speed-up"] if "avx2" in isas else []), rows))
    _common.write_json(Path(args.output), {"benchmark": "convert_isa", "machine": _common.machine_info(),
                                           "command": _common.command_line(), "results": results})
    return 0


if __name__ == "__main__":
    sys.exit(main())
