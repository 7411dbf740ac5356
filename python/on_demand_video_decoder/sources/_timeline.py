"""A video stream's timeline from its index: every frame's pts and duration, and the rules that turn
seconds into frame ids (docs/access-by-time.md).

- Frame ``i`` (presentation order, docs/design.md "frame_id") starts at ``pts[i]`` and lasts until
  the next frame's pts; the last frame lasts one base frame duration (the shortest frame interval,
  averaged over the timestamp jitter of coarse time bases: FastStreamInfo's rule).
- Frame ``i`` is *played at* ``t`` when ``pts[i] <= t < pts[i] + duration[i]`` (torchcodec's
  ``get_frames_played_at``). ``t`` outside ``[begin_seconds, end_seconds)`` is an IndexError.
- Frames *played in* ``[start, stop)`` are those whose display interval meets it:
  ``pts[i] + duration[i] > start and pts[i] < stop`` (torchcodec's ``get_frames_played_in_range``).

Times in seconds are compared as float64 values of ``pts * time_base``, as torchcodec compares them.
Timelines are cached per file (path, size and modification time), so asking again costs nothing.
"""

import functools
import math
import numbers
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Sequence

import numpy as np

from .. import _engine


class RangeOutsideVideoError(IndexError, ValueError):
    """A time range outside the video: an IndexError (the package's rule for out-of-range requests,
    docs/design.md "Errors") that is also a ValueError (what torchcodec raises for it)."""


@dataclass(frozen=True, eq=False)
class Timeline:
    """One file's video stream as the engine indexed it. Arrays are read-only."""

    path: str
    params: dict              # the engine's stream parameters (codec, size, colour, time base, ...)
    time_base: Fraction
    pts: np.ndarray           # int64 pts of each frame, by frame id (presentation order)
    durations: np.ndarray     # int64 ticks each frame is shown (next pts - pts; the last: base_step)
    base_step: float          # the base frame duration in ticks (unrounded)
    decode_frame_ids: np.ndarray  # frame id of each sample in decode order (-1: never shown)
    decode_flags: np.ndarray  # SampleFlag bits of each sample in decode order (1: key)
    decode_sizes: np.ndarray  # payload bytes of each sample in decode order
    frame_gops: np.ndarray    # the GOP (0-based, decode order) of each frame, by frame id
    key: str = ""             # the engine's name for it when not `path` (a bytes / file-like source)

    @property
    def num_frames(self) -> int:
        return int(len(self.pts))

    @property
    def pts_seconds(self) -> np.ndarray:
        return _seconds(self.pts, self.time_base)

    @property
    def duration_seconds(self) -> np.ndarray:
        return _seconds(self.durations, self.time_base)

    @property
    def end_pts(self) -> int:
        """The end of the last frame, in ticks."""
        return int(self.pts[-1] + self.durations[-1])

    @property
    def begin_seconds(self) -> float:
        return float(_seconds(self.pts[:1], self.time_base)[0])

    @property
    def end_seconds(self) -> float:
        return float(_seconds(np.array([self.end_pts]), self.time_base)[0])

    def frames_played_at(self, seconds: Sequence[Any]) -> np.ndarray:
        """The frame id played at each time (the frame whose display interval holds it)."""
        t = _times(seconds, "seconds")
        begin, end = self.begin_seconds, self.end_seconds
        bad = [float(x) for x in t if not begin <= x < end]
        if bad:
            raise IndexError(f"{bad[0]} s is outside the video's frames of '{self.path}': "
                             f"times must be in [{begin}, {end}) s")
        return np.searchsorted(self.pts_seconds, t, side="right").astype(np.int64) - 1

    def frames_played_in_range(self, start_seconds: Any, stop_seconds: Any) -> np.ndarray:
        """The frame ids whose display interval meets ``[start_seconds, stop_seconds)``, in order."""
        start, stop = (float(v) for v in _times([start_seconds, stop_seconds], "start_seconds/stop_seconds"))
        if start > stop:
            raise ValueError(f"start_seconds={start} is after stop_seconds={stop}")
        begin, end = self.begin_seconds, self.end_seconds
        if not begin <= start < end and start != stop:
            raise RangeOutsideVideoError(f"start_seconds={start} is outside the video's frames of '{self.path}': "
                             f"it must be in [{begin}, {end}) s")
        if stop > end:
            raise RangeOutsideVideoError(f"stop_seconds={stop} is past the end of '{self.path}' ({end} s)")
        if start == stop:
            return np.zeros(0, np.int64)
        ends = _seconds(self.pts + self.durations, self.time_base)
        first = int(np.searchsorted(ends, start, side="right"))  # the first frame ending after start
        last = int(np.searchsorted(self.pts_seconds, stop, side="left"))  # the first starting at stop or later
        return np.arange(first, last, dtype=np.int64)


