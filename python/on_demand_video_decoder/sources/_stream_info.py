"""FastStreamInfo / GetFastInitInfo: a video stream's facts from its index, as in the seed API; and
list_streams: what a container holds, for choosing a stream with ``stream_index=`` (docs/seed-api.md,
"Choosing a stream").

For MP4/MOV the facts come from the moov box alone (the direct index of csrc/demux/mp4_index.cpp);
other containers are indexed with one packet scan (no decoding). Passing the infos back to
PyNvGopDecoder.Decode / DecodeN12ToRGB / GetGOP / GetGOPList checks them against each file and
raises ValueError for one that does not match (infos in the wrong order, or from another file),
instead of decoding with the wrong parameters. Opening a file probes by decoding only when neither its
header nor its first packet tells the sample format (raw elementary streams, MPEG-TS), so there is
little further for an info to skip.
"""

import math
from fractions import Fraction
from typing import Any, Dict, List, Optional, Sequence

import numpy as np

from .. import _engine
from ..common._args import _items, _stream_keys
from ..common._codec import Codec
from ._sources import Sources
from ._timeline import base_step

# libavutil's numbering (stable across FFmpeg versions): AVMEDIA_TYPE_VIDEO and the 4:2:0 formats.
_AVMEDIA_TYPE_VIDEO = 0
_PIX_FMT = {8: 0, 10: 64, 12: 123}  # AV_PIX_FMT_YUV420P, YUV420P10LE, YUV420P12LE
_FIELDS = ("codec_id", "codec_type", "format", "width", "height", "time_base_num", "time_base_den", "start_time",
           "duration", "avg_frame_rate_num", "avg_frame_rate_den", "r_frame_rate_num", "r_frame_rate_den", "num_frames")
# What is checked against a file: FastStreamInfo field -> the file's stream parameters (the engine's
# params dict, as _index_report gives it).
_CHECKED = {
    "codec_id": lambda p: p["ff_codec_id"],
    "width": lambda p: p["width"],
    "height": lambda p: p["height"],
    "time_base_num": lambda p: p["time_base"][0],
    "time_base_den": lambda p: p["time_base"][1],
}


class FastStreamInfo:
    """A video stream's facts (the seed's properties). Times are in time-base units:

    - ``start_time``: pts of the first frame shown; ``duration``: from it to the end of the last frame,
      which lasts one base frame duration (the shortest frame interval, averaged over the timestamp
      jitter of coarse time bases); frames past the end of a truncated file do not count;
    - ``avg_frame_rate``: frames / duration; ``r_frame_rate``: 1 / the base frame duration, as a whole
      number or n/1001 where that is within 0.02% or within the rounding of the timestamps (one tick
      over the clip's span) (FFmpeg's "real base frame rate");
    - ``codec_id`` (FFmpeg's AVCodecID, as accvlab fills it: h264 27; ``codec`` gives it as a
      ``Codec``, the seed's other numbering: h264 4), ``codec_type`` (AVMediaType, 0 = video), ``format`` (AVPixelFormat of
      the decoded 4:2:0 samples: yuv420p, yuv420p10le or yuv420p12le);
    - ``num_frames`` (not in the seed): the frames shown, so frame ids run from 0 to num_frames - 1.
    """

    __slots__ = _FIELDS

    def __init__(self):
        for name in _FIELDS:
            setattr(self, name, 0)

    def __repr__(self) -> str:
        return "FastStreamInfo(" + ", ".join(f"{n}={getattr(self, n)}" for n in _FIELDS) + ")"

    @property
    def codec(self) -> Codec:
        """``codec_id`` (FFmpeg's AVCodecID, as the seed fills it) as a ``Codec`` (the seed's
        cudaVideoCodec numbering): ``Codec.from_av_codec_id(codec_id)``."""
        return Codec.from_av_codec_id(self.codec_id)

    def __eq__(self, other) -> bool:
        return isinstance(other, FastStreamInfo) and all(getattr(self, n) == getattr(other, n) for n in _FIELDS)


def _info(path: str) -> FastStreamInfo:
    return info_from_report(_engine._index_report(path))


