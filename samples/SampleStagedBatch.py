"""Staged loading (spdl.io's pattern): many videos demuxed concurrently, decoded, and converted into
one batch, with asyncio.

Each step picks --frames-per-video random frames of every video, then

    packets = await asyncio.gather(*(nvc.async_demux(v, ids) for v, ids in ...))  # GOPs read
    frames = await asyncio.gather(*(nvc.async_decode(p, device=...) for p in packets))  # decoded
    batch = await nvc.async_convert(frames, size=...)  # one contiguous (N, H, W, 3) block

and hands the batch to NumPy (or PyTorch: batch.to_torch()) without a copy. The three stages run
on the package's thread pool with the GIL released, so the videos of a step are worked on at the
same time. At the end it prints the throughput: frames per second through all three stages.

    python samples/SampleStagedBatch.py                         # six generated clips
    python samples/SampleStagedBatch.py a.mp4 b.mp4 --gpu -1    # your clips, on the CPU
    python samples/SampleStagedBatch.py --size 224 224 --steps 20
"""

import asyncio
import os
import random
import sys
import time

import on_demand_video_decoder as nvc
from sample_common import FrameLog, frame_counts, parse_args


def device_of(gpu) -> str:
    """--gpu as a device name: -1 the CPU; N GPU N; None GPU 0 when NVDEC is usable, else the CPU."""
    if gpu is None:
        runtime = nvc.build_info()["runtime"]
        usable = runtime["gpu_decode_usable"] and os.environ.get("ODVD_EXPERIMENTAL_NVDEC") == "1"
        return "cuda:0" if usable else "cpu"
    return "cpu" if gpu == -1 else f"cuda:{gpu}"


async def load_batch(videos, frame_ids, device, size):
    """One batch: every video's frames, demuxed and decoded concurrently, converted into one block."""
    packets = await asyncio.gather(*(nvc.async_demux(v, ids) for v, ids in zip(videos, frame_ids)))
    frames = await asyncio.gather(*(nvc.async_decode(p, device=device) for p in packets))
    return await nvc.async_convert(frames, size=size, device="cpu")


async def run(args, extra) -> int:
    videos = args.videos
    counts = frame_counts(videos)
    device = device_of(args.gpu)
    print(f"decoding on {device}; {len(videos)} videos x {extra.frames_per_video} frames per batch")
    rng = random.Random(args.seed)
    log = FrameLog(args.out)
    total, elapsed = 0, 0.0
    for step in range(args.steps):
        frame_ids = [sorted(rng.sample(range(n), min(n, extra.frames_per_video))) for n in counts]
        start = time.perf_counter()
        batch = await load_batch(videos, frame_ids, device, extra.size)
        elapsed += time.perf_counter() - start
        total += len(batch)
        array = batch.to_numpy()  # no copy
        print(f"step {step}: {batch}; pts {[round(float(s), 3) for s in batch.pts_seconds]}")
        log.add(batch.sources, batch.frame_ids.tolist(), [array[i] for i in range(len(batch))])
    log.close()
    print(f"staged: {total} frames in {elapsed:.3f} s, {total / elapsed:.1f} frames/s "
          f"(demux + decode + convert, {len(videos)} videos concurrently, on {device})")
    return 0


def main(argv=None) -> int:
    import argparse

    extra_parser = argparse.ArgumentParser(add_help=False)
    extra_parser.add_argument("--frames-per-video", type=int, default=2)
    extra_parser.add_argument("--size", type=int, nargs=2, default=None, metavar=("H", "W"))
    extra, rest = extra_parser.parse_known_args(argv)
    args = parse_args(__doc__, rest)
    return asyncio.run(run(args, extra))


if __name__ == "__main__":
    sys.exit(main())
