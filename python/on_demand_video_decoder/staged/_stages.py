"""The staged API: demux -> decode -> convert, each a plain function, each with an ``async_`` twin
(docs/access-staged.md; spdl.io's pattern: ``demux_video`` / ``decode_packets`` / ``convert_frames``).

- ``demux(source, frame_ids)`` or ``demux(source, time_range=(start, stop))`` -> Packets: the GOPs
  the targets need as one GOP bundle (each GOP once), read from the file; no decoder involved.
- ``decode(packets, device="cpu")`` -> Frames: native frames, decoded from the bundle alone (the
  file is not read), by a decoder kept per thread and device.
- ``convert(frames, size=..., layout=..., dtype=..., mean=..., std=..., bgr=...)`` -> Batch: one
  contiguous block of all frames (one video's or many videos'), through the output options of
  docs/output-options.md.

The ``async_`` variants run the same function on a thread pool shared by the package
(``asyncio``'s ``run_in_executor``); the engine releases the GIL while it demuxes, decodes and
converts, so awaits gathered with ``asyncio.gather`` run at the same time.
"""

import asyncio
import functools
import operator
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, Optional, Sequence, Tuple, Union

import numpy as np

from .. import _engine
from ..common._devices import CPU, parse_device, select_gpu_backend
from ..common._errors import FrameIndexError
from ..common._output import engine_options, normalise
from ..sources._sources import source_timeline
from ..sources._timeline import Timeline
from ._types import Batch, Frames, Packets

_MAX_FILES = 16  # files each thread's engine keeps open
# Engines by (thread ident, device): each thread decodes with its own. A plain dict, not a
# threading.local: at a fork the interpreter frees the thread-local dicts of the threads that did
# not survive, and freeing an engine whose decoders' worker threads are gone hangs (libavcodec waits
# for them). The child keeps the parent's dict, never freed, and starts its own.
_engines: Dict[Tuple[int, int], Any] = {}
_engines_lock = threading.Lock()
_pool: Optional[ThreadPoolExecutor] = None
_pool_lock = threading.Lock()
_inherited: list = []  # a forked child's copies of the parent's pool and engines, never freed


def _after_fork_in_child() -> None:
    # A forked child (a DataLoader worker under fork) inherits the parent's pool object but none of its
    # threads, and the parent's engines, whose decoders' threads did not survive the fork either: the
    # child makes its own on first use, and keeps the inherited ones unfreed.
    global _pool, _engines, _pool_lock, _engines_lock
    _inherited.append((_pool, _engines))
    _pool, _engines, _pool_lock, _engines_lock = None, {}, threading.Lock(), threading.Lock()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _engine_for(device: int) -> "_engine._GopEngine":
    """This thread's engine for ``device`` (-1: the CPU), made on first use. (A thread that ends
    leaves its engine to the next thread given the same ident.)"""
    key = (threading.get_ident(), device)
    with _engines_lock:
        engine = _engines.get(key)
    if engine is None:
        engine = _engine._GopEngine(_MAX_FILES, device=device, gpu_backend=select_gpu_backend(None))
        with _engines_lock:
            engine = _engines.setdefault(key, engine)
    return engine


def _frame_ids(frame_ids: Any) -> list:
    if isinstance(frame_ids, (str, bytes)) or not hasattr(frame_ids, "__iter__"):
        raise TypeError(f"frame_ids must be a sequence of integers, got {frame_ids!r}")
    out = []
    for i in frame_ids:
        if isinstance(i, bool):
            raise TypeError("frame_ids must be integers, not bool")
        try:
            out.append(operator.index(i))
        except TypeError:
            raise TypeError(f"frame_ids must be integers, got {i!r}") from None
    return out


# -- demux ----------------------------------------------------------------------------------------------
def demux(source: Any, frame_ids: Optional[Sequence[int]] = None, *,
          time_range: Optional[Tuple[float, float]] = None) -> Packets:
    """The packets of ``source``'s frames ``frame_ids`` (presentation order, request order kept,
    repeats allowed) or of the frames played in ``time_range=(start_seconds, stop_seconds)``
    (docs/access-by-time.md): one of the two. ``source``: a path (docs/access-sources.md).

    IndexError for a frame id or time outside the video, TypeError / ValueError for bad arguments,
    FileNotFoundError for a missing file.
    """
    if (frame_ids is None) == (time_range is None):
        raise TypeError("demux takes frame_ids or time_range=(start_seconds, stop_seconds), one of the two")
    with source_timeline(source, (_engine_for(CPU),)) as t:
        if time_range is not None:
            if isinstance(time_range, (str, bytes)) or not hasattr(time_range, "__len__") or len(time_range) != 2:
                raise TypeError(f"time_range must be (start_seconds, stop_seconds), got {time_range!r}")
            ids = t.frames_played_in_range(time_range[0], time_range[1]).tolist()
        else:
            ids = _frame_ids(frame_ids)
            bad = [i for i in ids if not 0 <= i < t.num_frames]
            if bad:
                raise FrameIndexError(f"frame_id {bad[0]} is out of range for '{t.path}': valid frame ids are "
                                 f"0..{t.num_frames - 1}")
        return packets_of(t, ids)


