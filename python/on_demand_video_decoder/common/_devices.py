"""Backend selection for ``iGpu`` (docs/design.md "Devices"): None = auto, -1 = CPU, >= 0 = that GPU.

The NVDEC backend is written and compiled but has not yet run on a GPU (docs/validation/gpu.md).
Until a GPU run has validated it, it is opt-in: ``ODVD_EXPERIMENTAL_NVDEC=1`` lets ``iGpu>=0``
(and ``iGpu=None``) use it; otherwise ``iGpu>=0`` raises RuntimeError saying so, and ``iGpu=None``
decodes on the CPU.
"""

import operator
import os
import warnings
from typing import Any, Optional, Tuple

from .. import _engine

CPU = -1
_warned_auto_cpu = False


def select_backend(iGpu: Optional[int]) -> int:
    """Return the device index to decode on (-1 for the CPU backend) or raise.

    ``iGpu=None`` picks GPU 0 when NVDEC is usable, else the CPU with one warning per process;
    ``iGpu>=0`` demands that GPU and raises RuntimeError when it cannot be used; ``iGpu=-1`` is
    the CPU backend (libavcodec).
    """
    global _warned_auto_cpu
    if iGpu is not None:
        if isinstance(iGpu, bool):
            raise TypeError("iGpu must be an int or None, not bool")
        try:
            iGpu = operator.index(iGpu)
        except TypeError:
            raise TypeError(f"iGpu must be an int or None, not {type(iGpu).__name__}") from None
        if iGpu < -1:
            raise ValueError(f"iGpu={iGpu}: use None (auto), -1 (CPU) or a GPU index >= 0")
        if iGpu == CPU:
            return CPU
    runtime = _engine.build_info()["runtime"]
    if iGpu is None:
        if runtime.get("gpu_decode_usable") and nvdec_enabled():
            return 0
        if not _warned_auto_cpu:
            _warned_auto_cpu = True
            reason = (
                "the NVDEC backend is not yet validated on a GPU; set ODVD_EXPERIMENTAL_NVDEC=1 to try it"
                if runtime.get("gpu_decode_usable")
                else _why_no_gpu(runtime)
            )
            warnings.warn(f"on_demand_video_decoder: decoding on the CPU ({reason}); pass iGpu=-1 to "
                          "choose the CPU explicitly", RuntimeWarning, stacklevel=3)
        return CPU
    if not runtime.get("gpu_decode_usable"):
        raise RuntimeError(f"iGpu={iGpu}: GPU decoding is not possible here: {_why_no_gpu(runtime)}. "
                           "Use iGpu=-1 for the CPU backend or iGpu=None to pick automatically.")
    if not nvdec_enabled():
        raise RuntimeError(f"iGpu={iGpu}: the NVDEC backend of this version has not yet been validated on a GPU; "
                           "set ODVD_EXPERIMENTAL_NVDEC=1 to use it anyway, or use iGpu=-1 (CPU) or iGpu=None.")
    count = runtime.get("device_count") or 0
    if iGpu >= count:
        raise RuntimeError(f"iGpu={iGpu}: only {count} CUDA device(s) visible")
    return iGpu


def parse_device(device: Any) -> Tuple[int, str]:
    """(engine device index, name) of ``"cpu"``, ``"cuda"``, ``"cuda:N"`` (or a torch.device): CPU is -1.
    RuntimeError when the GPU asked for cannot decode here (docs/design.md "Devices")."""
    name = str(device) if type(device).__module__ == "torch" else device
    if not isinstance(name, str):
        raise TypeError(f"device must be 'cpu', 'cuda' or 'cuda:N', got {device!r}")
    name = name.strip().lower()
    if name == "cpu":
        return CPU, "cpu"
    if name == "cuda" or name.startswith("cuda:"):
        index = name[5:] or "0"
        if not index.isdigit():
            raise ValueError(f"device {device!r}: use 'cpu', 'cuda' or 'cuda:N'")
        gpu = select_backend(int(index))
        return gpu, f"cuda:{gpu}"
    raise ValueError(f"device {device!r}: use 'cpu', 'cuda' or 'cuda:N'")


def igpu_for(iGpu: Optional[int], device: Any, default: Optional[int] = 0) -> Optional[int]:
    """The ``iGpu`` a class taking both accvlab's ``iGpu`` and the staged API's ``device=`` decodes on.

    ``device=None``: ``iGpu`` as given. Otherwise ``device`` decides (``"cpu"``, ``"cuda"``,
    ``"cuda:N"``, a torch.device); an ``iGpu`` other than its default that names another device is
    a ValueError, not a silent choice of one of the two."""
    if device is None:
        return iGpu
    index, name = parse_device(device)
    if iGpu != default and iGpu != index:
        raise ValueError(f"iGpu={iGpu!r} and device={device!r} name different devices: pass one of the two")
    return index


GPU_BACKENDS = ("cuvid", "ffmpeg")


def select_gpu_backend(gpu_backend: Optional[str]) -> str:
    """The GPU backend to decode with: ``"cuvid"`` (NVIDIA's parser and decoder, libnvcuvid) or
    ``"ffmpeg"`` (libavcodec's NVDEC hwaccel). ``None`` takes ``ODVD_GPU_BACKEND`` from the
    environment, else ``"cuvid"``. Both give the same frames; the CPU backend ignores the choice."""
    if gpu_backend is None:
        gpu_backend = os.environ.get("ODVD_GPU_BACKEND") or "cuvid"
        where = "ODVD_GPU_BACKEND"
    else:
        where = "gpu_backend"
    if not isinstance(gpu_backend, str):
        raise TypeError(f"gpu_backend must be a str or None, not {type(gpu_backend).__name__}")
    if gpu_backend not in GPU_BACKENDS:
        raise ValueError(f"{where}={gpu_backend!r}: use one of {', '.join(map(repr, GPU_BACKENDS))}")
    return gpu_backend


def nvdec_enabled() -> bool:
    """Whether the (not yet GPU-validated) NVDEC backend may be used: ODVD_EXPERIMENTAL_NVDEC=1."""
    return os.environ.get("ODVD_EXPERIMENTAL_NVDEC") == "1"


def _why_no_gpu(runtime: dict) -> str:
    if not runtime.get("driver_found"):
        return f"libcuda.so.1 not found ({runtime.get('driver_error') or 'no NVIDIA driver'})"
    if runtime.get("cuda_init_error"):
        return f"cuInit failed: {runtime['cuda_init_error']}"
    if not runtime.get("nvdec_found"):
        return f"libnvcuvid.so.1 not found ({runtime.get('nvdec_error') or 'no NVIDIA video decode library'})"
    if not runtime.get("device_count"):
        return "no CUDA device"
    return "NVDEC is not usable"
