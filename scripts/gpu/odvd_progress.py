"""pytest plugin of scripts/gpu/run_tests.py (loaded with ``-p odvd_progress``, the runner's folder on
PYTHONPATH; it does nothing unless ODVD_PROGRESS_FILE is set).

- Writes one JSON line per event to ODVD_PROGRESS_FILE as it happens: ``collected`` (the node ids
  pytest will run), ``collect_error``, ``start`` (a test begins: the runner then knows which test
  is running if the process dies or hangs), ``report`` (one per phase: setup, call, teardown, with
  outcome, duration and the failure's short text) and ``finish``. Each line is one ``os.write`` on
  an O_APPEND descriptor, so it is in the file (the kernel's page cache) the moment the call
  returns, even if the process is killed right after.
- With ODVD_PROGRESS_IDS (a file of node ids, one a line), runs only those tests and deselects the
  others: how the runner restarts pytest on the tests not yet run, with the user's own arguments.
"""

import json
import os
import time

import pytest

MESSAGE_MAX = 2048

_fd = None


def _emit(**event):
    if _fd is None:
        return
    event["t"] = time.time()
    os.write(_fd, (json.dumps(event) + "\n").encode())


def _short(report) -> str:
    """The failure's (or skip's) short text: the exception line, not the whole traceback."""
    if report.passed and not hasattr(report, "wasxfail"):
        return ""
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:  # a skip: (path, lineno, reason)
        text = str(longrepr[2])
    else:
        crash = getattr(longrepr, "reprcrash", None)
        text = crash.message if crash is not None else report.longreprtext
    if getattr(report, "wasxfail", None):
        text = f"xfail: {report.wasxfail}" + (f"; {text}" if text else "")
    return text[:MESSAGE_MAX]


def pytest_configure(config):
    global _fd
    path = os.environ.get("ODVD_PROGRESS_FILE")
    if path and not hasattr(config, "workerinput"):  # not in pytest-xdist workers
        _fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)


def pytest_unconfigure(config):
    global _fd
    if _fd is not None:
        os.close(_fd)
        _fd = None


@pytest.hookimpl(trylast=True)  # after -m / -k have deselected theirs
def pytest_collection_modifyitems(session, config, items):
    ids_file = os.environ.get("ODVD_PROGRESS_IDS")
    if not ids_file:
        return
    with open(ids_file) as f:
        wanted = {line.rstrip("\n") for line in f if line.strip()}
    keep = [item for item in items if item.nodeid in wanted]
    drop = [item for item in items if item.nodeid not in wanted]
    if drop:
        config.hook.pytest_deselected(items=drop)
    items[:] = keep


def pytest_collection_finish(session):
    _emit(event="collected", nodeids=[item.nodeid for item in session.items])


def pytest_collectreport(report):
    if report.failed:
        _emit(event="collect_error", nodeid=report.nodeid, message=report.longreprtext[-MESSAGE_MAX:])


def pytest_runtest_logstart(nodeid, location):
    _emit(event="start", nodeid=nodeid)


def pytest_runtest_logreport(report):
    _emit(event="report", nodeid=report.nodeid, when=report.when, outcome=report.outcome,
          duration=report.duration, wasxfail=getattr(report, "wasxfail", None), message=_short(report))


def pytest_runtest_logfinish(nodeid, location):
    _emit(event="finish", nodeid=nodeid)
