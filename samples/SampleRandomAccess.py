"""Random access: one random frame from each camera per step, each decoded from its own GOP.

PyNvGopDecoder.DecodeN12ToRGB decodes, for every (file, frame_id), only the packets from the key
frame that starts the frame's GOP to the frame itself, for all files in one call.

    python samples/SampleRandomAccess.py                      # six generated clips, GPU if usable
    python samples/SampleRandomAccess.py a.mp4 b.mp4 --gpu -1 # your clips, on the CPU
"""

import random
import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    videos = args.videos
    counts = frame_counts(videos)
    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    print(f"decoding on {decoder.device}")
    rng = random.Random(args.seed)
    log = FrameLog(args.out)
    for step in range(args.steps):
        frame_ids = [rng.randrange(n) for n in counts]
        frames = decoder.DecodeN12ToRGB(videos, frame_ids, as_bgr=False)
        print(f"step {step}: frames {frame_ids} -> {len(frames)} x {tuple(frames[0].shape)}")
        log.add(videos, frame_ids, frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
