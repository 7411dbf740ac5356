"""The colour description read from the bitstream (csrc/demux/colour_signal.cpp, through the test hook
_engine._colour_signal), against independent references:

- ffprobe's decoded frames (FFmpeg's decoders: h264, hevc, vp9, libdav1d) on the colour clips of
  tests/media/recipes.py, which sit in containers without colour tags of their own;
- FFmpeg's CBS parsers (trace_headers) on random parameter sets that use the syntax no encoder here
  writes, and on real streams whose SPS was rewritten to use it (which ffprobe still decodes);
- configuration records (avcC / hvcC / av1C) give what the in-band parameter sets give;
- truncated and mutated input never crashes and never gives a wrong answer on a truncation.
"""

import json
import pickle
import random
import subprocess
import sys

import pytest

import colour_streams as cs
from media.recipes import RECIPES
from on_demand_video_decoder import _engine

CLIPS = [n for n, r in RECIPES.items() if "colour_signal" in r.expect]
FIELDS = ("matrix", "primaries", "transfer", "range")

# ffprobe's names (av_color_*_name) -> H.273 codes / AVColorRange. ffprobe prints "unknown" or
# nothing for unspecified (2) and for range 0.
SPACE = {"gbr": 0, "bt709": 1, "fcc": 4, "bt470bg": 5, "smpte170m": 6, "smpte240m": 7, "ycgco": 8,
         "bt2020nc": 9, "bt2020c": 10, "smpte2085": 11, "ictcp": 14}
PRIMARIES = {"bt709": 1, "bt470m": 4, "bt470bg": 5, "smpte170m": 6, "smpte240m": 7, "film": 8, "bt2020": 9,
             "smpte428": 10, "smpte431": 11, "smpte432": 12}
TRANSFER = {"bt709": 1, "gamma22": 4, "gamma28": 5, "bt470bg": 5, "smpte170m": 6, "smpte240m": 7,
            "linear": 8, "log100": 9, "log316": 10, "iec61966-2-4": 11, "bt1361e": 12, "iec61966-2-1": 13,
            "bt2020-10": 14, "bt2020-12": 15, "smpte2084": 16, "smpte428": 17, "arib-std-b67": 18}
RANGE = {"tv": 1, "pc": 2}


def signal(codec: str, data: bytes) -> dict:
    """The colour description (FIELDS) the hook reads; its chroma location is location()'s."""
    s = _engine._colour_signal(codec, data)
    assert set(s) == {*FIELDS, "chroma_location", "bit_depth", "chroma_format"}, s
    return {k: s[k] for k in FIELDS}


def location(codec: str, data: bytes) -> int:
    """The chroma location (AVChromaLocation, -1: not signalled) the hook reads."""
    return _engine._colour_signal(codec, data)["chroma_location"]


# ffprobe's names of AVChromaLocation.
LOCATION = {"left": 1, "center": 2, "topleft": 3, "top": 4, "bottomleft": 5, "bottom": 6}


def ffprobe_first_frame_location(path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_frames", "-select_streams", "v", "-read_intervals", "%+#1",
         "-show_entries", "frame=chroma_location", "-of", "json", str(path)],
        capture_output=True, text=True, check=True)
    return LOCATION.get(json.loads(out.stdout)["frames"][0].get("chroma_location", "unspecified"), -1)


