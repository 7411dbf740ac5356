"""Frames by time and by index in one call, with torchcodec's names and rules (docs/access-by-time.md):

- ``get_frames_played_at(source, seconds)``: for each time t, the frame whose display interval holds
  it, ``pts <= t < pts + duration``; t outside ``[begin_stream_seconds, end_stream_seconds)`` is an
  IndexError naming the valid range.
- ``get_frames_played_in_range(source, start_seconds, stop_seconds)``: every frame whose display
  interval meets the half-open range, ``pts + duration > start and pts < stop``; ``start == stop``
  gives no frames; ``start > stop`` is a ValueError; a start outside the video or a stop past its end
  is an IndexError.
- ``get_frames_at(source, frame_ids)``: frames by index (presentation order).

Each returns a Batch (docs/access-staged.md) with ``pts_seconds`` and ``duration_seconds`` per frame,
made by the staged functions: ``convert(decode(demux(...)))``, so the bytes are the staged API's and
the seed API's. Output options as ``convert``'s; ``device`` as ``decode``'s.
"""

from typing import Any, Sequence

from ..common._devices import CPU
from ..sources._sources import source_timeline
from ..sources._timeline import Timeline
from ._stages import _engine_for, convert, decode, demux, packets_of
from ._types import Batch


def _batch(t: Timeline, ids: Sequence[int], device: Any, options: dict) -> Batch:
    frames = decode(packets_of(t, list(ids)), device=device)
    if len(frames) == 0 and options.get("size") is None:
        options = dict(options, size=(int(t.params["height"]), int(t.params["width"])))
    return convert(frames, **options)


def get_frames_played_at(source: Any, seconds: Any, *, device: Any = "cpu", **options: Any) -> Batch:
    """The frames shown at each of ``seconds`` (one number or a sequence), in that order.

    >>> batch = get_frames_played_at("cam0.mp4", [0.0, 1.25])  # doctest: +SKIP
    >>> batch.pts_seconds, batch.duration_seconds  # doctest: +SKIP
    (array([0. , 1.2]), array([0.1, 0.1]))
    """
    with source_timeline(source, (_engine_for(CPU),)) as t:
        return _batch(t, t.frames_played_at(seconds).tolist(), device, options)


def get_frames_played_in_range(source: Any, start_seconds: Any, stop_seconds: Any, *, device: Any = "cpu",
                               **options: Any) -> Batch:
    """The frames shown during ``[start_seconds, stop_seconds)``, in presentation order."""
    with source_timeline(source, (_engine_for(CPU),)) as t:
        return _batch(t, t.frames_played_in_range(start_seconds, stop_seconds).tolist(), device, options)


def get_frames_at(source: Any, frame_ids: Sequence[int], *, device: Any = "cpu", **options: Any) -> Batch:
    """The frames ``frame_ids`` (presentation order), in that order, as one Batch."""
    return convert(decode(demux(source, frame_ids), device=device), **options)
