"""Map-style clip datasets: a sample is ``num_frames`` frames at a ``stride`` from one video, or the same
frame ids from each video of a set of synchronised cameras (the seed's multi-camera use).

- :class:`ClipDataset`: the clips given as a table of ``(videos, start)``.
- :class:`RandomClipDataset`: ``num_samples`` clips drawn per epoch (a camera set, then a start),
  reproducibly: sample ``i`` of epoch ``e`` is drawn from ``numpy.random.default_rng([seed, e, i])``,
  so every worker, rank and rerun draws the same clip for it; ``set_epoch(e)`` moves to another draw.

A sample is ``{"frames", "video_paths", "frame_indices", "start"}``: ``frames`` is ``(T, C, H, W)`` for a
single video and ``(cams, T, C, H, W)`` for a camera set (layout CHW unless ``layout="HWC"``; other
output options as docs/output-options.md), decoded in the process that reads the sample (a
DataLoader worker) in one call. ``collate_clips`` batches samples (``frames`` stacked, paths kept as
lists). For decoding in the main process instead, wrap the dataset in :class:`GopBundles`.
"""

from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import Dataset

from ..common._args import _count
from ._common import as_paths, frames_tensor, gop_decoder, output_settings, scan_frame_counts

Clip = Tuple[Tuple[str, ...], bool, int]  # (videos, is a camera set, start)


class _ClipsBase(Dataset):
    def __init__(self, num_frames: int, stride: int, iGpu: Optional[int], gpu_backend: Optional[str],
                 maxfiles: int, output: Dict[str, Any]):
        self.num_frames = _count(num_frames, "num_frames")
        self.stride = _count(stride, "stride")
        self.output = output_settings(output)
        self.iGpu, self.gpu_backend = iGpu, gpu_backend
        self._decoder = gop_decoder(max(1, maxfiles), iGpu, gpu_backend)

    @property
    def span(self) -> int:
        """Frames a clip covers from its first to its last: (num_frames - 1) * stride + 1."""
        return (self.num_frames - 1) * self.stride + 1

    def clip(self, index: int) -> Clip:  # pragma: no cover - abstract
        raise NotImplementedError

    def request(self, index: int) -> Tuple[List[str], List[int], Tuple[int, ...], int]:
        """What sample ``index`` decodes: (paths, frame_ids, shape, start), camera by camera, frame by
        frame; ``shape`` is (cams, T) for a camera set and (T,) for one video."""
        videos, is_set, start = self.clip(index)
        ids = [start + t * self.stride for t in range(self.num_frames)]
        paths = [v for v in videos for _ in ids]
        shape = (len(videos), self.num_frames) if is_set else (self.num_frames,)
        return paths, ids * len(videos), shape, start

    def __getitem__(self, index: int) -> Dict[str, Any]:
        paths, ids, shape, start = self.request(self._index(index))
        frames = self._decoder.get().DecodeN12ToRGB(paths, ids, stack=True, **self.output)
        tensor = frames_tensor(frames[0])
        return {"frames": tensor.reshape(*shape, *tensor.shape[1:]), "video_paths": list(dict.fromkeys(paths)),
                "frame_indices": torch.tensor(ids[:self.num_frames], dtype=torch.int64), "start": start}

    def _index(self, index: int) -> int:
        n = len(self)
        index = int(index)
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError(f"clip {index} out of range (the dataset has {n})")
        return index