def ffprobe_first_frame(path) -> dict:
    """The colour of the first decoded frame, as H.273 codes and AVColorRange (-1: unknown)."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_frames", "-select_streams", "v", "-read_intervals", "%+#1",
         "-show_entries", "frame=color_range,color_space,color_primaries,color_transfer", "-of", "json", str(path)],
        capture_output=True, text=True, check=True)
    frame = json.loads(out.stdout)["frames"][0]

    def code(table, key):
        name = frame.get(key, "unknown")
        return -1 if name in ("unknown", "unspecified") else table[name]

    return dict(matrix=code(SPACE, "color_space"), primaries=code(PRIMARIES, "color_primaries"),
                transfer=code(TRANSFER, "color_transfer"), range=code(RANGE, "color_range"))


def as_decoded(codec: str, sig: dict) -> dict:
    """What FFmpeg's decoder puts on frames for a signalled description: unspecified (2) reads as
    unknown; its HEVC decoder reports limited range when the VUI has no video_signal_type."""
    out = {k: (-1 if k != "range" and v == 2 else v) for k, v in sig.items()}
    if codec == "hevc" and out["range"] == -1:
        out["range"] = 1
    return out


def frames(name: str) -> int:
    args = RECIPES[name].args
    return int(args[args.index("-frames:v") + 1])


def first_unit(path, codec: str) -> bytes:
    """The first access unit (H.264 / HEVC, cut by ffmpeg) or the first IVF frame (VP9 / AV1)."""
    if path.suffix == ".ivf":
        return cs.ivf_frames(path.read_bytes())[0]
    return subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-c", "copy", "-frames:v", "1", "-f", codec, "-"],
                          capture_output=True, check=True).stdout


@pytest.fixture(scope="module")
def units(media):
    """(codec, first unit, expected signal) of every colour clip."""
    out = {}
    for name in CLIPS:
        e = RECIPES[name].expect
        out[name] = (e["codec"], first_unit(media[name].path, e["codec"]), e["colour_signal"])
    return out


# ---- real streams against ffprobe ----------------------------------------------------------------

@pytest.mark.parametrize("name", CLIPS)
def test_clip_matches_ffprobe(media, units, name):
    codec, unit, expected = units[name]
    got = signal(codec, unit)
    assert got == expected, f"{name}: read {got}, the recipe says {expected}"
    assert as_decoded(codec, got) == ffprobe_first_frame(media[name].path)


@pytest.mark.parametrize("name", CLIPS)
def test_clip_chroma_location_matches_ffprobe(media, units, name):
    """FFmpeg's decoders report the siting as read here: left for an H.264 / HEVC VUI without
    chroma_loc_info (HEVC 4:2:0 without a VUI too), nothing for other chroma formats, VP9 or an AV1
    CSP_UNKNOWN."""
    codec, unit, _ = units[name]
    assert location(codec, unit) == ffprobe_first_frame_location(media[name].path), name


@pytest.mark.parametrize("encoder,expected", [
    (["-c:v", "libx264", "-chroma_sample_location", "topleft"], 3),
    (["-c:v", "libx264", "-x264-params", "chromaloc=1"], 2),
    (["-c:v", "libx265", "-chroma_sample_location", "bottom", "-x265-params", "log-level=0"], 6),
    (["-c:v", "libsvtav1", "-chroma_sample_location", "topleft"], 3),
])
def test_signalled_chroma_locations(tmp_path, encoder, expected):
    """Encoders that write a siting: what is read equals what was asked and what ffprobe decodes."""
    codec = {"libx264": "h264", "libx265": "hevc", "libsvtav1": "av1"}[encoder[1]]
    path = tmp_path / ("clip.ivf" if codec == "av1" else f"clip.{codec}")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=64x64:d=0.12", "-pix_fmt", "yuv420p",
                    *encoder, str(path)], check=True, capture_output=True)
    assert ffprobe_first_frame_location(path) == expected
    assert location(codec, first_unit(path, codec)) == expected


# What each clip was made to exercise, as FFmpeg's CBS (trace_headers) reads its first parameter set.
SYNTAX = {
    "cs_h264_high10": [("profile_idc", 110), ("frame_cropping_flag", 1), ("aspect_ratio_idc", 255),
                       ("overscan_info_present_flag", 1)],
    "cs_h264_444": [("profile_idc", 244), ("chroma_format_idc", 3)],
    "cs_h264_mbaff": [("frame_mbs_only_flag", 0), ("mb_adaptive_frame_field_flag", 1), ("pic_order_cnt_type", 0)],
    "cs_h264_baseline": [("profile_idc", 66), ("pic_order_cnt_type", 2)],
    "cs_h264_range_only": [("video_signal_type_present_flag", 1), ("colour_description_present_flag", 0)],
    "cs_h264_matrix_only": [("colour_primaries", 2), ("transfer_characteristics", 2)],
    "cs_hevc_untagged": [("video_signal_type_present_flag", 1), ("colour_description_present_flag", 0)],
    "cs_hevc10_bt2020_pq": [("general_profile_idc", 2), ("bit_depth_luma_minus8", 2)],
    "cs_hevc_444_scaling": [("chroma_format_idc", 3), ("scaling_list_enabled_flag", 1), ("amp_enabled_flag", 1),
                            ("conformance_window_flag", 1), ("aspect_ratio_idc", 255),
                            ("overscan_info_present_flag", 1)],
    "cs_hevc_sublayers": [("sps_max_sub_layers_minus1", 1), ("sub_layer_profile_present_flag", 0)],
    "cs_av1_aom_444_decoder_model": [("seq_profile", 1), ("decoder_model_info_present_flag", 1),
                                     ("decoder_model_present_for_this_op", 1),
                                     ("initial_display_delay_present_flag", 1)],
    "cs_av1_aom_srgb": [("equal_picture_interval", 1), ("matrix_coefficients", 0)],
    "cs_av1_aom_mono": [("mono_chrome", 1)],
    "cs_av1_10bit_bt2020": [("high_bitdepth", 1)],
}


@pytest.mark.parametrize("name", sorted(SYNTAX))
def test_clip_exercises_its_syntax(media, name):
    packets, _ = cs.trace_packets(media[name].path)
    section = packets[0][0]
    for field, value in SYNTAX[name]:
        assert cs.has(section, field, value), f"{name}: no {field} = {value} in its first parameter set"
    if name == "cs_av1_aom_srgb":
        assert not cs.has(section, "color_range"), "the sRGB triple implies full range without a color_range bit"


def test_vp9_clips_exercise_every_profile(units):
    profiles = {}
    for name in CLIPS:
        codec, unit, _ = units[name]
        if codec == "vp9":
            b = unit[0]  # frame_marker(2) profile_low_bit profile_high_bit ...
            profiles[name] = ((b >> 5) & 1) | (((b >> 4) & 1) << 1)
    assert sorted(set(profiles.values())) == [0, 1, 2, 3], profiles


# FFmpeg's pixel formats of VP9 / AV1 streams -> (bits, chroma_format: 0 4:0:0, 1 4:2:0, 2 4:2:2,
# 3 4:4:4 and the other unsubsampled-height layouts: 4:4:0, RGB).
PIX_FMT = {"yuv420p": (8, 1), "yuv420p10le": (10, 1), "yuv420p12le": (12, 1), "yuv422p": (8, 2),
           "yuv422p10le": (10, 2), "yuv422p12le": (12, 2), "yuv440p": (8, 3), "yuv440p10le": (10, 3),
           "yuv440p12le": (12, 3), "yuv444p": (8, 3), "yuv444p10le": (10, 3), "yuv444p12le": (12, 3),
           "gbrp": (8, 3), "gbrp10le": (10, 3), "gbrp12le": (12, 3), "gray": (8, 0), "gray10le": (10, 0),
           "gray12le": (12, 0)}


def ffprobe_pix_fmt(path) -> str:
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v", "-show_entries", "stream=pix_fmt", "-of",
                          "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["streams"][0]["pix_fmt"]


@pytest.mark.parametrize("name", [n for n in CLIPS if RECIPES[n].expect["codec"] in ("vp9", "av1")])
def test_sample_format_matches_ffprobe(media, units, name):
    """VP9 key frames and AV1 sequence headers give the sample format (what the engine opens WebM /
    Matroska / IVF without a configuration record by, instead of decoding): ffprobe's pix_fmt, which
    FFmpeg's decoders set."""
    codec, unit, _ = units[name]
    s = _engine._colour_signal(codec, unit)
    assert (s["bit_depth"], s["chroma_format"]) == PIX_FMT[ffprobe_pix_fmt(media[name].path)], name


