"""What a ``source`` argument of the staged and by-time API may be (docs/access-sources.md): a path
(``str``, ``pathlib.Path``), bytes in memory or a binary file-like object, decided here, in this one
place, so every call that takes a ``source`` takes them all.
"""

import contextlib
import os
from typing import Any, Iterator, Sequence, Union

from ._errors import source_not_found
from ._sources import Sources, _is_bytes_like, _is_file_like, describe
from ._timeline import Timeline, timeline, timeline_of

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
