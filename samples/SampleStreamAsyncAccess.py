"""Async stream access: the next batch decodes while this one is used (DecodeN12ToRGBAsync /
DecodeN12ToRGBAsyncGetBuffer).

DecodeN12ToRGBAsync submits a request and returns at once; DecodeN12ToRGBAsyncGetBuffer, called
with the same arguments, returns its frames. Frames of earlier requests stay valid (no clone needed).

    python samples/SampleStreamAsyncAccess.py [videos...] [--gpu N] [--steps 6]
"""

import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=6)
    videos = args.videos
    last = [n - 1 for n in frame_counts(videos)]
    reader = nvc.CreateSampleReader(num_of_set=1, num_of_file=len(videos), iGpu=args.gpu)
    log = FrameLog(args.out)

    def ids(step):
        return [min(2 * step, n) for n in last]  # every other frame, forward

    reader.DecodeN12ToRGBAsync(videos, ids(0), as_bgr=False)       # prefetch the first batch
    for step in range(args.steps):
        frames = reader.DecodeN12ToRGBAsyncGetBuffer(videos, ids(step), as_bgr=False)
        if step + 1 < args.steps:
            reader.DecodeN12ToRGBAsync(videos, ids(step + 1), as_bgr=False)  # decodes while we work
        log.add(videos, ids(step), frames)                           # "work": here, keep the frames
    stats = reader.stats
    print(f"packets fed {stats['packets_fed']}, pictures decoded {stats['frames_decoded']}, restarts {stats['seeks']}")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
