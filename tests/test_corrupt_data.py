"""Damaged video data is never decoded silently where the decoder can tell: frames carry `corrupt`
(libavcodec's decode error flags, NVDEC's decode status; lenient decoding also marks every picture
put out after a packet the decoder refused, since it may reference it), and strict decoding
(`strict=True`) raises ValueError naming the file and frame instead, the same way every time
(docs/hostile-input.md). The reproducer: bytes of one P-frame's slice header overwritten, so that the
decoder refuses that packet."""

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine
from utils import assert_frames_equal

DAMAGED_FRAME = 40  # in the second GOP (30..59) of the 90-frame, GOP-30 clips


def _damaged_copy(media, name, tmp_path):
    """The clip with six bytes after the first NAL header of frame 40's sample set to 0xFF."""
    src = media[name].path
    report = _engine._index_report(str(src))
    sample = list(report["frame_id"]).index(DAMAGED_FRAME)
    pos = int(report["pos"][sample])
    data = bytearray(src.read_bytes())
    header = 2 if name.startswith("hevc") else 1  # NAL header bytes after the 4-byte length
    data[pos + 4 + header:pos + 4 + header + 6] = b"\xff" * 6
    out = tmp_path / f"{name}_damaged.mp4"
    out.write_bytes(data)
    return str(src), str(out)


@pytest.mark.parametrize("name", ["hevc_gop30", "h264_gop30"])
def test_lenient_decoding_flags_what_follows_the_damage(media, reference, tmp_path, name):
    _, bad = _damaged_copy(media, name, tmp_path)
    ref = reference(name)
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    before, after = dec.Decode([bad, bad], [35, 45])
    assert not before.corrupt
    assert_frames_equal(np.asarray(before), ref.native(35), "frame before the damage")
    assert after.corrupt  # decoded, but after a refused packet it may reference
    with pytest.raises(ValueError, match=f"frame_id={DAMAGED_FRAME} was not produced"):
        dec.Decode([bad], [DAMAGED_FRAME])  # never silently dropped
    rgb = dec.DecodeN12ToRGB([bad], [45], size=(32, 32))[0]
    assert rgb.corrupt
    bundle, _, _ = dec.GetGOP([bad], [45])
    assert dec.DecodeFromGOP(bundle, [bad], [45])[0].corrupt
    reader = odvd.CreateSampleReader(1, 1, iGpu=-1)
    assert [reader.Decode([bad], [k])[0].corrupt for k in (38, 39, 41, 42)] == [False, False, True, True]


@pytest.mark.parametrize("name", ["hevc_gop30", "h264_gop30"])
def test_strict_decoding_raises_naming_the_file_and_frame(media, tmp_path, name):
    good, bad = _damaged_copy(media, name, tmp_path)
    for make in (lambda: odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, strict=True),
                 lambda: odvd.CreateGopDecoder(maxfiles=1, iGpu=-1, strict=True)):
        dec = make()
        assert not dec.Decode([bad], [35])[0].corrupt  # before the damage: fine
        for _ in range(10):  # the same answer every time, whatever the threads do
            with pytest.raises(ValueError, match=f"{bad}.*damaged data at frame_id={DAMAGED_FRAME}"):
                dec.Decode([bad], [45])
        assert not dec.Decode([good], [45])[0].corrupt  # and it recovers for the next file
    bundle, _, _ = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).GetGOP([bad], [45])
    with pytest.raises(ValueError, match=f"damaged data at frame_id={DAMAGED_FRAME}"):
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, strict=True).DecodeFromGOPRGB(bundle, [bad], [45])
    reader = odvd.CreateSampleReader(1, 1, iGpu=-1, strict=True)
    reader.Decode([bad], [39])
    with pytest.raises(ValueError, match=f"damaged data at frame_id={DAMAGED_FRAME}"):
        reader.Decode([bad], [41])


def test_intact_files_are_never_flagged(media, reference):
    for name in ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30", "av1_gop30", "hevc10_gop30"]:
        path = str(media[name].path)
        n = len(reference(name))
        frames = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, strict=True).Decode([path] * 4, [0, 17, n // 2, n - 1])
        assert not any(f.corrupt for f in frames), name


def _damage_slice_data(src, frame_id, out):
    """Sixteen bytes in the middle of the slice data (not its header) of frame `frame_id`'s sample."""
    report = _engine._index_report(str(src))
    sample = list(report["frame_id"]).index(frame_id)
    pos, size = int(report["pos"][sample]), int(report["size"][sample])
    data = bytearray(src.read_bytes())
    at = pos
    while at < pos + size:
        n = int.from_bytes(data[at:at + 4], "big")
        if (data[at + 4] >> 1) & 0x3F < 32 and n > 64:  # an HEVC VCL NAL unit
            mid = at + 4 + n // 2
            data[mid:mid + 16] = bytes(range(7, 7 + 16 * 13, 13))
        at += 4 + n
    out.write_bytes(data)
    return str(out)


def test_strict_decoding_checks_picture_hashes(media, reference, tmp_path):
    """Damage inside entropy-coded slice data is invisible to the decoder (lenient decoding returns
    wrong pixels, unflagged: a documented limit), unless the stream carries picture hashes: strict
    decoding checks them (AV_EF_CRCCHECK) and raises."""
    src = media["hevc_md5_hash"].path
    bad = _damage_slice_data(src, DAMAGED_FRAME, tmp_path / "hashed_damaged.mp4")
    lenient = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([bad], [45])[0]
    assert not np.array_equal(np.asarray(lenient), reference("hevc_md5_hash").native(45))
    with pytest.raises(ValueError, match=f"damaged data at frame_id={DAMAGED_FRAME}"):
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, strict=True).Decode([bad], [45])
    intact = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1, strict=True).Decode([str(src)] * 2, [45, 59])
    assert not any(f.corrupt for f in intact)
