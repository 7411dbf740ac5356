"""Output options of the RGB methods, beyond the seed's arguments (keyword-only everywhere):

- ``size=(height, width)``: bilinear resize fused into the conversion (half-pixel centres, as
  ``torch.nn.functional.interpolate(..., mode="bilinear", align_corners=False)``; no antialias).
- ``layout="HWC"`` (default) or ``"CHW"``.
- ``dtype="uint8"`` (default) or ``"float32"`` (``numpy.float32`` and ``torch.float32`` work too):
  float32 values are ``level / 255``, in [0, 1], then ``(value - mean) / std`` per channel when
  ``mean`` / ``std`` are given (three numbers in the output's channel order, or one for all).
- ``stack=True``: one frame of shape ``(N, ...)`` in one contiguous block instead of a list, so
  ``torch.as_tensor`` / ``torch.from_dlpack`` give the batch without a copy; every frame must have
  the same output shape (pass ``size`` for mixed resolutions).
- ``chroma_upsampling="nearest"`` (default: each 2x2 block of pixels takes its chroma pair) or
  ``"bilinear"`` (chroma interpolated at each pixel from the four nearest pairs, placed as the stream's
  chroma siting says: left for MPEG-2 / H.264 / HEVC unless tagged otherwise); docs/color.md section 8.

The arithmetic is docs/color.md section 6; the same per-pixel code runs on the CPU and the GPU.
"""

import math
import numbers
from typing import Any, Optional, Sequence, Tuple

import numpy as np

from .. import _engine
from ._args import _count

_LAYOUTS = ("HWC", "CHW")
_CHROMA = ("nearest", "bilinear")


def _size(size: Any) -> Tuple[int, int]:
    if isinstance(size, (str, bytes)) or not isinstance(size, Sequence) or len(size) != 2:
        raise TypeError(f"size must be (height, width), got {size!r}")
    out = []
    for name, v in zip(("height", "width"), size):
        try:
            v = _count(v, f"size {name}")
        except ValueError:
            raise ValueError(f"size {name}={v}: must be 1..16384") from None
        if v > 16384:
            raise ValueError(f"size {name}={v}: must be 1..16384")
        out.append(v)
    return out[0], out[1]


def _float32(dtype: Any) -> bool:
    name = str(dtype).replace("torch.", "") if type(dtype).__module__ == "torch" else None
    try:
        dt = np.dtype(name if name is not None else dtype)
    except TypeError:
        raise TypeError(f"dtype must be 'uint8' or 'float32', got {dtype!r}") from None
    if dt == np.uint8:
        return False
    if dt == np.float32:
        return True
    raise ValueError(f"dtype must be 'uint8' or 'float32', got {dt}")


def _per_channel(value: Any, name: str, default: float) -> Tuple[float, float, float]:
    if value is None:
        return (default,) * 3
    if isinstance(value, numbers.Real):
        value = (value,) * 3
    try:
        values = tuple(float(v) for v in value)
    except TypeError:
        raise TypeError(f"{name} must be a number or 3 numbers, got {value!r}") from None
    if len(values) != 3:
        raise ValueError(f"{name} must have 3 values (one per channel), got {len(values)}")
    if not all(math.isfinite(v) for v in values):
        raise ValueError(f"{name} must be finite, got {values}")
    return values


def normalise(size: Any = None, layout: str = "HWC", dtype: Any = "uint8", mean: Any = None, std: Any = None,
              stack: bool = False, chroma_upsampling: str = "nearest") -> tuple:
    """The options checked and in one form: (height, width, planar, float32, mean3, std3, stack,
    chroma_bilinear), 0 x 0 for each frame's own size. TypeError / ValueError name the bad argument."""
    height, width = _size(size) if size is not None else (0, 0)
    if not isinstance(layout, str) or layout.upper() not in _LAYOUTS:
        raise ValueError(f"layout must be 'HWC' or 'CHW', got {layout!r}")
    float32 = _float32(dtype)
    if not float32 and (mean is not None or std is not None):
        raise ValueError("mean and std apply to float32 output; pass dtype='float32'")
    mean3 = _per_channel(mean, "mean", 0.0)
    std3 = _per_channel(std, "std", 1.0)
    if any(s == 0.0 for s in std3):
        raise ValueError(f"std must be non-zero, got {std3}")
    if not isinstance(stack, (bool, np.bool_)):
        raise TypeError(f"stack must be a bool, got {type(stack).__name__}")
    if not isinstance(chroma_upsampling, str) or chroma_upsampling not in _CHROMA:
        raise ValueError(f"chroma_upsampling must be 'nearest' or 'bilinear', got {chroma_upsampling!r}")
    return (height, width, layout.upper() == "CHW", float32, mean3, std3, bool(stack),
            chroma_upsampling == "bilinear")


def output_options(**output: Any) -> Optional["_engine._OutputOptions"]:
    """The engine's checked options for the keyword arguments of an RGB method, or None for the plain
    output (HWC uint8 at each frame's size)."""
    return engine_options(normalise(**output))


def engine_options(normalised: tuple) -> Optional["_engine._OutputOptions"]:
    """output_options for options already normalised (normalise's tuple)."""
    height, width, planar, float32, mean3, std3, stack, chroma_bilinear = normalised
    options = _engine._OutputOptions(height=height, width=width, planar=planar, float32=float32, mean=list(mean3),
                                     std=list(std3), stack=stack, chroma_bilinear=chroma_bilinear)
    return None if options.plain else options
