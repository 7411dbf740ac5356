"""The frame checks of workloads.py: every checked frame is compared with PyAV's frame for the same
frame_id, and must be closer to it than to the frames just before and after it.

Libraries convert YUV to RGB with different matrices and chroma filters: for an untagged stream
(these clips carry no colour description) PyAV's ``to_ndarray(format="rgb24")`` (swscale) uses
BT.601, odvd and video-reader-rs use BT.709 for HD sizes, others follow swscale. So the reference for
an adapter is PyAV's decoded frame converted by swscale with whichever of BT.601 and BT.709 is
closer to that adapter's frame (chosen at the first check of each clip, then kept), and a frame
passes when

- its shape is (H, W, 3) uint8,
- its mean absolute difference from the reference frame_id k is at most ``TOLERANCE`` levels
  (measured: 0 for the libraries that use swscale, 0.5-1.0 for odvd and video-reader-rs), and
- it is not a neighbour: for j = k - 1 and k + 1, the difference from the reference (frame - ref_k)
  projected on the change between the two reference frames (ref_j - ref_k), divided by that
  change's energy, is below 0.5. That projection is about 0 for frame k and about 1 for frame j
  whatever the conversion's own error, because that error does not follow the picture's change from
  one frame to the next (measured on the 640x360 clips: typically within 0.02 of 0 and of 1; the closest
  case, the H.264 mandelbrot camera's frames 0 and 1, 1.2 levels apart, -0.33 against 0.60). A neighbour
  within ``MIN_NEIGHBOUR_GAP`` levels of frame k (a still picture: mandelbrot's first two frames)
  is the same picture and is not tested.

PyAV's frames are decoded untimed, by seeking to the GOP's key frame and decoding forward, and kept
only for the current check.
"""

from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

from adapters.base import ClipInfo

TOLERANCE = 2.0  # mean absolute difference, levels of 255
MIN_NEIGHBOUR_GAP = 0.25  # neighbours closer than this (mean levels) to frame k are not told apart
MATRICES = ("ITU601", "ITU709")


class FrameMismatch(AssertionError):
    pass


class Reference:
    """PyAV's decoded frames of the clips, fetched a GOP at a time, for the checks."""

    def __init__(self):
        import av

        self._av = av
        self._frames: Dict[Tuple[str, int], object] = {}  # (path, frame_id) -> av.VideoFrame
        self._rgb: Dict[Tuple[str, int, str], np.ndarray] = {}
        self._matrix: Dict[Tuple[str, str], str] = {}  # (adapter label, path) -> matrix

    def clear(self) -> None:
        self._frames.clear()
        self._rgb.clear()

    def _load(self, clip: ClipInfo, ids: Iterable[int]) -> None:
        missing = sorted({i for i in ids if 0 <= i < clip.num_frames and (clip.path, i) not in self._frames})
        if not missing:
            return
        frame_of_pts = {p: i for i, p in enumerate(clip.pts)}
        by_gop: Dict[int, List[int]] = {}
        for i in missing:
            by_gop.setdefault(clip.gop_of(i)[0], []).append(i)
        with self._av.open(clip.path) as container:
            stream = container.streams.video[0]
            stream.codec_context.thread_type = "AUTO"
            for first, wanted in sorted(by_gop.items()):
                container.seek(clip.pts[first], backward=True, any_frame=False, stream=stream)
                last = max(wanted)
                for frame in container.decode(stream):
                    fid = frame_of_pts.get(frame.pts, -1)
                    if fid in wanted:
                        self._frames[(clip.path, fid)] = frame
                    if fid >= last:
                        break
        for i in missing:
            if (clip.path, i) not in self._frames:
                raise RuntimeError(f"reference: PyAV did not decode frame {i} of {clip.path}")

    def rgb(self, clip: ClipInfo, fid: int, matrix: str) -> np.ndarray:
        key = (clip.path, fid, matrix)
        if key not in self._rgb:
            self._load(clip, [fid])
            frame = self._frames[(clip.path, fid)]
            self._rgb[key] = frame.reformat(format="rgb24", src_colorspace=matrix,
                                            dst_colorspace=matrix).to_ndarray()
        return self._rgb[key]

    def prefetch(self, clip: ClipInfo, ids: Iterable[int]) -> None:
        """Decode the frames ``ids`` and their neighbours in as few passes as possible."""
        self._load(clip, {j for i in ids for j in (i - 1, i, i + 1)})

    def check(self, label: str, array, clip: ClipInfo, fid: int) -> float:
        """Raise FrameMismatch unless ``array`` is frame ``fid`` of ``clip``; the difference."""
        a = np.asarray(array)
        want = (clip.height, clip.width, 3)
        if a.shape != want or a.dtype != np.uint8:
            raise FrameMismatch(f"{label}: frame {fid} of {clip.path}: {a.shape} {a.dtype}, expected {want} uint8")
        key = (label, clip.path)
        if key not in self._matrix:
            self._matrix[key] = min(MATRICES, key=lambda m: _mad(a, self.rgb(clip, fid, m)))
        matrix = self._matrix[key]
        ref = self.rgb(clip, fid, matrix).astype(np.float32)
        d = _mad(a, ref)
        if d > TOLERANCE:
            nearest = _nearest(self, a, clip, fid, matrix)
            raise FrameMismatch(f"{label}: frame {fid} of {clip.path.rsplit('/', 1)[-1]} differs from PyAV's by "
                                f"{d:.2f} levels (mean, {matrix}), more than {TOLERANCE}; {nearest}")
        for j in (fid - 1, fid + 1):
            if not 0 <= j < clip.num_frames:
                continue
            delta = self.rgb(clip, j, matrix).astype(np.float32) - ref
            if np.abs(delta).mean() < MIN_NEIGHBOUR_GAP:
                continue  # the two frames are the same picture, as far as these checks can tell
            t = float(((a - ref) * delta).sum() / (delta * delta).sum())
            if t >= 0.5:
                raise FrameMismatch(f"{label}: frame {fid} of {clip.path.rsplit('/', 1)[-1]} moves {t:.2f} of the way "
                                    f"from PyAV's frame {fid} to its frame {j} (0 = frame {fid}, 1 = frame {j})")
        return d


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean())


def _nearest(ref: Reference, a: np.ndarray, clip: ClipInfo, fid: int, matrix: str) -> str:
    """Which of the frames around ``fid`` the array is (for the error message: seek accuracy)."""
    lo, hi = max(0, fid - 8), min(clip.num_frames, fid + 9)
    ref.prefetch(clip, range(lo, hi))
    d = {j: _mad(a, ref.rgb(clip, j, matrix)) for j in range(lo, hi)}
    j = min(d, key=d.get)
    return f"closest frame within +-8: {j} ({d[j]:.2f} levels, offset {j - fid:+d})"


def check_frames(ref: Reference, label: str, arrays: Sequence, clips: Sequence[ClipInfo],
                 ids: Sequence[int]) -> float:
    """Check each (array, clip, frame_id); the largest difference. The reference is cleared after."""
    if len(arrays) != len(ids):
        raise FrameMismatch(f"{label}: {len(arrays)} frames for {len(ids)} requests")
    try:
        by_clip: Dict[str, Tuple[ClipInfo, List[int]]] = {}
        for clip, fid in zip(clips, ids):
            by_clip.setdefault(clip.path, (clip, []))[1].append(fid)
        for clip, wanted in by_clip.values():
            ref.prefetch(clip, wanted)
        return max(ref.check(label, a, clip, fid) for a, clip, fid in zip(arrays, clips, ids))
    finally:
        ref.clear()
