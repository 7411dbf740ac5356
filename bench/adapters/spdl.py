"""SPDL (PyPI ``spdl`` 0.8, with ``spdl_core`` and ``spdl_io``): ``spdl.io``'s demux / decode /
convert calls. The wheel carries bindings for FFmpeg 4 to 8 and loads the one whose libraries the
system has (FFmpeg 5.1 on Debian 12: ``libspdl_ffmpeg5``), so it decodes with the same libavcodec as
odvd's CPU backend.

Times come from the harness's index (pts x time base, constant frame rate), as a user with the
frame table would have them; ``w`` is half a frame's duration.

- A: one ``spdl.io.Demuxer`` kept open per file (``prepare``); per camera
  ``demuxer.demux_video((t_k, t_k + w))`` (spdl seeks to the key frame before the window), then
  ``decode_packets(packets, filter_desc=get_filter_desc(packets))`` (decode, trim to the window,
  convert to rgb24), ``convert_frames`` and ``to_numpy``.
- B (consecutive frames): the same with the window ``(t_first, t_last + w)``: one demux, one decode.
- D (sparse sorted frames): ``demux_video((0, t_last + w))`` and
  ``sample_decode_video(packets, ids)``, which splits the packets at key frames and decodes only the
  GOPs that hold targets, up to the last target of each.
- C: a new ``Demuxer`` and ``Decoder(demuxer.video_codec)``; ``streaming_demux`` one GOP of packets
  at a time, ``decoder.streaming_decode_packets``, ``convert_frames`` per batch, then ``flush``.
- E: a new ``Demuxer`` and ``Decoder`` (``set_buffer_size(1)``: each frame handed out as soon as it
  is decoded), packets streamed one at a time until the first frame comes out.
- Observed: ``sample_decode_video`` passes every frame it decodes through the rgb24 filter, not only
  the targets (``_decode_partial`` decodes with ``num_frames=max(idx)+1`` and picks), so in D every
  frame from a GOP's key frame to its last target is converted to RGB.

Options: ``threads`` (``decode_config(decoder_options={"threads": N})``; spdl's own default is 1;
the adapter's default is 0, FFmpeg's automatic count, frame + slice threads).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from .base import Adapter, ClipInfo


class SpdlAdapter(Adapter):
    name = "spdl"

    def __init__(self, threads: str = "0", **options: str):
        super().__init__(**options)
        import spdl.io  # imported here so the registry imports without spdl installed

        self._io = spdl.io
        self.threads = int(threads)
        self._config = spdl.io.decode_config(decoder_options={"threads": str(self.threads)})
        self._demuxers: Dict[str, Any] = {}
        self._times: Dict[str, List[float]] = {}
        self._half: Dict[str, float] = {}

    def label(self) -> str:
        return self.name + (f":threads={self.threads}" if self.threads else "")

    def versions(self) -> Dict[str, Any]:
        from importlib.metadata import version

        out = {}
        for dist in ("spdl", "spdl_core", "spdl_io"):
            try:
                out[dist] = version(dist)
            except Exception:  # noqa: BLE001
                out[dist] = None
        import sys

        out["ffmpeg_binding"] = sorted(m.rsplit(".", 1)[-1] for m in sys.modules if "_spdl_ffmpeg" in m)
        out["threads"] = self.threads if self.threads else "0 (automatic)"
        return out

    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path not in self._demuxers:
                self._demuxers[clip.path] = self._io.Demuxer(clip.path)
                self._times[clip.path] = [p * clip.time_base for p in clip.pts]
                step = (clip.pts[-1] - clip.pts[0]) / max(1, clip.num_frames - 1)
                self._half[clip.path] = 0.5 * step * clip.time_base

    def close(self) -> None:
        self._demuxers.clear()

    def _window(self, path: str, first: int, last: int) -> np.ndarray:
        """Frames first..last (consecutive) as one (N, H, W, 3) array."""
        io, times, half = self._io, self._times[path], self._half[path]
        packets = self._demuxers[path].demux_video((times[first], times[last] + half))
        frames = io.decode_packets(packets, filter_desc=io.get_filter_desc(packets), decode_config=self._config)
        return io.to_numpy(io.convert_frames(frames))

    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[np.ndarray]:
        return [self._window(path, fid, fid)[0] for path, fid in zip(paths, frame_ids)]

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> Any:
        ids = list(frame_ids)
        if ids == list(range(ids[0], ids[0] + len(ids))):
            return self._window(path, ids[0], ids[-1])
        io = self._io
        packets = self._demuxers[path].demux_video((0, self._times[path][ids[-1]] + self._half[path]))
        frames = io.sample_decode_video(packets, ids, decode_config=self._config)
        return [io.to_numpy(io.convert_frames(f)) for f in frames]

    def _stream(self, path: str, num_packets: int, buffer_size: int = 0):
        """Batches of RGB frames (N, H, W, 3) of a new Demuxer + Decoder, in presentation order."""
        io = self._io
        demuxer = io.Demuxer(path)
        decoder = io.Decoder(demuxer.video_codec, decode_config=self._config)
        if buffer_size:
            decoder.set_buffer_size(buffer_size)
        for packets in demuxer.streaming_demux(demuxer.video_stream_index, num_packets=num_packets):
            for frames in decoder.streaming_decode_packets(packets):
                yield io.to_numpy(io.convert_frames(frames))
        for frames in decoder.flush():
            yield io.to_numpy(io.convert_frames(frames))

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        n = 0
        for batch in self._stream(path, gop_len):
            if sink is not None:
                for i, frame in enumerate(batch):
                    sink(n + i, frame)
            n += len(batch)
        return n

    def open_first_frame(self, path: str) -> np.ndarray:
        for batch in self._stream(path, 1, buffer_size=1):
            if len(batch):
                return batch[0]
        raise AssertionError(f"spdl: {path} has no frame")
