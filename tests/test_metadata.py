"""get_metadata / VideoMetadata against ffprobe on the media matrix, and Codec <-> codec_id.

Rule differences from ffprobe, each stated in docs/access-by-time.md ("Metadata") and checked here:
- ``pixel_format`` is "yuv420p" where FFmpeg's H.264 / HEVC decoders say "yuvj420p" (full range:
  the same layout; ``color_range`` says "pc");
- ``num_frames`` counts the frames shown; ffprobe's ``nb_frames`` counts samples (an edit list hides
  some);
- ``bit_rate`` is all packets' bits over the shown duration; ffprobe's (MP4 only) divides by the
  track's media duration, which an edit list makes longer.
"""

from fractions import Fraction

import pytest

import on_demand_video_decoder as odvd
from media import inspect
from media.recipes import RECIPES

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]


@pytest.fixture(scope="module")
def probe(media):
    cache = {}

    def get(name):
        if name not in cache:
            path = media[name].path
            cache[name] = (path, inspect.video_stream(path), inspect.packets(path))
        return cache[name]

    return get


def _fraction(text: str) -> Fraction:
    return Fraction(text)


@pytest.mark.parametrize("name", DECODABLE)
def test_metadata_equals_ffprobe(probe, name):
    path, s, packets = probe(name)
    m = odvd.get_metadata(path)
    edit_list = RECIPES[name].expect.get("edit_list", False)
    assert m.codec_name == s["codec_name"] and m.codec is odvd.Codec.from_name(s["codec_name"])
    assert (m.width, m.height) == (s["width"], s["height"])
    assert m.pixel_format == s["pix_fmt"].replace("yuvj", "yuv")
    assert m.bit_depth == (10 if "10" in s["pix_fmt"] else 8)
    if "bits_per_raw_sample" in s:
        assert m.bit_depth == int(s["bits_per_raw_sample"])
    expected_range = "pc" if s["pix_fmt"].startswith("yuvj") else s.get("color_range")
    assert (m.color_space, m.color_range, m.color_primaries, m.color_transfer) == (
        s.get("color_space"), expected_range, s.get("color_primaries"), s.get("color_transfer"))
    assert m.chroma_location == (None if s.get("chroma_location", "unspecified") == "unspecified"
                                 else s["chroma_location"])
    assert m.time_base == _fraction(s["time_base"])
    assert m.nominal_fps == _fraction(s["r_frame_rate"])
    assert m.average_fps == pytest.approx(float(_fraction(s["avg_frame_rate"])), rel=1e-12)
    assert m.num_frames == RECIPES[name].expect["frames"]
    if "nb_frames" in s:
        assert m.num_frames == int(s["nb_frames"]) - (15 if edit_list else 0)
    assert m.begin_stream_seconds == pytest.approx(float(s["start_time"]), abs=1e-6)
    if "duration" in s:  # MP4/MOV (Matroska has no per-stream duration)
        assert m.duration_seconds == pytest.approx(float(s["duration"]), abs=1e-6)
    assert m.end_stream_seconds == pytest.approx(m.begin_stream_seconds + m.duration_seconds, abs=1e-9)
    if "bit_rate" in s and not edit_list:
        assert abs(m.bit_rate - int(s["bit_rate"])) <= 1
    assert m.bit_rate == int(sum(p["size"] for p in packets) * 8 / m.duration_seconds)
    assert m.stream_index == int(s["index"])
    rotation = [d["rotation"] for d in s.get("side_data_list", []) if "rotation" in d]
    assert m.rotation == (float(rotation[0]) if rotation else None)


@pytest.mark.parametrize("name", DECODABLE)
def test_gop_statistics_equal_ffprobe_packets(probe, name):
    path, _, packets = probe(name)
    m = odvd.get_metadata(path)
    expect = RECIPES[name].expect
    keys = [i for i, p in enumerate(packets) if "K" in p["flags"]]
    assert m.gop_count == len(keys)
    shown = [p for p in packets if "D" not in p["flags"]]
    pts = [p["pts"] for p in shown]
    assert m.b_frames_present == (pts != sorted(pts))
    if "bframes" in expect:
        assert m.b_frames_present == (expect["bframes"] > 0)
    assert m.open_gop_present == bool(expect.get("open_gop", False))
    assert m.mean_gop_length == pytest.approx(m.num_frames / m.gop_count)
    if "gop" in expect and not expect.get("edit_list") and not expect.get("open_gop"):
        assert m.max_gop_length == min(expect["gop"], m.num_frames)


