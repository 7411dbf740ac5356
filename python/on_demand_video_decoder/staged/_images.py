"""Images in the staged API: ``decode_image`` / ``decode_images`` decode JPEG and PNG files with
libavcodec into the same Frames that ``decode`` gives for videos, so ``convert`` makes one batch of
video frames and images of one size (docs/access-staged.md, "Images").

A 4:2:0 JPEG stays YUV (NV12, BT.601 full range, its chroma siting): ``convert`` turns it to RGB with
the formulas and options of every video frame, ``chroma_upsampling`` included. Other images (PNG,
4:4:4 / 4:2:2 / gray JPEG) are 8-bit RGB after decoding (PNG alpha dropped, 16-bit samples rounded to
8); ``convert`` resizes and lays them out like the rest.
"""

import os
from typing import Any, Sequence

import numpy as np

from .. import _engine
from ..common._devices import parse_device
from ..sources._sources import _is_bytes_like, _is_file_like, describe
from ._stages import _run
from ._types import Frames


def _image_bytes(source: Any) -> tuple:
    """(bytes-like, name) of one image source: a path (str, pathlib.Path), bytes in memory or a binary
    file-like object (read whole)."""
    if isinstance(source, (str, os.PathLike)):
        path = os.fspath(source)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        with open(path, "rb") as f:  # FileNotFoundError / IsADirectoryError name the path
            return f.read(), path
    if _is_bytes_like(source):
        return source, describe(source)
    if _is_file_like(source):
        data = source.read()
        if not isinstance(data, (bytes, bytearray)):
            raise TypeError(f"{describe(source)}.read() returned {type(data).__name__}, not bytes: open it in binary mode")
        return data, describe(source)
    raise TypeError(f"an image source is a path, bytes or a binary file-like object, got {type(source).__name__}")


def decode_image(source: Any, *, device: Any = "cpu") -> Frames:
    """One JPEG or PNG image as Frames of one frame (frame_id 0, pts 0.0, duration NaN), on the host.

    >>> batch = convert([decode(demux("cam0.mp4", [0])), decode_image("map.png")],
    ...                 size=(224, 224))  # doctest: +SKIP

    ``device`` must be "cpu" (images decode on the CPU; convert a mixed batch on the host). ValueError
    for bytes that are not a JPEG or PNG image or are damaged, naming the source.
    """
    if parse_device(device)[1] != "cpu":
        raise ValueError(f"images decode on the CPU: decode_image(device={device!r}) is not supported; decode "
                         "the videos of a mixed batch on the CPU too")
    data, name = _image_bytes(source)
    data = data.reshape(-1) if isinstance(data, np.ndarray) else memoryview(data).cast("B")
    frame = _engine._decode_image(data, name)
    return Frames([frame], "cpu", [name], [0], [0.0], [float("nan")])


def decode_images(sources: Sequence[Any], *, device: Any = "cpu") -> Frames:
    """decode_image of each source, joined into one Frames in order."""
    if isinstance(sources, (str, bytes, os.PathLike)) or not hasattr(sources, "__iter__"):
        raise TypeError(f"decode_images takes a sequence of image sources, got {type(sources).__name__}")
    parts = [decode_image(s, device=device) for s in sources]
    if not parts:
        return Frames([], "cpu", [], [], [], [])
    return Frames.concat(parts)


async def async_decode_image(source: Any, *, device: Any = "cpu") -> Frames:
    """``decode_image`` on the package's thread pool (GIL released while decoding)."""
    return await _run(decode_image, source, device=device)
