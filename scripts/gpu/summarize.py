#!/usr/bin/env python3
"""summary.json of the GPU check (scripts/gpu/check.sh), standard library only.

    python3 scripts/gpu/summarize.py --out DIR --kit .gpu-kit --site SITE --phase environment|tests|final

Called after each step of check.sh, so DIR/summary.json is there from the first minute and says how
far the check got if the device call is cut short. Each call reads what the steps left in DIR
(nvidia-smi.txt, build_info.json, tests.json, bench.json) and rewrites summary.json:

- environment: date, GPU, driver and CUDA version (nvidia-smi), PyTorch and its CUDA, Python, the
  wheels (file, version, installed or not; whether ours is the fallback wheel), build_info()'s
  essentials. Prints the ``environment:`` line.
- tests: counts by outcome and the tests that did not pass (from run_tests.py's tests.json).
- final: the benchmarks' status and key numbers (from run_bench.py's bench.json) and the figures of
  the Results table of docs/validation/gpu.md; prints one ``results (<backend>):`` line per GPU
  backend and the verdict, and exits 0 only when the wheels installed, every test passed and
  every benchmark ran.
"""

import argparse
import datetime
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

TORCH_PROBE = r"""
import json, torch
d = {"torch": torch.__version__, "cuda": torch.version.cuda, "available": torch.cuda.is_available()}
if d["available"]:
    d["device"] = torch.cuda.get_device_name(0)
    d["capability"] = "%d.%d" % torch.cuda.get_device_capability(0)
print(json.dumps(d))
"""


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def read_json(path):
    try:
        return json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        return {"error": f"{path}: {type(e).__name__}: {e}"}


def nvidia_smi(out):
    """GPU name, driver, memory, compute capability and the driver's CUDA version from nvidia-smi.txt."""
    try:
        text = (out / "nvidia-smi.txt").read_text()
    except OSError:
        text = ""
    facts = {"cuda_version": None, "gpu": None, "driver": None, "memory": None, "compute_capability": None}
    m = re.search(r"CUDA Version:\s*([\d.]+)", text)
    facts["cuda_version"] = m.group(1) if m else None
    m = re.search(r"^# query.*\n(.+)$", text, re.M)  # check.sh's --query-gpu line follows this marker
    fields = [f.strip() for f in m.group(1).split(",")] if m else []
    if len(fields) == 4 and "failed" not in fields[0].lower() and "not found" not in fields[0].lower():
        facts.update(gpu=fields[0], driver=fields[1], memory=fields[2], compute_capability=fields[3])
    else:
        facts["error"] = (text.strip().splitlines() or ["nvidia-smi.txt is empty"])[-1][:300]
    return facts


def torch_facts():
    try:
        res = subprocess.run([sys.executable, "-c", TORCH_PROBE], capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return {"error": "importing torch took over 120 s"}
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or [f"exit status {res.returncode}"])[-1][:300]}
    return json.loads(res.stdout)


def wheels(kit, site, install_log):
    out = {}
    installed = {p.name.lower() for p in site.glob("*.dist-info")} if site.is_dir() else set()
    for sub in ("wheel", "pynvc"):
        for whl in sorted((kit / sub).glob("*.whl")):
            dist, version = whl.name.split("-")[:2]
            out[dist] = {"file": whl.name, "version": version,
                         "installed": f"{dist}-{version}.dist-info".lower() in installed}
    try:
        log = Path(install_log).read_text().strip()
    except (OSError, TypeError):
        log = ""
    if log and not all(w["installed"] for w in out.values()):
        out["install_log_tail"] = log[-1500:]
    return out


def gpu_decode(build_info):
    """build_info()'s essentials, with why GPU decoding is not usable (as tests/conftest.py says it)."""
    if "runtime" not in build_info:
        return {"error": build_info.get("error", "no build_info")[-1500:]}
    c, rt = build_info["compiled"], build_info["runtime"]
    why = None
    if not rt["gpu_decode_usable"]:
        why = ("no CUDA kernels in this build" if not c["cuda_kernels"] else
               f"no NVIDIA driver: {rt['driver_error']}" if not rt["driver_found"] else
               f"cuInit failed: {rt['cuda_init_error']}" if rt["cuda_init_error"] else
               "no CUDA device" if rt["device_count"] == 0 else f"no NVDEC: {rt['nvdec_error']}")
    return {"version": build_info.get("version"), "cuda_kernels": c["cuda_kernels"], "cuda_archs": c.get("cuda_archs"),
            "ffmpeg_linkage": c.get("ffmpeg_linkage"), "ffmpeg_release": rt.get("ffmpeg_release"),
            "driver_cuda_version": rt.get("driver_cuda_version"), "devices": rt.get("devices"),
            "gpu_decode_usable": rt["gpu_decode_usable"], "not_usable_because": why}