def info_from_report(report: dict) -> FastStreamInfo:
    """FastStreamInfo from an index report (``_engine._index_report``), e.g. one already made."""
    p = report["params"]
    info = FastStreamInfo()
    info.codec_id = p["ff_codec_id"]
    info.codec_type = _AVMEDIA_TYPE_VIDEO
    info.format = _PIX_FMT[p["bit_depth"]]
    info.width, info.height = p["width"], p["height"]
    info.time_base_num, info.time_base_den = p["time_base"]
    pts = np.sort(report["pts"][report["frame_id"] >= 0])
    # The base frame duration: the mean of the steps near the smallest one (the shortest frame
    # interval, with the jitter of timestamps rounded to a coarse time base such as Matroska's 1 ms).
    base = base_step(pts, already_sorted=True)
    info.num_frames = len(pts)
    first, last = int(pts[0]), int(pts[-1])
    info.start_time = first
    info.duration = last - first + max(1, round(base))  # the last frame lasts one base step
    num, den = len(pts) * info.time_base_den, info.duration * info.time_base_num
    g = math.gcd(num, den)
    info.avg_frame_rate_num, info.avg_frame_rate_den = num // g, den // g
    # A mean over timestamps rounded to whole ticks is known to within one tick over the whole span.
    real = _rate(info.time_base_den / (base * info.time_base_num), 1.0 / max(1, last - first))
    info.r_frame_rate_num, info.r_frame_rate_den = real.numerator, real.denominator
    return info


def _within(a: int, b: int, p: int, q: int, tolerance: float) -> bool:
    """|a/b - p/q| <= tolerance, exactly (integers throughout)."""
    u, v = tolerance.as_integer_ratio()
    return abs(a * q - p * b) * v <= u * b * q


def _rate(fps: float, rounding: float = 0.0) -> Fraction:
    """`fps` as a frame rate: a whole number or n/1001 when within 0.02% or within `rounding` (the
    relative uncertainty of timestamps rounded to a coarse time base, e.g. Matroska's 1 ms over a short
    clip), else the nearest fraction with a denominator up to 1001."""
    tolerance = max(2e-4, rounding) * fps
    p, q = fps.as_integer_ratio()  # fps exactly
    for a, b in ((round(fps), 1), (round(fps * 1001), 1001)):
        if a > 0 and _within(a, b, p, q, tolerance):
            return Fraction(a, b)
    return Fraction(fps).limit_denominator(1001)


def GetFastInitInfo(filepaths: List[str], *, stream_index: Optional[int] = None) -> List[FastStreamInfo]:
    """FastStreamInfo of each file (FileNotFoundError / ValueError for files that cannot be read), of
    its best video stream or of stream ``stream_index`` (keyword only, as the decoders take it)."""
    with Sources(_items(filepaths)) as names:
        return [_info(key) for key in _stream_keys(names, stream_index)]


def check_infos(infos: Sequence[Any], paths: Sequence[str], engine) -> None:
    """ValueError unless `infos` is empty or holds one matching FastStreamInfo per path."""
    if not infos:
        return
    if len(infos) == 1 and len(set(paths)) == 1:
        infos = list(infos) * len(paths)  # one file asked for several frames
    if len(infos) != len(paths):
        raise ValueError(f"fastStreamInfos has {len(infos)} entries for {len(paths)} files")
    for i, (info, path) in enumerate(zip(infos, paths)):
        if not isinstance(info, FastStreamInfo):
            raise TypeError(f"fastStreamInfos[{i}] is a {type(info).__name__}, not a FastStreamInfo")
        params = engine.stream_params(path)
        for name, of_file in _CHECKED.items():
            if getattr(info, name) != of_file(params):
                raise ValueError(f"fastStreamInfos[{i}] does not match '{path}': {name} is {getattr(info, name)}, "
                                 f"the file has {of_file(params)}")


def list_streams(path: Any) -> List[Dict[str, Any]]:
    """Every stream of the video at ``path`` (a path, bytes or a file-like object), in container order: ``{"index", "kind" ("video", "audio",
    "subtitle", "data", ...), "codec" (FFmpeg's name), "width", "height" (video)}`` plus ``"best"``:
    True for the video stream the decoders take when no ``stream_index`` is given.

    >>> import on_demand_video_decoder as odvd
    >>> [s["kind"] for s in odvd.list_streams(path)]  # doctest: +SKIP
    ['video', 'audio', 'video']
    """
    with Sources(_items([path], "path"), name="path") as (name,):
        return _engine._streams(name)
