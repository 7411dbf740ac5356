"""This project: ``on_demand_video_decoder.PyNvGopDecoder``.

Default ``iGpu=-1``: the CPU backend (libavcodec). ``odvd:iGpu=0`` selects the NVDEC backend of GPU 0
(frames then stay on the device: the timed call does not copy them to the host, as for any GPU
library; the checks do, untimed). On a GPU every timed call ends with ``torch.cuda.synchronize``,
so work left queued on a CUDA stream is counted (the same rule as the PyNvVideoCodec adapters; the
GPU runs need PyTorch for it, and the adapter is reported unavailable without it).

- random access: one decoder for the whole run, ``DecodeN12ToRGB(paths, ids)`` per iteration; on
  the CPU backend ``np.asarray`` of each frame is part of the timed call (it is a view, no copy).
- decode-bound limit: ``DecodeN12ToRGB([path] * n, ids of one GOP)`` GOP by GOP, every frame of the
  clip in order (and, for the decode-only limit, ``Decode`` the same way: native NV12, no RGB).
- GOP extraction: ``gop_fresh`` builds a new decoder and calls ``GetGOP([path], [id])`` (open +
  index + extract, decoder construction included); ``gop_warm`` repeats ``GetGOP`` on the decoder
  of ``prepare``, whose warm-up calls have indexed every clip.
- workloads.py: B (8 consecutive frames of 6 cameras) is one ``DecodeN12ToRGB`` call with all 48
  (file, frame_id) pairs, D (16 sorted frames of one file) one call with the 16 ids, C asks for
  consecutive GOPs in calls of as many GOPs as the engine has threads (the thread budget; 2 GOPs of
  30 frames on 2 CPUs), each GOP a run that decodes in parallel with the others, E builds a new ``PyNvGopDecoder(maxfiles=1)`` and calls
  ``DecodeN12ToRGB([path], [0])``.

Options: ``iGpu`` (default -1), ``maxfiles`` (default 6).
"""

from typing import Any, Dict, List, Sequence

import numpy as np

from . import _cuda
from .base import Adapter, ClipInfo, GopInfo


