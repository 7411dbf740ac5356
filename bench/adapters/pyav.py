"""PyAV (FFmpeg's libavformat/libavcodec/libswscale through Python bindings).

Random access is the usual PyAV recipe: one container kept open per file, ``container.seek(pts,
backward=True, any_frame=False, stream=...)`` to the keyframe at or before the target, then decode
until the frame whose pts is the target's, converted with ``frame.to_ndarray(format="rgb24")``.
The frame_id -> pts table comes from one demux of each file in ``prepare`` (untimed), as a PyAV
user would cache it; the decode loop raises if it passes the target pts without meeting it.

GOP extraction ("fresh"): ``av.open`` + seek + demux of the GOP's packets (from the keyframe up to,
not including, the next keyframe), ``bytes(packet)`` concatenated, container closed. With no index
at hand the target pts is computed from the stream's frame rate (constant-frame-rate clips); the
check compares the bytes with the clip's index (``prepare`` must have seen the clip for the check).

Workloads (workloads.py): B and D use ``decode_frames``, one seek per GOP that holds targets, then
decode forward through that GOP's targets; C decodes the whole file as the sequential rate does; E
is ``av.open`` + the first decoded frame + ``to_ndarray`` + close.

Options: ``thread_type`` (SLICE, FRAME, AUTO; PyAV's default is SLICE, which for single-slice
HEVC/H.264 means one decoding thread) and ``thread_count`` (0 = FFmpeg's choice).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from .base import Adapter, ClipInfo, GopInfo


class PyAVAdapter(Adapter):
    name = "pyav"

    def __init__(self, thread_type: str = "", thread_count: str = "", **options: str):
        super().__init__(**options)
        import av  # imported here so the registry imports without PyAV installed

        self._av = av
        self.thread_type = thread_type.upper()
        self.thread_count = int(thread_count) if thread_count != "" else None
        if self.thread_type and self.thread_type not in ("SLICE", "FRAME", "AUTO", "NONE"):
            raise ValueError(f"pyav: thread_type={thread_type!r}; expected SLICE, FRAME, AUTO or NONE")
        self._containers: Dict[str, Any] = {}
        self._pts: Dict[str, List[int]] = {}
        self._ids: Dict[str, Dict[int, int]] = {}  # pts -> frame_id, for the checks
        self._gop_first: Dict[str, List[int]] = {}  # frame_id -> first frame_id of its GOP

    def label(self) -> str:
        opts = []
        if self.thread_type:
            opts.append(f"thread_type={self.thread_type}")
        if self.thread_count is not None:
            opts.append(f"thread_count={self.thread_count}")
        return self.name + (":" + ",".join(opts) if opts else "")

    def versions(self) -> Dict[str, Any]:
        av = self._av
        return {
            "av": av.__version__,
            "ffmpeg": getattr(av, "ffmpeg_version_info", None),
            "libraries": {k: ".".join(map(str, v)) for k, v in av.library_versions.items()},
            "thread_type": self.thread_type or "default (SLICE)",
            "thread_count": self.thread_count if self.thread_count is not None else "default (0 = auto)",
        }

    def _configure(self, stream) -> None:
        if self.thread_type:
            stream.codec_context.thread_type = self.thread_type
        if self.thread_count is not None:
            stream.codec_context.thread_count = self.thread_count

    def _open(self, path: str):
        container = self._av.open(path)
        stream = container.streams.video[0]
        self._configure(stream)
        return container, stream

    # -- life cycle --------------------------------------------------------------------------
    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path not in self._containers:
                self._containers[clip.path] = self._open(clip.path)
                self._pts[clip.path] = list(clip.pts)
                self._ids[clip.path] = {p: i for i, p in enumerate(clip.pts)}
                first = [0] * clip.num_frames
                for gop_first, length, _ in clip.gops:
                    first[gop_first:gop_first + length] = [gop_first] * length
                self._gop_first[clip.path] = first

    def close(self) -> None:
        for container, _ in self._containers.values():
            container.close()
        self._containers.clear()

    # -- random access -----------------------------------------------------------------------
    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        out = []
        for path, fid in zip(paths, frame_ids):
            container, stream = self._containers[path]
            target = self._pts[path][fid]
            container.seek(target, backward=True, any_frame=False, stream=stream)
            out.append(_decode_to(container.decode(stream), target, path, fid))
        return out

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> List[np.ndarray]:
        """Sorted targets of one file: one seek per GOP holding targets, then decode forward
        through that GOP's targets (the GOPs come from the harness's index, as the pts do)."""
        container, stream = self._containers[path]
        pts, gop_first = self._pts[path], self._gop_first[path]
        out, frames, gop = [], None, None
        for fid in frame_ids:
            target = pts[fid]
            if frames is None or gop_first[fid] != gop:
                container.seek(target, backward=True, any_frame=False, stream=stream)
                frames, gop = container.decode(stream), gop_first[fid]
            out.append(_decode_to(frames, target, path, fid))
        return out

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        return self._sequential(path, rgb=True, sink=sink)

    def open_first_frame(self, path: str) -> np.ndarray:
        container, stream = self._open(path)
        try:
            for frame in container.decode(stream):
                return frame.to_ndarray(format="rgb24")
            raise AssertionError(f"pyav: {path} has no frame")
        finally:
            container.close()

    def decode_sequential(self, path: str, num_frames: int, gop_len: int) -> int:
        return self._sequential(path, rgb=True)

    def decode_sequential_native(self, path: str, num_frames: int, gop_len: int) -> int:
        return self._sequential(path, rgb=False)

    def _sequential(self, path: str, rgb: bool, sink=None) -> int:
        container, stream = self._open(path)
        try:
            n = 0
            for frame in container.decode(stream):
                if rgb:
                    array = frame.to_ndarray(format="rgb24")
                    if sink is not None:
                        sink(n, array)
                n += 1
            return n
        finally:
            container.close()

    # -- GOP extraction ----------------------------------------------------------------------
    def _demux_gop(self, path: str, container, stream, target_pts: int):
        container.seek(target_pts, backward=True, any_frame=False, stream=stream)
        chunks, pts = [], []
        for packet in container.demux(stream):
            if packet.size == 0:  # the empty packet PyAV yields at end of file
                break
            if packet.is_keyframe and chunks:
                break
            chunks.append(bytes(packet))
            pts.append(packet.pts)
        return path, b"".join(chunks), pts

    def gop_fresh(self, path: str, frame_id: int):
        with self._av.open(path) as container:
            stream = container.streams.video[0]
            # No index yet: constant frame rate gives the target pts.
            start = stream.start_time or 0
            target = start + round(frame_id / (stream.average_rate * stream.time_base))
            return self._demux_gop(path, container, stream, target)

    def gop_warm(self, path: str, frame_id: int):
        container, stream = self._containers[path]
        return self._demux_gop(path, container, stream, self._pts[path][frame_id])

    def gop_info(self, result) -> GopInfo:
        path, data, pts = result
        first = self._ids[path].get(min(pts), -1) if pts else -1
        return GopInfo(first_frame_id=first, gop_len=len(pts), nbytes=len(data), data=data)


def _decode_to(frames, target: int, path: str, fid: int) -> np.ndarray:
    """RGB of the frame with pts ``target``, decoding forward through ``frames`` (an iterator left
    just after it); AssertionError when the decoder passes the pts or ends before it."""
    for frame in frames:
        if frame.pts < target:
            continue
        if frame.pts != target:
            raise AssertionError(f"pyav: {path} frame {fid}: passed pts {target}, got {frame.pts}")
        return frame.to_ndarray(format="rgb24")
    raise AssertionError(f"pyav: {path} frame {fid} (pts {target}) not reached")