def environment(args):
    env = {"nvidia_smi": nvidia_smi(args.out), "torch": torch_facts(), "python": sys.version.split()[0],
           "wheels": wheels(args.kit, args.site, args.install_log),
           "wheel_fallback": (args.kit / "wheel" / "FALLBACK").exists(),
           "odvd": gpu_decode(read_json(args.out / "build_info.json"))}
    smi, t, w, o = env["nvidia_smi"], env["torch"], env["wheels"], env["odvd"]
    gpu = (f"{smi['gpu']} ({smi['memory']}, sm {smi['compute_capability']}), driver {smi['driver']}, "
           f"CUDA {smi['cuda_version']}") if smi["gpu"] else f"no GPU ({smi.get('error')})"
    torch = (f"torch {t['torch']} (CUDA {t['cuda']}, {'GPU visible' if t['available'] else 'no GPU'})"
             if "torch" in t else f"no torch ({t['error']})")
    ours = next((v for k, v in w.items() if k.startswith("on_demand")), None)
    pynvc = next((v for k, v in w.items() if k.lower().startswith("pynvvideocodec")), None)
    decode = ("error: " + o["error"].splitlines()[-1][:200] if "error" in o else
              f"CUDA kernels {'yes' if o['cuda_kernels'] else 'no'}, FFmpeg {o['ffmpeg_release']} "
              f"({o['ffmpeg_linkage']}), GPU decode " + ("usable" if o["gpu_decode_usable"] else
                                                         f"not usable: {o['not_usable_because']}"))
    print(f"environment: {gpu}; {torch}; Python {env['python']}; "
          + (f"on_demand_video_decoder {ours['version']}{' (FALLBACK wheel: system FFmpeg)' if env['wheel_fallback'] else ''}"
             f"{'' if ours['installed'] else ' NOT INSTALLED'} [{decode}]" if ours else "no on_demand_video_decoder wheel")
          + (f"; PyNvVideoCodec {pynvc['version']}{'' if pynvc['installed'] else ' NOT INSTALLED'}" if pynvc
             else "; no PyNvVideoCodec wheel"), flush=True)
    return env


def tests_section(out):
    doc = read_json(out / "tests.json")
    if "summary" not in doc:
        return {"ok": False, "error": doc.get("error")}
    bad = [{"nodeid": t["nodeid"], "outcome": t["outcome"], "message": t["message"][:300]}
           for t in doc["tests"] if t["outcome"] not in ("passed", "xfailed")]
    return {"ok": bool(doc["tests"]) and not bad, "counts": doc["summary"], "seconds": doc.get("seconds"),
            "not_passed": bad}


def results_table(bench):
    """Per GPU backend of ours, the figures of docs/validation/gpu.md's Results table (None if not measured)."""
    b = {name: r.get("key") or {} for name, r in bench.items()}
    peers = {label: v for label, v in b.get("random_access_pynvc", {}).get("adapters", {}).items() if "clone=1" not in label}
    best_ra = max(peers.items(), key=lambda kv: kv[1]["random_access_fps"], default=(None, {}))
    best_seq = max(peers.items(), key=lambda kv: kv[1].get("sequential_fps") or 0, default=(None, {}))
    limit = b.get("nvdec_limit", {}).get("nvdec_bound_limit_fps")
    seq6_peer = b.get("seq6_rgb_pynvc", {}).get("frames_per_s")
    table = {}
    for backend in ("cuvid", "ffmpeg"):
        ours = next(iter(b.get(f"random_access_odvd_{backend}", {}).get("adapters", {}).values()), {})
        ra, seq = ours.get("random_access_fps"), ours.get("sequential_fps")
        seq6 = b.get(f"seq6_rgb_odvd_{backend}", {}).get("frames_per_s")

        def ratio(x, y):
            return round(x / y, 3) if x and y else None

        def fps(x):
            return round(x, 1) if x else None

        table[backend] = {
            "random_access_fps": fps(ra), "pynvc_best_random_access_fps": fps(best_ra[1].get("random_access_fps")),
            "pynvc_best_random_access_method": best_ra[0],
            "random_access_ratio": ratio(ra, best_ra[1].get("random_access_fps")), "random_access_target": 1.5,
            "nvdec_bound_limit_fps": limit, "percent_of_nvdec_bound_limit": round(100 * ra / limit, 1) if ra and limit else None,
            "percent_target": 80, "sequential_rgb_fps": fps(seq),
            "pynvc_best_sequential_rgb_fps": fps(best_seq[1].get("sequential_fps")),
            "pynvc_best_sequential_method": best_seq[0], "sequential_ratio": ratio(seq, best_seq[1].get("sequential_fps")),
            "sequential_target": 2.0, "seq6_rgb_fps": fps(seq6), "pynvc_seq6_rgb_fps": fps(seq6_peer),
            "seq6_ratio": ratio(seq6, seq6_peer)}
    return table


