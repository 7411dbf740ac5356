"""Codec: the codec numbers of the seed API (cudaVideoCodec values), used by
DecodeFromPacketListInitialize."""

import enum


class Codec(enum.IntEnum):
    """Video codecs by their cudaVideoCodec number (the seed's h264, hevc, av1, plus vp9, which this
    library decodes too). An IntEnum, so a member works wherever a codec number is expected."""

    h264 = 4
    hevc = 8
    vp9 = 10
    av1 = 11
