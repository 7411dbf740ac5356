"""Training loop: one epoch of a tiny model over a multi-camera clip dataset, DataLoader with workers.

The videos are one set of synchronised cameras. Each sample is a clip: --frames frames at a --stride
from every camera, from a start drawn at random per epoch (RandomClipDataset, seeded with --seed), as a
(cams, T, C, H, W) uint8 tensor. Samples are sharded over DDP ranks (ShardedSampler; one rank when
torch.distributed is not initialised). The model (a convolution and a linear layer) takes one SGD step
per batch on a dummy loss: the point is the data path, and the sample prints samples/s.

On the CPU (--gpu -1) the DataLoader workers decode; on a GPU the separation pattern runs: the workers
demux GOP bundles, the main process decodes each batch on the GPU in one call (SeparatedLoader).

    python samples/SampleTrainingLoop.py [videos...] [--gpu N] [--steps S] [--workers W]
"""

import argparse
import sys
import time

import torch

import on_demand_video_decoder as nvc
from on_demand_video_decoder.torch import RandomClipDataset, SeparatedLoader, ShardedSampler, collate_clips
from sample_common import FrameLog, parse_args

BATCH_SIZE = 2


class TinyModel(torch.nn.Module):
    """A convolution over every frame of every camera, pooled, then one linear layer over the clip."""

    def __init__(self, cams: int, frames: int, classes: int = 4):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, kernel_size=3, stride=2)
        self.head = torch.nn.Linear(8 * cams * frames, classes)
        self.register_buffer("mean", torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1))

    def forward(self, clips: torch.Tensor) -> torch.Tensor:  # (B, cams, T, C, H, W) uint8
        batch = clips.shape[0]
        x = clips.flatten(0, 2).float().div_(255)
        x = torch.relu(self.conv((x - self.mean) / self.std))
        return self.head(x.mean(dim=(2, 3)).reshape(batch, -1))


def main(argv=None) -> int:
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--workers", type=int, default=2)
    extra.add_argument("--frames", type=int, default=2, help="frames per camera in a clip")
    extra.add_argument("--stride", type=int, default=3)
    own, rest = extra.parse_known_args(argv)
    args = parse_args(__doc__, rest)
    cams = len(args.videos)
    on_gpu = args.gpu is not None and args.gpu >= 0
    # Uint8 at the stream's size (the frames --out writes are the decoded ones); the model normalises.
    dataset = RandomClipDataset([args.videos], num_samples=args.steps * BATCH_SIZE, num_frames=own.frames,
                                stride=own.stride, seed=args.seed)
    sampler = ShardedSampler(dataset, seed=args.seed)
    dataset.set_epoch(0)
    sampler.set_epoch(0)
    if on_gpu:
        decoder = nvc.PyNvGopDecoder(maxfiles=cams, iGpu=args.gpu)
        loader = SeparatedLoader(dataset, decoder, batch_size=BATCH_SIZE, sampler=sampler, num_workers=own.workers)
        device = torch.device("cuda", args.gpu)
    else:
        loader = torch.utils.data.DataLoader(dataset, batch_size=BATCH_SIZE, sampler=sampler,
                                             num_workers=own.workers, collate_fn=collate_clips)
        device = torch.device("cpu")
    model = TinyModel(cams, own.frames).to(device)
    optimiser = torch.optim.SGD(model.parameters(), lr=0.01)

    log = FrameLog(args.out)
    samples, start = 0, time.perf_counter()
    for step, batch in enumerate(loader):
        clips = batch["frames"].to(device, non_blocking=True)
        loss = model(clips).pow(2).mean()  # a dummy objective: nothing is learnt
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        samples += clips.shape[0]
        print(f"step {step}: clips {tuple(clips.shape)}, loss {loss.item():.4f}")
        # The frames each clip holds (written as HWC arrays with --out): (B, T) ids, or (B, cams, T).
        ids = batch["frame_indices"].reshape(clips.shape[0], -1, own.frames)
        for b in range(clips.shape[0]):
            for c, video in enumerate(args.videos):
                frames = [f.permute(1, 2, 0) for f in batch["frames"][b, c]]
                if args.out is not None:
                    frames = [f.cpu().numpy() for f in frames]
                log.add([video] * own.frames, ids[b, min(c, ids.shape[1] - 1)].tolist(), frames)
    seconds = time.perf_counter() - start
    print(f"one epoch: {samples} samples of {cams} cameras x {own.frames} frames in {seconds:.2f} s, "
          f"{samples / seconds:.1f} samples/s ({own.workers} workers, decoding on "
          f"{'the GPU' if on_gpu else 'the CPU'})")
    log.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
