"""PyTorch datasets, samplers and the separation pattern (docs/training-data.md). Importing this module
imports torch; the rest of the package does not.

- :class:`VideoCollectionDataset` / :func:`video_collection_loader`: every (k-th) frame of many videos
  or image folders, workers (and ranks) each taking whole videos, batches ``{"frames": B x C x H x W,
  "video_paths", "frame_indices"}``.
- :class:`ClipDataset` (a table of ``(videos, start)``) and :class:`RandomClipDataset` (drawn per epoch
  with a seed): ``num_frames`` frames at a ``stride`` from one video or from each of a set of
  synchronised cameras; :func:`collate_clips`.
- The separation pattern: :class:`GopBundles` (workers demux GOPs), :func:`collate_gops`,
  :func:`decode_batch` (the main process decodes the batch in one call), :class:`SeparatedLoader`.
- :class:`ShardedSampler`: DDP sharding over ``rank`` / ``world_size`` with ``set_epoch``.
"""

import torch  # noqa: F401 - the one place this package imports torch

from ._clips import ClipDataset, RandomClipDataset, collate_clips
from ._collection import VideoCollectionDataset, video_collection_loader
from ._sampler import ShardedSampler
from ._separation import GopBatch, GopBundles, GopSample, SeparatedLoader, collate_gops, decode_batch

__all__ = [
    "ClipDataset",
    "collate_clips",
    "collate_gops",
    "decode_batch",
    "GopBatch",
    "GopBundles",
    "GopSample",
    "RandomClipDataset",
    "SeparatedLoader",
    "ShardedSampler",
    "video_collection_loader",
    "VideoCollectionDataset",
]
