"""Codec: the codec numbers of the seed API (cudaVideoCodec values), used by
DecodeFromPacketListInitialize, and their mapping to FFmpeg's AVCodecID numbers.

Two numberings of one fact meet in this package: ``Codec`` (the seed's, NVIDIA's cudaVideoCodec:
h264 = 4) and ``FastStreamInfo.codec_id`` (the seed's too, but filled from FFmpeg's
``AVCodecParameters.codec_id``: h264 = 27). Both stay as the seed has them; they agree through
``Codec.from_av_codec_id`` / ``Codec.av_codec_id`` (docs/access-by-time.md, "Metadata").
"""

import enum
import operator
from typing import Any

# libavcodec's AVCodecID numbers (stable across FFmpeg releases), by cudaVideoCodec number.
_AV_CODEC_ID = {4: 27, 8: 173, 10: 167, 11: 226}


class Codec(enum.IntEnum):
    """Video codecs by their cudaVideoCodec number (the seed's h264, hevc, av1, plus vp9, which this
    library decodes too). An IntEnum, so a member works wherever a codec number is expected.

    ``name`` is FFmpeg's (and ffprobe's ``codec_name``): ``"h264"``, ``"hevc"``, ``"vp9"``, ``"av1"``.

    >>> Codec.from_av_codec_id(27) is Codec.h264, Codec.h264.av_codec_id, Codec.from_name("hevc")
    (True, 27, <Codec.hevc: 8>)
    """

    h264 = 4
    hevc = 8
    vp9 = 10
    av1 = 11

    @property
    def av_codec_id(self) -> int:
        """FFmpeg's AVCodecID number of this codec (what ``FastStreamInfo.codec_id`` holds)."""
        return _AV_CODEC_ID[self.value]

    @classmethod
    def from_av_codec_id(cls, av_codec_id: Any) -> "Codec":
        """The Codec of an FFmpeg AVCodecID number (e.g. ``FastStreamInfo.codec_id``); ValueError for
        a codec this library does not decode."""
        number = operator.index(av_codec_id)
        for value, av in _AV_CODEC_ID.items():
            if av == number:
                return cls(value)
        raise ValueError(f"AVCodecID {number} is not a codec this library decodes "
                         f"(h264 27, hevc 173, vp9 167, av1 226)")

    @classmethod
    def from_name(cls, name: str) -> "Codec":
        """The Codec of an FFmpeg codec name (``"h264"``, ``"hevc"``, ``"vp9"``, ``"av1"``)."""
        if not isinstance(name, str):
            raise TypeError(f"codec name must be a str, got {type(name).__name__}")
        try:
            return cls[name.lower()]
        except KeyError:
            raise ValueError(f"codec {name!r}: use one of {', '.join(m.name for m in cls)}") from None
