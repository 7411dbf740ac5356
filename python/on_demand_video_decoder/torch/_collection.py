"""VideoCollectionDataset: every frame (or every k-th) of many videos or folders of images, in batches.

An iterable dataset: DataLoader workers (and DDP ranks) each take whole videos, video ``i`` going to
shard ``i % shards`` (shards = world_size x num_workers), and walk them forward with a
PyNvSampleReader, so each frame is decoded once.

Two ways to batch, with batches of the same keys:
- ``batch_size=None`` (the default): one frame per item, ``{"frames": C x H x W, "video_paths": path,
  "frame_indices": frame id}`` (the keys of a batch, so code downstream reads both alike), for
  ``DataLoader(dataset, batch_size=N)``, whose default collate makes ``{"frames": N x C x H x W,
  "video_paths": [N paths], "frame_indices": int64 tensor of N}``. Frames are still decoded
  ``DECODE_RUN`` at a time, one reader call each; the DataLoader's ``drop_last`` applies.
- ``batch_size=N``: the dataset batches (one reader call per batch, which may span the end of one
  video and the start of the next: give ``size`` when resolutions differ), for
  ``DataLoader(dataset, batch_size=None)``; ``drop_last=True`` drops a worker's short last batch.
Either way a worker's last batch may be shorter than the rest.
"""

import os
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import torch
from torch.utils.data import DataLoader, IterableDataset, get_worker_info

from ..common._args import _count
from ..seed._sample_reader import PyNvSampleReader
from ._common import PerProcess, frames_tensor, image_files, image_tensor, output_settings, scan_frame_counts

# Frames of one video decoded per reader call when the dataset yields single frames.
DECODE_RUN = 8


def _distributed(rank: Optional[int], world_size: Optional[int]) -> Tuple[int, int]:
    """(rank, world_size): as given, else torch.distributed's when initialised, else (0, 1)."""
    if rank is None or world_size is None:
        dist = torch.distributed
        if dist.is_available() and dist.is_initialized():
            rank = dist.get_rank() if rank is None else rank
            world_size = dist.get_world_size() if world_size is None else world_size
    rank, world_size = (0 if rank is None else rank), (1 if world_size is None else world_size)
    if not 0 <= rank < world_size:
        raise ValueError(f"rank={rank} must be in 0..world_size-1 (world_size={world_size})")
    return rank, world_size


