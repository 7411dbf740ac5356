"""Separation with one bundle per file (GetGOPList / DecodeFromGOPListRGB), and the GOP cache.

CreateGopDecoder returns a PyNvGopDecoder with a GOP cache: with useGOPCache=True, a frame whose GOP
was extracted before (first_frame_id <= frame_id < first_frame_id + gop_len) comes from the cache,
and only the other files are demuxed. Here each step moves a few frames forward in every clip, as a
training sampler taking short clips does, so most steps hit.

    python samples/SampleSeparationAccessGOPListAPI.py [videos...] [--gpu N]
"""

import random
import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=4)
    videos = args.videos
    counts = frame_counts(videos)
    decoder = nvc.CreateGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    rng = random.Random(args.seed)
    start = [rng.randrange(max(1, n - 4 * args.steps)) for n in counts]
    log = FrameLog(args.out)
    for step in range(args.steps):
        frame_ids = [min(s + 4 * step, n - 1) for s, n in zip(start, counts)]
        gop_list = decoder.GetGOPList(videos, frame_ids, useGOPCache=True)
        print(f"step {step}: frames {frame_ids}, cache hits {decoder.isCacheHit()}")
        gop_datas = [data for data, _, _ in gop_list]
        frames = decoder.DecodeFromGOPListRGB(gop_datas, videos, frame_ids, True)
        log.add(videos, frame_ids, frames)
    info = decoder.get_cache_info()
    print(f"cache: {info['cached_gops_count']} GOPs, {info['cached_bytes']} bytes, "
          f"{info['hits']} hits, {info['misses']} misses")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
