"""GOP files per video: GetGOPList -> SavePacketsToFile (one file per video) -> LoadGopsToList ->
DecodeFromGOPListRGB, including loading only the videos a step needs.

    python samples/SampleSeparationAccessGOPToListAPI.py [videos...] [--gpu N] [--gop-dir DIR]
"""

import random
import sys
import tempfile
from pathlib import Path

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=1, gop_dir=True)
    videos = args.videos
    counts = frame_counts(videos)
    rng = random.Random(args.seed)
    decoder = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu)
    log = FrameLog(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.gop_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for step in range(args.steps):
            frame_ids = [rng.randrange(n) for n in counts]
            # Workflow 1: save each video's GOP to its own file.
            gop_files = []
            for i, (gop_data, first_ids, gop_lens) in enumerate(decoder.GetGOPList(videos, frame_ids)):
                path = folder / f"step{step}_video{i}.bin"
                nvc.SavePacketsToFile(gop_data, str(path))
                gop_files.append(str(path))
            # Workflow 2: load them all back and decode.
            loaded = decoder.LoadGopsToList(gop_files)
            frames = decoder.DecodeFromGOPListRGB(loaded, videos, frame_ids, as_bgr=True)
            log.add(videos, frame_ids, frames)
            # Workflow 3: selective loading, only the last video's GOP.
            last = decoder.LoadGopsToList(gop_files[-1:])
            frames = decoder.DecodeFromGOPListRGB(last, videos[-1:], frame_ids[-1:], as_bgr=True)
            log.add(videos[-1:], frame_ids[-1:], frames)
            print(f"step {step}: {len(gop_files)} GOP files in {folder}, frames {frame_ids}")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
