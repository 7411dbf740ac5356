"""GOP-level random-access video decoding for machine learning, on NVDEC or libavcodec.

>>> import on_demand_video_decoder as odvd
>>> info = odvd.build_info()
>>> info["runtime"]["gpu_decode_usable"] in (True, False)
True
"""

from ._batch_common import BatchRequestError
from ._batch_gop_decoder import CreateBatchAsyncGopDecoder, PyNvBatchAsyncGopDecoder
from ._batch_stream_reader import CreateBatchAsyncStreamReader, PyNvBatchAsyncStreamReader
from ._build_info import build_info
from ._by_time import get_frames_at, get_frames_played_at, get_frames_played_in_range
from ._cached_gop_decoder import CachedGopDecoder, CreateGopDecoder
from ._codec import Codec
from ._errors import CorruptDataError, FrameIndexError, SourceNotFoundError
from ._color_range_warning import NoColorRangeWarning
from ._gop_decoder import CAIMemoryView, DecodedFrameExt, PixelFormat, PyNvGopDecoder, RGBFrame, SaveGopToFile, SavePacketsToFile
from .dataset import GopStore
from ._gop_ref import GopEvictedError, GopRef, GopStoreFullError
from ._logging import LOG_LEVELS, get_log_level, set_log_level
from ._metadata import VideoMetadata, get_metadata
from ._page_cache import DropCacheStatus, drop_videos_cache
from ._sample_reader import CreateSampleReader, PyNvSampleReader
from ._shared_gop_store import SharedGopStore
from ._staged import async_convert, async_decode, async_demux, convert, decode, demux
from ._images import async_decode_image, decode_image, decode_images
from ._staged_types import Batch, Frame, Frames, Packets
from ._stream_info import FastStreamInfo, GetFastInitInfo
from ._streams import list_streams
from ._writer import write_video

__version__ = "0.1.0"


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
