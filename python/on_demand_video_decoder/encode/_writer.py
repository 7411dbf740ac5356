"""write_video: RGB frames to an MP4 that this library random-accesses fast (docs/writer.md).

H.264 (libx264) or HEVC (libx265) through libavcodec, a closed GOP of ``gop`` frames, no B-frames
unless asked, constant frame rate, BT.709 limited-range tags, the moov box first (faststart). The
file appears under its name only when complete: frames are written to a temporary file in the same
folder, which replaces ``path`` at the end, and is removed on any error.
"""

import fractions
import os
import secrets
from typing import Any, Iterable, Optional, Tuple, Union

import numpy as np

from .. import _engine

_CODECS = ("h264", "hevc")


def _fps(fps: Union[int, float, fractions.Fraction, Tuple[int, int]]) -> fractions.Fraction:
    if isinstance(fps, tuple):
        value = fractions.Fraction(int(fps[0]), int(fps[1]))
    elif isinstance(fps, (int, float, fractions.Fraction)) and not isinstance(fps, bool):
        # 29.97 and friends: the nearest fraction with a small denominator (30000/1001).
        value = fractions.Fraction(fps).limit_denominator(1001)
    else:
        raise TypeError(f"fps must be a number or (numerator, denominator), not {type(fps).__name__}")
    if value <= 0 or value.numerator > 1_000_000 or value.denominator > 1_000_000:
        raise ValueError(f"fps={fps!r} is not a frame rate (a positive number up to 1e6)")
    return value


def _as_rgb(frame: Any, index: int) -> np.ndarray:
    """Frame `index` as a C-contiguous (H, W, 3) uint8 array (NumPy or torch, on the CPU or a GPU)."""
    if hasattr(frame, "detach") and hasattr(frame, "cpu"):  # a torch tensor
        frame = frame.detach().cpu().numpy()
    arr = np.asarray(frame)
    if arr.dtype != np.uint8:
        raise ValueError(f"frame {index} has dtype {arr.dtype}; write_video takes uint8 RGB (convert with "
                         "np.clip(x * 255, 0, 255).astype(np.uint8) for floats in [0, 1])")
    if arr.ndim != 3 or arr.shape[2] != 3:
        raise ValueError(f"frame {index} has shape {arr.shape}; write_video takes (height, width, 3) RGB frames "
                         "(HWC: permute CHW tensors with .permute(1, 2, 0))")
    return np.ascontiguousarray(arr)


def _frames(frames: Any) -> Iterable[Any]:
    if isinstance(frames, np.ndarray) or (hasattr(frames, "dim") and hasattr(frames, "shape")):
        if len(frames.shape) != 4:
            raise ValueError(f"frames has shape {tuple(frames.shape)}; a batch of frames is (N, height, width, 3)")
    return frames


def write_video(path: Union[str, os.PathLike], frames: Any, fps: Union[int, float, Tuple[int, int]] = 30, *,
                codec: str = "h264", gop: int = 30, bframes: int = 0, crf: Optional[int] = None,
                preset: str = "medium") -> int:
    """Writes ``frames`` (an (N, H, W, 3) array or tensor, or an iterable of (H, W, 3) frames; uint8 RGB)
    to the MP4 ``path`` at ``fps`` and returns the number of frames written.

    ``gop``: frames per GOP (each a closed GOP starting with a key frame: a random access decodes at
    most ``gop`` frames). ``bframes``: B-frames between references (0: none, decode order = display
    order). ``crf``: the encoder's constant-quality level (default 18 for H.264, 20 for HEVC: close to
    visually lossless; lower is better and bigger). ``preset``: the encoder's speed preset.

    ValueError, naming the frame and the problem, for frames of another dtype, shape or size than the
    first, an odd width or height (4:2:0 needs even ones), no frames, or settings the encoder refuses;
    RuntimeError when this FFmpeg has no encoder for ``codec``, saying what to install. Nothing is left
    under ``path`` (or a temporary name) when it raises.
    """
    if codec not in _CODECS:
        raise ValueError(f"codec={codec!r}: write_video writes {' or '.join(map(repr, _CODECS))}")
    for name, value, low in (("gop", gop, 1), ("bframes", bframes, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name}={value!r} must be an integer >= {low}")
    if bframes >= gop and gop > 1:
        raise ValueError(f"bframes={bframes} must be smaller than gop={gop}")
    if crf is not None and (isinstance(crf, bool) or not isinstance(crf, int) or not 0 <= crf <= 51):
        raise ValueError(f"crf={crf!r} must be an integer 0..51")
    rate = _fps(fps)
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # A new name beside the target (so the final rename stays on one file system), created with the
    # permissions any new file gets (0666 less the umask).
    tmp = os.path.join(folder, f".{os.path.basename(path)}.{secrets.token_hex(6)}.part.mp4")
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
    writer = None
    try:
        size = None
        for i, frame in enumerate(_frames(frames)):
            rgb = _as_rgb(frame, i)
            if size is None:
                size = rgb.shape[:2]
                height, width = size
                if height % 2 or width % 2:
                    raise ValueError(f"frame 0 is {width}x{height}: 4:2:0 video needs an even width and height "
                                     f"(crop or pad to {width + width % 2}x{height + height % 2})")
                writer = _engine._VideoWriter(tmp, width, height, rate.numerator, rate.denominator, codec, gop,
                                              bframes, -1 if crf is None else crf, preset)
            elif rgb.shape[:2] != size:
                raise ValueError(f"frame {i} is {rgb.shape[1]}x{rgb.shape[0]} but frame 0 is {size[1]}x{size[0]}: "
                                 "every frame of a video has the same size")
            writer.write(rgb)
        if writer is None:
            raise ValueError("frames is empty: a video needs at least one frame")
        writer.close()
        count = writer.frames_written
        os.replace(tmp, path)
        return count
    except BaseException:
        writer = None  # its file handle closes before the file goes
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
