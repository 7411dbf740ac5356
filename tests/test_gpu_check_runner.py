"""scripts/gpu/run_tests.py, the crash-proof pytest runner of the GPU check, on a throwaway test folder:
a test that aborts the interpreter, one that segfaults and one that hangs past the per-test timeout
are recorded as such, with their stderr, and the tests after each of them still run."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

RUNNER = Path(__file__).resolve().parent.parent / "scripts" / "gpu" / "run_tests.py"

THROWAWAY = '''
import ctypes
import os
import time

import pytest


def test_01_passes():
    pass


def test_02_fails():
    assert 1 == 2, "one is not two"


def test_03_aborts():
    os.write(2, b"engine: CUDA_ERROR_ILLEGAL_ADDRESS in cuvidMapVideoFrame\\n")  # as C++ code writes fd 2
    os.abort()


def test_04_after_abort():
    pass


def test_05_segfaults():
    ctypes.string_at(0)


def test_06_hangs():
    time.sleep(60)


def test_07_after_hang():
    pass


@pytest.mark.skip(reason="not here")
def test_08_skipped():
    pass


@pytest.fixture
def broken():
    raise RuntimeError("fixture broke")


def test_09_setup_error(broken):
    pass


def test_10_last():
    pass
'''


def run_runner(tmp_path, files, *runner_args):
    tdir = tmp_path / "throwaway"
    tdir.mkdir(parents=True)
    (tdir / "pytest.ini").write_text("[pytest]\n")  # its own rootdir: none of this repository's config
    for name, text in files.items():
        (tdir / name).write_text(textwrap.dedent(text))
    out = tmp_path / "out"
    # The throwaway tests crash on purpose, by signal: without a sanitizer runtime preloaded into them
    # (scripts/sanitize-tests.sh preloads ASan, which reports a SIGSEGV and then aborts).
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "ASAN_OPTIONS", "UBSAN_OPTIONS")}
    proc = subprocess.run([sys.executable, str(RUNNER), "--out", str(out), *runner_args, "--", str(tdir), "-q"],
                          capture_output=True, text=True, timeout=60, cwd=tmp_path, env=env)
    doc = json.loads((out / "tests.json").read_text())
    return proc, doc, {t["nodeid"].split("::")[-1]: t for t in doc["tests"]}, (out / "tests.log").read_text()


def test_crashes_and_hangs_are_recorded_and_the_rest_still_runs(tmp_path):
    proc, doc, tests, log = run_runner(tmp_path, {"test_throwaway.py": THROWAWAY},
                                       "--per-test-timeout", "3", "--total-timeout", "50")
    assert {name: t["outcome"] for name, t in tests.items()} == {
        "test_01_passes": "passed", "test_02_fails": "failed", "test_03_aborts": "crashed",
        "test_04_after_abort": "passed", "test_05_segfaults": "crashed", "test_06_hangs": "timeout",
        "test_07_after_hang": "passed", "test_08_skipped": "skipped", "test_09_setup_error": "error",
        "test_10_last": "passed"}
    assert doc["summary"] == {"passed": 4, "failed": 1, "error": 1, "skipped": 1, "xfailed": 0, "xpassed": 0,
                              "crashed": 2, "timeout": 1, "not_run": 0}
    assert "one is not two" in tests["test_02_fails"]["message"]
    abort = tests["test_03_aborts"]["message"]
    assert "SIGABRT" in abort and "CUDA_ERROR_ILLEGAL_ADDRESS" in abort and "Fatal Python error: Aborted" in abort
    assert "in test_03_aborts" in abort and "_pytest" not in abort
    assert "SIGSEGV" in tests["test_05_segfaults"]["message"]
    hang = tests["test_06_hangs"]["message"]
    assert "per-test timeout of 3 s" in hang and "in test_06_hangs" in hang  # faulthandler's dump
    assert 3 <= tests["test_06_hangs"]["duration"] < 10
    assert "fixture broke" in tests["test_09_setup_error"]["message"]
    assert all(len(t["message"]) <= 2048 for t in doc["tests"])
    # Four pytest processes: stopped by the abort, the segfault, the hang; the last one ends normally.
    assert [r.get("stopped_by") for r in doc["rounds"][1:]] == ["crash", "crash", "timeout", None]
    assert "round 4" in log and "Fatal Python error: Segmentation fault" in log
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("tests: 4 passed, 1 failed, 1 error, 1 skipped, 2 crashed, 1 timeout, 0 not_run")
    assert any(line.startswith("  CRASHED ") and "test_03_aborts" in line for line in lines)


def test_total_timeout_leaves_the_rest_not_run_and_all_passed_exits_0(tmp_path):
    hang_first = """
        import time

        def test_a_hangs():
            time.sleep(60)

        def test_b_never_reached():
            pass
        """
    proc, doc, tests, _ = run_runner(tmp_path, {"test_hang.py": hang_first, "test_ok.py": "def test_ok():\n    pass\n"},
                                     # long enough for pytest to start and reach the hang on a loaded machine
                                     "--per-test-timeout", "30", "--total-timeout", "12")
    assert tests["test_a_hangs"]["outcome"] == "timeout" and "total timeout" in tests["test_a_hangs"]["message"]
    assert tests["test_b_never_reached"]["outcome"] == tests["test_ok"]["outcome"] == "not_run"
    assert proc.returncode == 1

    passing = {"test_ok.py": "def test_ok():\n    pass\n\ndef test_ok2():\n    pass\n"}
    proc, doc, _, _ = run_runner(tmp_path / "second", passing)
    assert doc["summary"]["passed"] == 2 and proc.returncode == 0, proc.stdout
    assert proc.stdout.splitlines() == [proc.stdout.splitlines()[0]]  # one line: nothing failed


def test_a_module_that_does_not_import_is_an_error_and_the_others_run(tmp_path):
    proc, doc, tests, _ = run_runner(tmp_path, {"test_broken.py": "import no_such_module_here\n",
                                                "test_fine.py": "def test_fine():\n    pass\n"})
    assert tests["test_fine"]["outcome"] == "passed"
    assert tests["test_broken.py"]["outcome"] == "error" and "no_such_module_here" in tests["test_broken.py"]["message"]
    assert proc.returncode == 1


def test_a_crash_outside_any_test_is_noted(tmp_path):
    dying = "import os\n\ndef pytest_unconfigure(config):\n    os.abort()  # e.g. a CUDA teardown at exit\n"
    proc, doc, tests, _ = run_runner(tmp_path, {"conftest.py": dying, "test_ok.py": "def test_ok():\n    pass\n"})
    assert tests["test_ok"]["outcome"] == "passed" and doc["summary"]["crashed"] == 0
    assert len(doc["notes"]) == 1 and "SIGABRT outside any test" in doc["notes"][0]
    assert proc.returncode == 1 and "  NOTE pytest killed by SIGABRT" in proc.stdout
