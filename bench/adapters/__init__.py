"""Registry of benchmark adapters: name -> adapter class (see base.py for the interface).

An adapter spec on the command line is ``name`` or ``name:key=value,key=value`` (for example
``pyav:thread_type=AUTO`` or ``odvd:iGpu=0``); ``make_adapter`` parses it. Adding a library: a new
module with an ``Adapter`` subclass, one line in ``REGISTRY``. Modules import their library only
when the adapter is constructed, so the registry imports without any of them installed.
"""

from typing import Dict, Tuple, Type

from .base import Adapter, ClipInfo, GopInfo
from .decord2 import Decord2Adapter
from .odvd import OdvdAdapter
from .opencv import OpenCVAdapter
from .pread import PreadPacketsAdapter, PreadRangeAdapter
from .pyav import PyAVAdapter
from .pynvc import PyNvcSeekAdapter, PyNvcSimpleAdapter
from .spdl import SpdlAdapter
from .torchcodec import TorchCodecAdapter
from .video_reader_rs import VideoReaderRsAdapter

REGISTRY: Dict[str, Type[Adapter]] = {
    "odvd": OdvdAdapter,
    "pyav": PyAVAdapter,
    "pread-packets": PreadPacketsAdapter,
    "pread-range": PreadRangeAdapter,
    # CPU peers for workloads.py (each imports its library only when constructed)
    "opencv": OpenCVAdapter,
    "decord2": Decord2Adapter,
    "video-reader-rs": VideoReaderRsAdapter,
    "spdl": SpdlAdapter,
    "torchcodec": TorchCodecAdapter,
    # GPU (NVDEC) peers; our own NVDEC backend is "odvd:iGpu=0".
    "pynvvideocodec": PyNvcSimpleAdapter,
    "pynvvideocodec-seek": PyNvcSeekAdapter,
}


def parse_spec(spec: str) -> Tuple[str, Dict[str, str]]:
    """``"pyav:thread_type=AUTO,thread_count=2"`` -> ``("pyav", {"thread_type": "AUTO", ...})``."""
    name, _, rest = spec.partition(":")
    options = {}
    for item in filter(None, rest.split(",")):
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"adapter spec {spec!r}: option {item!r} is not key=value")
        options[key.strip()] = value.strip()
    if name not in REGISTRY:
        raise ValueError(f"unknown adapter {name!r}; known: {', '.join(sorted(REGISTRY))}")
    return name, options


def spec_argument(spec: str) -> str:
    """argparse ``type=`` for adapter specs: rejects unknown names before any work starts."""
    import argparse

    try:
        parse_spec(spec)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return spec


def make_adapter(spec: str) -> Adapter:
    name, options = parse_spec(spec)
    return REGISTRY[name](**options)


__all__ = ["Adapter", "ClipInfo", "GopInfo", "REGISTRY", "make_adapter", "parse_spec", "spec_argument"]
