"""The interface every benchmarked library implements.

One adapter wraps one library (and one configuration of it: backend, threads). The benchmark
scripts only talk to this interface, so adding a library is one new file plus one line in
``adapters/__init__.py``. Each capability is optional: a method left as in this base class raises
``NotImplementedError`` and the scripts skip that measurement for the adapter (``supports``).

What is timed is exactly one call of a method below; everything the library may legitimately do
ahead of time (open files, build an index) happens in ``prepare`` or in warm-up calls, and every
check of the result happens in ``check_*`` methods called outside the timed region.
"""

from abc import ABC
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np


@dataclass(frozen=True)
class ClipInfo:
    """What the harness knows about one clip (from its own PyAV demux, made before any timing).

    ``pts`` are the presentation timestamps in presentation order, so ``pts[frame_id]`` is the pts
    of that frame (docs/design.md: frame_id = 0-based index in presentation order). ``gops`` lists, per
    GOP in decode order, ``(first_frame_id, gop_len, [(pos, size), ...] of its packets in decode
    order)``.
    """

    path: str
    width: int
    height: int
    num_frames: int
    time_base: float
    pts: List[int]
    gops: List[tuple]
    nbytes: int

    def gop_of(self, frame_id: int) -> tuple:
        for gop in self.gops:
            first, length, _ = gop
            if first <= frame_id < first + length:
                return gop
        raise IndexError(f"frame_id={frame_id} out of range for {self.path} ({self.num_frames} frames)")


@dataclass(frozen=True)
class GopInfo:
    """What a GOP extraction returned, for the checks (``nbytes``: size of the returned buffer)."""

    first_frame_id: int
    gop_len: int
    nbytes: int
    data: Optional[bytes] = None  # the raw packet bytes, when the output is exactly that


