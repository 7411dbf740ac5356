"""GetFastInitInfo / FastStreamInfo against ffprobe, and fastStreamInfos checked by the decoders."""

import json
import subprocess
from fractions import Fraction

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media.recipes import RECIPES

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect or r.expect.get("truncated")]
# libavcodec's AVCodecID numbers (stable across releases).
AV_CODEC_ID = {"h264": 27, "hevc": 173, "vp9": 167, "av1": 226}


def ffprobe_stream(path) -> dict:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_streams", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["streams"][0]


@pytest.mark.parametrize("name", [n for n in DECODABLE if "frames" in RECIPES[n].expect])
def test_num_frames_is_the_reference_count(media, reference, name):
    (info,) = odvd.GetFastInitInfo([str(media[name].path)])
    assert info.num_frames == len(reference(name)) == media[name].expect["frames"]
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    dec.GetGOP([str(media[name].path)], [info.num_frames - 1])
    with pytest.raises(IndexError):
        dec.GetGOP([str(media[name].path)], [info.num_frames])


@pytest.mark.parametrize("name", DECODABLE)
def test_facts_match_ffprobe(media, name):
    path = media[name].path
    (info,) = odvd.GetFastInitInfo([str(path)])
    s = ffprobe_stream(path)
    assert info.codec_id == AV_CODEC_ID[s["codec_name"]] and info.codec_type == 0
    assert (info.width, info.height) == (s["width"], s["height"])
    assert Fraction(info.time_base_num, info.time_base_den) == Fraction(s["time_base"])
    assert info.format == {"yuv420p": 0, "yuvj420p": 0, "yuv420p10le": 64}[s["pix_fmt"]]
    assert f"{info.r_frame_rate_num}/{info.r_frame_rate_den}" == s["r_frame_rate"]
    assert f"{info.avg_frame_rate_num}/{info.avg_frame_rate_den}" == s["avg_frame_rate"]
    assert info.start_time == s["start_pts"]
    if media[name].expect.get("truncated"):
        # Only the complete samples count: less than the header promises.
        assert info.duration < s["duration_ts"]
    elif "duration_ts" in s:  # MP4/MOV (Matroska has no per-stream duration)
        assert info.duration == s["duration_ts"]


def test_infos_are_checked_against_their_files(media, reference):
    a, b = str(media["h264_gop30"].path), str(media["hevc_gop30_bf3"].path)
    infos = odvd.GetFastInitInfo([a, b])
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    frames = dec.Decode([a, b], [5, 7], fastStreamInfos=infos)
    np.testing.assert_array_equal(np.asarray(frames[0]), reference("h264_gop30").native(5))
    np.testing.assert_array_equal(np.asarray(frames[1]), reference("hevc_gop30_bf3").native(7))
    assert dec.GetGOP([a, b], [5, 7], fastStreamInfos=infos)[1] == [0, 0]
    assert len(dec.GetGOPList([a], [5], fastStreamInfos=infos[:1])) == 1
    assert dec.DecodeN12ToRGB([b], [7], False, infos[1:])[0].frame_id == 7
    with pytest.raises(ValueError, match=r"fastStreamInfos\[0\] does not match .*hevc_gop30_bf3.*codec_id"):
        dec.Decode([b, a], [0, 0], fastStreamInfos=infos)  # swapped
    other = odvd.GetFastInitInfo([str(media["h264_odd_size"].path)])[0]
    with pytest.raises(ValueError, match="width is 318, the file has 176"):
        dec.GetGOP([a], [0], fastStreamInfos=[other])
    with pytest.raises(ValueError, match="2 entries for 1 files"):
        dec.Decode([a], [0], fastStreamInfos=infos)
    with pytest.raises(TypeError, match="not a FastStreamInfo"):
        dec.Decode([a], [0], fastStreamInfos=[{"width": 176}])


def test_get_fast_init_info_errors(tmp_path, media):
    with pytest.raises(FileNotFoundError):
        odvd.GetFastInitInfo([str(tmp_path / "missing.mp4")])
    with pytest.raises(ValueError):
        odvd.GetFastInitInfo([str(media["not_video"].path)])
    with pytest.raises(ValueError, match="empty"):
        odvd.GetFastInitInfo([])
    with pytest.raises(TypeError):
        odvd.GetFastInitInfo(str(media["h264_gop30"].path))
