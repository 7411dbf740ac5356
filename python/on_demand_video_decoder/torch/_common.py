"""What the datasets share: scanning videos for their frame counts (with a progress bar), output
options, frames as tensors, image folders, and a decoder made once per process."""

import functools
import os
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np
import torch

from ..common._output import normalise
from ..common._progress import progress
from ..seed._gop_decoder import PyNvGopDecoder
from ..sources._stream_info import GetFastInitInfo

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
_SCAN_CHUNK = 16


def output_settings(output: Dict[str, Any], layout: str = "CHW") -> Dict[str, Any]:
    """The output options of a dataset's batches: checked now (TypeError / ValueError before any
    worker starts), CHW unless asked otherwise, always stacked into one tensor."""
    output = dict(output)
    if "stack" in output and not output.pop("stack"):
        raise ValueError("the datasets always stack a batch into one tensor: stack=False is not supported")
    output.setdefault("layout", layout)
    normalise(**output, stack=True)
    return output


@functools.lru_cache(maxsize=1024)
def image_files(folder: str) -> Tuple[str, ...]:
    """The images of a folder (IMAGE_EXTENSIONS, any case), sorted by name: one frame each (listed once
    per process)."""
    files = tuple(sorted(os.path.join(folder, n) for n in os.listdir(folder) if n.lower().endswith(IMAGE_EXTENSIONS)))
    if not files:
        raise ValueError(f"{folder}: a folder of the collection holds no images ({', '.join(IMAGE_EXTENSIONS)})")
    return files


def scan_frame_counts(paths: Sequence[str], desc: str = "scanning videos", show: Optional[bool] = None) -> List[int]:
    """Frames of each video (from its container index, nothing decoded) or of each image folder,
    with a progress bar on a terminal."""
    counts: List[int] = []
    chunks = [paths[k:k + _SCAN_CHUNK] for k in range(0, len(paths), _SCAN_CHUNK)]
    bar = progress(chunks, total=len(chunks), desc=desc, enabled=show)
    for chunk in bar:
        videos = [p for p in chunk if not os.path.isdir(p)]
        infos = iter(GetFastInitInfo(videos) if videos else [])
        counts += [len(image_files(p)) if os.path.isdir(p) else next(infos).num_frames for p in chunk]
    return counts


def frames_tensor(frame: Any) -> torch.Tensor:
    """A stacked RGBFrame as a tensor, without a copy (host or device memory)."""
    return torch.from_dlpack(frame)


def image_tensor(path: str, output: Dict[str, Any]) -> torch.Tensor:
    """One image file as the datasets' frames are (the output options applied in torch; a resize is
    torch's bilinear, align_corners=False, without antialias, as the engine's). Needs Pillow."""
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("folders of images need Pillow (pip install pillow)") from None
    with Image.open(path) as img:
        rgb = np.array(img.convert("RGB"))  # an owned, writable copy
    height, width, planar, float32, mean, std, *_ = normalise(**output, stack=True)
    t = torch.from_numpy(rgb).permute(2, 0, 1)
    if height and (height, width) != tuple(t.shape[1:]):
        t = torch.nn.functional.interpolate(t[None].float(), size=(height, width), mode="bilinear",
                                            align_corners=False)[0]
        if not float32:
            t = t.round().clamp(0, 255).to(torch.uint8)
    if float32:
        t = t.float() / 255.0
        t = (t - torch.tensor(mean).view(3, 1, 1)) / torch.tensor(std).view(3, 1, 1)
    if not planar:
        t = t.permute(1, 2, 0)
    return t.contiguous()


class PerProcess:
    """A decoder made on first use in each process (a DataLoader worker, forked or spawned, makes its
    own; one inherited through fork is never used, since its engine's threads did not come along)."""

    def __init__(self, factory, *args, **kwargs):
        self._factory, self._args, self._kwargs = factory, args, kwargs
        self._pid: Optional[int] = None
        self._obj = None

    def get(self):
        if self._obj is None or self._pid != os.getpid():
            self._obj = self._factory(*self._args, **self._kwargs)
            self._pid = os.getpid()
        return self._obj

    def __getstate__(self) -> dict:
        return {"factory": self._factory, "args": self._args, "kwargs": self._kwargs}

    def __setstate__(self, state: dict) -> None:
        self.__init__(state["factory"], *state["args"], **state["kwargs"])


def gop_decoder(maxfiles: int, iGpu: Optional[int], gpu_backend: Optional[str]) -> PerProcess:
    return PerProcess(PyNvGopDecoder, maxfiles, iGpu, True, gpu_backend=gpu_backend)


def as_paths(videos: Any) -> Tuple[Tuple[str, ...], bool]:
    """A clip's videos: (paths, whether it is a set of cameras). One path (str or PathLike) is a single
    video; a list or tuple of paths is a set of synchronised cameras."""
    if isinstance(videos, (str, bytes, os.PathLike)):
        return (os.fspath(videos),), False
    paths = tuple(os.fspath(v) for v in videos)
    if not paths:
        raise ValueError("a camera set must hold at least one video")
    return paths, True
