"""Where a video can come from (docs/access-sources.md): a path (``str``, ``pathlib.Path``), bytes in
memory (``bytes``, ``bytearray``, ``memoryview``, a uint8 NumPy array), or a binary file-like object
(``read`` + ``seek``, ideally ``readinto``: an open file, ``io.BytesIO``, an fsspec file).

Bytes and file-like objects are registered with the engine for one call under names that no path can
be (they start with a NUL byte), which go wherever a path goes; the engine reads them in place (bytes)
or by seek + readinto (file-like: only what it needs, the moov and the GOPs of an MP4), and forgets
them when the call ends. Messages name them ``<bytes: N bytes>`` / ``<file-like io.BytesIO>``.
"""

import os
from typing import Any, Dict, List, Sequence

import numpy as np

from . import _engine


def _is_bytes_like(item: Any) -> bool:
    return isinstance(item, (bytes, bytearray, memoryview)) or (isinstance(item, np.ndarray) and item.dtype == np.uint8)


def _is_file_like(item: Any) -> bool:
    return hasattr(item, "read") and hasattr(item, "seek") and not isinstance(item, (str, bytes, os.PathLike))


def describe(item: Any) -> str:
    """How messages name a video: its path, or what kind of source it is."""
    if isinstance(item, str):
        return item
    if _is_bytes_like(item):
        return f"<{type(item).__name__}: {memoryview(item).nbytes} bytes>"
    return f"<file-like {type(item).__module__}.{type(item).__qualname__}>"


def paths_difference(paths: Sequence[Any], want: Sequence[Any]) -> str:
    """How `paths` differ from the pending request's `want` ("" when they do not), naming a source by
    its kind rather than by its bytes: what an async GetBuffer call says when its arguments differ."""
    if len(paths) != len(want):
        return f"{len(paths)} files, the pending request has {len(want)}"
    for i, (a, b) in enumerate(zip(paths, want)):
        same = a is b or not (isinstance(a, np.ndarray) or isinstance(b, np.ndarray)) and a == b
        if not same:
            return f"filepaths[{i}] is {describe(a)!r}, the pending request has {describe(b)!r}"
    return ""


class Sources:
    """``with Sources(filepaths, engine) as paths:`` the engine's names for `filepaths` (sources
    registered once per object), forgotten by `engines` and unregistered when the block ends."""

    def __init__(self, filepaths: Sequence[Any], *engines: Any, name: str = "filepaths", stream_index: Any = None):
        if isinstance(filepaths, (str, bytes, bytearray, memoryview, os.PathLike, np.ndarray)) or _is_file_like(filepaths):
            raise TypeError(f"{name} must be a list of paths or sources, not a single one")
        self._items = list(filepaths)
        if not self._items:
            raise ValueError(f"{name} is empty")
        self._name = name
        self._engines = engines
        self._stream_index = stream_index
        self._registered: List[str] = []

    def __enter__(self) -> List[str]:
        by_object: Dict[int, str] = {}
        paths = []
        try:
            for i, item in enumerate(self._items):
                if isinstance(item, (str, os.PathLike)):
                    path = os.fspath(item)
                    if isinstance(path, bytes):
                        path = os.fsdecode(path)
                    if "\0" in path:  # a NUL would cut the path short: it would name another file
                        raise ValueError(f"{self._name}[{i}] contains a NUL byte: {path!r}")
                    paths.append(path)
                elif _is_bytes_like(item) or _is_file_like(item):
                    if id(item) not in by_object:  # one object asked for several frames: opened once
                        register = _engine._register_bytes if _is_bytes_like(item) else _engine._register_file
                        by_object[id(item)] = register(np.ascontiguousarray(item) if isinstance(item, np.ndarray) else item)
                        self._registered.append(by_object[id(item)])
                    paths.append(by_object[id(item)])
                else:
                    raise TypeError(f"{self._name}[{i}] is a {type(item).__name__}: a video is a path, bytes or a "
                                    "binary file-like object (read + seek)")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return paths

    def __exit__(self, *exc: Any) -> None:
        for name in self._registered:
            keys = [name] if self._stream_index is None else [name, f"{name}\0{self._stream_index}"]
            for engine in self._engines:
                for key in keys:
                    engine.forget(key)
            _engine._unregister_source(name)
        self._registered = []