class Adapter(ABC):
    """One library under test. Subclasses set ``name`` and override what they support.

    ``options`` are the ``key=value`` pairs of an adapter spec (``pyav:thread_type=AUTO``); they
    arrive as strings and each adapter converts what it accepts, rejecting unknown keys.
    """

    name = "base"

    def __init__(self, **options: str):
        if options:
            raise ValueError(f"adapter {self.name!r} takes no options, got {sorted(options)}")

    # -- description -------------------------------------------------------------------------
    def label(self) -> str:
        """Name plus the options that distinguish this configuration, for tables."""
        return self.name

    def versions(self) -> Dict[str, Any]:
        """Library versions and settings recorded next to the numbers."""
        return {}

    def supports(self, capability: str) -> bool:
        """Whether the method ``capability`` is implemented by this adapter."""
        if capability == "decode_groups" and self.supports("decode_frames"):
            return True  # the default decode_groups calls decode_frames per file
        method = getattr(type(self), capability, None)
        return method is not None and method is not getattr(Adapter, capability, None)

    # -- life cycle --------------------------------------------------------------------------
    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        """Called once, untimed, before any measurement: open files, keep handles."""

    def close(self) -> None:
        """Release everything ``prepare`` or the calls opened."""

    # -- random access (random_access.py) ----------------------------------------------------
    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> Any:
        """One RGB frame (H, W, 3) uint8 per (path, frame_id) pair: the timed call.

        Returns whatever the library returns; ``to_arrays`` turns it into arrays for the checks.
        """
        raise NotImplementedError

    def to_arrays(self, result: Any) -> List[np.ndarray]:
        """The frames of a ``decode_rgb`` result as host arrays (untimed, for checks)."""
        return [np.asarray(r) for r in result]

    def check_decode_rgb(self, result: Any, clips: Sequence[ClipInfo], frame_ids: Sequence[int]) -> None:
        """Raise AssertionError unless ``result`` holds exactly the frames asked for (untimed).

        The base check covers shape and dtype; adapters add what their frames carry (pts, ids).
        """
        arrays = self.to_arrays(result)
        assert len(arrays) == len(frame_ids), f"{self.name}: {len(arrays)} frames for {len(frame_ids)} requests"
        for a, clip, fid in zip(arrays, clips, frame_ids):
            want = (clip.height, clip.width, 3)
            assert a.shape == want and a.dtype == np.uint8, (
                f"{self.name}: frame {fid} of {clip.path}: {a.shape} {a.dtype}, expected {want} uint8"
            )

    def decode_sequential(self, path: str, num_frames: int, gop_len: int) -> int:
        """Decode every frame of one clip in order to RGB (H, W, 3) uint8; return the count.

        Measures the decode-bound limit of random access for this library; it may decode GOP by
        GOP (``gop_len`` frames per call) when that is how the library batches.
        """
        raise NotImplementedError

    def decode_sequential_native(self, path: str, num_frames: int, gop_len: int) -> int:
        """As ``decode_sequential`` but leaving frames in the decoder's native format (no RGB
        conversion): an informational, tighter limit that shows what the conversion costs."""
        raise NotImplementedError

    # -- workloads B-E (workloads.py) ---------------------------------------------------------
    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> Any:
        """Frames ``frame_ids`` (sorted, distinct) of one file in one call, with the library's own
        batch call where it has one: an iterable of RGB (H, W, 3) uint8 frames (a list, or one
        (N, H, W, 3) array). The timed call of workload D, and of B through ``decode_groups``."""
        raise NotImplementedError

    def decode_groups(self, groups: Sequence[Tuple[str, Sequence[int]]]) -> Any:
        """Several files' ``decode_frames`` requests in one call (workload B: 8 consecutive frames
        of each of 6 cameras); a flat list of frames in request order. By default one
        ``decode_frames`` call per file, one after the other: a library with a call that takes
        many files at once (odvd) overrides it."""
        if not self.supports("decode_frames"):
            raise NotImplementedError
        out: List[Any] = []
        for path, ids in groups:
            out.extend(self.decode_frames(path, ids))
        return out

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int,
                       sink: Optional[Callable[[int, Any], None]] = None) -> int:
        """Every frame of one clip, in order, as RGB (H, W, 3) uint8 (workload C); returns the count.
        ``sink(i, frame)``, when given (the untimed check pass), receives each frame with its
        0-based position in the output."""
        raise NotImplementedError

    def open_first_frame(self, path: str) -> Any:
        """Open a file never seen before and return its first frame as RGB (H, W, 3) uint8, with
        everything the library needs for that (construction, probing, indexing) inside the call
        (workload E)."""
        raise NotImplementedError

    # -- GOP extraction (gop_extract.py) -----------------------------------------------------
    def gop_fresh(self, path: str, frame_id: int) -> Any:
        """The compressed GOP holding ``frame_id`` from a file this adapter has not seen: open,
        index as needed, extract, close. The timed call."""
        raise NotImplementedError

    def gop_warm(self, path: str, frame_id: int) -> Any:
        """The compressed GOP holding ``frame_id`` from a file already opened/indexed (by
        ``prepare`` or an earlier call). The timed call."""
        raise NotImplementedError

    def gop_info(self, result: Any) -> GopInfo:
        """Describe a ``gop_fresh``/``gop_warm`` result for the checks (untimed)."""
        raise NotImplementedError


class OneReaderPerClip(Adapter):
    """An adapter whose library opens one reader object per file: ``_open(path)`` makes it,
    ``prepare`` opens each clip's once (untimed) into ``_readers``, ``close`` drops them."""

    def __init__(self, **options: str):
        super().__init__(**options)
        self._readers: Dict[str, Any] = {}

    def _open(self, path: str) -> Any:
        raise NotImplementedError

    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path not in self._readers:
                self._readers[clip.path] = self._open(clip.path)

    def close(self) -> None:
        self._readers.clear()


def decode_by_gop(fetch: Callable[[int, int], Sequence[Any]], num_frames: int, gop_len: int,
                  sink: Optional[Callable[[int, Any], None]] = None) -> int:
    """Workload C for a library that takes frame ranges: ``fetch(first, stop)`` for each GOP in turn,
    each GOP's frames handed to ``sink`` (when given) and dropped before the next; returns the count."""
    n = 0
    for first in range(0, num_frames, gop_len):
        frames = fetch(first, min(first + gop_len, num_frames))
        if sink is not None:
            for i, frame in enumerate(frames):
                sink(n + i, frame)
        n += len(frames)
        del frames
    return n

