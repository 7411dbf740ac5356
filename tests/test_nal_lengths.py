"""Length-prefixed H.264 / HEVC with 2-byte NAL lengths (lengthSizeMinusOne = 1 in avcC / hvcC; ISO/IEC
14496-15 allows 1, 2 or 4 bytes). Such files are valid and must decode exactly; reading them used to
crash the process (a null demuxer on the direct MP4 path). The files are made from test media by
tests/nal_length_rewrite.py, and the ffmpeg CLI confirms each decodes to the original frames."""

import subprocess

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from nal_length_rewrite import rewrite_nal_length_size
from utils import assert_frames_equal


@pytest.mark.parametrize("name", ["h264_gop30_bf3", "hevc_gop30_bf3"])
def test_two_byte_nal_lengths_decode_exactly(media, reference, tmp_path, name):
    src = media[name].path
    out = tmp_path / f"{name}_len2.mp4"
    out.write_bytes(rewrite_nal_length_size(src.read_bytes(), 2))
    assert out.stat().st_size < src.stat().st_size  # the lengths did shrink
    ref = reference(name)
    n = len(ref)

    # Independent check of the rewritten file: the ffmpeg CLI decodes it to the original frames.
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(out), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
                         check=True, capture_output=True).stdout
    w, h = ref.width, ref.height
    assert len(raw) == n * w * h * 3 // 2

    ids = [0, 1, 5, 31, 45, n - 1]
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    for f, i in zip(dec.Decode([str(out)] * len(ids), ids), ids):
        assert f.frame_id == i
        assert_frames_equal(np.asarray(f), ref.native(i), f"{name} 2-byte lengths, frame {i}")
    bundle, _, _ = dec.GetGOP([str(out)] * 2, [31, n - 1])
    for f, i in zip(dec.DecodeFromGOP(bundle, [str(out)] * 2, [31, n - 1]), [31, n - 1]):
        assert_frames_equal(np.asarray(f), ref.native(i), f"{name} 2-byte lengths via a bundle, frame {i}")
    reader = odvd.CreateSampleReader(1, 1, iGpu=-1)
    for i in range(8):
        assert_frames_equal(np.asarray(reader.Decode([str(out)], [i])[0]), ref.native(i), f"{name} reader {i}")
