"""OpenCV (``opencv-python-headless``): ``cv2.VideoCapture`` on its FFmpeg backend.

- A (one frame per camera): one capture kept open per file (``prepare``);
  ``cap.set(cv2.CAP_PROP_POS_FRAMES, k)``, ``cap.read()``, ``cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)``
  (OpenCV decodes to BGR; the conversion to RGB is part of the timed call, as for every peer the
  result is RGB uint8 HWC).
- B, D (sorted frames of one file): ``set(CAP_PROP_POS_FRAMES, k)`` for a target in another GOP
  than the capture's position, otherwise ``cap.grab()`` forward to it (what OpenCV's own seek would
  decode anyway, from the GOP's key frame) and ``read()``; consecutive targets are plain ``read()``
  calls. The GOPs come from the harness's index, which OpenCV does not expose.
- C: a new capture, ``read()`` until it returns False, ``cvtColor`` per frame.
- E: ``cv2.VideoCapture(path)``, ``read()``, ``cvtColor``, ``release()``.

Seek accuracy: ``CAP_PROP_POS_FRAMES`` k is converted to the timestamp of frame k - 16 at the
stream's average frame rate; OpenCV seeks backward to a key frame, decodes one frame, turns its pts
back into a frame number at the same rate and grabs forward to k. On constant-frame-rate files
starting at pts 0 this lands on the right frame (every checked call here did); every
result is checked against PyAV's frame for the same frame_id (workloads.py), so a wrong frame shows
as a failed check, not as a number.

Options: ``threads`` (``CAP_PROP_N_THREADS`` at open; default: OpenCV's, one decoder thread per
CPU, FFmpeg frame + slice threads).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from .base import Adapter, ClipInfo


class OpenCVAdapter(Adapter):
    name = "opencv"

    def __init__(self, threads: str = "", **options: str):
        super().__init__(**options)
        import cv2  # imported here so the registry imports without OpenCV installed

        self._cv2 = cv2
        self.threads = int(threads) if threads != "" else None
        self._caps: Dict[str, Any] = {}
        self._next: Dict[str, int] = {}  # frame_id the next read() returns
        self._gop_first: Dict[str, List[int]] = {}

    def label(self) -> str:
        return self.name + (f":threads={self.threads}" if self.threads is not None else "")

    def versions(self) -> Dict[str, Any]:
        cv2 = self._cv2
        ffmpeg = [line.strip() for line in cv2.getBuildInformation().splitlines()
                  if line.strip().startswith(("avcodec:", "avformat:", "swscale:"))]
        return {"opencv": cv2.__version__, "ffmpeg": ffmpeg,
                "threads": self.threads if self.threads is not None else "default (one per CPU)"}

    def _open(self, path: str):
        cv2 = self._cv2
        params = [cv2.CAP_PROP_N_THREADS, self.threads] if self.threads is not None else []
        cap = cv2.VideoCapture(path, cv2.CAP_FFMPEG, params)
        if not cap.isOpened():
            raise RuntimeError(f"opencv: cannot open {path} with the FFmpeg backend")
        return cap

    def _rgb(self, bgr, path: str, frame_id: int) -> np.ndarray:
        if bgr is None:
            raise AssertionError(f"opencv: {path} frame {frame_id}: read() returned no frame")
        return self._cv2.cvtColor(bgr, self._cv2.COLOR_BGR2RGB)

    # -- life cycle --------------------------------------------------------------------------
    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path not in self._caps:
                self._caps[clip.path] = self._open(clip.path)
                self._next[clip.path] = 0
                first = [0] * clip.num_frames
                for gop_first, length, _ in clip.gops:
                    first[gop_first:gop_first + length] = [gop_first] * length
                self._gop_first[clip.path] = first

    def close(self) -> None:
        for cap in self._caps.values():
            cap.release()
        self._caps.clear()

    # -- A, B, D -----------------------------------------------------------------------------
    def _read_at(self, path: str, fid: int, seek_always: bool) -> np.ndarray:
        cap, pos = self._caps[path], self._next[path]
        first = self._gop_first[path]
        if seek_always or fid < pos or first[fid] != first[min(pos, len(first) - 1)]:
            cap.set(self._cv2.CAP_PROP_POS_FRAMES, fid)
        else:
            for _ in range(fid - pos):
                cap.grab()
        ok, bgr = cap.read()
        self._next[path] = fid + 1
        return self._rgb(bgr if ok else None, path, fid)

    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        return [self._read_at(path, fid, seek_always=True) for path, fid in zip(paths, frame_ids)]

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> List[np.ndarray]:
        out, prev = [], None
        for fid in frame_ids:
            out.append(self._read_at(path, fid, seek_always=prev is None))
            prev = fid
        return out

    # -- C, E --------------------------------------------------------------------------------
    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        cap = self._open(path)
        try:
            n = 0
            while True:
                ok, bgr = cap.read()
                if not ok:
                    return n
                rgb = self._rgb(bgr, path, n)
                if sink is not None:
                    sink(n, rgb)
                n += 1
        finally:
            cap.release()

    def open_first_frame(self, path: str) -> np.ndarray:
        cap = self._open(path)
        try:
            ok, bgr = cap.read()
            return self._rgb(bgr if ok else None, path, 0)
        finally:
            cap.release()
