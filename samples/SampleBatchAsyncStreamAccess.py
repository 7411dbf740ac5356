"""2-D async stream access: several frames of every clip per call, the next request decoding while
this one is used (CreateBatchAsyncStreamReader: Decode / GetBuffer).

Decode(videos, frame_ids) submits a request, ``frame_ids[v]`` being the row of frame ids of
``videos[v]`` (every row the same length, at most max_frames_per_decode_call), and returns at once;
GetBuffer, called with the same arguments, returns its frames as ``frames[v][f]``. Each clip's reader
moves forward across calls, so walking the clips decodes each frame once. Frames of earlier requests
stay valid (no clone needed).

    python samples/SampleBatchAsyncStreamAccess.py [videos...] [--gpu N] [--steps 3]
"""

import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args

FRAMES_PER_CALL = 4


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=3)
    videos = args.videos
    last = [n - 1 for n in frame_counts(videos)]
    reader = nvc.CreateBatchAsyncStreamReader(num_of_set=1, num_of_file=len(videos),
                                              max_frames_per_decode_call=FRAMES_PER_CALL, iGpu=args.gpu)
    log = FrameLog(args.out)

    def ids(step):  # a short clip per video, every other frame, moving forward
        return [[min(2 * (FRAMES_PER_CALL * step + f), n) for f in range(FRAMES_PER_CALL)] for n in last]

    reader.Decode(videos, ids(0), as_bgr=False)                      # prefetch the first request
    for step in range(args.steps):
        frames = reader.GetBuffer(videos, ids(step), as_bgr=False)   # frames[v][f]
        if step + 1 < args.steps:
            reader.Decode(videos, ids(step + 1), as_bgr=False)       # decodes while we work
        for video, row, video_frames in zip(videos, ids(step), frames):
            log.add([video] * len(row), row, video_frames)           # "work": here, keep the frames
    stats = reader.stats
    print(f"packets fed {stats['packets_fed']}, pictures decoded {stats['frames_decoded']}, restarts {stats['seeks']}")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
