"""The worker process of tests/test_fuzz.py: runs fuzz cases through the public entry points, in a
process of its own, so that a crash or a hang costs the worker, not pytest.

    python tests/fuzz_worker.py WORK_DIR < job.json     (test_fuzz.py starts it)
    python tests/fuzz_worker.py --replay CASE.json      (a saved reproducer, by hand or from a test)

A job is {"cases": [...]}; a case names its input (a base file to mutate with a seed, or saved bytes)
and how to feed it: "bundle" (_parse_bundle, DecodeFromGOP, DecodeFromGOPRGB,
DecodeFromPacketListRGB) or "file" (GetFastInitInfo, Decode, DecodeN12ToRGB, GetGOP + DecodeFromGOP,
PyNvSampleReader). Before each step the worker reports it; after each case, the outcome. The input of
a case is written to WORK_DIR/case-<n><ext> first and removed after an accepted outcome, so whatever
stopped the worker leaves it behind for the parent to save.

Accepted outcomes: success (with sane frames), or the exceptions the project promises for bad input:
ValueError, IndexError, FileNotFoundError. Anything else is reported as bad.
"""

import faulthandler
import json
import os
import random
import resource
import struct
import sys
import tempfile
import time
import traceback
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bundle_twin  # noqa: E402
import fuzz_mutate  # noqa: E402

ACCEPTED = (ValueError, IndexError, FileNotFoundError)


def limit_memory() -> None:
    """An absurd allocation fails (MemoryError, reported as bad) instead of taking the machine.
    Not under ASan, whose shadow memory needs far more address space (it has its own limits)."""
    if "asan" in os.environ.get("LD_PRELOAD", ""):
        return
    mb = int(os.environ.get("ODVD_FUZZ_MEMORY_MB", "6144"))
    resource.setrlimit(resource.RLIMIT_AS, (mb << 20, mb << 20))


