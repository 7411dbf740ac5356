"""decord2 (PyPI ``decord2``, the maintained fork of decord; it imports as ``decord``).

One ``decord.VideoReader(path, ctx=decord.cpu(0), num_threads=N)`` per file, kept open
(``prepare``: construction reads the file's packet index). Frames come out as RGB uint8 HWC
``decord.NDArray``; ``.asnumpy()`` (a copy into NumPy) is part of every timed call.

- A: ``vr[k].asnumpy()`` per camera.
- B, D: ``vr.get_batch(ids).asnumpy()``: one (N, H, W, 3) array (decord plans the seeks itself).
- C: ``vr.seek(0)``, then ``vr.next().asnumpy()`` for every frame.
- E: ``decord.VideoReader(path, ...)[0].asnumpy()`` (construction indexes the whole file).

Options: ``threads`` (``num_threads``; default 0: decord's automatic choice, FFmpeg threads for all
CPUs).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from .base import ClipInfo, OneReaderPerClip


class Decord2Adapter(OneReaderPerClip):
    name = "decord2"

    def __init__(self, threads: str = "0", **options: str):
        super().__init__(**options)
        import decord  # imported here so the registry imports without decord2 installed

        self._decord = decord
        self.threads = int(threads)

    def label(self) -> str:
        return self.name + (f":threads={self.threads}" if self.threads else "")

    def versions(self) -> Dict[str, Any]:
        d = self._decord
        try:
            from importlib.metadata import version

            dist = "decord2 " + version("decord2")
        except Exception:  # noqa: BLE001 - a decord installed some other way
            dist = None
        return {"decord": d.__version__, "distribution": dist,
                "num_threads": self.threads if self.threads else "0 (automatic)"}

    def _open(self, path: str):
        return self._decord.VideoReader(path, ctx=self._decord.cpu(0), num_threads=self.threads)


    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        return [self._readers[path][fid].asnumpy() for path, fid in zip(paths, frame_ids)]

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> np.ndarray:
        return self._readers[path].get_batch(list(frame_ids)).asnumpy()

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        vr = self._readers[path]
        vr.seek(0)
        n = 0
        for _ in range(len(vr)):
            frame = vr.next().asnumpy()
            if sink is not None:
                sink(n, frame)
            n += 1
        return n

    def open_first_frame(self, path: str) -> np.ndarray:
        return self._open(path)[0].asnumpy()
