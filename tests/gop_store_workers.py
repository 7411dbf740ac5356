"""What the DataLoader workers and child processes of tests/test_shared_gop_store.py run: a module of
its own, so spawn / forkserver children import only this (not pytest and the test module)."""

import os
import random
import signal
from typing import List, Optional, Sequence, Tuple

import numpy as np

import on_demand_video_decoder as nvc

try:
    from torch.utils.data import Dataset
except ImportError:  # the tests that need torch skip themselves
    Dataset = object


def identity(sample):
    """The DataLoader's collate_fn: a sample is (refs, frame_ids), passed through untouched."""
    return sample


def store_files(store_id: int) -> List[str]:
    """Every /dev/shm file of store ``store_id`` (its names all start with one prefix)."""
    prefix = f"odvd-gopstore-{os.getuid()}-{store_id}-"
    return sorted(n for n in os.listdir("/dev/shm") if n.startswith(prefix))


def random_frame_ids(seed: int, index: int, counts: Sequence[int]) -> List[int]:
    rng = random.Random(seed * 1_000_003 + index)
    return [rng.randrange(n) for n in counts]


def fetch_refs(store: nvc.SharedGopStore, decoder: nvc.PyNvGopDecoder, videos: Sequence[str],
               frame_ids: Sequence[int]) -> List[nvc.GopRef]:
    """A worker's part: a GopRef per (video, frame) from the store, demuxing (GetGOPList) and
    putting the GOPs it misses."""
    refs = []
    for video, fid in zip(videos, frame_ids):
        ref = store.lookup(video, fid)
        if ref is None:
            bundle, firsts, lens = decoder.GetGOPList([video], [fid])[0]
            ref = store.put(video, firsts[0], lens[0], bundle)
        refs.append(ref)
    return refs


class CameraGops(Dataset):
    """Sample i: a random frame of each camera, as GopRefs into the shared store. The worker attaches
    to the store (accvlab's pattern) the first time it needs it; with ``kill_at=(i, stage)`` the
    worker that fetches sample i kills itself at that stage of its put."""

    def __init__(self, store_id: int, capacity: int, videos: Sequence[str], counts: Sequence[int], length: int,
                 seed: int = 0, kill_at: Optional[Tuple[int, str]] = None):
        self.store_id, self.capacity = store_id, capacity
        self.videos, self.counts = list(videos), list(counts)
        self.length, self.seed, self.kill_at = length, seed, kill_at
        self._store: Optional[nvc.SharedGopStore] = None
        self._decoder: Optional[nvc.PyNvGopDecoder] = None

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int):
        if self._store is None:
            self._store = nvc.SharedGopStore.attach(self.capacity, self.store_id)
            self._decoder = nvc.PyNvGopDecoder(maxfiles=len(self.videos), iGpu=-1)
        if self.kill_at is not None and self.kill_at[0] == index:
            self._store._test_hook = kill_self_at(self.kill_at[1])
        frame_ids = random_frame_ids(self.seed, index, self.counts)
        return fetch_refs(self._store, self._decoder, self.videos, frame_ids), frame_ids


def kill_self_at(stage: str):
    """A put hook that SIGKILLs this process when the put reaches ``stage`` ("written": the GOP's
    file is written, not yet published; "locked": holding the index lock, about to publish)."""
    def hook(reached: str) -> None:
        if reached == stage:
            os.kill(os.getpid(), signal.SIGKILL)
    return hook


def put_and_die(store_id: int, stage: str) -> None:
    """A child process: attaches, and dies by SIGKILL in the middle of a put."""
    store = nvc.SharedGopStore.attach(None, store_id)
    store._test_hook = kill_self_at(stage)
    store.put("/killed/cam.mp4", 0, 30, np.full(4096, 7, np.uint8))


def create_put_and_die(store_id: int) -> None:
    """A child process: creates a store, stores a GOP, and dies without cleanup()."""
    store = nvc.SharedGopStore.create(4, store_id)
    store.put("/dead/cam.mp4", 0, 30, np.full(4096, 9, np.uint8))
    os.kill(os.getpid(), signal.SIGKILL)


def put_from_fork(store: nvc.SharedGopStore, done) -> None:
    """A forked child: puts through the object it inherited from its parent (the creator's) and
    reports when the put got through (time.monotonic is the same clock in every process)."""
    import time

    store.release([store.put("/forked/cam.mp4", 0, 30, np.full(64, 5, np.uint8))])
    done.put(time.monotonic())
