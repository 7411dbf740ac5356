"""Decoding from a bundle trusts neither the entry's header nor the caller's paths: a request is
answered only by an entry of its own file holding its frame (docs/bundle-format.md, "Matching
requests to entries"), and an entry whose bitstream decodes to another size or bit depth than its
header declares is an error, never frames of another shape."""

import os
import shutil
import struct

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from bundle_twin import entry_layout, set_entry_sizes, with_crc


@pytest.fixture(scope="module")
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)


def _declared(buf, k=0):
    off = entry_layout(buf, k)[0]
    cw, ch, w, h = struct.unpack_from("<IIII", buf, off + 12)
    return w, h, buf[off + 28]


# (clip, declared width, height, bit depth written into the header, words the message must hold)
LIES = [
    ("h264_gop30", 160, 128, 8, ["declares 160x128 8-bit", "decodes to 176x144 8-bit"]),
    ("h264_gop30", 176, 144, 10, ["declares 176x144 10-bit", "decodes to 176x144 8-bit"]),
    ("hevc10_gop30", 176, 144, 8, ["declares 176x144 8-bit", "decodes to 176x144 10-bit"]),
    ("hevc_gop30", 200, 144, 8, ["declares 200x144 8-bit", "decodes to 176x144 8-bit"]),
]


@pytest.mark.parametrize("name,width,height,depth,words", LIES, ids=[f"{c[0]}-{c[1]}x{c[2]}-{c[3]}" for c in LIES])
def test_declared_size_or_depth_unlike_the_bitstream_raises(decoder, media, reference, name, width, height, depth,
                                                            words):
    path = str(media[name].path)
    ref = reference(name)
    data, first, lens = decoder.GetGOP([path], [40])
    assert _declared(data.tobytes()) == (ref.width, ref.height, ref.bit_depth)  # the truth, from ffprobe
    buf = bytearray(data.tobytes())
    block = 16 if name.startswith("h264") else 8
    align = lambda v: -(-v // block) * block  # noqa: E731
    set_entry_sizes(buf, 0, width, height, align(width), align(height), depth)
    lie = with_crc(buf)  # a valid bundle as far as its own fields go ...
    parsed = decoder.ParseSerializedPacketBundle(lie)
    assert (parsed[2], parsed[3]) == ([width], [height])
    for call in (lambda: decoder.DecodeFromGOP(lie, [path], [40]),  # ... whose bitstream says otherwise
                 lambda: decoder.DecodeFromGOPRGB(lie, [path], [40]),
                 lambda: decoder.DecodeFromGOPListRGB([lie], [path], [40], size=(32, 32))):
        with pytest.raises(ValueError) as e:
            call()
        message = str(e.value)
        assert "bundle entry 0" in message and "frame_id=40" in message, message
        for w in words:
            assert w in message, message


def test_a_request_for_another_file_is_not_answered_by_position(decoder, media):
    a, b = str(media["h264_gop30"].path), str(media["hevc_gop30"].path)
    data, _, _ = decoder.GetGOP([a], [40])
    # One entry, one request, the frame id in the entry's range: the old positional fallback handed out
    # a's frame for b.
    with pytest.raises(ValueError) as e:
        decoder.DecodeFromGOP(data, [b], [40])
    message = str(e.value)
    assert f"frame_id=40 of '{b}' is in none of the 1 GOPs of the bundle ('{a}' [30, 60))" in message, message


def test_entries_are_matched_by_path_whatever_their_order(decoder, media, reference):
    a, b = str(media["h264_gop30"].path), str(media["hevc_gop30"].path)
    data, _, _ = decoder.GetGOP([a, b], [40, 50])
    frames = decoder.DecodeFromGOP(data, [b, a], [50, 40])
    np.testing.assert_array_equal(np.asarray(frames[0]), reference("hevc_gop30").native(50))
    np.testing.assert_array_equal(np.asarray(frames[1]), reference("h264_gop30").native(40))


def test_a_renamed_file_is_asked_for_by_the_path_the_bundle_was_made_from(decoder, media, reference, tmp_path):
    src = tmp_path / "before.mp4"
    shutil.copyfile(media["h264_gop30"].path, src)
    data, _, _ = decoder.GetGOP([str(src)], [40])
    os.rename(src, tmp_path / "after.mp4")
    with pytest.raises(ValueError, match=f"of '{tmp_path / 'after.mp4'}' is in none of the 1 GOPs of the bundle "
                                         f"\\('{tmp_path / 'before.mp4'}' \\[30, 60\\)\\)"):
        decoder.DecodeFromGOP(data, [str(tmp_path / "after.mp4")], [40])
    # The bundle needs no file: the path it was made from still names its frames.
    frame = decoder.DecodeFromGOP(data, [str(src)], [40])[0]
    np.testing.assert_array_equal(np.asarray(frame), reference("h264_gop30").native(40))
