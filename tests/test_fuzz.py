"""Fuzzing in the suite: bundles, files and cuts are hostile input, and whatever their bytes, the
engine answers with a result or a ValueError / IndexError / FileNotFoundError -- never a crash, a
process exit, a hang, another exception type, or a dropped frame.

Mutated inputs (tests/fuzz_mutate.py: bundle fields, MP4 boxes, EBML elements, bit flips, cuts) run
in worker processes (tests/fuzz_worker.py, tests/fuzz_runner.py), so a crash or a hang fails a test
instead of killing pytest; the input is saved under tests/.fuzz-failures/ and named in the failure.

- CI: fixed seeds and case counts (about a minute on 2 cores).
- ODVD_FUZZ_SECONDS=N: a long run, N seconds split over the four fuzz tests, new cases until the
  time is up; ODVD_FUZZ_SEED picks another sequence of cases (default 0). Pass -s to see the counts.
- tests/fuzz_repro/: reproducers of fixed findings, replayed every run (regression tests).

docs/testing.md, "Fuzzing".
"""

import json
import os
import time
from pathlib import Path

import pytest

import on_demand_video_decoder as odvd
from fuzz_mutate import cut_points
from fuzz_runner import Result, report_failures, run_cases, summary

SECONDS = float(os.environ.get("ODVD_FUZZ_SECONDS", "0"))
SEED = int(os.environ.get("ODVD_FUZZ_SEED", "0"))
REPRO = Path(__file__).parent / "fuzz_repro"

# name -> frames whose GOPs make a base bundle: B-pyramid with two entries, an open GOP (prefix
# packets), 10-bit HEVC, AV1, VP9 superframes, an edit list (discarded packets).
BUNDLE_BASES = {"h264_gop30_bf3": [40, 75], "hevc_open_gop": [35], "hevc10_gop30": [50], "av1_gop30": [5],
                "vp9_gop30": [10], "h264_editlist": [3]}
MP4_BASES = ["h264_gop30_bf3", "hevc_open_gop", "av1_gop30_mp4", "h264_editlist", "hevc_gop30_mov",
             "h264_audio_first"]
EBML_BASES = ["vp9_gop30", "av1_gop30", "hevc10_gop30", "h264_untagged"]
# CI: cases per base file (and cut points per file).
CI_CASES = {"bundle": 110, "mp4": 75, "ebml": 75, "cut": 30}


@pytest.fixture(scope="module")
def bundle_bases(media, tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz-bases")
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    out = []
    for name, ids in BUNDLE_BASES.items():
        path = str(media[name].path)
        data, _, _ = dec.GetGOP([path] * len(ids), ids)
        (folder / f"{name}.bundle").write_bytes(data.tobytes())
        out.append(folder / f"{name}.bundle")
    return out


def file_case(family: str, base: Path, seed: int, index: int, **extra) -> dict:
    return dict(family=family, base=str(base), seed=seed, index=index, entry="file", ext=base.suffix, **extra)


def fuzz(label: str, make_cases, share: float) -> None:
    """Runs the cases `make_cases(seed)` gives: once (CI), or for seeds SEED, SEED+1, ... until this
    test's share of ODVD_FUZZ_SECONDS is spent. Fails with every finding and its reproducer."""
    result, start, seed = Result(), time.monotonic(), SEED
    while True:
        run_cases(make_cases(seed), label, result)
        seed += 1
        if time.monotonic() - start >= SECONDS * share:
            break
    print("\n" + summary(label, result, time.monotonic() - start))
    assert not result.failures, report_failures(label, result)
    assert result.outcomes["ok"] > 0, f"no case of {label} decoded: the mutations are too coarse"


def test_fuzz_bundles(bundle_bases):
    # Three of four with total_size and checksum recomputed (the engine's own checksum function), so
    # that the mutation reaches the field checks and the decoders; the rest must fail the checksum.
    def cases(seed):
        return [dict(family="bundle", base=str(b), seed=seed, index=i, entry="bundle", ext=".bundle", fix=i % 4 != 0)
                for b in bundle_bases for i in range(CI_CASES["bundle"])]

    fuzz("bundle", cases, 0.3)


def test_fuzz_mp4_boxes(media):
    def cases(seed):
        return [file_case("mp4", media[name].path, seed, i) for name in MP4_BASES for i in range(CI_CASES["mp4"])]

    fuzz("mp4", cases, 0.3)


def test_fuzz_matroska_elements(media):
    def cases(seed):
        return [file_case("ebml", media[name].path, seed, i) for name in EBML_BASES for i in range(CI_CASES["ebml"])]

    fuzz("ebml", cases, 0.25)


def test_fuzz_cuts(media, bundle_bases):
    # Every file cut at its structures' boundaries (+-1 byte) and at even steps; a long run cuts at
    # more points each round. Bundles are cut with and without a consistent header.
    def cases(seed):
        count = CI_CASES["cut"] * (seed - SEED + 1)
        out = []
        for name in MP4_BASES[:3] + EBML_BASES[:2]:
            path = media[name].path
            kind = "mp4" if path.suffix in (".mp4", ".mov") else "ebml"
            out += [file_case("cut", path, seed, i, cut=c) for i, c in
                    enumerate(cut_points(path.read_bytes(), kind, count))]
        for b in bundle_bases[:3]:
            out += [dict(family="cut", base=str(b), seed=seed, index=i, entry="bundle", ext=".bundle", cut=c,
                         fix=i % 2 == 1) for i, c in enumerate(cut_points(b.read_bytes(), "bundle", count))]
        return out

    fuzz("cut", cases, 0.15)


def test_the_runner_reports_every_way_a_case_can_end(tmp_path):
    actions = ["ok", "abort", "ok", "exit", "value", "hang", "type", "ok"]
    cases = [dict(entry="selftest", action=a, base="selftest", seed=0, index=i) for i, a in enumerate(actions)]
    result = run_cases(cases, "selftest", timeout=5, folder=tmp_path)
    assert result.outcomes == {"ok": 3, "ValueError": 1, "crash": 2, "hang": 1, "bad": 1}
    saved = {json.loads(p.read_text())["action"]: json.loads(p.read_text()) for p in tmp_path.glob("*.json")}
    assert sorted(saved) == ["abort", "exit", "hang", "type"]
    assert "SIGABRT" in saved["abort"]["outcome"] and "exit status 3" in saved["exit"]["outcome"]
    assert saved["hang"]["outcome"].startswith("hang") and saved["type"]["outcome"].startswith("TypeError")
    assert all(s["step"] == "selftest" and "--replay" in s["replay"] for s in saved.values())
    assert len(result.failures) == 4


def test_reproducers_of_fixed_findings():
    """Every saved reproducer of a finding that was fixed still gets an accepted answer."""
    cases = []
    for meta in sorted(REPRO.glob("*.json")):
        case = json.loads(meta.read_text())
        case.update(input=str(meta.with_suffix(case.get("ext", ".bin"))), base=str(meta))
        cases.append(case)
    if not cases:
        pytest.skip("no reproducers in tests/fuzz_repro")
    result = run_cases(cases, "repro")
    assert not result.failures, report_failures("repro", result)
