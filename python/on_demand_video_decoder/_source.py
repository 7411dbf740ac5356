"""What a ``source`` argument of the staged and by-time API may be (docs/access-sources.md).

Today: a path, as ``str`` or ``os.PathLike`` (``pathlib.Path``). Bytes and file-like objects are
planned (issue 14 item 1): they will be accepted here, in this one place, so every call that takes a
``source`` gains them together. ``bytes`` are refused now rather than taken as a path, so that code
written today does not change meaning when they arrive.
"""

import os
from typing import Any, Union

Source = Union[str, "os.PathLike[str]"]


def source_path(source: Any, name: str = "source") -> str:
    """The file path of ``source``: TypeError for anything but a str / os.PathLike path, ValueError
    for an empty path or one with a NUL byte, FileNotFoundError for a missing file."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        raise TypeError(f"{name}: bytes sources are not supported yet (docs/access-sources.md); "
                        "pass a path (str or pathlib.Path)")
    if not isinstance(source, (str, os.PathLike)):
        if hasattr(source, "read"):
            raise TypeError(f"{name}: file-like sources are not supported yet (docs/access-sources.md); "
                            "pass a path (str or pathlib.Path)")
        raise TypeError(f"{name} must be a path (str or pathlib.Path), got {type(source).__name__}")
    path = os.fspath(source)
    if not isinstance(path, str):
        raise TypeError(f"{name}: a path given as bytes is not supported; decode it to str")
    if not path:
        raise ValueError(f"{name} is an empty path")
    if "\0" in path:
        raise ValueError(f"{name} contains a NUL byte: {path!r}")
    if not os.path.exists(path):
        raise FileNotFoundError(2, "No such file or directory", path)
    return path
