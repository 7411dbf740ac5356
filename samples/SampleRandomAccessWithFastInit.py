"""Random access with fast init: read each file's stream facts once (GetFastInitInfo), pass them
with every call.

The FastStreamInfos come from the container index alone (for MP4: the moov box). Passed back as
fastStreamInfos, each is checked against its file: one that belongs to another file raises
ValueError instead of decoding with the wrong parameters.

    python samples/SampleRandomAccessWithFastInit.py [videos...] [--gpu N]
"""

import random
import sys

import on_demand_video_decoder as nvc
from sample_common import FrameLog, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv)
    videos = args.videos
    infos = nvc.GetFastInitInfo(videos)
    for video, info in zip(videos, infos):
        fps = info.avg_frame_rate_num / info.avg_frame_rate_den
        print(f"{video}: {info.width}x{info.height}, codec id {info.codec_id}, {info.num_frames} frames at {fps:.3f} fps")
    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    rng = random.Random(args.seed)
    log = FrameLog(args.out)
    for step in range(args.steps):
        frame_ids = [rng.randrange(info.num_frames) for info in infos]
        frames = decoder.DecodeN12ToRGB(videos, frame_ids, as_bgr=True, fastStreamInfos=infos)
        print(f"step {step}: frames {frame_ids} (BGR)")
        log.add(videos, frame_ids, frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
