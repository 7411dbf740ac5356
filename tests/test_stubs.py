"""The committed stub of the extension (python/on_demand_video_decoder/_engine.pyi) is what
pybind11-stubgen makes of the built module: regenerate it with scripts/gen-stubs.sh after changing a
binding. Compared only with the pinned pybind11 and pybind11-stubgen (other versions print the same
signatures differently)."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PINNED = {"pybind11": "3.1.0", "pybind11_stubgen": "3.0.0"}
STUB = Path(__file__).resolve().parent.parent / "python" / "on_demand_video_decoder" / "_engine.pyi"


def _version(module):
    try:
        from importlib.metadata import version
        return version(module.replace("_", "-"))
    except Exception:  # noqa: BLE001 - not installed
        return None


def test_committed_stub_is_valid_python():
    ast.parse(STUB.read_text(), filename=str(STUB))


def test_committed_stub_matches_the_bindings(tmp_path):
    for module, want in PINNED.items():
        have = _version(module)
        if have != want:
            pytest.skip(f"{module} {have} installed; the stub is compared with {want} (scripts/gen-stubs.sh)")
    r = subprocess.run([sys.executable, "-m", "pybind11_stubgen", "on_demand_video_decoder._engine", "-o",
                        str(tmp_path), "--exit-code"], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr[-2000:]
    made = (tmp_path / "on_demand_video_decoder" / "_engine.pyi").read_text()
    assert made == STUB.read_text(), "the bindings changed: run scripts/gen-stubs.sh and commit the stub"
