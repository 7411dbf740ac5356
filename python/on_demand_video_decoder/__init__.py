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
from ._cached_gop_decoder import CachedGopDecoder, CreateGopDecoder
from ._codec import Codec
from ._color_range_warning import NoColorRangeWarning
from ._gop_decoder import CAIMemoryView, DecodedFrameExt, PixelFormat, PyNvGopDecoder, RGBFrame, SavePacketsToFile
from .dataset import GopStore
from ._page_cache import DropCacheStatus, drop_videos_cache
from ._sample_reader import CreateSampleReader, PyNvSampleReader
from ._stream_info import FastStreamInfo, GetFastInitInfo

__version__ = "0.1.0"

__all__ = [
    "BatchRequestError",
    "build_info",
    "CachedGopDecoder",
    "CAIMemoryView",
    "Codec",
    "CreateBatchAsyncGopDecoder",
    "CreateBatchAsyncStreamReader",
    "CreateGopDecoder",
    "CreateSampleReader",
    "DecodedFrameExt",
    "drop_videos_cache",
    "DropCacheStatus",
    "FastStreamInfo",
    "GetFastInitInfo",
    "GopStore",
    "NoColorRangeWarning",
    "PixelFormat",
    "PyNvBatchAsyncGopDecoder",
    "PyNvBatchAsyncStreamReader",
    "PyNvGopDecoder",
    "PyNvSampleReader",
    "RGBFrame",
    "SavePacketsToFile",
    "__version__",
]
