"""What every sample shares: its command line, the clips it reads, and saving the frames it decodes.

Every sample takes the same arguments:

    videos            clips to read (default: six small "camera" clips made with the ffmpeg CLI)
    --gpu N           None (default): GPU 0 when NVDEC is usable, else the CPU; -1: the CPU; N: GPU N
    --steps S         how many batches to decode
    --seed K          the seed of the random frame choice
    --out DIR         also write each decoded frame as DIR/NNNN.npy (HWC uint8) and DIR/frames.json
                      (for each frame: the file, the frame id, and whether it is BGR)
    --gop-dir DIR     (samples that write GOP files) where to keep them
    --store-id K      (SampleSharedGopStore) the SharedGopStore's id (default: the process id)
"""

import argparse
import json
import os
from pathlib import Path
from typing import List, Optional, Sequence

import numpy as np

import on_demand_video_decoder as nvc

DEMO_DIR = Path("~/.cache/on_demand_video_decoder/samples")


def parse_args(doc: str, argv: Optional[Sequence[str]] = None, steps: int = 3,
               gop_dir: bool = False, store_id: bool = False) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=doc.strip().splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=doc)
    parser.add_argument("videos", nargs="*", help="video files (default: six generated camera clips)")
    parser.add_argument("--gpu", type=int, default=None, help="None: auto, -1: CPU, N: GPU N")
    parser.add_argument("--steps", type=int, default=steps, help="batches to decode")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random frame choice")
    parser.add_argument("--out", type=Path, default=None, help="write the decoded frames here")
    if gop_dir:
        parser.add_argument("--gop-dir", type=Path, default=None,
                            help="keep the GOP files here (default: a temporary folder)")
    if store_id:
        parser.add_argument("--store-id", type=int, default=None,
                            help="the SharedGopStore's id (default: this process's id)")
    args = parser.parse_args(argv)
    if not args.videos:
        from on_demand_video_decoder.tools._demo import ensure_clips  # the demo's clip maker (ffmpeg CLI)

        args.videos = ensure_clips(DEMO_DIR)
    args.videos = [os.fspath(v) for v in args.videos]
    return args


def frame_counts(videos: List[str]) -> List[int]:
    """The number of frames of each video, from its container index (no decoding)."""
    return [info.num_frames for info in nvc.GetFastInitInfo(videos)]


def to_numpy(frame) -> np.ndarray:
    """A decoded frame as a host NumPy array (a view of CPU frames, a copy of GPU ones)."""
    if getattr(frame, "device", "cpu") == "cpu":
        return np.asarray(frame)
    return np.from_dlpack(frame, device="cpu", copy=True)


class FrameLog:
    """Collects the decoded frames of a run and, with --out, writes them for inspection or checking."""

    def __init__(self, out: Optional[Path]):
        self.out = out
        self.entries: List[dict] = []
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)

    def add(self, videos: Sequence[str], frame_ids: Sequence[int], frames) -> None:
        if len(frames) != len(frame_ids):
            raise RuntimeError(f"asked for {len(frame_ids)} frames, got {len(frames)}")
        for video, fid, frame in zip(videos, frame_ids, frames):
            name = f"{len(self.entries):04d}.npy"
            if self.out is not None:
                np.save(self.out / name, to_numpy(frame))
            self.entries.append({"file": video, "frame_id": int(fid), "bgr": bool(getattr(frame, "isBGR", False)),
                                 "npy": name})

    def close(self) -> None:
        if self.out is not None:
            (self.out / "frames.json").write_text(json.dumps(self.entries, indent=1))
        print(f"decoded {len(self.entries)} frames" + (f", written to {self.out}" if self.out else ""))