def fix_bundle(data: bytes) -> bytes:
    """total_size and checksum made consistent with the bytes (docs/bundle-format.md: u64 total_size
    at 16, u64 checksum at 24 over [32, total)), with the engine's own checksum function."""
    from on_demand_video_decoder import _engine

    if len(data) < fuzz_mutate.BUNDLE_HEADER:
        return data
    buf = bytearray(data[: 32 + (len(data) - 32) // 8 * 8])
    struct.pack_into("<Q", buf, 16, len(buf))
    struct.pack_into("<Q", buf, 24, _engine._bundle_checksum(np.frombuffer(bytes(buf[32:]), np.uint8)))
    return bytes(buf)


def make_input(case: dict):
    """The case's bytes and a description: saved bytes, a cut, or mutations of a base file."""
    if "input" in case:
        return Path(case["input"]).read_bytes(), case.get("mutation", "saved input")
    if case["entry"] == "selftest":
        return b"", case["action"]
    base = Path(case["base"]).read_bytes()
    rng = random.Random(f"{case['seed']}:{case['family']}:{Path(case['base']).name}:{case['index']}")
    if case["family"] == "cut":
        data, note = base[: case["cut"]], f"cut at {case['cut']} of {len(base)}"
    else:
        data, note = fuzz_mutate.mutate(case["family"], base, rng)
    if case["entry"] == "bundle" and case.get("fix"):
        data, note = fix_bundle(data), note + "; total_size and checksum fixed"
    return data, note


def _selftest_type_error():
    raise TypeError("a type the engine never promises")


SELFTEST = {"ok": lambda: None, "abort": os.abort, "exit": lambda: os._exit(3), "hang": lambda: time.sleep(3600),
            "type": _selftest_type_error, "value": lambda: int("not a number")}


def check_frames(frames, expected: int) -> None:
    if len(frames) != expected:
        raise AssertionError(f"{len(frames)} frames for {expected} requests (a dropped frame)")
    for f in frames:
        a = np.asarray(f)
        if a.size == 0 or a.ndim < 2:
            raise AssertionError(f"a frame of shape {a.shape}")


class Runner:
    def __init__(self, report):
        import on_demand_video_decoder as odvd

        self.odvd = odvd
        self.report = report
        self.decoder = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
        self.reader = odvd.PyNvSampleReader(num_of_set=1, num_of_file=2, iGpu=-1)

    def step(self, n: int, name: str, fn):
        self.report({"n": n, "step": name})
        return fn()

    def bundle(self, n: int, arr: np.ndarray, rng) -> None:
        parsed = self.step(n, "parse", lambda: self.odvd._engine._parse_bundle(arr))
        firsts, lens = parsed[6], parsed[5]
        # Requests name each entry's own source path (entries are matched by path, docs/bundle-format.md);
        # one case in eight asks for a path no entry has, which must be a ValueError, never another's frame.
        paths = [bundle_twin.source_path(arr.tobytes(), k) for k in range(len(firsts))]
        if rng.random() < 0.125:
            paths[0] = "/not/in/this/bundle.mp4"
        ids = [f + rng.randrange(max(1, min(g, 1 << 20))) for f, g in zip(firsts, lens)]
        check_frames(self.step(n, "DecodeFromGOP", lambda: self.decoder.DecodeFromGOP(arr, paths, ids)), len(ids))
        rgb = self.step(n, "DecodeFromGOPRGB", lambda: self.decoder.DecodeFromGOPRGB(arr, paths[:1], ids[:1]))
        check_frames(rgb, 1)
        sizes, codec = parsed[9][0], parsed[1][0]
        payload = np.asarray(parsed[7][0])
        packets = np.split(payload, np.cumsum(sizes)[:-1]) if len(sizes) else []
        self.decoder.DecodeFromPacketListInitialize([codec])
        check_frames(self.step(n, "DecodeFromPacketListRGB", lambda: self.decoder.DecodeFromPacketListRGB(
            [packets], [parsed[10][0]], [parsed[2][0]], [parsed[3][0]], [ids[0]])), 1)

    def file(self, n: int, path: str, rng) -> None:
        info = self.step(n, "GetFastInitInfo", lambda: self.odvd.GetFastInitInfo([path]))[0]
        frames = info.num_frames
        if frames <= 0:
            raise AssertionError(f"GetFastInitInfo says {frames} frames")
        ids = [rng.randrange(frames), frames - 1]
        check_frames(self.step(n, "Decode", lambda: self.decoder.Decode([path] * 2, ids)), 2)
        check_frames(self.step(n, "DecodeN12ToRGB", lambda: self.decoder.DecodeN12ToRGB([path], ids[:1])), 1)
        data, first, lens = self.step(n, "GetGOP", lambda: self.decoder.GetGOP([path], ids[:1]))
        check_frames(self.step(n, "DecodeFromGOP(GetGOP)", lambda: self.decoder.DecodeFromGOP(data, [path], ids[:1])), 1)
        check_frames(self.step(n, "PyNvSampleReader", lambda: self.reader.Decode([path], [ids[0]])), 1)

    def run(self, n: int, case: dict, work: Path) -> dict:
        data, note = make_input(case)
        path = work / f"case-{n}{case.get('ext', '.bin')}"
        path.write_bytes(data)
        rng = random.Random(f"requests:{case.get('seed')}:{case.get('index')}")
        try:
            if case["entry"] == "selftest":  # tests/test_fuzz.py: the runner sees each way a case can end
                self.step(n, "selftest", lambda: SELFTEST[case["action"]]())
            elif case["entry"] == "bundle":
                self.bundle(n, np.frombuffer(data, np.uint8), rng)
            else:
                self.file(n, str(path), rng)
            outcome, bad = "ok", False
        except ACCEPTED as e:
            outcome, bad = f"{type(e).__name__}: {str(e)[:200]}", False
        except BaseException as e:  # noqa: B902 - anything else is what the fuzzing is for
            outcome, bad = f"{type(e).__name__}: {e}\n{traceback.format_exc(limit=6)}"[-2000:], True
        if not bad:
            path.unlink()
        return {"n": n, "done": outcome, "bad": bad, "mutation": note, "input": str(path)}


def main() -> int:
    faulthandler.enable()  # a crash prints the Python stack to stderr, which the parent keeps
    limit_memory()
    # Reports go to the real stdout; the engine's and FFmpeg's prints (fd 1) join stderr.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)

    def report(msg):
        out.write(json.dumps(msg) + "\n")
        out.flush()

    if sys.argv[1:2] == ["--replay"]:
        case = json.loads(Path(sys.argv[2]).read_text())
        case["input"] = str(Path(sys.argv[2]).with_suffix(case.get("ext", ".bin")))
        with tempfile.TemporaryDirectory() as t:
            result = Runner(report).run(0, case, Path(t))
        report(result)
        return 1 if result["bad"] else 0
    work = Path(sys.argv[1])
    job = json.loads(sys.stdin.read())
    runner = Runner(report)
    for case in job["cases"]:
        if os.environ.get("ODVD_FUZZ_TRUNCATE_STDERR") == "1":  # stderr is a file of the parent's
            os.lseek(2, 0, os.SEEK_SET)  # it keeps the current case's messages only
            os.ftruncate(2, 0)
        report(runner.run(case["n"], case, work))
    return 0


if __name__ == "__main__":
    sys.exit(main())
