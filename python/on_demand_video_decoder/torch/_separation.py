"""The separation pattern: DataLoader workers demux (GOP bundles, GetGOPList), the main process decodes a
whole batch in one call, on the GPU or the CPU, into one tensor with the output options.

- :class:`GopBundles` wraps a clip dataset (anything with ``request(index)``, as ClipDataset and
  RandomClipDataset): its items are :class:`GopSample` (the GOPs the sample's frames need, each once,
  with the frames' paths and ids); nothing is decoded in the worker. Its demuxer is a
  CreateGopDecoder per process (a GOP cache, so neighbouring samples share reads).
- :func:`collate_gops` keeps a batch of them as lists (:class:`GopBatch`), each GOP once.
- :func:`decode_batch` decodes a GopBatch with one DecodeFromGOPListRGB call (``stack=True``):
  ``frames`` of shape ``(B, *sample shape, C, H, W)``, byte for byte what DecodeN12ToRGB gives for the
  same frames from the files.
- :class:`SeparatedLoader` puts the three together: a DataLoader with workers, decoding in the
  main process.
"""

from dataclasses import dataclass, field
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from ..seed._cached_gop_decoder import CreateGopDecoder
from ._common import PerProcess, frames_tensor, output_settings


@dataclass
class GopSample:
    """One sample's GOPs: ``bundles[k]`` holds GOP ``gops[k] = (path, first_frame_id)``; the sample's
    frames are ``(video_paths[j], frame_indices[j])`` in order, to be shaped ``shape`` (e.g. (cams, T))."""

    bundles: List[np.ndarray]
    gops: List[Tuple[str, int]]
    video_paths: List[str]
    frame_indices: List[int]
    shape: Tuple[int, ...]
    extra: Dict[str, Any] = field(default_factory=dict)


@dataclass
class GopBatch:
    """A batch of GopSamples as lists: every distinct GOP once (``bundles`` / ``gops``), the frames of all
    samples in order (``video_paths``, ``frame_indices``), and each sample's ``shape`` and ``extra``."""

    bundles: List[np.ndarray]
    gops: List[Tuple[str, int]]
    video_paths: List[str]
    frame_indices: List[int]
    shapes: List[Tuple[int, ...]]
    extras: List[Dict[str, Any]]

    def __len__(self) -> int:
        return len(self.shapes)


class GopBundles(Dataset):
    """``dataset``'s samples as GopSamples: the GOP bundles their frames need, demuxed (not decoded) in
    the process that reads them. ``dataset`` must have ``request(index) -> (paths, frame_ids, shape,
    start)`` (ClipDataset, RandomClipDataset). ``set_epoch`` is passed on."""

    def __init__(self, dataset: Any, *, maxfiles: int = 8, cache_max_gops: int = 64,
                 cache_max_bytes: int = 256 << 20):
        if not hasattr(dataset, "request"):
            raise TypeError("GopBundles needs a dataset with request(index) (ClipDataset, RandomClipDataset)")
        self.dataset = dataset
        # Demuxing needs no device: the bundles decode anywhere.
        self._demuxer = PerProcess(CreateGopDecoder, maxfiles, -1, True, cache_max_gops=cache_max_gops,
                                   cache_max_bytes=cache_max_bytes)

    def __len__(self) -> int:
        return len(self.dataset)

    def set_epoch(self, epoch: int) -> None:
        if hasattr(self.dataset, "set_epoch"):
            self.dataset.set_epoch(epoch)

    def __getitem__(self, index: int) -> GopSample:
        index = self.dataset._index(index) if hasattr(self.dataset, "_index") else int(index)
        paths, ids, shape, start = self.dataset.request(index)
        gop_list = self._demuxer.get().GetGOPList(paths, ids, useGOPCache=True)
        bundles, gops, seen = [], [], set()
        for path, (bundle, firsts, _) in zip(paths, gop_list):
            key = (path, int(firsts[0]))
            if key not in seen:
                seen.add(key)
                gops.append(key)
                bundles.append(np.array(bundle))  # an owned copy (the cached one is a read-only view)
        return GopSample(bundles, gops, list(paths), [int(i) for i in ids], tuple(shape),
                         {"index": index, "start": start})


