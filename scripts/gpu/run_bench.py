#!/usr/bin/env python3
"""The benchmarks of the GPU check (scripts/gpu/check.sh; docs/validation/gpu.md), standard library only.

    python3 scripts/gpu/run_bench.py --out DIR --clips-dir .gpu-kit/clips --frames 150 --budget-s 180

Runs, each as a subprocess (own process group) under its own timeout, in this order:

- ``random_access_pynvc``: bench/random_access.py on PyNvVideoCodec's two random-access methods,
  one and six threads, and with owned (cloned) frames;
- ``random_access_odvd_<backend>``: the same on ours, ``odvd:iGpu=0``, once per GPU backend
  (ODVD_GPU_BACKEND=cuvid, =ffmpeg): same seed, so the same targets as the first;
- ``nvdec_limit``: bench/nvdec_limit.py (PyNvVideoCodec, NV12, all six clips at once), compared with
  the three random-access runs merged (ours labelled with the backend);
- ``seq6_rgb_pynvc``, ``seq6_rgb_odvd_<backend>``, ``seq6_native_odvd_<backend>``: six clips decoded
  at once, start to end (nvdec_limit.py --rgb / --decoder odvd);
- ``reference_closure_<backend>``: bench/reference_closure.py on NVDEC, on the kit's closure clips
  (``closure-clips`` beside the camera clips).

A benchmark that would not get its minimum time from what is left of --budget-s is skipped, and
recorded so. Writes DIR/bench.json (per benchmark: status ok / failed / crashed / timeout / skipped,
seconds, command, the reason when not ok, the key numbers, and the script's whole JSON; rewritten
after each) and DIR/bench.log (their output); prints one line per benchmark.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BACKENDS = ["cuvid", "ffmpeg"]
PYNVC_ADAPTERS = ["pynvvideocodec", "pynvvideocodec:threads=6", "pynvvideocodec-seek",
                  "pynvvideocodec-seek:threads=6", "pynvvideocodec:clone=1"]
RA_OPTIONS = ["--iterations", "60", "--repeats", "3", "--seq-repeats", "2", "--warmup", "3", "--seed", "0"]
LOG_MAX = 200_000  # characters of output kept per benchmark


def plan():
    """(name, script, arguments, environment, timeout s, minimum s), most telling first."""
    odvd = [(b, {"ODVD_GPU_BACKEND": b}) for b in BACKENDS]
    steps = [("random_access_pynvc", "random_access.py", ["--adapters", *PYNVC_ADAPTERS, *RA_OPTIONS], {}, 90, 30)]
    steps += [(f"random_access_odvd_{b}", "random_access.py", ["--adapters", "odvd:iGpu=0", *RA_OPTIONS], env, 60, 20)
              for b, env in odvd]
    steps.append(("nvdec_limit", "nvdec_limit.py", ["@compare"], {}, 40, 15))
    steps.append(("seq6_rgb_pynvc", "nvdec_limit.py", ["--rgb"], {}, 30, 10))
    steps += [(f"seq6_rgb_odvd_{b}", "nvdec_limit.py", ["--rgb", "--decoder", "odvd"], env, 40, 10) for b, env in odvd]
    steps += [(f"seq6_native_odvd_{b}", "nvdec_limit.py", ["--decoder", "odvd"], env, 40, 10) for b, env in odvd]
    # Reference-closure decoding on NVDEC against the non-reference skip, on the kit's closure clips.
    steps += [(f"reference_closure_{b}", "reference_closure.py", ["--gpu", "0", "--calls", "30", "--clips-dir",
                                                                   "@closure"], env, 90, 30) for b, env in odvd]
    return steps


def run(cmd, env, timeout):
    """(exit status, output, timed out): the process group is killed at the timeout."""
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        try:
            proc.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            timed_out = True
        out.seek(0)
        return proc.returncode, out.read(), timed_out


def merge_random_access(results, path):
    """The random-access JSONs of this run as one, ours labelled with their backend: what
    nvdec_limit.py --compare reads. None when there is none."""
    docs = [(name, r["result"]) for name, r in results.items()
            if name.startswith("random_access") and r.get("result") and r["result"].get("results")]
    if not docs:
        return None
    merged = dict(docs[0][1], results=[])
    for name, doc in docs:
        for entry in doc["results"]:
            backend = name.rsplit("_", 1)[-1] if name.startswith("random_access_odvd") else None
            merged["results"].append(dict(entry, label=f"{entry['label']} ({backend})" if backend else entry["label"]))
    Path(path).write_text(json.dumps(merged))
    return path


def key_numbers(kind, doc):
    if doc is None:
        return {}
    if kind == "reference_closure.py":
        return {"clips": {e["clip"]: {mode: {"packets_per_target": e[mode]["packets_fed_per_target"],
                                              "frames_per_s": e[mode]["frames_per_s"]}
                                       for mode in ("closure", "nonref_skip")} for e in doc.get("results", [])}}
    if kind == "random_access.py":
        out = {"mean_frames_decoded_per_target": doc.get("mean_frames_decoded_per_target"), "adapters": {}}
        for e in doc.get("results", []):
            k = {"random_access_fps": e["random_access"]["frames_per_s"]["median"]}
            for src, dst in (("sequential", "sequential_fps"), ("sequential_native", "sequential_native_fps")):
                if src in e:
                    k[dst] = e[src]["frames_per_s"]["median"]
            k["percent_of_decode_bound_limit"] = e.get("percent_of_limit")
            out["adapters"][e["label"]] = k
        return out
    return {"frames_per_s": doc["frames_per_s"]["median"], "sessions": doc["config"]["sessions"],
            "nvdec_engines": doc.get("decoder_facts", {}).get("nvdec_engines"),
            "mean_frames_decoded_per_target": doc.get("mean_frames_decoded_per_target"),
            "nvdec_bound_limit_fps": doc.get("nvdec_bound_limit_frames_per_s"),
            "compare": {row[0]: {"random_access_fps": float(row[1]), "percent_of_limit": row[2]}
                        for row in doc.get("compare", [])}}


def reason(kind, rc, output, doc, timed_out, timeout):
    if timed_out:
        return f"ran past its timeout of {timeout:.0f} s: killed"
    failed = (doc or {}).get("failed") or []
    if failed:  # random_access.py: adapters that could not load, each with its error
        return "; ".join(f"{f['spec']}: {f['error']}" for f in failed)[:1500]
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("wrote ")]
    # nvdec_limit.py says why in one line starting with its name (the exception's text may go on below).
    own = [line for line in lines if line.startswith(Path(kind).stem + ":")]
    said = own[-1] if own else lines[-1] if lines else "(no output)"
    return (f"killed by signal {-rc}: " if rc < 0 else f"exit status {rc}: ") + said[:1000]


def one_line(name, r):
    head = f"bench {name}: {r['status']}" + (f" ({r['seconds']:.0f} s)" if "seconds" in r else "")
    k = r.get("key") or {}
    parts = []
    if "adapters" in k:
        parts = [f"{label} {v['random_access_fps']:.1f} f/s"
                 + (f" (seq {v['sequential_fps']:.0f})" if v.get("sequential_fps") else "")
                 for label, v in k["adapters"].items()]
    elif "clips" in k:
        parts = [f"{clip} {v['closure']['packets_per_target']:.1f} vs {v['nonref_skip']['packets_per_target']:.1f} "
                 f"packets, {v['closure']['frames_per_s']:.1f} vs {v['nonref_skip']['frames_per_s']:.1f} f/s"
                 for clip, v in k["clips"].items()]
    elif "frames_per_s" in k:
        parts = [f"{k['frames_per_s']:.1f} f/s, {k['sessions']} sessions"]
        if name == "nvdec_limit":
            parts[0] += f", NVDEC-bound limit {k['nvdec_bound_limit_fps']:.1f} f/s"
            parts += [f"{label} {v['percent_of_limit']}" for label, v in k["compare"].items()]
    text = head + (": " + "; ".join(parts) if parts else "")
    if r["status"] != "ok":  # the whole reason is in bench.json
        reason_text = " ".join(r.get("reason", "").split())
        text += f" [{reason_text[:200]}{'...' if len(reason_text) > 200 else ''}]"
    return text


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--clips-dir", required=True)
    p.add_argument("--frames", default="150")
    p.add_argument("--budget-s", type=float, default=180.0, help="for all benchmarks (default %(default)s)")
    p.add_argument("--python", default=sys.executable)
    args = p.parse_args(argv)
    t0 = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="odvd-bench-"))
    args.out.mkdir(parents=True, exist_ok=True)
    doc = {"budget_s": args.budget_s, "clips_dir": args.clips_dir, "frames": args.frames, "benchmarks": {}}
    results, log = doc["benchmarks"], []
    all_ok = True
    for name, script, bench_args, extra_env, timeout, minimum in plan():
        left = args.budget_s - (time.monotonic() - t0)
        r = results[name] = {"script": f"bench/{script}", "env": extra_env}
        if "@compare" in bench_args:
            merged = merge_random_access(results, work / "random_access_merged.json")
            bench_args = ["--compare", str(merged)] if merged else []
        if left < minimum:
            r.update(status="skipped", reason=f"{left:.0f} s of the benchmark budget left, it needs {minimum} s")
            log.append(f"===== {name}: skipped: {r['reason']} =====\n")
        else:
            json_out = work / f"{name}.json"
            # "@closure": the kit's reference-closure clips, beside its camera clips (prepare.sh).
            bench_args = [str(Path(args.clips_dir).parent / "closure-clips") if a == "@closure" else a
                          for a in bench_args]
            clips = [] if "--clips-dir" in bench_args else ["--clips-dir", args.clips_dir]
            cmd = [args.python, f"bench/{script}", *bench_args, *clips, "--frames", args.frames, "--output", str(json_out)]
            limit = min(timeout, left)
            t = time.monotonic()
            rc, output, timed_out = run(cmd, dict(os.environ, **extra_env), limit)
            result = json.loads(json_out.read_text()) if json_out.exists() else None
            status = "timeout" if timed_out else "ok" if rc == 0 else "crashed" if rc < 0 else "failed"
            r.update(status=status, seconds=round(time.monotonic() - t, 1), exit=rc,
                     command=" ".join([f"{k}={v}" for k, v in extra_env.items()] + ["python3", *cmd[1:]]),
                     key=key_numbers(script, result), result=result)
            if status != "ok":
                r["reason"] = reason(script, rc, output, result, timed_out, limit)
            out_text = output if len(output) <= LOG_MAX else "[... cut ...]\n" + output[-LOG_MAX:]
            log.append(f"===== {name}: {status}, {r['seconds']} s =====\n$ {r['command']}\n{out_text}\n")
        all_ok &= r["status"] == "ok"
        print(one_line(name, r), flush=True)
        (args.out / "bench.json").write_text(json.dumps(doc, indent=1))
        (args.out / "bench.log").write_text("".join(log))
    shutil.rmtree(work, ignore_errors=True)
    return 0 if all_ok else 1


if __name__ == "__main__":
    sys.exit(main())