class VideoCollectionDataset(IterableDataset):
    """Every ``every``-th frame of each video (a file) or image folder (a directory: its images sorted by
    name, one frame each) in ``paths``: one frame per item (``batch_size=None``, the default), batched
    by ``DataLoader(dataset, batch_size=N)``; or in batches of ``batch_size`` made by the dataset, for
    ``DataLoader(dataset, batch_size=None)`` or :func:`video_collection_loader`.

    Output options (docs/output-options.md) apply to every batch: ``size``, ``dtype``, ``mean``,
    ``std``, ``layout`` (default ``"CHW"``). ``iGpu`` (default -1, the CPU) and ``gpu_backend`` are the
    reader's. ``rank`` / ``world_size`` shard the videos over DDP processes (default:
    torch.distributed's when initialised). The frame counts are read from the container indexes at
    construction (a progress bar on a terminal; ``progress=False`` hides it).

    Example:
        >>> ds = VideoCollectionDataset(["a.mp4", "b.mp4"], every=5, size=(224, 224))  # doctest: +SKIP
        >>> for batch in DataLoader(ds, batch_size=16, num_workers=2):  # doctest: +SKIP
        ...     batch["frames"].shape  # (16, 3, 224, 224)
    """

    def __init__(self, paths: Sequence[Any], batch_size: Optional[int] = None, every: int = 1,
                 drop_last: bool = False, *,
                 iGpu: Optional[int] = -1, gpu_backend: Optional[str] = None, rank: Optional[int] = None,
                 world_size: Optional[int] = None, progress: Optional[bool] = None, **output: Any):
        if isinstance(paths, (str, bytes, os.PathLike)):
            raise TypeError("paths must be a list of videos or folders, not one path")
        self.paths: List[str] = [os.fspath(p) for p in paths]
        if not self.paths:
            raise ValueError("paths is empty")
        self.batch_size = None if batch_size is None else _count(batch_size, "batch_size")
        self.every = _count(every, "every")
        self.drop_last = bool(drop_last)
        if self.drop_last and self.batch_size is None:
            raise ValueError("drop_last=True needs batch_size: with single frames (batch_size=None) the "
                             "DataLoader batches, so give DataLoader(..., drop_last=True) instead")
        self.output = output_settings(output)
        self.rank, self.world_size = _distributed(rank, world_size)
        self.frame_counts = scan_frame_counts(self.paths, "scanning the collection", progress)
        self._reader = PerProcess(PyNvSampleReader, 1, 4, iGpu, True, gpu_backend=gpu_backend)

    @property
    def num_frames(self) -> int:
        """The frames the whole collection yields per pass (every shard together, drop_last aside)."""
        return sum(len(range(0, n, self.every)) for n in self.frame_counts)

    def _shard(self) -> Tuple[int, int]:
        info = get_worker_info()
        worker, workers = (info.id, info.num_workers) if info is not None else (0, 1)
        return self.rank * workers + worker, self.world_size * workers

    def videos_of_this_shard(self) -> List[int]:
        """The indexes of the videos this process (worker, rank) reads: video i goes to shard i % shards."""
        shard, shards = self._shard()
        return list(range(shard, len(self.paths), shards))

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        if self.batch_size is None:
            yield from self._frames()
            return
        pending: List[Tuple[str, int]] = []
        for v in self.videos_of_this_shard():
            for frame_id in range(0, self.frame_counts[v], self.every):
                pending.append((self.paths[v], frame_id))
                if len(pending) == self.batch_size:
                    yield self._batch(pending)
                    pending = []
        if pending and not self.drop_last:
            yield self._batch(pending)

    def _frames(self) -> Iterator[Dict[str, Any]]:
        """One item per frame: runs of up to DECODE_RUN frames of one video decoded in one call and
        handed out one by one (views of the run's block: the DataLoader's collate copies them into its
        batch)."""
        for v in self.videos_of_this_shard():
            ids = range(0, self.frame_counts[v], self.every)
            for start in range(0, len(ids), DECODE_RUN):
                run = [(self.paths[v], i) for i in ids[start:start + DECODE_RUN]]
                frames = self._batch(run)
                for k, (path, frame_id) in enumerate(run):
                    yield {"frames": frames["frames"][k], "video_paths": path, "frame_indices": frame_id}

    def _batch(self, items: List[Tuple[str, int]]) -> Dict[str, Any]:
        """Runs of video frames decode in one reader call each (one stacked block); image frames are
        read one by one; the runs are joined in order."""
        parts, run = [], []
        for path, frame_id in items:
            if os.path.isdir(path):
                if run:
                    parts.append(self._decode(run))
                    run = []
                parts.append(image_tensor(image_files(path)[frame_id], self.output)[None])
            else:
                run.append((path, frame_id))
        if run:
            parts.append(self._decode(run))
        frames = parts[0] if len(parts) == 1 else torch.cat(parts)
        return {"frames": frames, "video_paths": [p for p, _ in items],
                "frame_indices": torch.tensor([i for _, i in items], dtype=torch.int64)}

    def _decode(self, run: List[Tuple[str, int]]) -> torch.Tensor:
        reader = self._reader.get()
        frames = reader.DecodeN12ToRGB([p for p, _ in run], [i for _, i in run], stack=True, **self.output)
        return frames_tensor(frames[0])


def video_collection_loader(paths: Sequence[Any], batch_size: int = 8, every: int = 1, *, num_workers: int = 0,
                            multiprocessing_context: Any = None, drop_last: bool = False,
                            pin_memory: bool = False, prefetch_factor: Optional[int] = None,
                            **dataset_options: Any) -> DataLoader:
    """A DataLoader over a VideoCollectionDataset (``batch_size=None``: the dataset batches): the
    loader of a collection in one call. ``multiprocessing_context`` is ``"fork"``, ``"spawn"``,
    ``"forkserver"`` or None (Python's default); other keywords go to the dataset (output options,
    ``iGpu``, ``rank``, ...)."""
    dataset = VideoCollectionDataset(paths, _count(batch_size, "batch_size"), every, drop_last, **dataset_options)
    extra = {"prefetch_factor": prefetch_factor} if num_workers and prefetch_factor is not None else {}
    return DataLoader(dataset, batch_size=None, num_workers=num_workers, pin_memory=pin_memory,
                      multiprocessing_context=multiprocessing_context if num_workers else None, **extra)