def collate_gops(samples: Sequence[GopSample]) -> GopBatch:
    """A DataLoader ``collate_fn`` for GopSamples: lists, each distinct GOP once."""
    bundles, gops, seen = [], [], set()
    paths: List[str] = []
    ids: List[int] = []
    for s in samples:
        for key, bundle in zip(s.gops, s.bundles):
            if key not in seen:
                seen.add(key)
                gops.append(key)
                bundles.append(bundle)
        paths += s.video_paths
        ids += s.frame_indices
    return GopBatch(bundles, gops, paths, ids, [s.shape for s in samples], [s.extra for s in samples])


def decode_batch(decoder: Any, batch: GopBatch, as_bgr: bool = False, **output: Any) -> Dict[str, Any]:
    """Decodes every frame of ``batch`` with one ``decoder.DecodeFromGOPListRGB`` call into one tensor
    (a PyNvGopDecoder or CreateGopDecoder's, on any device; output options as docs/output-options.md,
    CHW unless ``layout`` says otherwise). Returns ``{"frames": (B, *shape, C, H, W), "video_paths":
    [per sample: its distinct paths], "frame_indices": (B, T) or (B, *shape), "extras": [...]}``;
    every sample of a batch must have the same shape."""
    if not len(batch):
        raise ValueError("the batch is empty")
    shapes = set(batch.shapes)
    if len(shapes) != 1:
        raise ValueError(f"the samples of a batch have different shapes: {sorted(shapes)}")
    shape = batch.shapes[0]
    options = output_settings(output)
    frames = decoder.DecodeFromGOPListRGB(batch.bundles, batch.video_paths, batch.frame_indices, as_bgr,
                                          stack=True, **options)
    tensor = frames_tensor(frames[0])
    per_sample = int(np.prod(shape))
    ids = torch.tensor(batch.frame_indices, dtype=torch.int64).reshape(len(batch), *shape)
    return {"frames": tensor.reshape(len(batch), *shape, *tensor.shape[1:]),
            "video_paths": [list(dict.fromkeys(batch.video_paths[k * per_sample:(k + 1) * per_sample]))
                            for k in range(len(batch))],
            "frame_indices": ids, "extras": list(batch.extras)}


class SeparatedLoader:
    """Iterates ``dataset`` (a clip dataset) in batches: DataLoader workers demux each sample's GOPs
    (GopBundles), the main process decodes each batch with ``decoder`` in one call (decode_batch).
    ``decoder`` is made by the caller (e.g. ``PyNvGopDecoder(maxfiles, iGpu=0)`` for the GPU); other
    DataLoader arguments (``num_workers``, ``sampler``, ``multiprocessing_context``, ...) go through
    ``loader_options``. ``set_epoch`` reaches the dataset (and the sampler when it has one)."""

    def __init__(self, dataset: Any, decoder: Any, batch_size: int = 1, *, shuffle: bool = False,
                 drop_last: bool = False, as_bgr: bool = False, output: Optional[Dict[str, Any]] = None,
                 **loader_options: Any):
        self.bundles = dataset if isinstance(dataset, GopBundles) else GopBundles(dataset)
        self.decoder = decoder
        self.as_bgr = bool(as_bgr)
        self.output = output_settings(output or {})
        self.loader = DataLoader(self.bundles, batch_size=batch_size, shuffle=shuffle, drop_last=drop_last,
                                 collate_fn=collate_gops, **loader_options)

    def set_epoch(self, epoch: int) -> None:
        self.bundles.set_epoch(epoch)
        sampler = getattr(self.loader, "sampler", None)
        if hasattr(sampler, "set_epoch"):
            sampler.set_epoch(epoch)

    def __len__(self) -> int:
        return len(self.loader)

    def __iter__(self) -> Iterator[Dict[str, Any]]:
        for batch in self.loader:
            yield decode_batch(self.decoder, batch, self.as_bgr, **self.output)