@pytest.mark.parametrize("name", [n for n in CLIPS if RECIPES[n].expect["codec"] in ("vp9", "av1")])
def test_streams_without_a_record_open_by_their_first_packet(media, tmp_path, name):
    """IVF and WebM carry no configuration record for these clips: the engine takes the sample format
    from the first packet and agrees with ffprobe's pix_fmt (unsupported formats refused by name)."""
    src = media[name].path
    webm = tmp_path / "remux.webm"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(src), "-c", "copy", str(webm)], check=True)
    bits, chroma = PIX_FMT[ffprobe_pix_fmt(src)]
    for path in (src, webm):
        if chroma == 1 and bits in (8, 10, 12):
            assert _engine._index_report(str(path))["params"]["bit_depth"] == bits, path
        else:
            with pytest.raises(ValueError, match=f"unsupported sample format \\({bits}-bit, chroma_format {chroma}\\)"):
                _engine._index_report(str(path))


def test_first_packet_that_says_nothing_falls_back_to_probing(media, tmp_path):
    """A VP9 stream that starts with an inter frame: its first packet tells no sample format, so the
    engine lets libavformat probe by decoding, which finds the 10-bit key frame after it."""
    frames = cs.ivf_frames(media["cs_vp9_p2_10bit"].path.read_bytes())
    path = tmp_path / "inter_first.ivf"
    path.write_bytes(cs.ivf(b"VP90", [frames[1]] + frames))
    assert _engine._colour_signal("vp9", frames[1])["bit_depth"] == -1
    assert _engine._index_report(str(path))["params"]["bit_depth"] == 10


