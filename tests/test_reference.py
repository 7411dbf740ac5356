"""The reference frames (ffmpeg CLI) and the comparison helper that later tests rely on."""

import subprocess

import numpy as np
import pytest

from media import inspect
from media.recipes import RECIPES
from utils import assert_frames_close, assert_frames_equal

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]


@pytest.mark.parametrize("name", DECODABLE)
def test_reference_has_every_frame_in_presentation_order(reference, media, name):
    ref = reference(name)
    e = media[name].expect
    assert len(ref) == e["frames"]
    assert (ref.width, ref.height) == (e["width"], e["height"])
    assert np.all(np.diff(ref.pts) > 0), "pts strictly increase in presentation order"
    # The frames shown are the packets not marked discard (edit list), sorted by pts.
    shown = sorted(p["pts"] for p in inspect.packets(media[name].path) if "D" not in p["flags"])
    assert ref.pts.tolist() == shown
    # testsrc2 moves: consecutive frames differ, so a repeated or dropped frame would show.
    assert all((ref.data[i] != ref.data[i + 1]).any() for i in range(len(ref) - 1))


def test_lossless_reference_equals_the_source(reference, media):
    m = media["hevc_lossless_bf3"]
    ref = reference("hevc_lossless_bf3")
    src = subprocess.run(
        ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", m.expect["lossless_source"], "-frames:v",
         str(m.expect["frames"]), "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"],
        check=True, capture_output=True,
    ).stdout
    src = np.frombuffer(src, dtype=np.uint8).reshape(ref.data.shape)
    for i in range(len(ref)):
        assert_frames_equal(ref.data[i], src[i], f"frame {i}")


def test_native_layout_nv12(reference):
    ref = reference("h264_odd_size")
    y, u, v = ref.planes(7)
    nv12 = ref.native(7)
    assert nv12.dtype == np.uint8 and nv12.shape == (178 + 89, 318)
    assert_frames_equal(nv12[:178], y)
    assert_frames_equal(nv12[178:, 0::2], u)
    assert_frames_equal(nv12[178:, 1::2], v)


def test_native_layout_p016(reference):
    ref = reference("hevc10_gop30")
    assert ref.bit_depth == 10 and ref.data.dtype == np.uint16
    assert ref.data.max() < 1024 and ref.data.max() > 255, "10-bit samples in the low bits of the planes"
    y, u, v = ref.planes(3)
    p016 = ref.native(3)
    assert p016.dtype == np.uint16 and p016.shape == (144 + 72, 176)
    assert not (p016 & 0x3F).any(), "P016 keeps 10-bit samples in the high bits"
    assert_frames_equal(p016[:144] >> 6, y)
    assert_frames_equal(p016[144:, 0::2] >> 6, u)
    assert_frames_equal(p016[144:, 1::2] >> 6, v)


def test_reference_is_cached(reference, media):
    ref = reference("h264_gop12")
    cached = list(media.cache_dir.glob(f"h264_gop12-{media['h264_gop12'].key}.ref.npz"))
    assert len(cached) == 1
    from media.reference import load_reference

    again = load_reference(media["h264_gop12"], media.cache_dir)
    assert_frames_equal(again.data, ref.data)


def test_comparison_policy_is_exact():
    a = np.zeros((4, 6), np.uint8)
    assert_frames_equal(a, a.copy())
    b = a.copy()
    b[2, 5] = 1
    with pytest.raises(AssertionError, match=r"1 of 24 samples differ; first at index \(2, 5\)"):
        assert_frames_equal(b, a)
    with pytest.raises(AssertionError, match="dtype"):
        assert_frames_equal(a.astype(np.uint16), a)
    with pytest.raises(AssertionError, match="shape"):
        assert_frames_equal(a[:3], a)


def test_comparison_policy_with_tolerance():
    a = np.full((2, 2), 10.0, np.float32)
    assert_frames_close(a + 0.5, a, atol=0.5)
    with pytest.raises(AssertionError, match="atol=0.25"):
        assert_frames_close(a + 0.5, a, atol=0.25)
