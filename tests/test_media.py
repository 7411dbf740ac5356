"""The test media has the properties it was made for (read back with ffprobe and our own parsers),
so later tests stand on known ground."""

import subprocess
from fractions import Fraction

import numpy as np
import pytest

from media import inspect
from media.recipes import RECIPES

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]


def _key_indices(pkts):
    return [i for i, p in enumerate(pkts) if "K" in p["flags"]]


@pytest.mark.parametrize("name", DECODABLE)
def test_stream_parameters(media, name):
    m = media[name]
    e = m.expect
    s = inspect.video_stream(m.path)
    assert s["codec_name"] == e["codec"]
    assert (int(s["width"]), int(s["height"])) == (e["width"], e["height"])
    assert s["pix_fmt"] == e.get("pix_fmt_decoded", e["pix_fmt"])
    assert e["container"] in inspect.container(m.path).split(",")
    assert int(s["index"]) == e.get("video_stream_index", 0)
    if "color_space" in e:
        assert s["color_space"] == e["color_space"]
    if "color_range" in e:
        assert s["color_range"] == e["color_range"]


@pytest.mark.parametrize("name", DECODABLE)
def test_frame_and_packet_counts(media, name):
    m = media[name]
    pkts = inspect.packets(m.path)
    frames = inspect.frames(m.path)
    assert len(frames) == m.expect["frames"]
    assert len(pkts) == m.expect.get("packets", m.expect["frames"])


@pytest.mark.parametrize("name", [n for n in DECODABLE if "gop" in RECIPES[n].expect])
def test_gop_length(media, name):
    m = media[name]
    pkts = inspect.packets(m.path)
    keys = _key_indices(pkts)
    gop = m.expect["gop"]
    assert keys[0] == 0
    assert keys == list(range(0, len(pkts), gop)), f"keyframes at {keys}"


@pytest.mark.parametrize("name", [n for n in DECODABLE if "bframes" in RECIPES[n].expect])
def test_bframes(media, name):
    m = media[name]
    want = m.expect["bframes"]
    types = "".join(f["pict_type"] for f in inspect.frames(m.path))
    runs = [len(r) for r in types.replace("I", " ").replace("P", " ").split()]
    assert max(runs, default=0) == want, f"longest run of B-frames {max(runs, default=0)} in {types}"
    pkts = inspect.packets(m.path)
    reordered = any(b["pts"] < a["pts"] for a, b in zip(pkts, pkts[1:]))
    assert reordered == (want > 0), "decode order differs from presentation order iff there are B-frames"


@pytest.mark.parametrize("name", [n for n in DECODABLE if RECIPES[n].expect.get("pyramid")])
def test_b_pyramid_has_referenced_b_frames(media, name):
    """With a B-pyramid some B-frames are references: H.264 nal_ref_idc > 0, HEVC TRAIL_R."""
    m = media[name]
    by_pos = {p["pos"]: p for p in inspect.packets(m.path, with_data=True)}
    referenced_b = unreferenced_b = 0
    for f in inspect.frames(m.path):
        if f["pict_type"] != "B":
            continue
        nals = inspect.length_prefixed_nals(by_pos[f["pkt_pos"]]["data"])
        if m.expect["codec"] == "h264":
            headers = [inspect.h264_nal_header(n) for n in nals]
            ref = any(ref_idc > 0 for ref_idc, nal_type in headers if nal_type in (1, 5))  # slices
        else:
            ref = any(inspect.hevc_nal_type(n) == inspect.HEVC_TRAIL_R for n in nals)
        referenced_b += ref
        unreferenced_b += not ref
    assert referenced_b > 0 and unreferenced_b > 0, (referenced_b, unreferenced_b)