class OdvdAdapter(Adapter):
    name = "odvd"

    def __init__(self, iGpu: str = "-1", maxfiles: str = "6", **options: str):
        super().__init__(**options)
        import on_demand_video_decoder as odvd

        if not hasattr(odvd, "PyNvGopDecoder"):
            raise RuntimeError(
                f"on_demand_video_decoder {odvd.__version__} at {odvd.__file__} has no PyNvGopDecoder yet "
                "(the GOP engine is not built into this installation)"
            )
        self._odvd = odvd
        self.iGpu = int(iGpu)
        self.maxfiles = int(maxfiles)
        self.on_host = self.iGpu == -1  # refined from the decoder's device in prepare
        self._dec = None
        self._torch = None  # set on a GPU: the device synchronisation that ends each timed call
        self._gops_per_call = max(1, int(odvd.build_info()["runtime"]["thread_budget"]))

    def label(self) -> str:
        return f"{self.name}:iGpu={self.iGpu}"

    def versions(self) -> Dict[str, Any]:
        odvd = self._odvd
        info = odvd.build_info()
        return {
            "on_demand_video_decoder": odvd.__version__,
            "module": odvd.__file__,
            "backend": "cpu (libavcodec)" if self.iGpu == -1 else f"nvdec (GPU {self.iGpu})",
            "ffmpeg_release": info["runtime"].get("ffmpeg_release"),
            "libraries": info["runtime"].get("ffmpeg"),
            "devices": info["runtime"].get("devices"),
            "maxfiles": self.maxfiles,
        }

    def _new_decoder(self, maxfiles: int):
        # The benchmark clips say no colour range; the warning (a printed line per new file) is not
        # part of what is measured.
        return self._odvd.PyNvGopDecoder(maxfiles=maxfiles, iGpu=self.iGpu, suppressNoColorRangeWarning=True)

    def prepare(self, clips: Sequence[ClipInfo]) -> None:
        if self._dec is None:
            self._dec = self._new_decoder(max(self.maxfiles, len(clips)))
            self.on_host = getattr(self._dec, "device", "cpu" if self.iGpu == -1 else "cuda") == "cpu"
            if not self.on_host:
                self._torch = _cuda.cuda_torch(max(self.iGpu, 0), "odvd on a GPU")

    def _synchronize(self) -> None:
        if self._torch is not None:
            _cuda.synchronize(self._torch, max(self.iGpu, 0))

    def close(self) -> None:
        self._dec = None

    # -- random access -----------------------------------------------------------------------
    def decode_rgb(self, paths: Sequence[str], frame_ids: Sequence[int]) -> Any:
        frames = self._dec.DecodeN12ToRGB(list(paths), list(frame_ids), as_bgr=False)
        if self.on_host:
            return frames, [np.asarray(f) for f in frames]
        self._synchronize()
        return frames, None

    def to_arrays(self, result: Any) -> List[np.ndarray]:
        frames, arrays = result
        if arrays is not None:
            return arrays
        return [_device_to_host(f) for f in frames]

    def check_decode_rgb(self, result: Any, clips: Sequence[ClipInfo], frame_ids: Sequence[int]) -> None:
        super().check_decode_rgb(result, clips, frame_ids)
        frames, _ = result
        for frame, clip, fid in zip(frames, clips, frame_ids):
            assert frame.frame_id == fid, f"odvd: asked {clip.path} frame {fid}, got frame_id {frame.frame_id}"
            assert frame.pts == clip.pts[fid], (
                f"odvd: {clip.path} frame {fid}: pts {frame.pts}, expected {clip.pts[fid]}"
            )

    def decode_sequential(self, path: str, num_frames: int, gop_len: int) -> int:
        n = 0
        for first in range(0, num_frames, gop_len):
            ids = list(range(first, min(first + gop_len, num_frames)))
            frames = self._dec.DecodeN12ToRGB([path] * len(ids), ids, as_bgr=False)
            if self.on_host:
                for f in frames:
                    np.asarray(f)
            n += len(frames)
            del frames  # give the frames' memory back to the pool before the next GOP
        self._synchronize()
        return n

    def decode_sequential_native(self, path: str, num_frames: int, gop_len: int) -> int:
        n = 0
        for first in range(0, num_frames, gop_len):
            ids = list(range(first, min(first + gop_len, num_frames)))
            frames = self._dec.Decode([path] * len(ids), ids)
            n += len(frames)
            del frames
        self._synchronize()
        return n

    # -- workloads B-E (workloads.py) ---------------------------------------------------------
    def _rgb(self, paths: Sequence[str], ids: Sequence[int]) -> Any:
        frames = self._dec.DecodeN12ToRGB(list(paths), list(ids), as_bgr=False)
        if self.on_host:
            return frames, [np.asarray(f) for f in frames]
        self._synchronize()
        return frames, None

    def decode_frames(self, path: str, frame_ids: Sequence[int]) -> Any:
        return self._rgb([path] * len(frame_ids), frame_ids)

    def decode_groups(self, groups) -> Any:
        """All files' frames in one DecodeN12ToRGB call (the engine decodes the files in parallel)."""
        paths = [path for path, ids in groups for _ in ids]
        return self._rgb(paths, [i for _, ids in groups for i in ids])

    def decode_all_rgb(self, path: str, num_frames: int, gop_len: int, sink=None) -> int:
        """One DecodeN12ToRGB call per group of consecutive GOPs, as many GOPs as the engine has
        threads: each GOP is a run of its own, and the runs of a call decode in parallel."""
        n = 0
        step = gop_len * self._gops_per_call
        for first in range(0, num_frames, step):
            ids = list(range(first, min(first + step, num_frames)))
            frames, arrays = self._rgb([path] * len(ids), ids)
            if sink is not None:
                for i, f in zip(ids, self.to_arrays((frames, arrays))):
                    sink(i, f)
            n += len(frames)
            del frames, arrays  # give the frames' memory back to the pool before the next call
        return n

    def open_first_frame(self, path: str) -> Any:
        """A new PyNvGopDecoder(maxfiles=1) and DecodeN12ToRGB([path], [0]): open, index, decode."""
        dec = self._new_decoder(1)
        frames = dec.DecodeN12ToRGB([path], [0], as_bgr=False)
        if self.on_host:
            return np.asarray(frames[0])
        self._synchronize()
        return _device_to_host(frames[0])

    # -- GOP extraction ----------------------------------------------------------------------
    def gop_fresh(self, path: str, frame_id: int) -> Any:
        dec = self._new_decoder(1)
        return dec.GetGOP([path], [frame_id])

    def gop_warm(self, path: str, frame_id: int) -> Any:
        return self._dec.GetGOP([path], [frame_id])

    def gop_info(self, result: Any) -> GopInfo:
        bundle, first_ids, gop_lens = result
        assert len(first_ids) == 1 and len(gop_lens) == 1, f"odvd: GetGOP of one frame gave {first_ids}, {gop_lens}"
        bundle = np.asarray(bundle)
        assert bundle.dtype == np.uint8 and bundle.ndim == 1, f"odvd: bundle {bundle.dtype} {bundle.shape}"
        return GopInfo(first_frame_id=int(first_ids[0]), gop_len=int(gop_lens[0]), nbytes=int(bundle.nbytes))


def _device_to_host(frame) -> np.ndarray:
    """A GPU frame as a host array, for the untimed checks (``RGBFrame.cpu()``: a host copy)."""
    return np.asarray(frame.cpu())
