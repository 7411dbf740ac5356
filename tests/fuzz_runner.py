"""The parent side of the fuzz tests: feeds cases to worker processes (tests/fuzz_worker.py), watches
them, and turns a bad outcome, a crash (the worker died: signal, abort, exit) or a hang (a case over
its time) into a failure with a saved reproducer:

    tests/.fuzz-failures/<label>-<base>-s<seed>-n<case>.<ext>   the input, as fed
    tests/.fuzz-failures/<label>-<base>-s<seed>-n<case>.json    the case, step, outcome, stderr tail

Replay one with ``python tests/fuzz_worker.py --replay tests/.fuzz-failures/<name>.json``; to keep
one as a regression test, move both files to tests/fuzz_repro/ (test_fuzz.py replays them all).
After a crash or a hang the worker is restarted at the next case, so one run reports every finding.
"""

import collections
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import List

TESTS = Path(__file__).resolve().parent
FAILURES = TESTS / ".fuzz-failures"
WORKER = TESTS / "fuzz_worker.py"
# Seconds one case may take (its steps together) before it counts as a hang; the sanitizer run sets
# more (scripts/sanitize-tests.sh).
CASE_TIMEOUT = float(os.environ.get("ODVD_FUZZ_CASE_TIMEOUT", "30"))
WORKERS = int(os.environ.get("ODVD_FUZZ_WORKERS", "2"))
STARTUP_TIMEOUT = 120.0  # importing numpy and the extension, under ASan too


class Result:
    def __init__(self):
        self.outcomes = collections.Counter()  # "ok", exception type names, "bad", "crash", "hang"
        self.failures: List[str] = []
        self.lock = threading.Lock()

    def add(self, outcome: str, failure: str = None) -> None:
        with self.lock:
            self.outcomes[outcome] += 1
            if failure:
                self.failures.append(failure)

    @property
    def cases(self) -> int:
        return sum(self.outcomes.values())


def _save(case: dict, work: Path, step: str, outcome: str, stderr: Path, label: str, folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{label}-{Path(case.get('base', 'input')).stem}-s{case.get('seed')}-n{case['n']}"
    ext = case.get("ext", ".bin")
    src = work / f"case-{case['n']}{ext}"
    dst = folder / (name + ext)
    if src.exists():
        shutil.copy(src, dst)
    tail = stderr.read_bytes()[-3000:].decode("utf-8", "replace") if stderr.exists() else ""
    meta = {k: v for k, v in case.items() if k != "input"}
    shown = dst.with_suffix(".json")
    shown = shown.relative_to(TESTS.parent) if TESTS.parent in shown.parents else shown
    meta.update(step=step, outcome=outcome, stderr_tail=tail, replay=f"python tests/fuzz_worker.py --replay {shown}")
    dst.with_suffix(".json").write_text(json.dumps(meta, indent=1))
    return f"{outcome.splitlines()[0][:300]} at {step} ({case.get('mutation', '')[:200]}): {dst}"


def _run_shard(cases: List[dict], label: str, result: Result, timeout: float, folder: Path) -> None:
    """Runs `cases` in order in one worker at a time, restarting it after a crash or a hang."""
    with tempfile.TemporaryDirectory(prefix="odvd-fuzz-") as t:
        work = Path(t)
        stderr = work / "stderr.log"
        pending = list(cases)
        while pending:
            by_n = {c["n"]: c for c in pending}
            env = dict(os.environ, ODVD_FUZZ_TRUNCATE_STDERR="1", MALLOC_ARENA_MAX="2")
            with open(stderr, "wb") as err:
                proc = subprocess.Popen([sys.executable, str(WORKER), str(work)], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=err, env=env, start_new_session=True)
            proc.stdin.write(json.dumps({"cases": pending}).encode())
            proc.stdin.close()
            sel = selectors.DefaultSelector()
            sel.register(proc.stdout, selectors.EVENT_READ)
            current, step, deadline, buf = None, "start", time.monotonic() + STARTUP_TIMEOUT, b""
            finished = set()
            while True:
                if not sel.select(timeout=max(0.0, deadline - time.monotonic())):
                    os.killpg(proc.pid, signal.SIGKILL)  # a hang
                    proc.wait()
                    stuck = by_n.get(current, pending[0])
                    result.add("hang", _save(stuck, work, step, f"hang: over {timeout:.0f}s",
                                             stderr, label, folder))
                    finished.add(stuck["n"])
                    break
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:  # the worker is gone
                    rc = proc.wait()
                    if rc != 0 or len(finished) < len(pending):
                        stuck = by_n.get(current, pending[0])
                        why = f"signal {signal.Signals(-rc).name}" if rc < 0 else f"exit status {rc}"
                        result.add("crash", _save(stuck, work, step, f"crash: worker died ({why})", stderr, label, folder))
                        finished.add(stuck["n"])
                    break
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for line in lines:
                    msg = json.loads(line)
                    if "step" in msg:
                        if msg["n"] != current:
                            current, deadline = msg["n"], time.monotonic() + timeout
                        step = msg["step"]
                    elif "done" in msg:
                        finished.add(msg["n"])
                        case = dict(by_n[msg["n"]], mutation=msg["mutation"])
                        kind = "bad" if msg["bad"] else msg["done"].split(":")[0]
                        result.add(kind, _save(case, work, step, msg["done"], stderr, label, folder) if msg["bad"] else None)
                        current, step, deadline = None, "start", time.monotonic() + timeout
            sel.close()
            proc.stdout.close()
            # The case a worker died in counts as finished: the next worker starts after it.
            pending = [c for c in pending if c["n"] not in finished]


def run_cases(cases: List[dict], label: str, result: Result = None, timeout: float = CASE_TIMEOUT,
              folder: Path = FAILURES) -> Result:
    """Runs `cases` over WORKERS workers (cases n-th apart go to the same one); findings are saved in
    `folder`."""
    result = result or Result()
    for n, case in enumerate(cases):
        case.setdefault("n", n)
    shards = [cases[k::WORKERS] for k in range(WORKERS)]
    threads = [threading.Thread(target=_run_shard, args=(s, label, result, timeout, folder)) for s in shards if s]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result


def summary(label: str, result: Result, seconds: float) -> str:
    counts = ", ".join(f"{k} {v}" for k, v in sorted(result.outcomes.items(), key=lambda kv: -kv[1]))
    return f"fuzz {label}: {result.cases} cases in {seconds:.0f}s ({counts})"


def report_failures(label: str, result: Result) -> str:
    lines = [f"fuzz {label}: {len(result.failures)} finding(s); reproducers under {FAILURES}:"]
    return "\n".join(lines + ["  " + f for f in result.failures[:20]])
