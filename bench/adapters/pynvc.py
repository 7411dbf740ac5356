"""PyNvVideoCodec 2.x (NVIDIA's Python bindings over the Video Codec SDK), the NVDEC peer.

Two adapters, one per random-access method the library offers; the benchmark runs both and
PyNvVideoCodec's figure is the faster of them.

``pynvvideocodec``: ``SimpleDecoder``, the class PyNvVideoCodec documents for random access
("random access to video frames with indexing, slicing, and batch operations"). One decoder per
clip, made in ``prepare`` with ``gpu_id``, ``use_device_memory=True`` and
``output_color_type=OutputColorType.RGB`` (interleaved RGB, (H, W, 3) uint8 on the device: the
output of our ``DecodeN12ToRGB``). A request is ``get_batch_frames_by_index([frame_id])`` on that
clip's decoder; the library seeks to the GOP's key frame when the target lies in another GOP than
its previous target, then decodes forward. Sequential: a second ``SimpleDecoder`` per clip (made in
``prepare``, so the random-access decoders keep their state), ``seek_to_index(0)`` then
``get_batch_frames(gop_len)`` until the clip ends.

``pynvvideocodec-seek``: the low-level API. Per clip a ``CreateDemuxer(filename=path)`` and a
``CreateDecoder(gpuid, codec=demuxer.GetNvCodecId(), usedevicememory=True,
outputColorType=OutputColorType.RGB)``, made in ``prepare``. A request seeks the demuxer to the key
frame of the target's GOP (``demuxer.Seek(key_frame_index)``, which returns that packet), decodes
it and then ``demuxer.Demux()`` packets up to the target's, and flushes the decoder with an empty
``PacketData()``. The clips have no B-frames, so the target is the last of the ``k - key + 1``
frames out (checked). Key frame positions come from the harness's index, built before timing, as
any user of this API must build one. Sequential: a new demuxer (cheap: opens the file) iterated to
its end, every packet through the clip's decoder, one more empty packet to flush. The decode-only
limit (``decode_sequential_native``) uses a second decoder per clip with ``OutputColorType.NATIVE``
(NV12).

Both adapters:

- every timed call ends with ``torch.cuda.synchronize`` (the library converts to RGB on a CUDA
  stream: the frames are complete when the clock stops), as the ``odvd`` adapter does on a GPU;
- frames are returned as PyNvVideoCodec's ``DecodedFrame`` (DLPack, zero copy), not converted: the
  checks call ``torch.from_dlpack`` outside the timed region. A returned frame lives in the
  decoder's own buffers and stays valid only until the next call on that decoder; ``clone=1``
  copies each frame into a PyTorch tensor inside the timed call (frames then owned by the caller,
  as ours are), to show what that costs;
- ``threads=N`` (default 1: the six cameras one after the other in the calling thread) decodes the
  cameras as tasks of a pool of N threads (PyNvVideoCodec releases the GIL while decoding; its own
  frame-sampling benchmark uses one thread per decoder to keep several NVDECs busy);
- ``stream=1`` gives each decoder its own CUDA stream (a ``torch.cuda.Stream``) instead of the
  library's default (``cuda_stream=0``);
- the checks compare each frame's ``timestamp`` with the target's pts (raw, or in milliseconds:
  the unit PyNvVideoCodec uses depends on its demuxer's time scale; see ``_timestamp_matches``).

Options: ``gpu`` (0), ``threads`` (1), ``clone`` (0), ``stream`` (0); ``pynvvideocodec`` also
``scan`` (0: ``need_scanned_stream_metadata``; with 1 the library scans each file for key frames).

Imported lazily: the registry loads without PyNvVideoCodec, and an adapter that cannot import it
or find a CUDA GPU raises RuntimeError, which the scripts report as "skipped" with the reason.
"""

from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Sequence

import numpy as np

from . import _cuda
from .base import Adapter, ClipInfo


def _import_pynvvideocodec():
    try:
        import PyNvVideoCodec as nvc
    except Exception as e:  # ImportError, or RuntimeError/OSError from its driver probe
        raise RuntimeError(f"PyNvVideoCodec is not usable here: {type(e).__name__}: {e}") from None
    return nvc


def _flag(value: str, name: str) -> bool:
    if value not in ("0", "1"):
        raise ValueError(f"{name}={value!r}: expected 0 or 1")
    return value == "1"


def _timestamp_matches(ts: int, clip: ClipInfo, frame_id: int) -> bool:
    """Whether a decoded frame's ``timestamp`` is the pts of ``frame_id``.

    PyNvVideoCodec passes the demuxer's pts through the decoder; its FFmpeg demuxer rescales pts to
    a time scale (1000 Hz in the sources read, i.e. milliseconds, truncated) or keeps the stream's
    own units. Both are accepted (ms within 1, for a possible start-time offset also relative to
    frame 0); at 30 fps frames are 33 ms apart, so no other frame can match.
    """
    pts = clip.pts[frame_id]
    ms = pts * clip.time_base * 1000.0
    ms_from_start = (pts - clip.pts[0]) * clip.time_base * 1000.0
    return ts == pts or abs(ts - ms) <= 1.0 or abs(ts - ms_from_start) <= 1.0


