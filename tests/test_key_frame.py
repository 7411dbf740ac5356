"""Whether a packet is a key frame by its own bitstream (csrc/demux/key_frame.cpp, through the test
hook _engine._key_frame), which GetGOP checks before it writes a bundle starting at a packet: held to
ffprobe's key flags on every packet of every clip of the media matrix (H.264 and HEVC in MP4, MOV and
Matroska, VP9 and AV1 in WebM and MP4), both ways: every key packet says yes, every other says no."""

import pytest

from media import inspect
from media.recipes import RECIPES
from on_demand_video_decoder import _engine

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]
CODECS = {"h264": "h264", "hevc": "hevc", "vp9": "vp9", "av1": "av1"}


def as_bundle_packet(codec: str, data: bytes) -> bytes:
    """A container's packet as bundles carry it: H.264 / HEVC samples of MP4 / Matroska hold NAL units
    behind 4-byte big-endian lengths (what x264 / x265 write), bundles behind start codes."""
    if codec in ("h264", "hevc"):
        return b"".join(b"\x00\x00\x00\x01" + nal for nal in inspect.length_prefixed_nals(data))
    return data


@pytest.mark.parametrize("name", DECODABLE)
def test_key_frames_as_ffprobe_flags_them(media, name):
    path = media[name].path
    codec = CODECS[inspect.video_stream(path)["codec_name"]]
    packets = inspect.packets(path, with_data=True)
    keys = 0
    for i, p in enumerate(packets):
        expected = "K" in p["flags"]
        keys += expected
        got = _engine._key_frame(codec, as_bundle_packet(codec, p["data"]))
        assert got is expected, f"{name}: packet {i} (pts {p['pts']}, flags {p['flags']}): {got}, ffprobe says {expected}"
    all_intra = RECIPES[name].expect.get("gop") == 1
    assert 0 < keys and (keys < len(packets) or all_intra), "the clip must have key and non-key packets"


@pytest.mark.parametrize("codec", list(CODECS))
def test_what_cannot_be_told_is_none(codec):
    for data in (b"", b"\x00", b"\x00\x00\x01", b"\xff" * 3):
        assert _engine._key_frame(codec, data) is None, data
    with pytest.raises(ValueError, match="codec='mpeg2'"):
        _engine._key_frame("mpeg2", b"\x00")
