"""GOP-level random-access video decoding for machine learning, on NVDEC or libavcodec.

>>> import on_demand_video_decoder as odvd
>>> info = odvd.build_info()
>>> info["runtime"]["gpu_decode_usable"] in (True, False)
True
"""

from ._build_info import build_info
from ._gop_decoder import DecodedFrameExt, PyNvGopDecoder, RGBFrame, SavePacketsToFile
from ._sample_reader import CreateSampleReader, PyNvSampleReader

__version__ = "0.1.0"

__all__ = [
    "build_info",
    "CreateSampleReader",
    "DecodedFrameExt",
    "PyNvGopDecoder",
    "PyNvSampleReader",
    "RGBFrame",
    "SavePacketsToFile",
    "__version__",
]