# ---- configuration records -----------------------------------------------------------------------

RECORD = {"h264": b"avcC", "hevc": b"hvcC", "av1": b"av1C"}


@pytest.mark.parametrize("name", [n for n in CLIPS if RECIPES[n].expect["codec"] in RECORD])
def test_config_record_gives_the_same(media, units, tmp_path, name):
    codec, unit, expected = units[name]
    mp4 = tmp_path / "remux.mp4"
    subprocess.run(["ffmpeg", "-v", "error", "-i", str(media[name].path), "-c", "copy", "-f", "mp4", str(mp4)],
                   check=True)
    record = cs.mp4_config_record(mp4, RECORD[codec])
    assert record[0] in (1, 0x81)
    assert signal(codec, record) == expected == signal(codec, unit)


# ---- random parameter sets against FFmpeg's CBS -------------------------------------------------

N_RANDOM = 150
FEATURES = {  # syntax the random sets must reach (names as CBS prints them)
    "h264": [("seq_scaling_matrix_present_flag", 1), ("pic_order_cnt_type", 1), ("pic_order_cnt_type", 0),
             ("num_ref_frames_in_pic_order_cnt_cycle", None), ("separate_colour_plane_flag", 1),
             ("mb_adaptive_frame_field_flag", 1), ("frame_cropping_flag", 1), ("aspect_ratio_idc", 255),
             ("overscan_info_present_flag", 1), ("colour_description_present_flag", 1),
             ("video_signal_type_present_flag", 0), ("vui_parameters_present_flag", 0)],
    "hevc": [("sub_layer_profile_present_flag", 1), ("sub_layer_level_present_flag", 1),
             ("separate_colour_plane_flag", 1), ("conformance_window_flag", 1),
             ("sps_sub_layer_ordering_info_present_flag", 1), ("scaling_list_pred_mode_flag", 0),
             ("scaling_list_dc_coef_minus8", None), ("pcm_enabled_flag", 1), ("inter_ref_pic_set_prediction_flag", 1),
             ("long_term_ref_pics_present_flag", 1), ("aspect_ratio_idc", 255), ("overscan_info_present_flag", 1),
             ("colour_description_present_flag", 1), ("vui_parameters_present_flag", 0)],
    "av1": [("reduced_still_picture_header", 1), ("timing_info_present_flag", 1), ("equal_picture_interval", 1),
            ("decoder_model_info_present_flag", 1), ("decoder_model_present_for_this_op", 1),
            ("initial_display_delay_present_for_this_op", 1), ("seq_tier", None), ("frame_id_numbers_present_flag", 1),
            ("enable_order_hint", 1), ("seq_choose_screen_content_tools", 0), ("seq_choose_integer_mv", 0),
            ("twelve_bit", 1), ("mono_chrome", 1), ("color_description_present_flag", 0)],
}
TERMINAL = {"h264": "rbsp_stop_one_bit", "hevc": "rbsp_stop_one_bit", "av1": "film_grain_params_present"}


@pytest.fixture(scope="module")
def hevc_base_au(media):
    """An HEVC access unit (VPS, SPS 0, PPS, IDR slice) that carries random SPSs into packets."""
    return cs.annexb_nals(first_unit(media["cs_hevc_intra"].path, "hevc"))


