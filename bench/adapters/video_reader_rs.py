"""video-reader-rs (PyPI ``video-reader-rs``, module ``video_reader``): Rust bindings to FFmpeg.

Its wheel (0.4.5) bundles FFmpeg 8 and its dependencies in ``video_reader_rs.libs/``, but the
extension module does not find the bundled ``libsharpyuv`` (needed by the bundled libwebp) on its
own: ``import video_reader`` fails with "libsharpyuv-....so.0: cannot open shared object file".
The adapter loads that library first (``ctypes.CDLL(..., RTLD_GLOBAL)`` on the file inside the
wheel), then imports the module.

One ``PyVideoReader(path, threads=N)`` per file, kept open (``prepare``).

- A: ``vr[k]`` per camera (an RGB uint8 HWC NumPy array).
- B, D: ``vr.get_batch(ids)``: one (N, H, W, 3) array; the library chooses between seeking to key
  frames and decoding through (``with_fallback=None``, its default cost estimate).
- C: ``vr.decode(start_frame=f, end_frame=f + gop)`` GOP by GOP (``end_frame`` is exclusive), as
  odvd decodes GOP by GOP; one call for the whole clip would hold every frame at once.
- E: ``PyVideoReader(path, threads=N)[0]``.

Options: ``threads`` (default 0: FFmpeg's automatic count).
"""

import ctypes
import glob
import importlib.util
import os
from typing import Any, Dict, List, Sequence

import numpy as np

from .base import ClipInfo, OneReaderPerClip, decode_by_gop


def _import_video_reader():
    """``video_reader``, after preloading the libsharpyuv its wheel bundles (see the module doc)."""
    spec = importlib.util.find_spec("video_reader")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("video-reader-rs is not installed (pip install video-reader-rs)")
    site = os.path.dirname(list(spec.submodule_search_locations)[0])
    for lib in sorted(glob.glob(os.path.join(site, "video_reader_rs.libs", "libsharpyuv*"))):
        ctypes.CDLL(lib, mode=ctypes.RTLD_GLOBAL)
    import video_reader

    return video_reader


class VideoReaderRsAdapter(OneReaderPerClip):
    name = "video-reader-rs"

    def __init__(self, threads: str = "0", **options: str):
        super().__init__(**options)
        self._vr = _import_video_reader()
        self.threads = int(threads)

    def label(self) -> str:
        return self.name + (f":threads={self.threads}" if self.threads else "")

    def versions(self) -> Dict[str, Any]:
        from importlib.metadata import version

        libs = os.path.join(os.path.dirname(os.path.dirname(self._vr.__file__)), "video_reader_rs.libs")
        bundled = sorted(os.path.basename(p) for p in glob.glob(os.path.join(libs, "libav*")))
        return {"video-reader-rs": version("video-reader-rs"), "bundled_ffmpeg": bundled,
                "threads": self.threads if self.threads else "0 (automatic)"}

    def _open(self, path: str):
        return self._vr.PyVideoReader(path, threads=self.threads)


    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        return [self._readers[path][fid] for path, fid in zip(paths, frame_ids)]

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> np.ndarray:
        return self._readers[path].get_batch(list(frame_ids))

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        vr = self._readers[path]
        return decode_by_gop(lambda first, stop: vr.decode(start_frame=first, end_frame=stop), num_frames, gop_len,
                             sink)

    def open_first_frame(self, path: str) -> np.ndarray:
        return self._open(path)[0]
