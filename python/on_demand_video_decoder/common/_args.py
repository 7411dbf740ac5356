"""Argument checks shared by the public calls: clear TypeError / ValueError before the engine runs."""

import operator
import os
from typing import Any, List, Sequence, Tuple

from ._source_kinds import _is_bytes_like, _is_file_like


def _paths(filepaths: Sequence[Any], name: str = "filepaths") -> List[str]:
    """File paths (as str) for the calls that need files on disk (bundle files, the page cache)."""
    out = _items(filepaths, name)
    for i, p in enumerate(out):
        if not isinstance(p, str):
            raise TypeError(f"{name}[{i}] is a {type(p).__name__}: this call takes file paths")
    return out


def _items(filepaths: Sequence[Any], name: str = "filepaths", *, allow_empty: bool = False) -> List[Any]:
    """Like _paths, for calls that also take videos as bytes or file-like objects (sources/_sources.py): paths
    become str, sources stay as they are (Sources turns them into the engine's names). An empty list
    is a ValueError unless ``allow_empty``."""
    if isinstance(filepaths, (str, bytes, bytearray, memoryview, os.PathLike)) or _is_file_like(filepaths):
        raise TypeError(f"{name} must be a list of paths or sources, not a single one")
    out = []
    for i, p in enumerate(filepaths):
        if _is_bytes_like(p) or _is_file_like(p):
            out.append(p)
        elif isinstance(p, (str, os.PathLike)):
            out.append(os.fsdecode(os.fspath(p)))
        else:
            raise TypeError(f"{name}[{i}] is a {type(p).__name__}: a video is a path, bytes or a binary file-like "
                            "object (read + seek)")
    if not out and not allow_empty:
        raise ValueError(f"{name} is empty")
    for i, p in enumerate(out):
        if isinstance(p, str) and "\0" in p:
            raise ValueError(f"{name}[{i}] contains a NUL byte: {p!r}")
    return out


def _int(value: Any, name: str) -> int:
    """An integer argument as an int (anything with __index__); bools, though ints, refused."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an int, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an int, not {type(value).__name__}") from None


def _count(value: Any, name: str) -> int:
    """A size argument (maxfiles, num_of_set, a cache bound): an int of at least 1, bools refused."""
    value = _int(value, name)
    if value < 1:
        raise ValueError(f"{name}={value}: must be at least 1")
    return value


def _frame_id(i: Any) -> int:
    if isinstance(i, bool):  # an int subclass, but never a frame id
        raise TypeError
    return operator.index(i)


def _ids(frame_ids: Sequence[Any], n: int) -> List[int]:
    try:
        ids = [_frame_id(i) for i in frame_ids]
    except TypeError:
        raise TypeError("frame_ids must be a list of integers") from None
    if len(ids) != n:
        raise ValueError(f"filepaths and frame_ids differ in length ({n} vs {len(ids)})")
    return ids


def _requests(filepaths: Sequence[Any], frame_ids: Sequence[Any], *,
              allow_empty: bool = False) -> Tuple[List[str], List[int]]:
    """(paths, ids): one path per frame id. A single path with several ids stands for that path
    repeated (as in the seed's examples, e.g. ``Decode(['video1.mp4'], [0, 10, 20])``). Paths become
    str; videos given as bytes or file-like objects stay as they are (sources/_sources.py). An empty request
    is a ValueError unless ``allow_empty``."""
    paths = _items(filepaths, allow_empty=allow_empty)
    if isinstance(frame_ids, (str, bytes)):
        raise TypeError("frame_ids must be a list of integers")
    try:
        frame_ids = list(frame_ids)
    except TypeError:
        raise TypeError("frame_ids must be a list of integers") from None
    if len(paths) == 1 and len(frame_ids) > 1:
        paths = paths * len(frame_ids)
    return paths, _ids(frame_ids, len(paths))


def _stream_keys(paths: List[str], stream_index: Any) -> List[str]:
    """The engine's names for `paths` with a stream choice: the path alone for the best video stream
    (``stream_index=None``), else "<path>\\0<index>" (csrc/demux/video_file.h, SourceKey: a NUL is in
    no path, so a key never names another file, and caches keep the streams of one file apart)."""
    if stream_index is None:
        return paths
    index = _int(stream_index, "stream_index")
    if index < 0:
        raise ValueError(f"stream_index={index}: must be >= 0 (None: the best video stream)")
    return [f"{p}\0{index}" for p in paths]
