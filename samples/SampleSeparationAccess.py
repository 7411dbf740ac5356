"""Separation: demux in workers (GetGOP), decode elsewhere (DecodeFromGOPRGB), no source file needed.

GetGOP returns one self-contained bundle (a NumPy uint8 array, docs/bundle-format.md) holding the GOP
of each requested frame. Here a thread pool plays the part of DataLoader workers: it extracts the
bundles, which the main loop decodes.

    python samples/SampleSeparationAccess.py [videos...] [--gpu N]
"""

import random
import sys
from concurrent.futures import ThreadPoolExecutor

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    videos = args.videos
    counts = frame_counts(videos)
    rng = random.Random(args.seed)
    requests = [[rng.randrange(n) for n in counts] for _ in range(args.steps)]

    # Demuxing only: a CPU decoder object is enough (and cheap) in a worker.
    demuxer = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=-1)
    with ThreadPoolExecutor(max_workers=2) as workers:
        bundles = list(workers.map(lambda ids: demuxer.GetGOP(videos, ids), requests))

    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    log = FrameLog(args.out)
    for frame_ids, (bundle, first_ids, gop_lens) in zip(requests, bundles):
        print(f"bundle of {bundle.nbytes} bytes: GOPs starting at {first_ids}, lengths {gop_lens}")
        frames = decoder.DecodeFromGOPRGB(bundle, videos, frame_ids, as_bgr=False)
        log.add(videos, frame_ids, frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
