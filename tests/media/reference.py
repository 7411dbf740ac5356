"""Reference frames from the ffmpeg CLI: every frame of the first video stream in presentation order
(-fps_mode passthrough: no frame dropped or repeated) as raw planes in the stream's native format,
and each frame's pts from ffprobe. Cached on disk next to the media, under the media's key."""

import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Tuple

import numpy as np

from . import inspect
from .generate import MediaFile, compat_args

# The planar formats the ffmpeg CLI writes references in: always the stream's own, so that ffmpeg
# converts nothing (FFmpeg's H.264/HEVC decoders call full-range 8-bit 4:2:0 "yuvj420p": the same
# layout as yuv420p; asking for yuv420p would make swscale squeeze the range).
_PLANAR = {"yuv420p": (np.uint8, 8), "yuvj420p": (np.uint8, 8), "yuv420p10le": (np.uint16, 10)}


@dataclass
class Reference:
    """All frames of a file as ffmpeg decodes them. ``planes[i]`` is frame i (presentation order)."""

    width: int
    height: int
    pix_fmt: str            # yuv420p, yuvj420p or yuv420p10le
    bit_depth: int
    data: np.ndarray        # (frames, Y + U + V samples), uint8 or uint16
    pts: np.ndarray         # (frames,) int64, in time_base units
    time_base: Fraction

    def __len__(self) -> int:
        return self.data.shape[0]

    @property
    def chroma_size(self) -> Tuple[int, int]:
        return (self.height + 1) // 2, (self.width + 1) // 2

    def planes(self, i: int) -> Tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Y, U, V) of frame i, each 2-D, in the stream's sample type (values 0..2^bit_depth-1)."""
        h, w = self.height, self.width
        ch, cw = self.chroma_size
        f = self.data[i]
        y = f[: h * w].reshape(h, w)
        u = f[h * w : h * w + ch * cw].reshape(ch, cw)
        v = f[h * w + ch * cw :].reshape(ch, cw)
        return y, u, v

    def native(self, i: int) -> np.ndarray:
        """Frame i in the native output layout of docs/design.md: NV12 for 8-bit, P016 for 10/12-bit.

        Shape (height + chroma_height, width): the luma plane, then one plane of interleaved U, V.
        P016 stores each sample in the high bits of a little-endian 16-bit word.
        """
        y, u, v = self.planes(i)
        ch, cw = self.chroma_size
        uv = np.empty((ch, cw * 2), dtype=y.dtype)
        uv[:, 0::2] = u
        uv[:, 1::2] = v
        if self.width % 2:  # the interleaved plane is 2 * ceil(w / 2) wide; crop to the luma width
            uv = uv[:, : self.width]
        out = np.concatenate([y, uv], axis=0)
        if self.bit_depth > 8:
            out = out << np.uint16(16 - self.bit_depth)  # already uint16: planes are 16-bit words
        return out


def load_reference(media: MediaFile, cache_dir: Path) -> Reference:
    stream = inspect.video_stream(media.path)
    pix_fmt = stream["pix_fmt"]
    if pix_fmt not in _PLANAR:
        raise ValueError(f"{media.name}: no reference layout for pix_fmt {pix_fmt}")
    dtype, depth = _PLANAR[pix_fmt]
    width, height = int(stream["width"]), int(stream["height"])
    num, den = (int(x) for x in stream["time_base"].split("/"))
    cache = Path(cache_dir) / f"{media.name}-{media.key}.ref.npz"
    if cache.exists():
        z = np.load(cache)
        data, pts = z["data"], z["pts"]
    else:
        data = _decode_all(media.path, pix_fmt, dtype, width, height)
        pts = np.array([f["pts"] for f in inspect.frames(media.path)], dtype=np.int64)
        # The two ffmpeg tools must agree on how many frames there are, or frame ids are meaningless.
        if len(pts) != data.shape[0]:
            raise RuntimeError(f"{media.name}: ffmpeg wrote {data.shape[0]} frames, ffprobe saw {len(pts)}")
        tmp = cache.with_suffix(".tmp.npz")
        np.savez(tmp, data=data, pts=pts)
        tmp.replace(cache)
    return Reference(width, height, pix_fmt, depth, data, pts, Fraction(num, den))


def _decode_all(path: Path, pix_fmt: str, dtype, width: int, height: int) -> np.ndarray:
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0",
           *compat_args(["-fps_mode", "passthrough"]), "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"]
    res = subprocess.run(cmd, capture_output=True)
    if res.returncode != 0:
        raise RuntimeError(f"ffmpeg could not decode {path}: {res.stderr.decode(errors='replace')}")
    ch, cw = (height + 1) // 2, (width + 1) // 2
    samples = width * height + 2 * ch * cw
    raw = np.frombuffer(res.stdout, dtype=dtype)
    if raw.size % samples:
        raise RuntimeError(f"{path}: {raw.size} samples is not a whole number of {width}x{height} frames")
    return raw.reshape(-1, samples)
