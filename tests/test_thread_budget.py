"""The CPU threads a decoder uses by default follow the process's affinity mask and cgroup CPU quota
(engine/thread_budget.h), or ODVD_NUM_THREADS, or the num_threads keyword: a process pinned to one CPU
decodes a batch of files without starting a single extra thread. The threads a call uses come from
a pool kept between calls (engine/thread_pool.h), and a forked child gets a pool of its own."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

import on_demand_video_decoder as odvd

CLIPS = ["h264_gop30", "hevc_gop30", "h264_gop12", "hevc_gop30_bf3", "vp9_gop30", "av1_gop30_mp4"]

# Runs in a fresh interpreter: optional affinity, then a decode of six files (two frames each) while a
# sampler thread records the process's thread count; prints the budget, the count before, the maximum.
_PROBE = r"""
import json, os, sys, threading, time
if sys.argv[1] != "all":
    os.sched_setaffinity(0, {int(c) for c in sys.argv[1].split(",")})
import on_demand_video_decoder as odvd
kwargs = json.loads(sys.argv[2])
paths = sys.argv[3:]
dec = odvd.PyNvGopDecoder(len(paths), iGpu=-1, **kwargs)
count = lambda: len(os.listdir("/proc/self/task"))
seen, stop = [], threading.Event()
def sample():
    while not stop.is_set():
        seen.append(count())
        time.sleep(0.0005)
sampler = threading.Thread(target=sample)
sampler.start()
time.sleep(0.01)
before = count()
for _ in range(3):
    dec.DecodeN12ToRGB(paths * 2, [5] * len(paths) + [25] * len(paths))
stop.set()
sampler.join()
print(json.dumps({"budget": odvd.build_info()["runtime"]["thread_budget"], "before": before, "max": max(seen)}))
"""


def _cgroup_quota():
    """The cgroup CPU quota in CPUs (0: none), read here independently of the engine."""
    try:
        line = next(l for l in Path("/proc/self/cgroup").read_text().splitlines() if l.startswith("0::"))
        quota, period = Path(f"/sys/fs/cgroup{line[3:]}/cpu.max").read_text().split()
        return 0 if quota == "max" else int(quota) / int(period)
    except (StopIteration, OSError, ValueError):
        try:
            quota = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_quota_us").read_text())
            period = int(Path("/sys/fs/cgroup/cpu/cpu.cfs_period_us").read_text())
            return quota / period if quota > 0 else 0
        except (OSError, ValueError):
            return 0


def _probe(media, cpus="all", env=None, **kwargs):
    run_env = {k: v for k, v in os.environ.items() if k != "ODVD_NUM_THREADS"}
    run_env.update(env or {})
    paths = [str(media[c].path) for c in CLIPS]
    out = subprocess.run([sys.executable, "-c", _PROBE, cpus, json.dumps(kwargs), *paths], capture_output=True,
                         text=True, env=run_env, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_budget_is_the_affinity_within_the_quota():
    rt = odvd.build_info()["runtime"]
    assert rt["affinity_cpus"] == len(os.sched_getaffinity(0))
    quota = _cgroup_quota()
    assert rt["cgroup_cpu_quota"] == pytest.approx(quota)
    expected = len(os.sched_getaffinity(0)) if quota == 0 else min(len(os.sched_getaffinity(0)), math.ceil(quota))
    assert rt["thread_budget"] == expected


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs to restrict one away")
def test_a_process_pinned_to_one_cpu_starts_no_thread(media):
    free = _probe(media)
    assert free["max"] > free["before"], "the unrestricted decode should use more threads (the probe works)"
    pinned = _probe(media, cpus=str(min(os.sched_getaffinity(0))))
    assert pinned["budget"] == 1
    assert pinned["max"] == pinned["before"], pinned


def test_the_environment_and_the_keyword_set_the_budget(media):
    assert _probe(media, env={"ODVD_NUM_THREADS": "3"})["budget"] == 3
    assert _probe(media, env={"ODVD_NUM_THREADS": "many"})["budget"] == odvd.build_info()["runtime"]["thread_budget"]
    one = _probe(media, num_threads=1)
    assert one["max"] == one["before"], one
    with pytest.raises(ValueError):
        odvd.PyNvGopDecoder(1, iGpu=-1, num_threads=0)


# A fresh interpreter: two files per call on 2 threads (one pool thread helps the caller); the process's
# threads after the first call, after five more, and a forked child decoding with the parent's decoder.
_POOL_PROBE = r"""
import json, os, sys
import multiprocessing as mp
import numpy as np
import on_demand_video_decoder as odvd
paths = sys.argv[1:]
tasks = lambda: sorted(os.listdir("/proc/self/task"))
dec = odvd.PyNvGopDecoder(len(paths), iGpu=-1, num_threads=2)
before = tasks()
first = [np.asarray(f).copy() for f in dec.DecodeN12ToRGB(paths, [3] * len(paths))]
after_first = tasks()
for _ in range(5):
    dec.DecodeN12ToRGB(paths, [3] * len(paths))
after_more = tasks()
def child(q):
    frames = dec.DecodeN12ToRGB(paths, [3] * len(paths))
    q.put([bool(np.array_equal(np.asarray(f), g)) for f, g in zip(frames, first)])
ctx = mp.get_context("fork")
q = ctx.Queue()
p = ctx.Process(target=child, args=(q,))
p.start()
same = q.get(timeout=120)
p.join(60)
print(json.dumps({"before": before, "after_first": after_first, "after_more": after_more, "child_same": same,
                  "child_exit": p.exitcode}))
"""


def test_worker_threads_are_kept_between_calls_and_a_forked_child_starts_its_own(media):
    paths = [str(media[c].path) for c in CLIPS[:2]]
    out = subprocess.run([sys.executable, "-c", _POOL_PROBE, *paths], capture_output=True, text=True, timeout=300,
                         env={k: v for k, v in os.environ.items() if k != "ODVD_NUM_THREADS"})
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    started = set(got["after_first"]) - set(got["before"])
    assert started, "the first two-file call on two threads should leave its pool thread waiting"
    assert got["after_more"] == got["after_first"], "later calls must reuse the pool, not start or end threads"
    assert got["child_same"] == [True, True] and got["child_exit"] == 0, got
