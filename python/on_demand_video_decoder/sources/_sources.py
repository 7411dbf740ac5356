"""Where a video can come from (docs/access-sources.md): a path (``str``, ``pathlib.Path``), bytes in
memory (``bytes``, ``bytearray``, ``memoryview``, a uint8 NumPy array), or a binary file-like object
(``read`` + ``seek``, ideally ``readinto``: an open file, ``io.BytesIO``, an fsspec file).

Bytes and file-like objects are registered with the engine for one call under names that no path can
be (they start with a NUL byte), which go wherever a path goes; the engine reads them in place (bytes)
or by seek + readinto (file-like: only what it needs, the moov and the GOPs of an MP4), and forgets
them when the call ends. Messages name them ``<bytes: N bytes>`` / ``<file-like io.BytesIO>``.

A ``source`` argument of the staged and by-time API (one video) is decided here too
(``source_timeline``, ``source_path``), so every call that takes a ``source`` takes them all.
"""

import contextlib
import os
from typing import Any, Dict, Iterator, List, Sequence, Union

import numpy as np

from .. import _engine
from ..common._errors import source_not_found
from ..common._source_kinds import _is_bytes_like, _is_file_like, describe, paths_difference  # noqa: F401 (re-exported)
from ._timeline import Timeline, timeline, timeline_of


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


Source = Union[str, "os.PathLike[str]", bytes, bytearray, memoryview, Any]


@contextlib.contextmanager
def source_timeline(source: Any, engines: Sequence[Any] = (), name: str = "source") -> Iterator[Timeline]:
    """The Timeline of ``source`` for the block: a path's is cached between calls; bytes and file-like
    objects are registered with the engine for the block only (`engines` forget them after) and named
    as their bundles name them (``<bytes: N bytes>``), so Packets made from them decode as any other."""
    if _is_bytes_like(source) or _is_file_like(source):
        with Sources([source], *engines, name=name) as (key,):
            yield timeline_of(key, describe(source))
    else:
        yield timeline(source_path(source, name))


def source_path(source: Any, name: str = "source") -> str:
    """The file path of ``source`` (a path; source_timeline takes the other kinds): TypeError for
    anything but a str / os.PathLike path, ValueError for an empty path or one with a NUL byte,
    FileNotFoundError for a missing file."""
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or pathlib.Path), bytes or a binary file-like object "
                        f"(read + seek), got {type(source).__name__}")
    path = os.fspath(source)
    if not isinstance(path, str):
        raise TypeError(f"{name}: a path given as bytes is not supported; decode it to str")
    if not path:
        raise ValueError(f"{name} is an empty path")
    if "\0" in path:
        raise ValueError(f"{name} contains a NUL byte: {path!r}")
    if not os.path.exists(path):
        raise source_not_found(path)
    return path
