"""The Python package's layers (python/on_demand_video_decoder/_layers.py, docs/design.md "The Python
package"): every import inside the package, at module level or inside a function, points down a
layer or stays in its own subpackage; the flat layout's module names and pickles still load; the map
in docs/design.md lists exactly the package's modules."""

import ast
import pickle
import re
from pathlib import Path

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _layers
from utils import assert_frames_equal

PACKAGE = Path(odvd.__file__).parent
ROOT_MODULES = {"__init__", "__main__", "_layers"}  # the package's face: may import every layer
DATA = Path(__file__).parent / "data"


def _modules():
    """(dotted name inside the package, path) of every Python module of the package."""
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE).with_suffix("").parts
        yield ".".join(parts), path


def _imports(name: str, path: Path):
    """(line, imported module inside the package) for every relative import of ``path``, resolved as
    Python resolves it; ``from .. import x`` counts as importing ``x`` (a module or the package)."""
    package = name.split(".")[:-1] if not name.endswith("__init__") else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not alias.name.startswith("on_demand_video_decoder"), \
                    f"{name}:{node.lineno}: the package imports itself by absolute name"
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        base = package[:len(package) - (node.level - 1)]
        if node.module:
            yield node.lineno, ".".join(base + node.module.split("."))
        else:
            for alias in node.names:
                yield node.lineno, ".".join(base + [alias.name])


def _layer_of(module: str):
    top = module.split(".")[0]
    return top, _layers.LAYERS.get(top)


def test_every_module_belongs_to_a_layer():
    for name, _ in _modules():
        top = name.split(".")[0]
        assert top in ROOT_MODULES or top in _layers.LAYERS, f"{name} is in no layer of _layers.LAYERS"


def test_imports_point_down_a_layer():
    bad = []
    for name, path in _modules():
        top, layer = _layer_of(name)
        for line, target in _imports(name, path):
            ttop, tlayer = _layer_of(target)
            if top in ROOT_MODULES:
                if ttop in ROOT_MODULES - {"_layers"} or (tlayer is None and ttop not in ROOT_MODULES):
                    bad.append(f"{name}:{line} imports {target}: not a layer")
                continue
            if ttop == top:
                continue  # its own subpackage
            if tlayer is None or tlayer >= layer:
                bad.append(f"{name}:{line} (layer {layer}) imports {target} (layer {tlayer})")
    assert not bad, "imports that point up a layer or sideways:\n" + "\n".join(bad)


def test_the_checker_sees_an_upward_import(tmp_path, monkeypatch):
    """The check above can fail: a function-level import of the seed layer from common is caught."""
    fake = tmp_path / "common" / "_fake.py"
    fake.parent.mkdir()
    fake.write_text("def f():\n    from ..seed._gop_decoder import PyNvGopDecoder\n    return PyNvGopDecoder\n")
    found = list(_imports("common._fake", fake))
    assert found == [(2, "seed._gop_decoder")]
    assert _layer_of(found[0][1])[1] > _layers.LAYERS["common"]


def test_inside_the_package_nobody_uses_the_flat_names():
    for name, path in _modules():
        for line, target in _imports(name, path):
            assert target.split(".")[0] not in _layers.MOVED, f"{name}:{line} imports the old name {target}"


def test_the_flat_layout_names_are_aliases_of_the_moved_modules():
    import importlib
    import sys

    for old, new in _layers.MOVED.items():
        assert importlib.import_module(f"on_demand_video_decoder.{old}") is sys.modules[f"on_demand_video_decoder.{new}"]
    from on_demand_video_decoder import _gop_decoder, _staged  # the spelling tests and users wrote

    assert _gop_decoder.PyNvGopDecoder is odvd.PyNvGopDecoder and _staged.demux is odvd.demux


@pytest.fixture(scope="module")
def old_pickles():
    """Pickles made by the flat layout (0.1.0 before the layers: tests/data/flat_layout_pickles.pkl):
    they name modules such as ``on_demand_video_decoder._sample_reader``."""
    with open(DATA / "flat_layout_pickles.pkl", "rb") as f:
        saved = pickle.load(f)
    assert b"on_demand_video_decoder._sample_reader" in saved["pickles"]["PyNvSampleReader"]
    return saved


def test_pickles_of_the_flat_layout_load(old_pickles, media, reference):
    objs = {k: pickle.loads(v) for k, v in old_pickles["pickles"].items()}
    expected_types = {"PyNvGopDecoder": odvd.PyNvGopDecoder, "CachedGopDecoder": odvd.CachedGopDecoder,
                      "PyNvSampleReader": odvd.PyNvSampleReader,
                      "PyNvBatchAsyncStreamReader": odvd.PyNvBatchAsyncStreamReader,
                      "PyNvBatchAsyncGopDecoder": odvd.PyNvBatchAsyncGopDecoder, "GopRef": odvd.GopRef,
                      "DropCacheStatus": odvd.DropCacheStatus, "Codec": odvd.Codec,
                      "BatchRequestError": odvd.BatchRequestError, "FastStreamInfo": odvd.FastStreamInfo,
                      "VideoMetadata": odvd.VideoMetadata, "Packets": odvd.Packets}
    assert set(objs) == set(expected_types)
    for key, cls in expected_types.items():
        assert isinstance(objs[key], cls), key
    assert objs["PyNvSampleReader"]._settings["num_of_file"] == 3
    assert objs["PyNvBatchAsyncGopDecoder"].max_frames_per_decode_call == 3
    assert objs["GopRef"] == odvd.GopRef("odvd-gopstore-x", 10, 0, 30)
    assert objs["DropCacheStatus"] is odvd.DropCacheStatus.SUCCESS and objs["Codec"] is odvd.Codec.hevc
    clip = old_pickles["clip"]
    ref = reference(clip)
    path = str(media[clip].path)
    # The decoders work, and the old Packets decode without their file.
    for frame, i in zip(objs["PyNvGopDecoder"].Decode([path, path], [0, 61]), [0, 61]):
        assert_frames_equal(np.asarray(frame), ref.native(i), f"frame {i} by an unpickled decoder")
    frames = odvd.decode(objs["Packets"])
    assert len(frames.native) == 1
    assert_frames_equal(np.asarray(frames.native[0]), ref.native(3), "frame 3 from Packets pickled by the flat layout")


def test_the_design_map_matches_the_tree():
    """docs/design.md's package map names every folder and module file of the package, and only those
    (a folder's ``__init__.py`` goes with the folder), each folder at its layer."""
    text = (Path(__file__).parents[1] / "docs" / "design.md").read_text()
    section = text.split("## The Python package", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`((?:[a-z_]+/)?_{0,2}[a-z_]+\.py)`", section))
    tree = {str(p.relative_to(PACKAGE)) for p in PACKAGE.rglob("*.py")
            if not (p.name == "__init__.py" and p.parent != PACKAGE)}
    assert named == tree, f"in the tree, not the map: {sorted(tree - named)}; in the map, not the tree: {sorted(named - tree)}"
    rows = dict(re.findall(r"^\| `([a-z_]+)/` \| (\d) \|", section, re.M))
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert set(rows) == folders
    assert {k: int(v) for k, v in rows.items()} == {k: v for k, v in _layers.LAYERS.items() if k in folders}
