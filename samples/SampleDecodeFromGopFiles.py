"""GOP files on disk: demux once (GetGOP -> SavePacketsToFile), decode later from the files alone
(LoadGops -> DecodeFromGOPRGB), e.g. on another machine, without the source videos.

    python samples/SampleDecodeFromGopFiles.py [videos...] [--gpu N] [--gop-dir DIR]
"""

import random
import sys
import tempfile
from pathlib import Path

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def extract(videos, requests, folder: Path):
    """Stage 1 (needs the videos): one bundle file per step."""
    demuxer = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=-1)
    files = []
    for step, frame_ids in enumerate(requests):
        packets, first_ids, gop_lens = demuxer.GetGOP(videos, frame_ids)
        path = folder / f"gops_step{step}.bin"
        nvc.SavePacketsToFile(packets, str(path))
        files.append(str(path))
    return files


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, gop_dir=True)
    videos = args.videos
    counts = frame_counts(videos)
    rng = random.Random(args.seed)
    requests = [[rng.randrange(n) for n in counts] for _ in range(args.steps)]
    log = FrameLog(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.gop_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = extract(videos, requests, folder)
        # Stage 2 (needs only the files): the paths passed to the decoder are labels from the bundles.
        decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
        for frame_ids, path in zip(requests, files):
            merged = decoder.LoadGops([path])
            frames = decoder.DecodeFromGOPRGB(merged, videos, frame_ids)
            print(f"{path}: {merged.nbytes} bytes -> frames {frame_ids}")
            log.add(videos, frame_ids, frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
