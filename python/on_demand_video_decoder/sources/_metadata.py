"""VideoMetadata / get_metadata: a video stream's header values and the values its index gives, named
by meaning (torchcodec's names where it has the value, ffprobe's otherwise; docs/access-by-time.md).

Everything comes from the index the engine builds when it opens a file (no decoding): the MP4/MOV
sample tables, else one packet scan.
"""

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Optional

import numpy as np

from ..common._codec import Codec
from ._sources import source_timeline
from ._stream_info import _rate
from ._timeline import Timeline

# libavutil's names (av_color_space_name, ...: what ffprobe prints) by value; None where FFmpeg says
# "unspecified" (ffprobe leaves the field out).
_COLOR_SPACE = {0: "gbr", 1: "bt709", 4: "fcc", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "ycgco",
                9: "bt2020nc", 10: "bt2020c", 11: "smpte2085", 12: "chroma-derived-nc", 13: "chroma-derived-c",
                14: "ictcp"}
_COLOR_RANGE = {1: "tv", 2: "pc"}
_COLOR_PRIMARIES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "film", 9: "bt2020",
                    10: "smpte428", 11: "smpte431", 12: "smpte432", 22: "ebu3213"}
_COLOR_TRANSFER = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 8: "linear", 9: "log100",
                   10: "log316", 11: "iec61966-2-4", 12: "bt1361e", 13: "iec61966-2-1", 14: "bt2020-10",
                   15: "bt2020-12", 16: "smpte2084", 17: "smpte428", 18: "arib-std-b67"}
_CHROMA_LOCATION = {1: "left", 2: "center", 3: "topleft", 4: "top", 5: "bottomleft", 6: "bottom"}
_CHROMA = {0: "gray", 1: "yuv420p", 2: "yuv422p", 3: "yuv444p"}
_KEY = 1  # SampleFlag kSampleKey (csrc/index/stream_index.h)


@dataclass(frozen=True)
class VideoMetadata:
    """One video stream's facts. Times are seconds (float) unless named ``*_pts``; rates are frames
    per second.

    - ``codec`` is a :class:`Codec` (``codec.name`` is ffprobe's ``codec_name``); FastStreamInfo's
      ``codec_id`` is FFmpeg's number for the same codec: ``Codec.from_av_codec_id(info.codec_id) is
      metadata.codec``.
    - ``begin_stream_seconds``: the first frame's pts; ``end_stream_seconds``: the end of the last
      frame (its pts plus one base frame duration); ``duration_seconds``: their difference.
    - ``average_fps = num_frames / duration_seconds``; ``nominal_fps``: 1 / the base frame duration
      as a whole number or n/1001 where that fits (ffprobe's ``r_frame_rate``).
    - ``bit_rate``: bits per second of the stream's packets over ``duration_seconds``.
    - GOP statistics (a GOP starts at a key frame, in decode order; its length counts the frames it
      shows): ``gop_count``, ``mean_gop_length``, ``max_gop_length``; ``open_gop_present``: some
      frame is shown before its GOP's key frame (a leading picture); ``b_frames_present``: frames are
      decoded in another order than they are shown.
    - ``chroma_location``: where the chroma samples sit (ffprobe's names: left, center, topleft, ...);
      None where unspecified, which bilinear chroma upsampling takes as left (docs/color.md section 8).
    - ``stream_index``: the container's index of the stream decoded (the best video stream; other
      streams: ``list_streams`` and the decoders' ``stream_index=``); None when not known.
    - ``rotation``: degrees by which the container's display matrix turns the frames counter-clockwise
      to show them upright (ffprobe's side data ``rotation``; a phone held upright records -90), None
      without a display matrix. Frames are decoded as stored: ``np.rot90(frame, round(rotation / 90))``
      shows an HWC frame as players (and the ffmpeg CLI) do.
    """

    codec: Codec
    width: int
    height: int
    pixel_format: str
    bit_depth: int
    color_space: Optional[str]
    color_range: Optional[str]
    color_primaries: Optional[str]
    color_transfer: Optional[str]
    chroma_location: Optional[str]
    time_base: Fraction
    average_fps: float
    nominal_fps: Fraction
    num_frames: int
    duration_seconds: float
    begin_stream_seconds: float
    end_stream_seconds: float
    bit_rate: int
    gop_count: int
    mean_gop_length: float
    max_gop_length: int
    open_gop_present: bool
    b_frames_present: bool
    stream_index: Optional[int]
    rotation: Optional[float]

    @property
    def codec_name(self) -> str:
        """FFmpeg's name of the codec (ffprobe's ``codec_name``): h264, hevc, vp9, av1."""
        return self.codec.name


