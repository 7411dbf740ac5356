"""Workers demux, the main process decodes: GOPs shared through a SharedGopStore (accvlab's newer API).

The main process creates the store before its workers start; each worker (here a spawn pool, as
DataLoader workers would be) attaches, looks each requested frame's GOP up in the store, demuxes
and puts the ones it misses (GetGOPList), and returns small GopRefs instead of the bundles. The
main process reads the refs as zero-copy arrays (get_batch) and decodes them (DecodeFromGOPListRGB).
Each step moves a few frames forward in every clip, so later steps find their GOPs in the store.
cleanup() removes every /dev/shm file of the store. docs/shared-gop-store.md has the details.

    python samples/SampleSharedGopStore.py [videos...] [--gpu N] [--store-id K]
"""

import multiprocessing
import os
import pickle
import random
import sys
from typing import List, Optional, Tuple

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args

_store: Optional[nvc.SharedGopStore] = None
_demuxer: Optional[nvc.PyNvGopDecoder] = None


def attach_worker(store_id: int, capacity: int, num_videos: int) -> None:
    """Runs once in each worker: attach to the store; a CPU decoder object only demuxes here."""
    global _store, _demuxer
    _store = nvc.SharedGopStore.attach(capacity=capacity, store_id=store_id)
    _demuxer = nvc.PyNvGopDecoder(maxfiles=num_videos, iGpu=-1)


def fetch(job: Tuple[List[str], List[int]]) -> List[nvc.GopRef]:
    """A worker's job for one step: a GopRef per (video, frame), demuxing only the GOPs the store misses."""
    videos, frame_ids = job
    refs = []
    for video, frame_id in zip(videos, frame_ids):
        ref = _store.lookup(video, frame_id)
        if ref is None:
            bundle, first_frame_ids, gop_lens = _demuxer.GetGOPList([video], [frame_id])[0]
            ref = _store.put(video, first_frame_ids[0], gop_lens[0], bundle)
        refs.append(ref)
    return refs


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=4, store_id=True)
    store_id = os.getpid() if args.store_id is None else args.store_id  # default: apart from other runs
    videos = args.videos
    counts = frame_counts(videos)
    rng = random.Random(args.seed)
    start = [rng.randrange(max(1, n - 4 * args.steps)) for n in counts]
    steps = [[min(s + 4 * step, n - 1) for s, n in zip(start, counts)] for step in range(args.steps)]

    capacity = 4 * len(videos)
    store = nvc.SharedGopStore.create(capacity=capacity, store_id=store_id)  # before the workers start
    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    log = FrameLog(args.out)
    try:
        pool = multiprocessing.get_context("spawn").Pool(2, initializer=attach_worker,
                                                        initargs=(store_id, capacity, len(videos)))
        with pool:
            for step, refs in enumerate(pool.imap(fetch, [(videos, ids) for ids in steps])):
                frame_ids = steps[step]
                print(f"step {step}: frames {frame_ids}, {len(pickle.dumps(refs))} bytes of GopRefs")
                bundles = store.get_batch(refs)  # zero-copy arrays; the refs' pins are released
                frames = decoder.DecodeFromGOPListRGB(bundles, videos, frame_ids)
                log.add(videos, frame_ids, frames)
        stats = store.get_stats()
        print(f"store: {stats['pool_usage']} GOPs, {stats['stored_bytes']} bytes, {stats['hits']} hits, "
              f"{stats['misses']} misses, {stats['puts']} puts, {stats['evictions']} evictions")
    finally:
        store.cleanup()  # no file of the store is left in /dev/shm
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