def _random_sets(codec, rng, hevc_base_au, tmp_path):
    """N_RANDOM random sets, the file FFmpeg traces them in, and which traced set is the random one."""
    if codec == "h264":
        items = [cs.random_h264_sps(rng) for _ in range(N_RANDOM)]
        path = tmp_path / "sets.ivf"
        path.write_bytes(cs.ivf(b"H264", [b"\x00\x00\x00\x01" + nal for nal, _ in items]))
        return items, path, 0
    if codec == "hevc":
        # A packet per random SPS: the base access unit with the random SPS (its own VPS and SPS ids)
        # after the PPS; the slice refers to SPS 0.
        items = [cs.random_hevc_sps(rng, vps_id=rng.randrange(1, 16), sps_id=rng.randrange(1, 16))
                 for _ in range(N_RANDOM)]
        data = bytearray()
        for nal, _ in items:
            for base in hevc_base_au:
                data += b"\x00\x00\x00\x01" + base
                if cs.hevc_type(base) == 34:
                    data += b"\x00\x00\x00\x01" + nal
        path = tmp_path / "sets.hevc"
        path.write_bytes(bytes(data))
        return items, path, 1
    items = [cs.random_av1_sequence_header(rng) for _ in range(N_RANDOM)]
    path = tmp_path / "sets.ivf"
    path.write_bytes(cs.ivf(b"AV01", [cs.obu(2, b"") + cs.obu(1, payload) for payload, _ in items]))
    return items, path, 0


def _variants(codec, unit, rng):
    """The same set as the hook may receive it: in an access unit among other units, or in a record."""
    if codec == "av1":
        ext = rng.randrange(256) & 0xF8  # temporal_id, spatial_id, reserved
        return [cs.obu(1, unit), cs.obu(2, b"") + cs.obu(1, unit, size_bytes=3),
                cs.obu(2, b"") + cs.obu(5, b"\x01\x02\x03", extension=ext) + cs.obu(1, unit) + cs.obu(15, b"\x00" * 9),
                bytes([0x81, 0, 0x0C, 0]) + cs.obu(1, unit),  # av1C with the sequence header as configOBUs
                cs.obu(2, b"") + bytes([1 << 3]) + unit]  # the last OBU without obu_has_size_field
    if codec == "h264":
        aud, sei, slice_ = b"\x09\xf0", b"\x06\x05\x01\x00\x80", b"\x65\x88\x84\x00\x00\x03\x01"
        return [b"\x00\x00\x01" + unit, b"\x00\x00\x00\x01" + aud + b"\x00\x00\x00\x01" + unit + b"\x00\x00\x01" + sei
                + b"\x00\x00\x01" + slice_, cs.avcc([unit], [b"\x68\xce\x38\x80"])]
    aud, slice_ = b"\x46\x01\x50", b"\x26\x01\xaf\x00\x00\x03\x01"
    vps = b"\x40\x01\x0c\x01\xff\xff"
    return [b"\x00\x00\x01" + unit, b"\x00\x00\x00\x01" + aud + b"\x00\x00\x01" + vps + b"\x00\x00\x01" + unit
            + b"\x00\x00\x01" + slice_, cs.hvcc([(32, [vps]), (33, [unit])])]


@pytest.mark.parametrize("codec", ["h264", "hevc", "av1"])
def test_random_parameter_sets_match_cbs(codec, hevc_base_au, tmp_path):
    rng = random.Random(20240611 + len(codec))
    items, path, which = _random_sets(codec, rng, hevc_base_au, tmp_path)
    locations = set()
    packets, messages = cs.trace_packets(path)
    errors = [m for m in messages if any(w in m for w in ("rror", "ailed", "out of range", "nvalid"))]
    assert not errors, f"CBS refused a generated set: {errors[:5]}"
    assert len(packets) == len(items)
    seen = []
    for k, ((unit, generated), packet) in enumerate(zip(items, packets)):
        section = packet[which]
        assert cs.has(section, TERMINAL[codec]), f"set {k}: CBS stopped early"
        reference = cs.colour_from_trace(section, codec)
        assert generated == reference, f"set {k}: the generator meant {generated}, CBS read {reference}"
        siting = cs.chroma_location_from_trace(section, codec)
        for v, data in enumerate(_variants(codec, unit, rng)):
            assert signal(codec, data) == reference, f"set {k}, input variant {v}: {data.hex()}"
            assert location(codec, data) == siting, f"set {k}, input variant {v}: {data.hex()}"
        locations.add(siting)
        seen.append(section)
    assert len(locations) >= (3 if codec == "av1" else 7), f"the random sets reach few sitings: {locations}"
    for field, value in FEATURES[codec]:
        assert any(cs.has(s, field, value) for s in seen), f"no random {codec} set has {field} = {value}"
    if codec != "av1":  # emulation prevention happened in some sets
        assert any(b"\x00\x00\x03" in unit for unit, _ in items)