def test_codec_and_codec_id_agree(media):
    paths = [str(media[n].path) for n in ("h264_gop30", "hevc_gop30", "vp9_gop30", "av1_gop30")]
    for path, info in zip(paths, odvd.GetFastInitInfo(paths)):
        m = odvd.get_metadata(path)
        assert odvd.Codec.from_av_codec_id(info.codec_id) is m.codec is info.codec
        assert m.codec.av_codec_id == info.codec_id
    assert (odvd.Codec.h264, odvd.Codec.h264.av_codec_id) == (4, 27)
    with pytest.raises(ValueError, match="AVCodecID 12345"):
        odvd.Codec.from_av_codec_id(12345)
    with pytest.raises(ValueError, match="'mpeg2'"):
        odvd.Codec.from_name("mpeg2")


def test_metadata_is_frozen_and_takes_paths(media):
    from pathlib import Path

    m = odvd.get_metadata(Path(media["h264_gop30"].path))
    assert m == odvd.get_metadata(str(media["h264_gop30"].path))
    with pytest.raises(AttributeError):
        m.width = 1  # type: ignore[misc]


def test_metadata_errors(media, tmp_path):
    with pytest.raises(FileNotFoundError):
        odvd.get_metadata(tmp_path / "missing.mp4")
    with pytest.raises(ValueError):
        odvd.get_metadata(media["not_video"].path)
    with pytest.raises(ValueError, match="<bytes: 8 bytes>"):  # bytes are a video's bytes: these are not one
        odvd.get_metadata(b"\x00\x00\x00\x18ftyp")
    with open(media["h264_gop30"].path, "rb") as f:  # a file-like object is a source like a path
        assert odvd.get_metadata(f) == odvd.get_metadata(media["h264_gop30"].path)
    with pytest.raises(TypeError, match="must be a path"):
        odvd.get_metadata(3)


def _with_display_matrix(path, matrix) -> None:
    """Writes ``matrix`` (9 x int32, ISO/IEC 14496-12 6.2.2) into the MP4's tkhd box, as phones do."""
    import struct

    data = bytearray(path.read_bytes())
    at = data.index(b"tkhd") + 4
    at += 52 if data[at] == 1 else 40  # version 1: 64-bit times
    data[at:at + 36] = struct.pack(">9i", *matrix)
    path.write_bytes(bytes(data))


ONE, Q30 = 1 << 16, 1 << 30
MATRICES = {-90: (0, ONE, 0, -ONE, 0, 0, 0, 0, Q30), 90: (0, -ONE, 0, ONE, 0, 0, 0, 0, Q30),
            -180: (-ONE, 0, 0, 0, -ONE, 0, 0, 0, Q30)}  # a half turn reads -180 (av_display_rotation_get)


@pytest.mark.parametrize("degrees", sorted(MATRICES))
def test_rotation_of_a_display_matrix(tmp_path, degrees):
    """A phone-style display matrix: rotation equals ffprobe's, read by the direct MP4 index and by
    libavformat alike, in the metadata, the engine's params and a dataset catalogue; turning a decoded
    frame by it gives what the ffmpeg CLI (which rotates by default) gives."""
    import json
    import subprocess

    import numpy as np

    from on_demand_video_decoder import _engine

    path = tmp_path / f"phone{degrees}.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=96x64:rate=25", "-frames:v", "10",
                    "-c:v", "libx264", "-g", "5", "-pix_fmt", "yuv420p", str(path)], check=True)
    _with_display_matrix(path, MATRICES[degrees])
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries",
                          "stream_side_data=rotation", "-of", "json", str(path)], check=True, capture_output=True,
                         text=True)
    probed = json.loads(out.stdout)["streams"][0]["side_data_list"][0]["rotation"]
    assert probed == degrees
    m = odvd.get_metadata(path)
    assert m.rotation == degrees and (m.width, m.height) == (96, 64)
    assert _engine._index_report(str(path), False)["params"]["rotation"] == degrees  # through libavformat
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1, suppressNoColorRangeWarning=True)
    luma = np.asarray(dec.Decode([str(path)], [3])[0])[:64]  # NV12: the Y rows first
    shown = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vf", "select=eq(n\\,3)", "-frames:v", "1",
                            "-f", "rawvideo", "-pix_fmt", "yuv420p", "-"], check=True, capture_output=True).stdout
    turned = np.rot90(luma, round(m.rotation / 90))
    assert np.array_equal(turned, np.frombuffer(shown, np.uint8)[:turned.size].reshape(turned.shape))
    pytest.importorskip("pyarrow")
    from on_demand_video_decoder.dataset import GopStore, prepare

    prepare([str(path)], str(tmp_path / "store"), progress=False)
    assert GopStore(tmp_path / "store").row(str(path))["rotation"] == degrees


def test_no_display_matrix_no_rotation(media):
    assert odvd.get_metadata(media["h264_gop30"].path).rotation is None
