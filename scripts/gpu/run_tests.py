#!/usr/bin/env python3
"""Crash-proof pytest runner for the GPU check (scripts/gpu/check.sh). Standard library and pytest
only; Python 3.10 to 3.12.

    python3 scripts/gpu/run_tests.py --out DIR [--per-test-timeout 120] [--total-timeout 300] \\
        -- tests -m needs_cuda

Collects the selected tests once (``--collect-only -q``), then runs pytest on them in a subprocess
of its own process group, with faulthandler on and the plugin ``odvd_progress`` (next to this file)
writing every test's start and result to a progress file as they happen. When the subprocess dies
(a signal, an abort, a CUDA error that kills the process), the test it was running is recorded as
``crashed`` with the tail of its stderr (the C++ or CUDA message, faulthandler's traceback); when a
test runs past --per-test-timeout, the process group is killed and the test is ``timeout``. pytest
then starts again on the tests not yet run (their node ids, handed to the plugin in a file, so the
user's pytest arguments are passed unchanged), until all ran or --total-timeout is reached (the
rest: ``not_run``).

Writes DIR/tests.json (counts by outcome; nodeid, outcome, duration and message, at most 2 KB, per
test; rewritten after every round) and DIR/tests.log (pytest's output, round by round, cut in the
middle when huge). Prints one line of counts and one line per test that did not pass (the first
30; the device tool returns only the output's last 12,000 characters). Exit status 0 only when
every selected test passed (xfailed counts as passed; skipped only with --skips-ok).
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PLUGIN = "odvd_progress"  # HERE/odvd_progress.py
OUTCOMES = ["passed", "failed", "error", "skipped", "xfailed", "xpassed", "crashed", "timeout", "not_run"]
ALWAYS_SHOWN = {"passed", "failed", "crashed", "timeout", "not_run"}
MESSAGE_MAX = 2048
LOG_PART_MAX = 1 << 20  # per round and stream; the device tool brings back files of up to 16 MiB
POLL_S = 0.1
# The console report stays short: the device tool returns only the last 12,000 characters of output.
SHOWN_MAX, LINE_MAX = 30, 200


def parse_args(argv):
    if "--" in argv:
        cut = argv.index("--")
        own, pytest_args = argv[:cut], argv[cut + 1:]
    else:
        own, pytest_args = argv, []
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog="Arguments after -- go to pytest.")
    p.add_argument("--out", required=True, type=Path, help="folder for tests.json and tests.log")
    p.add_argument("--per-test-timeout", type=float, default=120.0, help="seconds (default %(default)s)")
    p.add_argument("--total-timeout", type=float, default=300.0, help="seconds, collection included (default %(default)s)")
    p.add_argument("--python", default=sys.executable, help="interpreter that runs pytest (default: this one)")
    p.add_argument("--skips-ok", action="store_true", help="skipped tests do not make the exit status non-zero")
    args = p.parse_args(own)
    args.pytest_args = pytest_args
    return args


def tail(text: str, limit: int) -> str:
    """The end of ``text``, at most ``limit`` characters, starting at a line."""
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    return cut[cut.find("\n") + 1:] if "\n" in cut[:-1] else cut


# Lines of a faulthandler dump that show only pytest's own machinery.
_NOISE = ("/_pytest/", "/pluggy/", "<frozen runpy>", "/pytest/__main__.py", "Extension modules:")


def crash_excerpt(stderr: str, limit: int) -> str:
    """What to keep of a dead or killed test process's stderr: the last faulthandler dump (from
    "Fatal Python error" or "Timeout (") without pytest's frames, and what was written just before it
    (the C++ or CUDA message, if any). Without a dump, the tail."""
    start = max(stderr.rfind("Fatal Python error:"), stderr.rfind("Timeout ("))
    if start < 0:
        return tail(stderr, limit)
    dump = [line for line in stderr[start:].splitlines() if not any(n in line for n in _NOISE)]
    dump_text = tail("\n".join(dump), limit * 2 // 3)
    return tail(stderr[:start], limit - len(dump_text) - 1) + dump_text


def clip_log(text: str) -> str:
    """Keeps the head and the (more telling) tail of a huge output."""
    if len(text) <= LOG_PART_MAX:
        return text
    head, rest = LOG_PART_MAX // 8, LOG_PART_MAX - LOG_PART_MAX // 8
    return f"{text[:head]}\n[... {len(text) - head - rest} characters cut ...]\n{text[-rest:]}"


def first_line(message: str) -> str:
    """The message's first line; when it only announces what follows ("... exited with 1:"), with
    the last exception line below it too."""
    lines = [line.strip() for line in message.strip().splitlines() if line.strip()]
    if not lines:
        return ""
    text = lines[0]
    if text.endswith(":"):
        raised = [line for line in lines[1:] if re.match(r"^[\w.]+(Error|Exception|Exit): ", line)]
        if raised:
            text += " ... " + raised[-1]
    return text[:200]


def signal_text(rc: int) -> str:
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    return f"exit status {rc}"


def outcome_of(phases: dict):
    """(outcome, message) of a finished test from its phase reports, as pytest's summary names it."""
    setup, call, teardown = (phases.get(w) for w in ("setup", "call", "teardown"))
    for rep, failed_as in ((setup, "error"), (call, "failed")):
        if rep and rep["outcome"] == "failed":
            return failed_as, rep["message"]
    for rep in (setup, call):
        if rep and rep.get("wasxfail") is not None:
            return ("xfailed" if rep["outcome"] == "skipped" else "xpassed"), rep["message"]
        if rep and rep["outcome"] == "skipped":
            return "skipped", rep["message"]
    if teardown and teardown["outcome"] == "failed":
        return "error", "teardown: " + teardown["message"]
    return "passed", ""


