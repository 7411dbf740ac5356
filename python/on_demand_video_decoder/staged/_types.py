"""What the stages of the staged API hand each other (docs/access-staged.md):

- ``Packets`` (demux's result): the GOPs a video's target frames need, as one GOP bundle
  (docs/bundle-format.md), plus the targets. Plain data: picklable, no decoder state, cheap to send
  to another process; decodable there without the source file.
- ``Frames`` (decode's result): native frames (NV12 / P016, DecodedFrameExt) on one device.
- ``Batch`` (convert's result): one contiguous ``(N, ...)`` block of RGB / BGR frames, shared without a
  copy with NumPy (``to_numpy``), PyTorch (``to_torch``) and any DLPack consumer.
- ``Frame``: one frame of a Frames or a Batch with its pts and duration in seconds (torchcodec's
  ``Frame``).

Every frame carries ``frame_id``, ``pts_seconds`` and ``duration_seconds`` (the pts of the next frame
minus its own; the last frame: one base frame duration, docs/access-by-time.md).
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, List, Sequence

import numpy as np


@dataclass(frozen=True)
class Frame:
    """One frame: ``data`` (a DecodedFrameExt of Frames, an array view of a Batch), where it is from
    and when it is shown."""

    data: Any
    source: str
    frame_id: int
    pts_seconds: float
    duration_seconds: float


class _Timed:
    """Per-frame sources, frame ids and times, shared by Packets, Frames and Batch."""

    sources: List[str]
    frame_ids: np.ndarray
    pts_seconds: np.ndarray
    duration_seconds: np.ndarray

    def _set_times(self, sources: Sequence[str], frame_ids: Any, pts_seconds: Any, duration_seconds: Any) -> None:
        self.sources = list(sources)
        self.frame_ids = np.asarray(frame_ids, np.int64).reshape(-1)
        self.pts_seconds = np.asarray(pts_seconds, np.float64).reshape(-1)
        self.duration_seconds = np.asarray(duration_seconds, np.float64).reshape(-1)
        n = len(self.frame_ids)
        if not len(self.sources) == len(self.pts_seconds) == len(self.duration_seconds) == n:
            raise ValueError("sources, frame_ids, pts_seconds and duration_seconds differ in length")

    def __len__(self) -> int:
        return len(self.frame_ids)

    def _frame(self, i: int, data: Any) -> Frame:
        return Frame(data, self.sources[i], int(self.frame_ids[i]), float(self.pts_seconds[i]),
                     float(self.duration_seconds[i]))


class Packets(_Timed):
    """The packets of one source's target frames: ``bundle`` (a 1-D uint8 GOP bundle holding each
    needed GOP once), ``frame_ids`` in request order, their ``pts`` (ticks of ``time_base``) and times
    in seconds. Made by ``demux``; decoded by ``decode``."""

    def __init__(self, source: str, bundle: np.ndarray, frame_ids: Any, pts: Any, durations: Any,
                 time_base: Fraction):
        self.source = str(source)
        self.bundle = bundle
        self.time_base = Fraction(time_base)
        self.pts = np.asarray(pts, np.int64).reshape(-1)
        self.durations = np.asarray(durations, np.int64).reshape(-1)
        tb = self.time_base
        seconds = (self.pts.astype(np.float64) * tb.numerator) / tb.denominator
        lengths = (self.durations.astype(np.float64) * tb.numerator) / tb.denominator
        self._set_times([self.source] * len(self.pts), frame_ids, seconds, lengths)

    @property
    def nbytes(self) -> int:
        """Bytes of the bundle (what sending these packets to another process costs)."""
        return int(self.bundle.nbytes)

    def __getstate__(self) -> dict:
        return {"source": self.source, "bundle": np.ascontiguousarray(self.bundle),
                "frame_ids": self.frame_ids.tolist(), "pts": self.pts.tolist(), "durations": self.durations.tolist(),
                "time_base": (self.time_base.numerator, self.time_base.denominator)}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["source"], state["bundle"], state["frame_ids"], state["pts"], state["durations"],
                      Fraction(*state["time_base"]))

    def __repr__(self) -> str:
        return f"Packets({self.source!r}, frame_ids={self.frame_ids.tolist()}, {self.nbytes} bytes)"


class Frames(_Timed):
    """Native frames (DecodedFrameExt: NV12 / P016) on one device, in request order. ``frames[i]`` is a
    Frame whose ``data`` is the native frame; ``native`` lists them."""

    def __init__(self, native: Sequence[Any], device: str, sources: Sequence[str], frame_ids: Any,
                 pts_seconds: Any, duration_seconds: Any):
        self.native = list(native)
        self.device = device
        self._set_times(sources, frame_ids, pts_seconds, duration_seconds)
        if len(self.native) != len(self.frame_ids):
            raise ValueError(f"{len(self.native)} frames for {len(self.frame_ids)} frame ids")

    def __getitem__(self, i: int) -> Frame:
        return self._frame(i, self.native[i])

    def __repr__(self) -> str:
        return f"Frames({len(self)} frames on {self.device}, frame_ids={self.frame_ids.tolist()})"

    @staticmethod
    def concat(parts: Sequence["Frames"]) -> "Frames":
        """The frames of several Frames (e.g. one per video) as one, in order; all on one device."""
        parts = list(parts)
        if not parts:
            raise ValueError("no Frames to join")
        for i, p in enumerate(parts):
            if not isinstance(p, Frames):
                raise TypeError(f"frames[{i}] is a {type(p).__name__}, not Frames (decode's result)")
        devices = {p.device for p in parts}
        if len(devices) > 1:
            raise ValueError(f"frames are on different devices: {sorted(devices)}")
        return Frames([f for p in parts for f in p.native], parts[0].device, [s for p in parts for s in p.sources],
                      np.concatenate([p.frame_ids for p in parts]), np.concatenate([p.pts_seconds for p in parts]),
                      np.concatenate([p.duration_seconds for p in parts]))


class Batch(_Timed):
    """One contiguous block of N frames, shape ``(N, H, W, 3)`` (HWC) or ``(N, 3, H, W)`` (CHW), uint8
    or float32, RGB or BGR, in host or GPU memory. ``data`` is the engine's RGBFrame (or an empty array
    for N = 0). No copy: ``to_numpy()`` (host), ``to_torch()`` and ``__dlpack__`` share its memory,
    which stays valid as long as any of them holds it."""

    def __init__(self, data: Any, device: str, sources: Sequence[str], frame_ids: Any, pts_seconds: Any,
                 duration_seconds: Any, layout: str, bgr: bool):
        self.data = data
        self.device = device
        self.layout = layout
        self.bgr = bool(bgr)
        self._set_times(sources, frame_ids, pts_seconds, duration_seconds)

    @property
    def shape(self) -> tuple:
        return tuple(self.data.shape)

    @property
    def dtype(self) -> np.dtype:
        return np.dtype(self.data.dtype)

    @property
    def __array_interface__(self) -> dict:
        """The host block's array interface (AttributeError for a block in GPU memory)."""
        if self.device != "cpu":
            raise AttributeError(f"this batch is in {self.device} memory: use to_torch(), __dlpack__ or cpu()")
        return self.data.__array_interface__

    @property
    def __cuda_array_interface__(self) -> dict:
        if self.device == "cpu":
            raise AttributeError("this batch is in host memory: use to_numpy() or __array_interface__")
        return self.data.__cuda_array_interface__

    def __dlpack__(self, **kwargs: Any) -> Any:
        """The block as a DLPack capsule (no copy), for ``torch.from_dlpack`` / ``np.from_dlpack``."""
        return self.data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple:
        return self.data.__dlpack_device__()

    def to_numpy(self) -> np.ndarray:
        """The block as a NumPy array, without a copy (host memory only: ``cpu()`` first otherwise)."""
        if self.device != "cpu":
            raise ValueError(f"this batch is in {self.device} memory; batch.cpu().to_numpy() copies it to the host")
        return np.asarray(self.data)

    def to_torch(self) -> Any:
        """The block as a torch.Tensor on its device, without a copy (DLPack)."""
        import torch

        return torch.from_dlpack(self.data)

    def cpu(self) -> "Batch":
        """This batch in host memory (itself when it is there already, else a copy)."""
        if self.device == "cpu":
            return self
        return Batch(self.data.cpu(), "cpu", self.sources, self.frame_ids, self.pts_seconds, self.duration_seconds,
                     self.layout, self.bgr)

    def __getitem__(self, i: int) -> Frame:
        """Frame i, its ``data`` a view of the block (host memory) or of the batch's DLPack tensor."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"frame {i} of a batch of {n}")
        i %= n
        view = self.to_numpy()[i] if self.device == "cpu" else self.to_torch()[i]
        return self._frame(i, view)

    def __repr__(self) -> str:
        return (f"Batch({len(self)} frames, {self.layout} {self.dtype}, shape={self.shape}, "
                f"{'BGR' if self.bgr else 'RGB'}, {self.device})")