def test_hevc_open_gop_has_cra_with_leading_pictures(media):
    m = media["hevc_open_gop"]
    pkts = inspect.packets(m.path, with_data=True)
    nal_types = [[inspect.hevc_nal_type(n) for n in inspect.length_prefixed_nals(p["data"])] for p in pkts]
    keys = _key_indices(pkts)
    assert len(keys) >= 3
    assert inspect.HEVC_IDR_W_RADL in nal_types[0] or inspect.HEVC_IDR_N_LP in nal_types[0]
    leading_total = 0
    for k in keys[1:]:
        assert inspect.HEVC_CRA in nal_types[k], f"keyframe packet {k} has NAL types {nal_types[k]}"
        # Leading pictures: after the CRA in decode order, before it in presentation order, RASL.
        nxt = next((j for j in keys if j > k), len(pkts))
        leading = [j for j in range(k + 1, nxt) if pkts[j]["pts"] < pkts[k]["pts"]]
        assert leading, f"no leading pictures after the CRA at packet {k}"
        for j in leading:
            assert set(nal_types[j]) & {inspect.HEVC_RASL_N, inspect.HEVC_RASL_R}, nal_types[j]
        leading_total += len(leading)
    assert leading_total >= 2


def test_ten_bit_hevc(media):
    s = inspect.video_stream(media["hevc10_gop30"].path)
    assert s["profile"] == "Main 10"
    assert s["pix_fmt"] == "yuv420p10le"


def test_audio_first_file_has_video_as_stream_1(media):
    kinds = [s["codec_type"] for s in inspect.streams(media["h264_audio_first"].path)]
    assert kinds == ["audio", "video"]


def test_variable_frame_rate(media):
    m = media["h264_vfr"]
    tb = Fraction(inspect.video_stream(m.path)["time_base"])
    pts = sorted(p["pts"] for p in inspect.packets(m.path))
    steps = {Fraction(d) * tb for d in np.diff(pts)}
    assert steps == {Fraction(1, 30), Fraction(1, 15)}, steps


def test_edit_list(media):
    m = media["h264_editlist"]
    elst = inspect.mp4_edit_lists(m.path)
    assert len(elst) == 1 and len(elst[0]) == 1
    s = inspect.video_stream(m.path)
    tb = Fraction(s["time_base"])
    # The edit starts 0.5 s into the media (from the keyframe at 1.0 s to the seek point at 1.5 s).
    assert elst[0][0]["media_time"] * tb == Fraction(1, 2)
    pkts = inspect.packets(m.path)
    assert sum("D" in p["flags"] for p in pkts) == 15
    # The source (no B-frames, starting at 0) has an edit list that starts at media time 0.
    assert inspect.mp4_edit_lists(media["h264_gop30"].path)[0][0]["media_time"] == 0


def test_truncated_file(media):
    m = media["h264_truncated"]
    full = media["h264_gop30"]
    assert m.path.stat().st_size < 0.6 * full.path.stat().st_size
    s = inspect.video_stream(m.path)
    assert int(s["nb_frames"]) == 90, "the index at the front still promises every sample"
    assert len(inspect.packets(m.path)) < 90


def test_not_video_files(media):
    with pytest.raises(RuntimeError, match="ffprobe failed"):
        inspect.streams(media["not_video"].path)
    kinds = [s["codec_type"] for s in inspect.streams(media["audio_only"].path)]
    assert kinds == ["audio"]


def test_media_is_cached_by_recipe_key(media, tmp_path):
    from media.generate import MediaLibrary

    m = media["h264_gop12"]
    assert m.key in m.path.name
    lib = MediaLibrary(media.cache_dir)
    assert lib["h264_gop12"].path == m.path
    # A different recipe key means a different file: the key covers the arguments.
    assert media.key("h264_gop12") != media.key("h264_gop30")
    assert media.key("h264_truncated") != MediaLibrary(tmp_path).key("h264_gop12")


def test_media_is_small(media):
    for name in DECODABLE:
        e = RECIPES[name].expect
        assert e["width"] <= 320 and e["height"] <= 240 and e["frames"] <= 300, name


def test_ffmpeg_cli_is_the_generator():
    out = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    for enc in ("libx264", "libx265", "libsvtav1", "libvpx-vp9"):
        assert enc in out