@pytest.mark.parametrize("profile", [134, 135, 139, 144])
def test_h264_profiles_with_chroma_info_beyond_cbs(profile):
    """7.3.2.1.1 lists 139, 134 and 135 (MFC) with the chroma info; 144 is the High 4:4:4 profile of
    the 2005 edition, which FFmpeg's decoder still reads that way. FFmpeg 5.1's CBS knows none of
    them, so the generator is the only reference here."""
    rng = random.Random(profile)
    for _ in range(50):
        nal, generated = cs.random_h264_sps(rng, profile=profile)
        assert signal("h264", b"\x00\x00\x01" + nal) == generated


# ---- real streams with rewritten SPSs: FFmpeg's decoder as the reference -------------------------

def _check_rewritten(path, codec, expected, fields, frames):
    packets, messages = cs.trace_packets(path)
    assert not [m for m in messages if "ailed" in m or "out of range" in m], messages
    section = packets[0][0]
    for field, value in fields:
        assert cs.has(section, field, value), f"rewritten SPS lacks {field} = {value}"
    decoded = subprocess.run(["ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0", "-show_entries",
                              "stream=nb_read_frames", "-of", "csv=p=0", str(path)],
                             capture_output=True, text=True, check=True).stdout
    assert int(decoded) == frames, "FFmpeg's decoder no longer decodes every frame"
    got = signal(codec, first_unit(path, codec))
    assert got == expected
    assert as_decoded(codec, got) == ffprobe_first_frame(path)


def test_h264_pic_order_cnt_type_1(media, units, tmp_path):
    """No encoder here writes pic_order_cnt_type 1: the baseline clip's SPS (type 2) is rewritten."""
    data, n = cs.rewrite_annexb(media["cs_h264_baseline"].path.read_bytes(), lambda nal: cs.h264_type(nal) == 7,
                                cs.h264_sps_poc_type_1, 1)
    assert n >= 1
    path = tmp_path / "poc1.h264"
    path.write_bytes(data)
    _check_rewritten(path, "h264", RECIPES["cs_h264_baseline"].expect["colour_signal"],
                     [("pic_order_cnt_type", 1), ("num_ref_frames_in_pic_order_cnt_cycle", 3)],
                     frames("cs_h264_baseline"))


@pytest.mark.parametrize("name", ["cs_h264_444", "cs_h264_bt709_full", "cs_h264_high10"])
def test_h264_sps_scaling_lists(media, tmp_path, name):
    """x264 writes quantisation matrices in the PPS: random SPS scaling lists (8, or 12 for 4:4:4)
    are written into the clip's SPS; they change dequantisation only."""
    rng = random.Random(name)
    data, n = cs.rewrite_annexb(media[name].path.read_bytes(), lambda nal: cs.h264_type(nal) == 7,
                                lambda rbsp: cs.h264_sps_with_scaling_lists(rbsp, rng), 1)
    assert n >= 1
    path = tmp_path / "sl.h264"
    path.write_bytes(data)
    lists = 12 if name == "cs_h264_444" else 8
    _check_rewritten(path, "h264", RECIPES[name].expect["colour_signal"],
                     [("seq_scaling_matrix_present_flag", 1), ("delta_scale", None)], frames(name))
    section = cs.trace_packets(path)[0][0][0]
    assert sum(1 for f, v in section if f.startswith("seq_scaling_list_present_flag")) == lists


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_hevc_short_term_rps_long_term_and_scaling_data(media, tmp_path, seed):
    """x265 writes no reference picture sets in its SPS (3.5: all in slice headers). Its all-IDR
    clip's SPS is given short-term RPSs (inter-predicted ones among them), long-term reference
    pictures and scaling list data: IDR slice headers carry no RPS syntax, so it still decodes."""
    base = media["cs_hevc_intra"].path.read_bytes()
    vcl = {cs.hevc_type(nal) for nal in cs.annexb_nals(base) if cs.hevc_type(nal) < 32}
    assert vcl <= {19, 20}, f"not all IDR: {vcl}"
    rng = random.Random(seed)
    data, n = cs.rewrite_annexb(base, lambda nal: cs.hevc_type(nal) == 33,
                                lambda rbsp: cs.hevc_sps_with_rps(rbsp, rng), 2)
    assert n >= 1
    path = tmp_path / "rps.hevc"
    path.write_bytes(data)
    _check_rewritten(path, "hevc", RECIPES["cs_hevc_intra"].expect["colour_signal"],
                     [("num_short_term_ref_pic_sets", 12), ("inter_ref_pic_set_prediction_flag", 1),
                      ("long_term_ref_pics_present_flag", 1), ("sps_scaling_list_data_present_flag", 1)],
                     frames("cs_hevc_intra"))


