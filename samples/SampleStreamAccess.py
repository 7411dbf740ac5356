"""Stream access: consecutive frames of several clips (PyNvSampleReader), each frame decoded once.

A sample reader keeps one decoder per file between calls. A request at or after the decoder's
position continues from there without seeking, so walking forward through a clip decodes every
frame exactly once. num_of_set is how many sets of num_of_file clips a loop cycles through (here
2: even steps read the first half of the clips, odd steps the second half). At the end the clips'
pages are dropped from the page cache (drop_videos_cache), as when switching datasets.

    python samples/SampleStreamAccess.py [videos...] [--gpu N] [--steps 8]
"""

import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=8)
    videos = args.videos
    half = (len(videos) + 1) // 2
    sets = [videos[:half], videos[half:]] if len(videos) > 1 else [videos]
    counts = dict(zip(videos, frame_counts(videos)))
    reader = nvc.CreateSampleReader(num_of_set=len(sets), num_of_file=half, iGpu=args.gpu)
    log = FrameLog(args.out)
    for step in range(args.steps):
        clip_set = sets[step % len(sets)]
        position = step // len(sets)  # each set advances one frame per visit
        frame_ids = [min(position, counts[v] - 1) for v in clip_set]
        frames = reader.DecodeN12ToRGB(clip_set, frame_ids, as_bgr=False)
        log.add(clip_set, frame_ids, frames)
    stats = reader.stats
    print(f"packets fed {stats['packets_fed']}, pictures decoded {stats['frames_decoded']}, restarts {stats['seeks']}")
    reader.release_decoder()
    status = nvc.drop_videos_cache(videos)
    print(f"drop_videos_cache: {status.name}")
    log.close()
    return 0 if status == nvc.DropCacheStatus.SUCCESS else 1


if __name__ == "__main__":
    sys.exit(main())
