"""TorchCodec (PyPI ``torchcodec``): ``torchcodec.decoders.VideoDecoder`` on the CPU.

Installing it here: ``pip install torchcodec==0.12.0 --no-deps`` next to the CPU build of
torch 2.13.0 (``--no-deps`` keeps pip from replacing that torch). TorchCodec 0.12 is the release
built against torch 2.13; its wheel loads the system's FFmpeg (``libtorchcodec_core5`` for FFmpeg
5.1, the release odvd's CPU backend uses) and, being a CPU build (``0.12.0+cpu``), imports and decodes
on a machine without CUDA. PyPI's latest wheel (0.17.0 at the time of writing) is a CUDA 13 build
(``+cu130``) for a newer torch, not tried here.
Without torch or torchcodec the adapter raises ImportError and the scripts list it as skipped.

One ``VideoDecoder(path, dimension_order="NHWC", num_ffmpeg_threads=N, seek_mode=M)`` per file,
kept open (``prepare``; ``seek_mode="exact"``, the default, scans the file's packets when it is
built). Frames are torch uint8 tensors (H, W, 3); ``.numpy()`` (a view, no copy) ends each timed
call.

- A: ``decoder.get_frame_at(k).data`` per camera.
- B, D: ``decoder.get_frames_at(ids).data``: one (N, H, W, 3) tensor.
- C: ``decoder.get_frames_in_range(f, f + gop).data`` GOP by GOP (one call for the clip would hold
  every frame at once).
- E: ``VideoDecoder(path, ...)`` + ``get_frame_at(0)``.

Options: ``threads`` (``num_ffmpeg_threads``; TorchCodec's default is 1, the adapter's 0: FFmpeg's
automatic count), ``seek_mode`` (``exact`` or ``approximate``).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from .base import ClipInfo, OneReaderPerClip, decode_by_gop


class TorchCodecAdapter(OneReaderPerClip):
    name = "torchcodec"

    def __init__(self, threads: str = "0", seek_mode: str = "exact", **options: str):
        super().__init__(**options)
        import torch
        from torchcodec.decoders import VideoDecoder  # ImportError without it (or without torch)

        import torchcodec

        self._torch, self._tc, self._decoder_class = torch, torchcodec, VideoDecoder
        self.threads = int(threads)
        if seek_mode not in ("exact", "approximate"):
            raise ValueError(f"torchcodec: seek_mode={seek_mode!r}; expected exact or approximate")
        self.seek_mode = seek_mode

    def label(self) -> str:
        opts = ([f"threads={self.threads}"] if self.threads else []) + (
            [f"seek_mode={self.seek_mode}"] if self.seek_mode != "exact" else [])
        return self.name + (":" + ",".join(opts) if opts else "")

    def versions(self) -> Dict[str, Any]:
        return {"torchcodec": self._tc.__version__, "torch": self._torch.__version__,
                "num_ffmpeg_threads": self.threads if self.threads else "0 (automatic)",
                "seek_mode": self.seek_mode, "ffmpeg": _ffmpeg_versions()}

    def _open(self, path: str):
        return self._decoder_class(path, dimension_order="NHWC", num_ffmpeg_threads=self.threads,
                                   device="cpu", seek_mode=self.seek_mode)


    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        return [self._readers[path].get_frame_at(fid).data.numpy() for path, fid in zip(paths, frame_ids)]

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> np.ndarray:
        return self._readers[path].get_frames_at(list(frame_ids)).data.numpy()

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        decoder = self._readers[path]
        return decode_by_gop(lambda first, stop: decoder.get_frames_in_range(first, stop).data.numpy(), num_frames,
                             gop_len, sink)

    def open_first_frame(self, path: str) -> np.ndarray:
        return self._open(path).get_frame_at(0).data.numpy()


def _ffmpeg_versions() -> Any:
    """The FFmpeg libraries TorchCodec loaded (it picks the major version the system has)."""
    try:
        from torchcodec._core import get_ffmpeg_library_versions

        return {k: v for k, v in get_ffmpeg_library_versions().items() if "libav" in k or "ffmpeg" in k}
    except Exception as e:  # noqa: BLE001 - informational only
        return f"unknown ({type(e).__name__})"