class _PyNvcAdapter(Adapter):
    """What both PyNvVideoCodec adapters share: options, import, pool, sync, checks."""

    def __init__(self, gpu: str = "0", threads: str = "1", clone: str = "0", stream: str = "0", **options: str):
        super().__init__(**options)
        self.gpu = int(gpu)
        self.threads = int(threads)
        self.clone = _flag(clone, "clone")
        self.own_stream = _flag(stream, "stream")
        if self.threads < 1:
            raise ValueError(f"{self.name}: threads={threads}; expected >= 1")
        self._nvc = _import_pynvvideocodec()
        self._torch = _cuda.cuda_torch(self.gpu, self.name)
        self._pool = None
        self._streams: Dict[str, Any] = {}
        self._clips: Dict[str, ClipInfo] = {}

    def label(self) -> str:
        opts = [f"gpu={self.gpu}"]
        if self.threads != 1:
            opts.append(f"threads={self.threads}")
        if self.clone:
            opts.append("clone=1")
        if self.own_stream:
            opts.append("stream=1")
        return f"{self.name}:" + ",".join(opts)

    def versions(self) -> Dict[str, Any]:
        nvc, torch = self._nvc, self._torch
        return {
            "PyNvVideoCodec": getattr(nvc, "__version__", None),
            "module": getattr(nvc, "__file__", None),
            "cuda_version": str(getattr(nvc, "__cuda_version__", None)),
            "video_codec_sdk_version": str(getattr(nvc, "__video_codec_sdk_version__", None)),
            "torch": torch.__version__,
            "gpu": torch.cuda.get_device_name(self.gpu),
            "threads": self.threads,
            "clone": self.clone,
            "own_cuda_stream": self.own_stream,
        }

    # -- life cycle --------------------------------------------------------------------------
    def _stream_handle(self, path: str) -> int:
        """``0`` (the library's default stream), or the handle of this clip's own stream."""
        if not self.own_stream:
            return 0
        if path not in self._streams:
            self._streams[path] = self._torch.cuda.Stream(device=self.gpu)
        return self._streams[path].cuda_stream

    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        for clip in clips:
            if clip.path not in self._clips:
                try:
                    self._open(clip)
                except Exception as e:  # the library's own exception types: report, do not crash the run
                    raise RuntimeError(f"{self.name}: opening {clip.path} failed: {type(e).__name__}: {e}") from e
                self._clips[clip.path] = clip
        if self.threads > 1 and self._pool is None:
            self._pool = ThreadPoolExecutor(max_workers=self.threads, thread_name_prefix=self.name)

    def _open(self, clip: ClipInfo) -> None:
        raise NotImplementedError

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        self._close()
        self._synchronize()
        self._streams.clear()
        self._clips.clear()

    def _close(self) -> None:
        raise NotImplementedError

    def _synchronize(self) -> None:
        _cuda.synchronize(self._torch, self.gpu)

    # -- random access -----------------------------------------------------------------------
    def _decode_one(self, path: str, frame_id: int) -> Any:
        """One RGB device frame of one clip (a DecodedFrame), in the calling thread."""
        raise NotImplementedError

    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> List[Any]:
        if self._pool is not None and len(set(paths)) == len(paths):  # one task per decoder at a time
            frames = list(self._pool.map(self._decode_one, paths, frame_ids))
        else:
            frames = [self._decode_one(p, k) for p, k in zip(paths, frame_ids)]
        if self.clone:
            frames = [self._torch.from_dlpack(f).clone() for f in frames]
        self._synchronize()
        return frames

    def to_arrays(self, result: Any) -> List[np.ndarray]:
        torch = self._torch
        return [f.cpu().numpy() if isinstance(f, torch.Tensor) else _cuda.device_frame_to_host(torch, f)
                for f in result]

    def check_decode_rgb(self, result: Any, clips: Sequence[ClipInfo], frame_ids: Sequence[int]) -> None:
        super().check_decode_rgb(result, clips, frame_ids)
        if self.clone:
            return  # tensors carry no timestamp; the uncloned runs check the frames' identity
        for frame, clip, fid in zip(result, clips, frame_ids):
            ts = frame.timestamp
            assert _timestamp_matches(ts, clip, fid), (
                f"{self.name}: {clip.path} frame {fid}: timestamp {ts}, expected pts {clip.pts[fid]} "
                f"(time base {clip.time_base}) = {clip.pts[fid] * clip.time_base * 1000:.1f} ms"
            )


