"""What kind of thing a video argument is, and how messages name it: a path, bytes in memory
(``bytes``, ``bytearray``, ``memoryview``, a uint8 NumPy array) or a binary file-like object. Plain
functions of the argument, used by the argument checks here and by the source registry
(sources/_sources.py), which hands bytes and file-like objects to the engine."""

import os
from typing import Any, Sequence

import numpy as np


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
