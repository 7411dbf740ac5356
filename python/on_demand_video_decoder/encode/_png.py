"""A minimal PNG writer (RGB8 only) with the standard library: zlib + struct, no Pillow.

Enough for the demo's contact sheet and for saving a decoded frame to look at. The file is one
IHDR (8-bit truecolour, no interlace), one IDAT (every row prefixed with filter type 0, "None";
zlib level 6) and IEND, each chunk with its CRC-32 over type and data (PNG spec, ISO/IEC 15948,
sections 5.3 and 11.2).

>>> import numpy as np, tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "black.png")
>>> write_png(path, np.zeros((2, 3, 3), np.uint8))
>>> open(path, "rb").read(8) == PNG_SIGNATURE
True
"""

import os
import struct
import zlib
from typing import Union

import numpy as np

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

# IHDR fields after width and height: bit depth 8, colour type 2 (truecolour RGB), compression 0
# (deflate), filter method 0, interlace 0 (none).
_IHDR_RGB8 = struct.pack(">BBBBB", 8, 2, 0, 0, 0)
_MAX_DIMENSION = 2**31 - 1  # PNG stores width and height as positive 31-bit integers


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(rgb: np.ndarray, level: int = 6) -> bytes:
    """The PNG file bytes of ``rgb``, an (H, W, 3) uint8 array (any strides)."""
    rgb = np.asarray(rgb)
    if rgb.dtype != np.uint8 or rgb.ndim != 3 or rgb.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) uint8 array, got shape {rgb.shape} dtype {rgb.dtype}")
    height, width = rgb.shape[:2]
    if not (0 < width <= _MAX_DIMENSION and 0 < height <= _MAX_DIMENSION):
        raise ValueError(f"PNG needs 1 <= width, height <= {_MAX_DIMENSION}, got {width}x{height}")
    # Each scanline starts with its filter-type byte (0 = None), then the RGB bytes of the row.
    rows = np.empty((height, 1 + 3 * width), np.uint8)
    rows[:, 0] = 0
    rows[:, 1:] = rgb.reshape(height, 3 * width)
    return b"".join(
        (
            PNG_SIGNATURE,
            _chunk(b"IHDR", struct.pack(">II", width, height) + _IHDR_RGB8),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), level)),
            _chunk(b"IEND", b""),
        )
    )


def write_png(path: Union[str, "os.PathLike[str]"], rgb: np.ndarray) -> None:
    """Write ``rgb`` ((H, W, 3) uint8, RGB order) to ``path`` as an 8-bit RGB PNG.

    The file appears whole or not at all: it is written beside ``path`` and renamed over it.

    Raises:
        ValueError: ``rgb`` is not an (H, W, 3) uint8 array with 1 <= H, W.
    """
    data = encode_png(rgb)
    path = os.fspath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