class Runner:
    def __init__(self, args):
        self.args = args
        self.out = args.out
        self.work = Path(tempfile.mkdtemp(prefix="odvd-run-tests-"))
        self.t0 = time.monotonic()
        self.deadline = self.t0 + args.total_timeout
        self.order = []      # node ids, as collected
        self.results = {}    # nodeid -> record
        self.rounds = []
        self.log_parts = []
        self.notes = []      # what went wrong outside any test

    # -- one pytest process ------------------------------------------------------------------
    def pytest_command(self, extra):
        # faulthandler_timeout: pytest's own watchdog dumps every thread's stack shortly before the
        # runner kills a hanging test. --capture=sys: C/C++ code's writes to fd 2 (CUDA and engine
        # messages) go straight to the real stderr, not into pytest's capture file, which is lost
        # when the process dies. Both come first, so the user's arguments can override them.
        ft = max(1, int(self.args.per_test_timeout - min(5.0, self.args.per_test_timeout / 3)))
        return [self.args.python, "-X", "faulthandler", "-m", "pytest", "-p", "no:cacheprovider", "-p", PLUGIN,
                "-o", f"faulthandler_timeout={ft}", "--capture=sys", "--continue-on-collection-errors",
                *extra, *self.args.pytest_args]

    def launch(self, name, extra, ids=None):
        progress = self.work / f"{name}.progress.jsonl"
        env = dict(os.environ, PYTHONFAULTHANDLER="1", ODVD_PROGRESS_FILE=str(progress), ODVD_PROGRESS_IDS="")
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")]))
        if ids is not None:
            env["ODVD_PROGRESS_IDS"] = str(self.work / f"{name}.ids")
            Path(env["ODVD_PROGRESS_IDS"]).write_text("".join(i + "\n" for i in ids))
        stdout, stderr = (open(self.work / f"{name}.{s}", "w+") for s in ("stdout", "stderr"))
        proc = subprocess.Popen(self.pytest_command(extra), stdout=stdout, stderr=stderr, env=env,
                                stdin=subprocess.DEVNULL, start_new_session=True)
        return proc, progress, stdout, stderr

    @staticmethod
    def kill(proc):
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # the group: pytest and whatever its tests started
        except ProcessLookupError:
            pass
        proc.wait()

    def watch(self, proc, progress, on_event):
        """Feeds progress events to ``on_event`` until the process ends or a limit is hit; returns
        (nodeid running when it stopped or None, 'timeout' / 'total' / None)."""
        offset, pending, running, started = 0, "", None, 0.0
        while True:
            ended = proc.poll() is not None
            if progress.exists():
                with open(progress) as f:
                    f.seek(offset)
                    chunk = f.read()
                    offset = f.tell()
                lines = (pending + chunk).split("\n")
                pending = lines.pop()
                for line in filter(None, lines):
                    ev = json.loads(line)
                    on_event(ev)
                    if ev["event"] == "start":
                        running, started = ev["nodeid"], time.monotonic()
                    elif ev["event"] == "finish":
                        running = None
            if ended:
                return running, None
            now = time.monotonic()
            if running is not None and now - started > self.args.per_test_timeout:
                self.kill(proc)
                return running, "timeout"
            if now > self.deadline:
                self.kill(proc)
                return running, "total"
            time.sleep(POLL_S)

    def finish_round(self, name, title, proc, stdout, stderr, seconds):
        texts = []
        for f in (stdout, stderr):
            f.seek(0)
            texts.append(f.read())
            f.close()
        self.log_parts.append(f"===== {title}: {signal_text(proc.returncode)}, {seconds:.1f} s =====\n"
                              f"{clip_log(texts[0])}\n----- stderr -----\n{clip_log(texts[1])}\n")
        return texts[1]

    # -- the run ------------------------------------------------------------------------------
    def collect(self):
        errors = []

        def on_event(ev):
            if ev["event"] == "collected":
                self.order = list(dict.fromkeys(ev["nodeids"]))
            elif ev["event"] == "collect_error":
                errors.append(ev)

        t = time.monotonic()
        proc, progress, out, err = self.launch("collect", ["--collect-only", "-q"])
        self.watch(proc, progress, on_event)
        self.finish_round("collect", "collection", proc, out, err, time.monotonic() - t)
        for ev in errors:  # a module that does not import: its tests are not in the list
            self.order.append(ev["nodeid"])
            self.results[ev["nodeid"]] = {"nodeid": ev["nodeid"], "outcome": "error", "duration": 0.0,
                                          "message": "collection failed: " + tail(ev["message"], MESSAGE_MAX - 20)}
        self.rounds.append({"round": "collection", "exit": proc.returncode, "collected": len(self.order)})

    def run_round(self, number, remaining):
        phases, started = {}, {}

        def on_event(ev):
            nodeid = ev.get("nodeid")
            if ev["event"] == "start":
                started[nodeid] = time.monotonic()
            elif ev["event"] == "report":
                phases.setdefault(nodeid, {})[ev["when"]] = ev
            elif ev["event"] == "finish" and nodeid in remaining:
                outcome, message = outcome_of(phases.get(nodeid, {}))
                duration = sum(p["duration"] for p in phases.get(nodeid, {}).values())
                self.record(nodeid, outcome, duration, message)

        t = time.monotonic()
        proc, progress, out, err = self.launch(f"round{number}", [], ids=remaining)
        running, limit = self.watch(proc, progress, on_event)
        seconds = time.monotonic() - t
        title = f"round {number}: {len(remaining)} tests"
        stderr = self.finish_round(f"round{number}", title, proc, out, err, seconds)
        ran_for = time.monotonic() - started.get(running, t)
        if running is not None and running in remaining:
            if limit == "timeout":
                why = f"ran past the per-test timeout of {self.args.per_test_timeout:g} s: killed"
            elif limit == "total":
                why = f"still running when the total timeout of {self.args.total_timeout:g} s was reached: killed"
            else:
                why = f"the test process died ({signal_text(proc.returncode)}) while this test ran"
            self.record(running, "crashed" if limit is None else "timeout", ran_for,
                        why + "\n--- stderr ---\n" + crash_excerpt(stderr, MESSAGE_MAX - len(why) - 20))
        if running is None and proc.returncode < 0 and limit is None:
            self.notes.append(f"pytest {signal_text(proc.returncode)} outside any test in round {number} "
                              f"(collection or exit): see tests.log")
        self.rounds.append({"round": number, "tests": len(remaining), "exit": proc.returncode,
                            "seconds": round(seconds, 2), "stopped_by": limit or ("crash" if running else None)})
        # Go on after a crash or a per-test timeout; a normal end (or the total timeout) is final.
        return running is not None and limit != "total"

    def record(self, nodeid, outcome, duration, message):
        self.results[nodeid] = {"nodeid": nodeid, "outcome": outcome, "duration": round(duration, 3),
                                "message": (message or "")[:MESSAGE_MAX]}

    def run(self):
        self.collect()
        number = 0
        while True:
            remaining = [n for n in self.order if n not in self.results]
            if not remaining or time.monotonic() > self.deadline - 1:
                break
            number += 1
            if not self.run_round(number, remaining):
                break
            self.write()
        last = self.rounds[-1]
        for nodeid in self.order:
            if nodeid not in self.results:
                why = ("the total timeout was reached first" if time.monotonic() > self.deadline - 1
                       else f"pytest ended ({signal_text(last.get('exit') or 0)}) without running it")
                self.record(nodeid, "not_run", 0.0, why)
        self.write()
        shutil.rmtree(self.work, ignore_errors=True)
        return self.report()

    # -- output -------------------------------------------------------------------------------
    def counts(self):
        c = {o: 0 for o in OUTCOMES}
        for r in self.results.values():
            c[r["outcome"]] += 1
        return c

    def write(self):
        self.out.mkdir(parents=True, exist_ok=True)
        records = [self.results[n] for n in self.order if n in self.results]
        doc = {"summary": self.counts(), "total": len(self.order), "seconds": round(time.monotonic() - self.t0, 1),
               "pytest_args": self.args.pytest_args, "per_test_timeout_s": self.args.per_test_timeout,
               "total_timeout_s": self.args.total_timeout, "rounds": self.rounds, "notes": self.notes,
               "tests": records}
        tmp = self.out / "tests.json.tmp"
        tmp.write_text(json.dumps(doc, indent=1))
        tmp.replace(self.out / "tests.json")
        (self.out / "tests.log").write_text("".join(self.log_parts))

    def report(self):
        c = self.counts()
        shown = ", ".join(f"{c[o]} {o}" for o in OUTCOMES if o in ALWAYS_SHOWN or c[o])
        print(f"tests: {shown} ({len(self.order)} selected, {time.monotonic() - self.t0:.0f} s)")
        ok = {"passed", "xfailed"} | ({"skipped"} if self.args.skips_ok else set())
        bad = [self.results[n] for n in self.order if self.results[n]["outcome"] not in ok]
        for r in bad[:SHOWN_MAX]:
            print(f"  {r['outcome'].upper()} {r['nodeid']}: {first_line(r['message'])}"[:LINE_MAX])
        if len(bad) > SHOWN_MAX:
            print(f"  ... and {len(bad) - SHOWN_MAX} more: {self.out / 'tests.json'}")
        for note in self.notes:
            print(f"  NOTE {note}")
        if not self.order:
            print("  no test selected")
        return 0 if self.order and not bad and not self.notes else 1


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return Runner(args).run()


if __name__ == "__main__":
    sys.exit(main())
