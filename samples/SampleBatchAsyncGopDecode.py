"""2-D async GOP decoding, with GOP groups: demux in one place (GetGOPGroups: one bundle per GOP a
request needs, saved with SavePacketsToFile), decode in another, several frames per clip per call, in
the background (CreateBatchAsyncGopDecoder: DecodeFromGOPListRGB / DecodeFromGOPListRGBGetBuffer).

DecodeFromGOPListRGB(bundles, videos, frame_ids) submits a request, ``bundles[v]`` holding the GOPs of
``videos[v]`` and ``frame_ids[v]`` its row of frame ids (every row the same length), and returns at
once; DecodeFromGOPListRGBGetBuffer, with the same videos and ids, returns ``frames[v][f]``. The
targets of one GOP are decoded in one pass. The first step also decodes its groups with
DecodeFromGOPGroupsRGB, the synchronous way to decode groups.

    python samples/SampleBatchAsyncGopDecode.py [videos...] [--gpu N] [--steps 3] [--gop-dir DIR]
"""

import random
import sys
import tempfile
from pathlib import Path

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args

FRAMES_PER_CALL = 3


def extract(videos, frame_ids, folder: Path, step: int):
    """The demux side (needs the videos): the groups of one request, each bundle saved to a file."""
    demuxer = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=-1)
    groups = demuxer.GetGOPGroups([{"filepath": v, "frame_ids": row} for v, row in zip(videos, frame_ids)])
    files = [[] for _ in videos]
    for k, group in enumerate(groups):
        path = folder / f"step{step}_group{k}.bin"
        nvc.SavePacketsToFile(group["gop_data"], str(path))
        files[group["source_index"]].append(str(path))
        print(f"step {step}: {Path(group['filepath']).name} GOP [{group['first_frame_id']}, "
              f"{group['first_frame_id'] + group['gop_len']}) holds frames {group['frame_ids']}")
    return groups, files


def main(argv=None) -> int:
    args = parse_args(__doc__, argv, steps=3, gop_dir=True)
    videos = args.videos
    counts = frame_counts(videos)
    rng = random.Random(args.seed)
    requests = [[sorted(rng.sample(range(n), FRAMES_PER_CALL)) for n in counts] for _ in range(args.steps)]
    decoder = nvc.CreateBatchAsyncGopDecoder(maxfiles=len(videos), max_frames_per_decode_call=FRAMES_PER_CALL,
                                             iGpu=args.gpu)
    log = FrameLog(args.out)
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.gop_dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        extracted = [extract(videos, frame_ids, folder, step) for step, frame_ids in enumerate(requests)]

        # GOP groups decoded synchronously: one dictionary per group, its frames in "frames".
        groups = extracted[0][0]
        decoded = nvc.PyNvGopDecoder(maxfiles=len(videos), iGpu=args.gpu).DecodeFromGOPGroupsRGB(groups)
        print(f"DecodeFromGOPGroupsRGB: {len(decoded)} groups, {sum(len(g['frames']) for g in decoded)} frames")
        for group in decoded:
            log.add([group["filepath"]] * len(group["frame_ids"]), group["frame_ids"], group["frames"])

        # The decode side (needs only the GOP files), one request ahead.
        loader = nvc.PyNvGopDecoder(maxfiles=1, iGpu=-1)

        def submit(step):
            bundles = [loader.LoadGopsToList(files) for files in extracted[step][1]]
            decoder.DecodeFromGOPListRGB(bundles, videos, requests[step], as_bgr=False)

        submit(0)
        for step in range(args.steps):
            frames = decoder.DecodeFromGOPListRGBGetBuffer(videos, requests[step], as_bgr=False)  # frames[v][f]
            if step + 1 < args.steps:
                submit(step + 1)  # decodes while we work
            for video, row, video_frames in zip(videos, requests[step], frames):
                log.add([video] * len(row), row, video_frames)
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