class PyNvcSimpleAdapter(_PyNvcAdapter):
    name = "pynvvideocodec"

    def __init__(self, scan: str = "0", **options: str):
        super().__init__(**options)
        self.scan = _flag(scan, "scan")
        self._random: Dict[str, Any] = {}
        self._seq: Dict[str, Any] = {}

    def label(self) -> str:
        return super().label() + (",scan=1" if self.scan else "")

    def versions(self) -> Dict[str, Any]:
        return {**super().versions(), "method": "SimpleDecoder.get_batch_frames_by_index([k]), RGB on device",
                "need_scanned_stream_metadata": self.scan}

    def _new_decoder(self, path: str):
        nvc = self._nvc
        return nvc.SimpleDecoder(path, gpu_id=self.gpu, cuda_stream=self._stream_handle(path),
                                 use_device_memory=True, need_scanned_stream_metadata=self.scan,
                                 output_color_type=nvc.OutputColorType.RGB)

    def _open(self, clip: ClipInfo) -> None:
        self._random[clip.path] = self._new_decoder(clip.path)
        self._seq[clip.path] = self._new_decoder(clip.path)
        n = len(self._random[clip.path])
        if n != clip.num_frames:
            raise RuntimeError(f"{self.name}: SimpleDecoder counts {n} frames in {clip.path}, the index {clip.num_frames}")

    def _close(self) -> None:
        self._random.clear()
        self._seq.clear()

    def _decode_one(self, path: str, frame_id: int) -> Any:
        return self._random[path].get_batch_frames_by_index([frame_id])[0]

    def decode_sequential(self, path: str, num_frames: int, gop_len: int) -> int:
        dec = self._seq[path]
        dec.seek_to_index(0)
        n = 0
        while n < num_frames:
            batch = dec.get_batch_frames(min(gop_len, num_frames - n))
            if not batch:
                break
            n += len(batch)
        self._synchronize()
        return n


class PyNvcSeekAdapter(_PyNvcAdapter):
    name = "pynvvideocodec-seek"

    def __init__(self, **options: str):
        super().__init__(**options)
        self._state: Dict[str, tuple] = {}  # path -> (demuxer, rgb decoder, key frame id per frame id)
        self._native: Dict[str, Any] = {}

    def versions(self) -> Dict[str, Any]:
        return {**super().versions(),
                "method": "CreateDemuxer + CreateDecoder(RGB): Seek(key frame), Demux/Decode to the target, flush"}

    def _new_decoder(self, path: str, codec, color):
        return self._nvc.CreateDecoder(gpuid=self.gpu, codec=codec, cudastream=self._stream_handle(path),
                                       usedevicememory=True, outputColorType=color)

    def _open(self, clip: ClipInfo) -> None:
        nvc = self._nvc
        dmx = nvc.CreateDemuxer(filename=clip.path)
        codec = dmx.GetNvCodecId()
        key_of = [0] * clip.num_frames
        for first, length, _ in clip.gops:
            key_of[first:first + length] = [first] * length
        self._state[clip.path] = (dmx, self._new_decoder(clip.path, codec, nvc.OutputColorType.RGB), key_of)
        self._native[clip.path] = self._new_decoder(clip.path, codec, nvc.OutputColorType.NATIVE)

    def _close(self) -> None:
        self._state.clear()
        self._native.clear()

    def _decode_one(self, path: str, frame_id: int) -> Any:
        dmx, dec, key_of = self._state[path]
        key = key_of[frame_id]
        out = list(dec.Decode(dmx.Seek(key)))
        for _ in range(frame_id - key):
            out += dec.Decode(dmx.Demux())
        out += dec.Decode(self._nvc.PacketData())  # end of stream: the decoder gives what it holds
        if len(out) != frame_id - key + 1:
            raise AssertionError(f"{self.name}: {path} frame {frame_id}: {len(out)} frames out of the decoder "
                                 f"from key frame {key}, expected {frame_id - key + 1}")
        return out[-1]

    def _sequential(self, path: str, dec) -> int:
        dmx = self._nvc.CreateDemuxer(filename=path)
        n, last_size = 0, None
        for packet in dmx:  # the last packet is normally the empty one that marks the end of the stream
            n += len(dec.Decode(packet))
            last_size = packet.bsl
        if last_size != 0:  # the iterator stopped before the empty packet: flush the decoder
            n += len(dec.Decode(self._nvc.PacketData()))
        self._synchronize()
        return n

    def decode_sequential(self, path: str, num_frames: int, gop_len: int) -> int:
        return self._sequential(path, self._state[path][1])

    def decode_sequential_native(self, path: str, num_frames: int, gop_len: int) -> int:
        return self._sequential(path, self._native[path])