def results_line(backend, r):
    if not any(r[k] for k in ("random_access_fps", "sequential_rgb_fps", "seq6_rgb_fps")):
        return f"results ({backend}): nothing of ours measured"

    def met(value, target):
        return "not measured" if value is None else f"{value}{'' if value >= target else ' NOT'} >= {target}"

    return (f"results ({backend}): random access {r['random_access_fps'] or '-'} f/s vs PyNvVideoCodec "
            f"{r['pynvc_best_random_access_fps'] or '-'} ({r['pynvc_best_random_access_method'] or '-'}): ratio "
            f"{met(r['random_access_ratio'], 1.5)}; % of NVDEC-bound limit {met(r['percent_of_nvdec_bound_limit'], 80)}; "
            f"sequential RGB ratio {met(r['sequential_ratio'], 2.0)}; six clips at once {r['seq6_rgb_fps'] or '-'} "
            f"vs {r['pynvc_seq6_rgb_fps'] or '-'} f/s")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--kit", type=Path, required=True)
    p.add_argument("--site", type=Path, required=True)
    p.add_argument("--install-log")
    p.add_argument("--elapsed-s", type=float)
    p.add_argument("--phase", choices=["environment", "tests", "final"], required=True)
    args = p.parse_args(argv)
    path = args.out / "summary.json"
    summary = read_json(path) if path.exists() else {}
    if "date_utc" not in summary:
        summary = {"date_utc": now(), "host": socket.gethostname()}
    summary.update(phase=args.phase, updated_utc=now(), elapsed_s=args.elapsed_s,
                   status="complete" if args.phase == "final" else f"running (after the {args.phase} step)")
    if args.phase == "environment" or "environment" not in summary:
        summary["environment"] = environment(args)
    if args.phase in ("tests", "final"):
        summary["tests"] = tests_section(args.out)
    code = 0
    if args.phase == "final":
        bench = read_json(args.out / "bench.json").get("benchmarks", {})
        summary["benchmarks"] = {name: {k: r.get(k) for k in ("status", "seconds", "command", "reason", "key")}
                                 for name, r in bench.items()}
        summary["results_table"] = results_table(bench)
        for backend, row in summary["results_table"].items():
            print(results_line(backend, row))
        wheels = summary["environment"]["wheels"]
        wheels_ok = any(k.startswith("on_demand") for k in wheels) and \
            all(w.get("installed", True) for w in wheels.values() if isinstance(w, dict))
        problems = ([] if wheels_ok else ["a wheel is missing or did not install"]) + \
                   ([] if summary["tests"].get("ok") else ["not every test passed"]) + \
                   [f"bench {n} {r['status']}" for n, r in summary["benchmarks"].items() if r["status"] != "ok"]
        if not bench:
            problems.append("no benchmark ran")
        summary["ok"] = not problems
        summary["problems"] = problems
        print("check: PASSED" if not problems else "check: FAILED (" + "; ".join(problems) + ")")
        code = 0 if not problems else 1
    tmp = path.with_name("summary.json.tmp")
    tmp.write_text(json.dumps(summary, indent=1))
    os.replace(tmp, path)
    return code


if __name__ == "__main__":
    sys.exit(main())
