"""The package's layers, bottom to top (docs/design.md "The Python package"). A module may import
from lower layers and from its own subpackage, never from a higher layer or from a peer on the same
layer; tests/test_package_layers.py checks every import, at module level and inside functions.

``MOVED`` maps the modules of the flat layout (before the layers) to where they are now: the package
installs ``MovedModules``, which answers an import of an old name with the module it moved to, so
imports and pickles written for the flat layout still load. An old name costs nothing until it is
imported.
"""

import importlib
import importlib.abc
import importlib.util

LAYERS = {
    "_engine": 0,                 # the C++ extension
    "common": 1,
    "sources": 2, "encode": 2,
    "store": 3, "staged": 3,
    "seed": 4,
    "torch": 5, "dataset": 5,
    "tools": 6,
}

MOVED = {
    "_errors": "common._errors", "_args": "common._args", "_devices": "common._devices",
    "_codec": "common._codec", "_output": "common._output", "_logging": "common._logging",
    "_build_info": "common._build_info", "_progress": "common._progress",
    "_color_range_warning": "common._color_range_warning", "_pending_request": "common._pending_request",
    "_sources": "sources._sources", "_source": "sources._sources", "_timeline": "sources._timeline",
    "_stream_info": "sources._stream_info", "_streams": "sources._stream_info", "_metadata": "sources._metadata",
    "_page_cache": "sources._page_cache",
    "_writer": "encode._writer", "_png": "encode._png",
    "_gop_cache": "store._gop_cache", "_gop_ref": "store._gop_ref", "_gop_store_files": "store._gop_store_files",
    "_gop_store_index": "store._gop_store_index", "_shared_gop_store": "store._shared_gop_store",
    "_staged": "staged._stages", "_staged_types": "staged._types", "_by_time": "staged._by_time",
    "_images": "staged._images",
    "_gop_decoder": "seed._gop_decoder", "_cached_gop_decoder": "seed._cached_gop_decoder",
    "_sample_reader": "seed._sample_reader", "_gop_groups": "seed._gop_groups", "_batch_common": "seed._batch_common",
    "_batch_gop_decoder": "seed._batch_gop_decoder", "_batch_stream_reader": "seed._batch_stream_reader",
    "_demo": "tools._demo", "_reencode": "tools._reencode",
}


class MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """An import hook for ``<package>._<old name>``: the module it moved to, the same object (never a
    second copy), imported when the old name is first asked for."""

    def __init__(self, package: str):
        self._prefix = package + "."

    def find_spec(self, fullname, path=None, target=None):
        old = fullname[len(self._prefix):] if fullname.startswith(self._prefix) else None
        return importlib.util.spec_from_loader(fullname, self) if old in MOVED else None

    def create_module(self, spec):
        return importlib.import_module(self._prefix + MOVED[spec.name[len(self._prefix):]])

    def exec_module(self, module):
        pass  # the moved module ran when it was imported under its own name
