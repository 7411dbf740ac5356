"""GOP-level random-access video decoding for machine learning, on NVDEC or libavcodec.

The public names live here; the modules behind them are grouped by layer (``_layers.py``,
docs/design.md "The Python package"): ``common``, ``sources`` / ``encode``, ``store`` / ``staged``,
``seed`` (the accvlab names), then ``torch`` / ``dataset`` and ``tools``.

>>> import on_demand_video_decoder as odvd
>>> info = odvd.build_info()
>>> info["runtime"]["gpu_decode_usable"] in (True, False)
True
"""

import sys as _sys

from ._layers import MovedModules as _MovedModules
from .common._build_info import __version__, build_info
from .common._codec import Codec
from .common._color_range_warning import NoColorRangeWarning
from .common._errors import CorruptDataError, FrameIndexError, FrameNotInBundleError, SourceNotFoundError
from .common._logging import LOG_LEVELS, get_log_level, set_log_level
from .dataset import GopStore
from .encode._writer import write_video
from .seed._batch_common import BatchRequestError
from .seed._batch_gop_decoder import CreateBatchAsyncGopDecoder, PyNvBatchAsyncGopDecoder
from .seed._batch_stream_reader import CreateBatchAsyncStreamReader, PyNvBatchAsyncStreamReader
from .seed._cached_gop_decoder import CachedGopDecoder, CreateGopDecoder
from .seed._gop_decoder import (
    CAIMemoryView,
    DecodedFrameExt,
    PixelFormat,
    PyNvGopDecoder,
    RGBFrame,
    SaveGopToFile,
    SavePacketsToFile,
)
from .seed._sample_reader import CreateSampleReader, PyNvSampleReader
from .sources._metadata import VideoMetadata, get_metadata
from .sources._page_cache import DropCacheStatus, drop_videos_cache
from .sources._stream_info import FastStreamInfo, GetFastInitInfo, list_streams
from .staged._by_time import get_frames_at, get_frames_played_at, get_frames_played_in_range
from .staged._images import async_decode_image, decode_image, decode_images
from .staged._stages import async_convert, async_decode, async_demux, convert, decode, demux
from .staged._types import Batch, Frame, Frames, Packets
from .store._gop_ref import GopEvictedError, GopRef, GopStoreFullError
from .store._shared_gop_store import SharedGopStore

# The flat layout's module names stay importable (and pickles that name them loadable): each is an
# alias of the module it moved to, resolved when first imported.
_sys.meta_path.append(_MovedModules(__name__))

__all__ = [
    "BatchRequestError",
    "build_info",
    "CachedGopDecoder",
    "CAIMemoryView",
    "Codec",
    "CorruptDataError",
    "CreateBatchAsyncGopDecoder",
    "CreateBatchAsyncStreamReader",
    "CreateGopDecoder",
    "CreateSampleReader",
    "DecodedFrameExt",
    "drop_videos_cache",
    "DropCacheStatus",
    "FastStreamInfo",
    "FrameIndexError",
    "FrameNotInBundleError",
    "GetFastInitInfo",
    "get_log_level",
    "GopStore",
    "list_streams",
    "LOG_LEVELS",
    "GopEvictedError",
    "GopRef",
    "GopStoreFullError",
    "NoColorRangeWarning",
    "PixelFormat",
    "PyNvBatchAsyncGopDecoder",
    "PyNvBatchAsyncStreamReader",
    "PyNvGopDecoder",
    "PyNvSampleReader",
    "RGBFrame",
    "SaveGopToFile",
    "SourceNotFoundError",
    "SavePacketsToFile",
    "set_log_level",
    "SharedGopStore",
    "write_video",
    "__version__",
    # Metadata, frames by time, and the staged API (issue 14: docs/access-*.md)
    "async_convert",
    "async_decode",
    "async_decode_image",
    "async_demux",
    "Batch",
    "convert",
    "decode",
    "decode_image",
    "decode_images",
    "demux",
    "Frame",
    "Frames",
    "get_frames_at",
    "get_frames_played_at",
    "get_frames_played_in_range",
    "get_metadata",
    "Packets",
    "VideoMetadata",
]