# ---- hand-made edge cases -------------------------------------------------------------------------

def test_unknown_codec_is_a_value_error():
    with pytest.raises(ValueError, match="codec"):
        signal("mpeg2", b"\x00\x00\x01\xb3")


@pytest.mark.parametrize("codec", ["h264", "hevc", "vp9", "av1"])
def test_empty_or_foreign_input_signals_nothing(codec):
    for data in (b"", b"\x00", b"\x00\x00\x01", b"\xff" * 64, bytes(64)):
        assert signal(codec, data) == cs.NOT_SIGNALLED


def test_first_sps_wins_and_bad_nal_headers_are_skipped(units):
    full709 = cs.annexb_nals(units["cs_h264_bt709_full"][1])
    bt601 = cs.annexb_nals(units["cs_h264_bt601_limited"][1])
    sps709 = next(n for n in full709 if cs.h264_type(n) == 7)
    sps601 = next(n for n in bt601 if cs.h264_type(n) == 7)
    assert signal("h264", b"\x00\x00\x01" + sps601 + b"\x00\x00\x01" + sps709)["matrix"] == 6
    forbidden = bytes([sps601[0] | 0x80]) + sps601[1:]  # forbidden_zero_bit set: not an SPS
    assert signal("h264", b"\x00\x00\x01" + forbidden + b"\x00\x00\x01" + sps709)["matrix"] == 1


def test_hevc_sps_of_another_layer_is_skipped(units):
    sps709 = next(n for n in cs.annexb_nals(units["cs_hevc_bt709_full"][1]) if cs.hevc_type(n) == 33)
    sps2020 = next(n for n in cs.annexb_nals(units["cs_hevc10_bt2020_pq"][1]) if cs.hevc_type(n) == 33)
    layer1 = bytes([sps709[0], sps709[1] | 0x08]) + sps709[2:]  # nuh_layer_id 1
    got = signal("hevc", b"\x00\x00\x01" + layer1 + b"\x00\x00\x01" + sps2020)
    assert got == RECIPES["cs_hevc10_bt2020_pq"].expect["colour_signal"]
    record = cs.hvcc([(33, [layer1, sps2020])])
    assert signal("hevc", record) == got


def superframe(frames) -> bytes:
    """VP9 Annex B: the frames, then an index of 4-byte sizes between two marker bytes 0b110mmfff."""
    marker = 0xC0 | (3 << 3) | (len(frames) - 1)
    return b"".join(frames) + bytes([marker]) + b"".join(len(f).to_bytes(4, "little") for f in frames) + bytes([marker])


def test_vp9_superframes_and_frames_that_signal_nothing(media):
    """libvpx writes no superframe whose first frame is a key frame (its hidden alt-ref frames go in
    front of inter frames), so these are put together from a clip's frames."""
    key, inter = cs.ivf_frames(media["cs_vp9_bt709_full"].path.read_bytes())[:2]
    expected = RECIPES["cs_vp9_bt709_full"].expect["colour_signal"]
    assert inter[0] & 0x04, "the second frame is an inter frame (frame_type 1)"
    assert signal("vp9", key) == expected
    assert signal("vp9", superframe([key, inter])) == expected
    assert signal("vp9", superframe([key])) == expected
    assert signal("vp9", inter) == cs.NOT_SIGNALLED
    assert signal("vp9", superframe([inter, key])) == cs.NOT_SIGNALLED  # only the first frame counts
    assert signal("vp9", bytes([0b10001000])) == cs.NOT_SIGNALLED  # show_existing_frame
    # The index bounds the first frame: a key frame cut before its color_config reads nothing, even
    # with more bytes after it.
    assert signal("vp9", superframe([key[:4], inter])) == cs.NOT_SIGNALLED
    assert signal("vp9", key[:4]) == cs.NOT_SIGNALLED