def get_metadata(source: Any) -> VideoMetadata:
    """The VideoMetadata of a video's stream. ``source``: a path (str or pathlib.Path), bytes or a
    binary file-like object (docs/access-sources.md). FileNotFoundError for a missing file, ValueError for one that is not a
    video the engine can index.

    >>> m = get_metadata("cam0.mp4")  # doctest: +SKIP
    >>> m.codec, m.width, m.height, m.num_frames, m.average_fps  # doctest: +SKIP
    (<Codec.h264: 4>, 1600, 900, 200, 10.0)
    """
    with source_timeline(source) as t:
        return metadata_of(t)


def metadata_of(t: Timeline) -> VideoMetadata:
    """VideoMetadata from a file's Timeline."""
    p = t.params
    span_ticks = t.end_pts - int(t.pts[0])
    duration = float(span_ticks * t.time_base)
    rounding = 1.0 / max(1, int(t.pts[-1] - t.pts[0]))  # FastStreamInfo's: one tick over the span
    nominal = _rate(float(1 / (t.base_step * t.time_base)), rounding)
    gop_count, mean_len, max_len, open_gop, reordered = _gop_stats(t.decode_frame_ids, t.decode_flags)
    depth = int(p["bit_depth"])
    pix = _CHROMA.get(int(p.get("chroma_format", 1)), "yuv420p")
    return VideoMetadata(
        codec=Codec(int(p["codec"])),
        width=int(p["width"]),
        height=int(p["height"]),
        pixel_format=pix if depth == 8 or pix == "gray" else f"{pix}{depth}le",
        bit_depth=depth,
        color_space=_COLOR_SPACE.get(int(p["color_space"])),
        color_range=_COLOR_RANGE.get(int(p["color_range"])),
        color_primaries=_COLOR_PRIMARIES.get(int(p["color_primaries"])),
        color_transfer=_COLOR_TRANSFER.get(int(p["color_trc"])),
        chroma_location=_CHROMA_LOCATION.get(int(p.get("chroma_location", 0))),
        time_base=t.time_base,
        average_fps=t.num_frames / duration,
        nominal_fps=nominal,
        num_frames=t.num_frames,
        duration_seconds=duration,
        begin_stream_seconds=t.begin_seconds,
        end_stream_seconds=t.end_seconds,
        bit_rate=int(Fraction(int(t.decode_sizes.sum()) * 8) / (span_ticks * t.time_base)),
        gop_count=gop_count,
        mean_gop_length=mean_len,
        max_gop_length=max_len,
        open_gop_present=open_gop,
        b_frames_present=reordered,
        stream_index=p.get("stream_index"),
        rotation=p.get("rotation"),
    )


def _gop_stats(frame_ids: np.ndarray, flags: np.ndarray):
    """(count, mean length, max length, open GOP present, B-frames present) from the samples in decode
    order: each key sample starts a GOP (samples before the first key count with the first GOP)."""
    key = (flags & _KEY) != 0
    gop = np.maximum(np.cumsum(key) - 1, 0)
    shown = frame_ids >= 0
    lengths = np.bincount(gop[shown], minlength=int(gop[-1]) + 1)
    lengths = lengths[lengths > 0]
    # A GOP's key frame id (-1 when hidden, e.g. cut by an edit list: such a GOP is not judged).
    key_fid = np.full(int(gop[-1]) + 1, -1, np.int64)
    key_fid[gop[key]] = frame_ids[key]
    leading = shown & (key_fid[gop] >= 0) & (frame_ids < key_fid[gop])
    reordered = bool(np.any(np.diff(frame_ids[shown]) < 0))
    return int(len(lengths)), float(lengths.mean()), int(lengths.max()), bool(leading.any()), reordered