class ClipDataset(_ClipsBase):
    """Clips from a table: ``clips[i] = (videos, start)``, where ``videos`` is one path or a list of
    paths (synchronised cameras: the same frame ids from each). Sample ``i`` is frames ``start,
    start + stride, ..., start + (num_frames - 1) * stride``.

    ``check=True`` reads every video's frame count at construction (a progress bar on a terminal) and
    raises ValueError for a clip that runs past the end of one of its videos. ``iGpu`` (default -1:
    the CPU), ``gpu_backend``: the decoder's, made once per process. Output options:
    docs/output-options.md (``stack`` is implied).

    Example:
        >>> ds = ClipDataset([(["cam0.mp4", "cam1.mp4"], 0), (["cam0.mp4", "cam1.mp4"], 40)],  # doctest: +SKIP
        ...                  num_frames=4, stride=2, size=(224, 224))
        >>> ds[1]["frames"].shape  # doctest: +SKIP
        torch.Size([2, 4, 3, 224, 224])
    """

    def __init__(self, clips: Sequence[Tuple[Any, int]], num_frames: int, stride: int = 1, *, check: bool = True,
                 iGpu: Optional[int] = -1, gpu_backend: Optional[str] = None, progress: Optional[bool] = None,
                 **output: Any):
        table: List[Clip] = []
        for k, entry in enumerate(clips):
            try:
                videos, start = entry
            except (TypeError, ValueError):
                raise TypeError(f"clips[{k}] must be (videos, start), got {entry!r}") from None
            paths, is_set = as_paths(videos)
            start = int(start)
            if start < 0:
                raise ValueError(f"clips[{k}]: start={start} is negative")
            table.append((paths, is_set, start))
        if not table:
            raise ValueError("clips is empty")
        super().__init__(num_frames, stride, iGpu, gpu_backend, max(len(c[0]) for c in table), output)
        self.clips = table
        if check:
            distinct = list(dict.fromkeys(p for c in table for p in c[0]))
            counts = dict(zip(distinct, scan_frame_counts(distinct, "scanning clips", progress)))
            for k, (paths, _, start) in enumerate(table):
                end = start + self.span
                short = [p for p in paths if counts[p] < end]
                if short:
                    raise ValueError(f"clips[{k}]: frames {start}..{end - 1} run past the end of {short[0]!r} "
                                     f"({counts[short[0]]} frames)")

    def __len__(self) -> int:
        return len(self.clips)

    def clip(self, index: int) -> Clip:
        return self.clips[index]


class RandomClipDataset(_ClipsBase):
    """``num_samples`` clips per epoch, each from a camera set (or single video) of ``video_sets``
    chosen at random, at a random start that keeps the whole clip inside the shortest video of the set.

    Deterministic: sample ``i`` of epoch ``e`` comes from ``numpy.random.default_rng([seed, e, i])``.
    Call ``set_epoch(e)`` before each epoch (as with a DistributedSampler; DataLoader workers that are
    not persistent take the dataset as it is when the epoch's iterator starts). Other arguments as
    ClipDataset's.
    """

    def __init__(self, video_sets: Sequence[Any], num_samples: int, num_frames: int, stride: int = 1, *,
                 seed: int = 0, iGpu: Optional[int] = -1, gpu_backend: Optional[str] = None,
                 progress: Optional[bool] = None, **output: Any):
        sets = [as_paths(v) for v in video_sets]
        if not sets:
            raise ValueError("video_sets is empty")
        super().__init__(num_frames, stride, iGpu, gpu_backend, max(len(s[0]) for s in sets), output)
        self.video_sets = sets
        self.num_samples = _count(num_samples, "num_samples")
        self.seed = int(seed)
        self.epoch = 0
        distinct = list(dict.fromkeys(p for s in sets for p in s[0]))
        counts = dict(zip(distinct, scan_frame_counts(distinct, "scanning video sets", progress)))
        self.starts_per_set = []  # how many starts keep a clip inside each set
        for k, (paths, _) in enumerate(sets):
            shortest = min(counts[p] for p in paths)
            if shortest < self.span:
                raise ValueError(f"video_sets[{k}]: {shortest} frames, fewer than a clip spans ({self.span})")
            self.starts_per_set.append(shortest - self.span + 1)

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose draw the samples are (any int; 0 at construction)."""
        self.epoch = int(epoch)

    def __len__(self) -> int:
        return self.num_samples

    def clip(self, index: int) -> Clip:
        rng = np.random.default_rng([self.seed & 0xFFFFFFFF, self.epoch & 0xFFFFFFFF, index])
        s = int(rng.integers(len(self.video_sets)))
        start = int(rng.integers(self.starts_per_set[s]))
        paths, is_set = self.video_sets[s]
        return paths, is_set, start


def collate_clips(samples: Sequence[Dict[str, Any]]) -> Dict[str, Any]:
    """A batch of clip samples: ``frames`` and ``frame_indices`` stacked (B first), ``start`` as a
    tensor, ``video_paths`` a list (per sample) of lists (per camera)."""
    return {"frames": torch.stack([s["frames"] for s in samples]),
            "frame_indices": torch.stack([s["frame_indices"] for s in samples]),
            "start": torch.tensor([s["start"] for s in samples], dtype=torch.int64),
            "video_paths": [s["video_paths"] for s in samples]}
