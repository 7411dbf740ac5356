"""What the GPU adapters share: PyTorch as the CUDA runtime of the harness.

PyTorch is used for two things only: ``synchronize()`` at the end of a timed GPU call (so that
work a library left queued on a CUDA stream is counted), and ``torch.from_dlpack`` to reach a
device frame from the untimed checks. Both PyNvVideoCodec and this project work in the device's
primary CUDA context, the one PyTorch uses, so ``torch.cuda.synchronize`` (cudaDeviceSynchronize)
waits for their streams too.
"""

from typing import Any

import numpy as np


def cuda_torch(gpu: int, who: str):
    """PyTorch with CUDA device ``gpu`` usable, else RuntimeError saying why (adapter unavailable)."""
    try:
        import torch
    except ImportError as e:
        raise RuntimeError(f"{who} needs PyTorch (for DLPack and device synchronisation): {e}") from None
    if not torch.cuda.is_available():
        raise RuntimeError(f"{who}: no usable CUDA GPU (torch {torch.__version__}: torch.cuda.is_available() is False)")
    if gpu >= torch.cuda.device_count():
        raise RuntimeError(f"{who}: GPU {gpu} asked for, {torch.cuda.device_count()} visible")
    return torch


def synchronize(torch, gpu: int) -> None:
    """Wait until everything queued on the device has finished (the end of a timed GPU call)."""
    torch.cuda.synchronize(gpu)


def device_frame_to_host(torch, frame: Any) -> np.ndarray:
    """A device frame exposing DLPack as a host array (untimed: for the checks only)."""
    return torch.from_dlpack(frame).cpu().numpy()