def packets_of(t: Timeline, ids: Sequence[int]) -> Packets:
    """Packets of frames ``ids`` (checked) of the file of ``t``: one get_gop target per GOP (its
    smallest id, so an open GOP's leading pictures bring the references they need from the GOP
    before), each GOP in the bundle once."""
    if not ids:
        return Packets(t.path, np.zeros(0, np.uint8), [], [], [], t.time_base)
    per_gop: Dict[int, int] = {}
    for i in ids:
        g = int(t.frame_gops[i])
        per_gop[g] = min(i, per_gop.get(g, i))
    targets = sorted(per_gop.values())
    bundle, _, _ = _engine_for(CPU).get_gop([t.key or t.path] * len(targets), targets)
    return Packets(t.path, bundle, ids, t.pts[ids], t.durations[ids], t.time_base)


# -- decode ---------------------------------------------------------------------------------------------
def decode(packets: Packets, *, device: Any = "cpu") -> Frames:
    """Native frames (NV12 / P016) of ``packets``' targets, in their order, decoded from the bundle
    (the source file is not read) into ``device``'s memory: ``"cpu"`` (libavcodec) or ``"cuda:N"``
    (NVDEC; docs/design.md "Devices")."""
    if not isinstance(packets, Packets):
        raise TypeError(f"decode takes demux's Packets, got {type(packets).__name__}")
    index, name = parse_device(device)
    if len(packets) == 0:
        native = []
    else:
        ids = packets.frame_ids.tolist()
        native = _engine_for(index).decode_bundles([packets.bundle], [packets.source] * len(ids), ids, "native",
                                                   None, True)
    return Frames(native, name, packets.sources, packets.frame_ids, packets.pts_seconds, packets.duration_seconds)


# -- convert --------------------------------------------------------------------------------------------
def convert(frames: Union[Frames, Sequence[Frames]], *, size: Optional[Tuple[int, int]] = None,
            layout: str = "HWC", dtype: Any = "uint8", mean: Any = None, std: Any = None,
            bgr: bool = False, device: Optional[Any] = None, chroma_upsampling: str = "nearest") -> Batch:
    """One contiguous Batch of ``frames`` (decode's result, or a list of them: one per video), with the
    output options of docs/output-options.md: ``size=(height, width)`` (bilinear), ``layout`` "HWC" |
    "CHW", ``dtype`` "uint8" | "float32", ``mean`` / ``std`` (float32), ``bgr``, ``chroma_upsampling``
    "nearest" | "bilinear" (docs/color.md section 8). The batch is made where
    the frames are; ``device="cpu"`` copies a GPU batch to the host. Frames of different sizes need
    ``size``. ValueError when there are no frames to convert from nothing to learn a shape from."""
    joined = frames if isinstance(frames, Frames) else Frames.concat(frames)
    if not isinstance(bgr, (bool, np.bool_)):
        raise TypeError(f"bgr must be a bool, got {type(bgr).__name__}")
    normalised = normalise(size=size, layout=layout, dtype=dtype, mean=mean, std=std, stack=True,
                           chroma_upsampling=chroma_upsampling)
    out_device = joined.device if device is None else parse_device(device)[1]
    if out_device != joined.device and out_device != "cpu":
        raise ValueError(f"frames on {joined.device} cannot be converted into {out_device} memory; "
                         f"decode on {out_device} instead")
    layout_name = "CHW" if normalised[2] else "HWC"
    if len(joined) == 0:
        if size is None:
            raise ValueError("no frames to convert, and no size to make an empty batch of: pass size=(height, width)")
        height, width = normalised[0], normalised[1]
        shape = (0, 3, height, width) if normalised[2] else (0, height, width, 3)
        data = np.empty(shape, np.float32 if normalised[3] else np.uint8)
        return Batch(data, "cpu", [], [], [], [], layout_name, bgr)
    index = CPU if joined.device == "cpu" else int(joined.device.split(":")[1])
    (data,) = _engine_for(index).convert(joined.native, "bgr" if bgr else "rgb", engine_options(normalised))
    batch = Batch(data, joined.device, joined.sources, joined.frame_ids, joined.pts_seconds, joined.duration_seconds,
                  layout_name, bgr)
    return batch.cpu() if out_device == "cpu" else batch


# -- async ----------------------------------------------------------------------------------------------
def executor() -> ThreadPoolExecutor:
    """The thread pool the ``async_`` functions run on (made on first use; ``ODVD_STAGED_THREADS``
    threads, default the number of CPUs + 4, at most 32)."""
    global _pool
    with _pool_lock:
        if _pool is None:
            workers = int(os.environ.get("ODVD_STAGED_THREADS") or min(32, (os.cpu_count() or 1) + 4))
            _pool = ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="odvd-staged")
        return _pool


async def _run(fn: Any, *args: Any, **kwargs: Any) -> Any:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(executor(), functools.partial(fn, *args, **kwargs))


async def async_demux(source: Any, frame_ids: Optional[Sequence[int]] = None, *,
                      time_range: Optional[Tuple[float, float]] = None) -> Packets:
    """``demux`` on the package's thread pool (GIL released while the file is read)."""
    return await _run(demux, source, frame_ids, time_range=time_range)


async def async_decode(packets: Packets, *, device: Any = "cpu") -> Frames:
    """``decode`` on the package's thread pool (GIL released while decoding)."""
    return await _run(decode, packets, device=device)


async def async_convert(frames: Union[Frames, Sequence[Frames]], **options: Any) -> Batch:
    """``convert`` on the package's thread pool (GIL released while converting); options as convert's."""
    return await _run(convert, frames, **options)