def test_av1_malformed_headers_signal_nothing(units):
    codec, unit, expected = units["cs_av1_bt709_full"]
    seq = next(o for t, o in cs.obus(unit) if t == 1)
    assert signal("av1", seq) == expected
    header, size_and_payload = seq[:1], seq[1:]
    assert signal("av1", bytes([header[0] | 0x80]) + size_and_payload) == cs.NOT_SIGNALLED  # obu_forbidden_bit
    payload = seq[2:]
    reserved_profile = bytes([payload[0] | 0xE0]) + payload[1:]  # seq_profile 7
    assert signal("av1", cs.obu(1, reserved_profile)) == cs.NOT_SIGNALLED
    # seq_profile(3) still_picture(1) reduced_still_picture_header(1): reduced without still_picture
    reduced_not_still = bytes([(payload[0] & 0xE7) | 0x08]) + payload[1:]
    assert signal("av1", cs.obu(1, reduced_not_still)) == cs.NOT_SIGNALLED
    too_long = bytes([header[0]]) + cs.leb128(len(payload) + 1) + payload  # obu_size past the end
    assert signal("av1", too_long) == cs.NOT_SIGNALLED


# ---- robustness ----------------------------------------------------------------------------------

_FUZZ = r"""
import pickle, random, sys
from on_demand_video_decoder import _engine
inputs = pickle.load(open(sys.argv[1], "rb"))
NONE = dict(matrix=-1, primaries=-1, transfer=-1, range=-1)

def check(codec, data):
    s = _engine._colour_signal(codec, data)
    assert set(s) == {*NONE, "chroma_location", "bit_depth", "chroma_format"}, s
    assert all(type(v) is int and -1 <= v <= 255 for v in s.values()), s
    assert s["range"] in (-1, 1, 2), s
    assert s.pop("chroma_location") in (-1, 1, 2, 3, 4, 5, 6), s
    # The sample format: all or nothing too, and only from VP9 / AV1.
    fmt = (s.pop("bit_depth"), s.pop("chroma_format"))
    assert fmt in {(-1, -1)} | ({(b, c) for b in (8, 10, 12) for c in (0, 1, 2, 3)} if codec in ("vp9", "av1") and s != NONE else set()), fmt
    return s

truncations = 0
for codec, unit, expected in inputs:
    complete = False
    for n in range(len(unit) + 1):
        s = check(codec, unit[:n])
        truncations += 1
        # Every prefix reads nothing until the colour fields are complete, then reads all of them.
        if s == expected and expected != NONE:
            complete = True
        else:
            assert s == NONE and not complete, (codec, n, len(unit), s, expected)
    assert check(codec, unit) == expected
rng = random.Random(7)
mutations = 0
for _ in range(int(sys.argv[2])):
    codec, unit, _ = rng.choice(inputs)
    data = bytearray(unit)
    for _ in range(rng.randrange(1, 9)):
        kind = rng.randrange(4)
        at = rng.randrange(min(len(data), 160)) if data else 0
        if kind == 0 and data:
            data[at] = rng.randrange(256)
        elif kind == 1 and data:
            data[at] ^= 1 << rng.randrange(8)
        elif kind == 2:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        elif data:
            del data[at:at + rng.randrange(1, 4)]
    check(codec, bytes(data))
    mutations += 1
print(truncations, mutations)
"""


def test_truncated_and_mutated_input(units, tmp_path):
    """Every prefix of each clip's first unit and of random parameter sets, and 6000 random
    mutations, in a child process (a crash fails this test instead of killing pytest)."""
    inputs = []
    for codec, unit, expected in units.values():
        cut = unit[:4096] if codec in ("h264", "hevc") else unit  # the parameter sets lead the unit
        inputs.append((codec, cut, signal(codec, cut)))
        assert inputs[-1][2] == expected
    rng = random.Random(99)
    for _ in range(20):
        nal, colour = cs.random_h264_sps(rng)
        inputs.append(("h264", b"\x00\x00\x01" + nal, colour))
        nal, colour = cs.random_hevc_sps(rng)
        inputs.append(("hevc", b"\x00\x00\x01" + nal, colour))
        payload, colour = cs.random_av1_sequence_header(rng)
        inputs.append(("av1", cs.obu(2, b"") + cs.obu(1, payload), colour))
    path = tmp_path / "inputs.pickle"
    path.write_bytes(pickle.dumps(inputs))
    res = subprocess.run([sys.executable, "-c", _FUZZ, str(path), "6000"], capture_output=True, text=True)
    assert res.returncode == 0, f"the child failed (rc {res.returncode}):\n{res.stderr[-3000:]}"
    truncations, mutations = map(int, res.stdout.split())
    assert truncations > 10000 and mutations == 6000