def _seconds(ticks: np.ndarray, time_base: Fraction) -> np.ndarray:
    # One multiplication by an integer and one division: the correctly rounded value of pts * tb for
    # every pts below 2**53, so equal pts give equal seconds wherever they are computed.
    return (np.asarray(ticks, np.int64).astype(np.float64) * time_base.numerator) / time_base.denominator


def _times(values: Any, name: str) -> np.ndarray:
    """Seconds as a float64 array: one number or a sequence of numbers (bools refused)."""
    if isinstance(values, (numbers.Real, np.generic)):
        values = [values]
    if isinstance(values, (str, bytes)):
        raise TypeError(f"{name} must be numbers of seconds, got {values!r}")
    try:
        out = np.asarray([check_finite(v, name) for v in values], np.float64)
    except TypeError:
        raise TypeError(f"{name} must be a number or a sequence of numbers of seconds, got {values!r}") from None
    return out


def base_step(pts: np.ndarray, already_sorted: bool = False) -> float:
    """The base frame duration in ticks: the mean of the pts steps near the smallest one (1 when
    there is one frame)."""
    pts = pts if already_sorted else np.sort(pts)
    steps = pts[1:] - pts[:-1]
    steps = steps[steps > 0]
    if not len(steps):
        return 1.0
    near = steps[steps <= 1.5 * steps.min()]
    return float(near.sum()) / len(near)


def timeline(path: str) -> Timeline:
    """The Timeline of a file (FileNotFoundError / ValueError as the engine raises them), cached by
    the file's identity and modification time."""
    st = os.stat(path)
    return _cached(os.path.abspath(path), st.st_size, st.st_mtime_ns, path)


@functools.lru_cache(maxsize=256)
def _cached(abspath: str, size: int, mtime_ns: int, path: str) -> Timeline:
    return timeline_of(path, path)


def timeline_of(key: str, label: str) -> Timeline:
    """The Timeline of what the engine reads under ``key`` (a path, or a registered source's name),
    named ``label`` in messages and in the Packets made from it; not cached."""
    report = _engine._index_report(key)
    shown = report["frame_id"] >= 0
    pts = np.empty(int(shown.sum()), np.int64)
    pts[report["frame_id"][shown]] = report["pts"][shown]
    step = base_step(pts, already_sorted=True)  # frame ids are pts order
    durations = np.empty_like(pts)
    durations[:-1] = np.diff(pts)
    durations[-1] = max(1, round(step))
    num, den = report["params"]["time_base"]
    gop_of_sample = np.maximum(np.cumsum((report["flags"] & 1) != 0) - 1, 0)
    frame_gops = np.empty_like(pts)
    frame_gops[report["frame_id"][shown]] = gop_of_sample[shown]
    arrays = [pts, durations, report["frame_id"], report["flags"], report["size"], frame_gops]
    for a in arrays:
        a.setflags(write=False)
    return Timeline(label, dict(report["params"]), Fraction(num, den), pts, durations, step, *arrays[2:],
                    key="" if key == label else key)


def check_finite(value: Any, name: str) -> float:
    """A number of seconds, as a float (TypeError / ValueError naming ``name``)."""
    # Real numbers, NumPy scalars and anything else that converts itself (a 0-d torch tensor); not
    # bools, strings or complex numbers.
    if isinstance(value, (bool, np.bool_, str, bytes, complex)) or not hasattr(value, "__float__"):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}")
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number of seconds, got {value!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value
