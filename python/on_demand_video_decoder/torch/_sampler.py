"""ShardedSampler: a sampler for DDP that shards a dataset's indexes over ``rank`` / ``world_size``.

Per epoch the indexes ``0 .. n-1`` are put in one order (shuffled with ``seed + epoch`` when
``shuffle``, else ascending), the same on every rank, then made a multiple of ``world_size`` and dealt
round-robin: rank ``r`` gets positions ``r, r + world_size, r + 2 * world_size, ...``.

Making the count a multiple of ``world_size`` (the padding rule):

- ``drop_last=False, pad=True`` (the default, as torch's DistributedSampler): the order is extended with
  its own first ``(-n) % world_size`` indexes, so every rank gets ``ceil(n / world_size)`` samples; an
  epoch covers every index, and at most ``world_size - 1`` of them twice.
- ``drop_last=True``: the last ``n % world_size`` indexes of the order are left out, so every rank gets
  ``floor(n / world_size)``; no duplicates; which indexes are left out changes with the epoch when
  shuffling.
- ``drop_last=False, pad=False``: nothing added or left out: every index exactly once per epoch, and
  the first ``n % world_size`` ranks get one sample more than the others (collective operations of
  DDP need the same number of steps on every rank, so use this for evaluation, not training).

``set_epoch(e)`` before each epoch reshuffles (deterministically: the same ``seed`` and ``e`` give the
same order on every rank and every run).
"""

import math
import operator
from typing import Iterator, Optional, Sized, Union

import torch
from torch.utils.data import Sampler


def _world(rank: Optional[int], world_size: Optional[int]):
    dist = torch.distributed
    initialised = dist.is_available() and dist.is_initialized()
    if world_size is None:
        world_size = dist.get_world_size() if initialised else 1
    if rank is None:
        rank = dist.get_rank() if initialised else 0
    world_size, rank = operator.index(world_size), operator.index(rank)
    if world_size < 1:
        raise ValueError(f"world_size={world_size} must be >= 1")
    if not 0 <= rank < world_size:
        raise ValueError(f"rank={rank} must be in 0..{world_size - 1}")
    return rank, world_size


class ShardedSampler(Sampler):
    """Yields this rank's share of ``range(len(dataset))`` for the current epoch (module docstring:
    the order, the padding rule). ``dataset`` is a dataset or a number of samples. ``rank`` /
    ``world_size`` default to torch.distributed's when it is initialised, else 0 / 1.

    Example:
        >>> s = ShardedSampler(10, rank=1, world_size=3, shuffle=False)
        >>> list(s)
        [1, 4, 7, 0]
        >>> list(ShardedSampler(10, rank=1, world_size=3, shuffle=False, drop_last=True))
        [1, 4, 7]
    """

    def __init__(self, dataset: Union[Sized, int], rank: Optional[int] = None, world_size: Optional[int] = None,
                 shuffle: bool = True, seed: int = 0, drop_last: bool = False, pad: bool = True):
        self.num_samples_total = operator.index(dataset) if isinstance(dataset, int) else len(dataset)
        if self.num_samples_total < 0:
            raise ValueError("the dataset's length must be >= 0")
        self.rank, self.world_size = _world(rank, world_size)
        self.shuffle = bool(shuffle)
        self.seed = int(seed)
        self.drop_last = bool(drop_last)
        self.pad = bool(pad)
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """The epoch whose order to yield (reshuffles when ``shuffle``)."""
        self.epoch = int(epoch)

    @property
    def total_size(self) -> int:
        """Samples over all ranks this epoch (after padding or dropping)."""
        n, w = self.num_samples_total, self.world_size
        if self.drop_last:
            return n - n % w
        return math.ceil(n / w) * w if self.pad else n

    def __len__(self) -> int:
        total, w = self.total_size, self.world_size
        if self.drop_last or self.pad:
            return total // w
        return len(range(self.rank, total, w))

    def order(self) -> list:
        """This epoch's order over all ranks (padded or cut as the rule says)."""
        n = self.num_samples_total
        if self.shuffle:
            generator = torch.Generator()
            generator.manual_seed(self.seed + self.epoch)
            indices = torch.randperm(n, generator=generator).tolist()
        else:
            indices = list(range(n))
        total = self.total_size
        if total > n:  # pad with the order's own first indexes (repeated when n < world_size)
            while len(indices) < total:
                indices += indices[:total - len(indices)]
        return indices[:total]

    def __iter__(self) -> Iterator[int]:
        return iter(self.order()[self.rank::self.world_size])
