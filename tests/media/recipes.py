"""What test media exists and how the ffmpeg CLI makes each file.

Every recipe is small (<= 320x240, <= 300 frames) and says what property it was made for in
``expect``; tests/test_media.py reads each file back with ffprobe (and our own MP4/NAL parsers in
tests/media/inspect.py) and checks those properties, so the tests built on them stand on known ground.
"""

from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

# Encoder settings that make GOP structure deterministic: fixed key interval, no scene-cut keys,
# a fixed number of B-frames (b-adapt=0), logs quiet.
_X265_QUIET = "log-level=error"


@dataclass(frozen=True)
class Recipe:
    """One test file.

    ``args`` are ffmpeg arguments between ``ffmpeg -y`` and the output path. ``base`` names another
    recipe whose file is the input (``{base}`` in ``args`` is replaced by its path); ``post`` is a
    step done in Python on the result (see generate.py).
    """

    name: str
    ext: str
    args: Tuple[str, ...] = ()
    base: Optional[str] = None
    post: Optional[str] = None
    expect: Dict[str, object] = field(default_factory=dict)


def _testsrc(size: str, frames: int, rate: int = 30) -> List[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}", "-frames:v", str(frames)]


def _x264(gop: int, bframes: int, pyramid: bool = False) -> Tuple[str, List[str]]:
    params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:b-adapt=0"
    params += ":b-pyramid=" + ("normal" if pyramid else "none")
    return "h264", ["-c:v", "libx264", "-preset", "veryfast", "-x264-params", params]


def _x265(gop: int, bframes: int, pyramid: bool = False, open_gop: bool = False, extra: str = ""):
    params = (
        f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:b-adapt=0"
        f":b-pyramid={int(pyramid)}:open-gop={int(open_gop)}:{extra}{_X265_QUIET}"
    )
    return "hevc", ["-c:v", "libx265", "-preset", "veryfast", "-x265-params", params, "-tag:v", "hvc1"]


def _svtav1(gop: int):
    return "av1", ["-c:v", "libsvtav1", "-preset", "12", "-g", str(gop)]


def _vp9(gop: int):
    # Alt-ref frames (lag-in-frames) put hidden frames in superframes, as real VP9 files have.
    return "vp9", ["-c:v", "libvpx-vp9", "-g", str(gop), "-keyint_min", str(gop), "-deadline", "good",
                   "-cpu-used", "5", "-auto-alt-ref", "1", "-lag-in-frames", "16"]


# Colour tags: the default clips say BT.709 limited range; some carry other matrices and ranges so
# that colour conversion is tested against more than one formula.
_BT709 = ["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709", "-color_range", "tv"]
_BT601_FULL = [
    "-vf", "scale=out_range=full:out_color_matrix=bt601",
    "-colorspace", "smpte170m", "-color_primaries", "smpte170m", "-color_trc", "smpte170m",
    "-color_range", "pc",
]
_BT2020 = ["-colorspace", "bt2020nc", "-color_primaries", "bt2020", "-color_trc", "smpte2084", "-color_range", "tv"]

RECIPES: Dict[str, Recipe] = {}
_CONTAINER = {"mp4": "mp4", "mov": "mov", "mkv": "matroska", "webm": "matroska"}


def _add(recipe: Recipe) -> None:
    assert recipe.name not in RECIPES, recipe.name
    RECIPES[recipe.name] = recipe


def _clip(name, ext, encoder, frames, size="176x144", colour=_BT709, pix_fmt="yuv420p", pre=(), out=(), **expect):
    """A testsrc2 clip: ``encoder`` is (codec name, ffmpeg arguments) from the helpers above;
    ``pre`` are extra inputs before testsrc2, ``out`` output options before the encoder's;
    ``expect`` adds to the properties every clip has (codec, container, size, frames, pix_fmt)."""
    codec, enc_args = encoder
    width, height = (int(x) for x in size.split("x"))
    _add(Recipe(
        name, ext, (*pre, *_testsrc(size, frames), *out, *enc_args, *colour, "-pix_fmt", pix_fmt),
        expect=dict(codec=codec, container=_CONTAINER[ext], width=width, height=height, frames=frames,
                    pix_fmt=pix_fmt, **expect),
    ))


_clip("h264_gop1", "mov", _x264(1, 0), 30, gop=1, bframes=0)
_clip("h264_gop12", "mp4", _x264(12, 0), 60, gop=12, bframes=0)
_clip("h264_gop30", "mp4", _x264(30, 0), 90, gop=30, bframes=0)
_clip("h264_gop30_bf3", "mp4", _x264(30, 3, pyramid=True), 90, gop=30, bframes=3, pyramid=True)
_clip("h264_gop250", "mkv", _x264(250, 3, pyramid=True), 300, size="160x120", gop=250, bframes=3)
# Not a multiple of 8 or 16 in either direction (and within the 320x240 bound of the test media).
_clip("h264_odd_size", "mp4", _x264(30, 2), 60, size="318x178", gop=30, bframes=2)
# FFmpeg's H.264 decoder calls full-range 4:2:0 "yuvj420p".
_clip("h264_bt601_full", "mp4", _x264(30, 0), 60, colour=_BT601_FULL, gop=30, bframes=0,
      color_space="smpte170m", color_range="pc", pix_fmt_decoded="yuvj420p")
# HEVC with an MD5 decoded-picture-hash SEI after every picture (tests/test_corrupt_data.py: strict
# decoding finds damage inside slice data through it).
_clip("hevc_md5_hash", "mp4", _x265(30, 0, extra="hash=1:"), 60, gop=30, bframes=0)
# No colour description in the bitstream or the container (tests/test_stream_colour.py).
_clip("h264_untagged", "mkv", _x264(30, 0), 30, colour=(), gop=30, bframes=0)
_clip("h264_audio_first", "mp4", _x264(30, 0), 60, gop=30, bframes=0, video_stream_index=1,
      pre=("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"),
      out=("-map", "0:a", "-map", "1:v", "-t", "2", "-c:a", "aac"))
# Two video streams of different sizes and codecs with audio between them (tests/test_stream_choice.py):
# stream 0 H.264 176x144, stream 1 AAC, stream 2 HEVC 96x64; 30 frames each. Not in the decodable
# matrix (its "frames" would be ambiguous): the test checks each stream against the ffmpeg CLI.
for _ext in ("mp4", "mkv"):
    _add(Recipe(f"two_video_streams_{_ext}", _ext, (
        "-f", "lavfi", "-i", "testsrc2=size=176x144:rate=30", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
        "-f", "lavfi", "-i", "mandelbrot=size=96x64:rate=30",
        "-map", "0:v", "-map", "1:a", "-map", "2:v", "-t", "1", "-frames:v:0", "30", "-frames:v:1", "30",
        "-c:v:0", "libx264", "-preset", "veryfast", "-g", "10", "-bf", "0",
        "-c:v:1", "libx265", "-x265-params", f"keyint=15:bframes=2:{_X265_QUIET}", "-c:a", "aac", *_BT709,
        "-pix_fmt", "yuv420p"), expect=dict(codec="h264", container=_CONTAINER[_ext], width=176, height=144)))
# The first 30 frames at 30 fps, then every other source frame is dropped (15 fps): the pts step
# changes from 1/30 s to 1/15 s. (-frames:v counts output frames.)
_clip("h264_vfr", "mp4", _x264(30, 0), 120, bframes=0, vfr=True,
      out=("-vf", "select='lt(n\\,30)+not(mod(n\\,2))'", "-fps_mode", "vfr"))
_add(Recipe(
    # Stream copy with an input seek keeps the packets from the keyframe before 1.5 s and writes an
    # edit list that hides the frames before 1.5 s (15 of the 45 packets).
    "h264_editlist", "mp4", ("-ss", "1.5", "-i", "{base}", "-c", "copy"), base="h264_gop30",
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=45, packets=60,
                bframes=0, pix_fmt="yuv420p", edit_list=True),
))
_add(Recipe(
    # The moov (index) is at the front and promises 90 samples; the file ends after ~55% of the data.
    "h264_truncated", "mp4", ("-i", "{base}", "-c", "copy", "-movflags", "+faststart"), base="h264_gop30",
    post="truncate:0.55", expect=dict(codec="h264", container="mp4", truncated=True),
))
_add(Recipe("not_video", "mp4", post="random_bytes:65536", expect=dict(not_media=True)))
_add(Recipe(
    "audio_only", "m4a", ("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:a", "aac"),
    expect=dict(no_video=True),
))

_clip("hevc_gop30", "mp4", _x265(30, 0), 90, gop=30, bframes=0)
_clip("hevc_gop30_bf3", "mp4", _x265(30, 3, pyramid=True), 90, gop=30, bframes=3, pyramid=True)
_clip("hevc_gop30_mov", "mov", _x265(30, 0), 60, gop=30, bframes=0)
# Open GOP: keyframes after the first are CRA pictures, followed in decode order by RASL leading
# pictures that are shown before the CRA and reference the previous GOP.
_clip("hevc_open_gop", "mp4", _x265(30, 3, open_gop=True), 90, bframes=3, open_gop=True)
_clip("hevc10_gop30", "mkv", _x265(30, 2), 90, colour=_BT2020, pix_fmt="yuv420p10le", gop=30, bframes=2,
      bit_depth=10, color_space="bt2020nc")
# Lossless HEVC with B-frames: its reference frames must equal testsrc2's own frames exactly, which
# shows the reference path returns every frame, in presentation order. (x264 drops B-frames in
# lossless mode; x265 keeps them.)
_clip("hevc_lossless_bf3", "mp4", _x265(30, 3, pyramid=True, extra="lossless=1:"), 30, colour=(),
      gop=30, bframes=3, lossless_source="testsrc2=size=176x144:rate=30")
_clip("av1_gop30", "webm", _svtav1(30), 90, gop=30)
_clip("av1_gop30_mp4", "mp4", _svtav1(30), 60, gop=30)
# Reference-closure decoding (tests/test_reference_closure.py): hierarchical B-frames (7 between P
# frames, x265's B-pyramid), a GOP whose POCs span more than half of x265's POC LSB range (256), and
# AV1 with SVT-AV1's 5-level hierarchy and libaom's alt-ref frames shown with show_existing_frame.
_clip("hevc_hier_b7_gop32", "mp4", _x265(32, 7, pyramid=True), 64, gop=32, bframes=7, pyramid=True)
_clip("hevc_gop300_bf3", "mp4", _x265(300, 3, pyramid=True), 300, size="96x64", gop=300, bframes=3, pyramid=True)
_clip("av1_gop250", "mp4", _svtav1(250), 250, size="96x64", gop=250)
_clip("av1_aom_gop32", "mp4", ("av1", ["-c:v", "libaom-av1", "-cpu-used", "8", "-g", "32", "-keyint_min", "32"]),
      48, gop=32)
_clip("vp9_gop30", "webm", _vp9(30), 90, gop=30)


# Colour signalled in the bitstream (tests/test_colour_signal.py): tiny clips in containers with no
# colour tags of their own (raw H.264 / HEVC elementary streams, IVF), so ffprobe's answer is the
# bitstream's. ``colour_signal`` is what csrc/demux/colour_signal.cpp must read from the first
# access unit: H.273 codes (-1: not signalled) and range (1 limited, 2 full, -1 not signalled).
# They carry no "frames" key: the decoding tests do not run on raw elementary streams.
def _tags(matrix=None, primaries=None, transfer=None, range_=None):
    out = []
    for opt, value in (("-colorspace", matrix), ("-color_primaries", primaries), ("-color_trc", transfer),
                       ("-color_range", range_)):
        if value is not None:
            out += [opt, value]
    return out


def _colour_clip(name, ext, encoder, signal, colour=(), pix_fmt="yuv420p", size="64x64", frames=3, out=()):
    codec, enc_args = encoder
    matrix, primaries, transfer, range_ = signal
    _add(Recipe(
        name, ext, (*_testsrc(size, frames), *out, *enc_args, *colour, "-pix_fmt", pix_fmt),
        expect=dict(codec=codec, container={"h264": "h264", "hevc": "hevc", "ivf": "ivf"}[ext], pix_fmt=pix_fmt,
                    colour_signal=dict(matrix=matrix, primaries=primaries, transfer=transfer, range=range_)),
    ))


def _x264_params(params: str, profile: Optional[str] = None):
    return "h264", ["-c:v", "libx264", "-preset", "veryfast", *(["-profile:v", profile] if profile else []),
                    "-x264-params", f"scenecut=0:{params}"]


def _x265_params(params: str):
    return "hevc", ["-c:v", "libx265", "-preset", "veryfast", "-x265-params", f"scenecut=0:{params}{_X265_QUIET}"]


def _vp9_plain():
    return "vp9", ["-c:v", "libvpx-vp9", "-g", "30", "-deadline", "good", "-cpu-used", "8"]


def _aom(params: str = ""):
    return "av1", ["-c:v", "libaom-av1", "-cpu-used", "8", *(["-aom-params", params] if params else [])]


_EXT_SAR = ["-vf", "setsar=7/5"]  # not in Table E-1: aspect_ratio_idc 255 with sar_width / sar_height

_colour_clip("cs_h264_untagged", "h264", _x264_params("keyint=30:bframes=0"), (-1, -1, -1, -1))
_colour_clip("cs_h264_bt709_full", "h264", _x264_params("keyint=30:bframes=2"), (1, 1, 1, 2),
             colour=_tags("bt709", "bt709", "bt709", "pc"))
_colour_clip("cs_h264_bt601_limited", "h264", _x264_params("keyint=30:bframes=0"), (6, 6, 6, 1),
             colour=_tags("smpte170m", "smpte170m", "smpte170m", "tv"))
# -color_range pc alone: x264 writes video_signal_type (full range) without a colour description.
_colour_clip("cs_h264_range_only", "h264", _x264_params("keyint=30:bframes=0"), (-1, -1, -1, 2),
             colour=_tags(range_="pc"))
# -colorspace alone: the colour description is written with primaries and transfer "unspecified" (2).
_colour_clip("cs_h264_matrix_only", "h264", _x264_params("keyint=30:bframes=0"), (5, 2, 2, 1),
             colour=_tags("bt470bg"))
# High 10 (profile 110: chroma_format_idc, bit depths), 128x72 (frame cropping), extended SAR and
# overscan_info before the signal type.
_colour_clip("cs_h264_high10", "h264", _x264_params("keyint=30:bframes=0:overscan=show"), (9, 9, 18, 1),
             colour=_tags("bt2020nc", "bt2020", "arib-std-b67", "tv"), pix_fmt="yuv420p10le", size="128x72",
             out=_EXT_SAR)
# High 4:4:4 Predictive (chroma_format_idc 3, separate_colour_plane_flag). x264 writes quantisation
# matrices in the PPS only: the SPS scaling-list test gives this clip's SPS twelve lists.
_colour_clip("cs_h264_444", "h264", _x264_params("keyint=30:bframes=0"), (5, 5, 5, 2),
             colour=_tags("bt470bg", "bt470bg", "gamma28", "pc"), pix_fmt="yuv444p")
# Interlaced (MBAFF): frame_mbs_only_flag 0, then mb_adaptive_frame_field_flag; pic_order_cnt_type 0.
_colour_clip("cs_h264_mbaff", "h264", _x264_params("keyint=30:bframes=0:interlaced=1"), (7, 7, 7, 1),
             colour=_tags("smpte240m", "smpte240m", "smpte240m", "tv"))
# Constrained baseline (no chroma_format_idc part; pic_order_cnt_type 2 without B-frames). The
# pic_order_cnt_type 1 test rewrites this clip's SPS.
_colour_clip("cs_h264_baseline", "h264", _x264_params("keyint=30:bframes=0", profile="baseline"), (4, 8, 8, 1),
             colour=_tags("fcc", "film", "linear", "tv"))

# x265 writes video_signal_type (limited range) even without tags.
_colour_clip("cs_hevc_untagged", "hevc", _x265_params("keyint=30:bframes=0:"), (-1, -1, -1, 1))
_colour_clip("cs_hevc_bt709_full", "hevc", _x265_params("keyint=30:bframes=2:"), (1, 1, 1, 2),
             colour=_tags("bt709", "bt709", "bt709", "pc"))
_colour_clip("cs_hevc10_bt2020_pq", "hevc", _x265_params("keyint=30:bframes=0:"), (9, 9, 16, 1),
             colour=_tags("bt2020nc", "bt2020", "smpte2084", "tv"), pix_fmt="yuv420p10le")
# Main 4:4:4 (range extension profile), scaling_list_enabled_flag, AMP, 128x68 (conformance window),
# extended SAR and overscan_info.
_colour_clip("cs_hevc_444_scaling", "hevc",
             _x265_params("keyint=30:bframes=0:scaling-list=default:amp=1:rect=1:overscan=show:"), (6, 6, 6, 2),
             colour=_tags("smpte170m", "smpte170m", "smpte170m", "pc"), pix_fmt="yuv444p", size="128x68",
             out=_EXT_SAR)
# All IDR pictures (their slice headers carry no reference picture set syntax): the base of the
# test that rewrites the SPS with short-term RPSs, long-term pictures and scaling list data.
_colour_clip("cs_hevc_intra", "hevc", _x265_params("keyint=1:bframes=0:"), (1, 1, 1, 1),
             colour=_tags("bt709", "bt709", "bt709", "tv"))
# Two temporal sub-layers: sub_layer flags in profile_tier_level, sub-layer ordering info per layer.
_colour_clip("cs_hevc_sublayers", "hevc", _x265_params("keyint=30:bframes=3:b-pyramid=1:temporal-layers=1:"),
             (10, 9, 14, 1), colour=_tags("bt2020c", "bt2020", "bt2020-10", "tv"), frames=8)

_colour_clip("cs_vp9_untagged", "ivf", _vp9_plain(), (2, -1, -1, 1))  # color_space CS_UNKNOWN: unspecified
_colour_clip("cs_vp9_bt709_full", "ivf", _vp9_plain(), (1, -1, -1, 2), colour=_tags("bt709", range_="pc"))
_colour_clip("cs_vp9_p2_10bit", "ivf", _vp9_plain(), (9, -1, -1, 1), colour=_tags("bt2020nc"), pix_fmt="yuv420p10le")
_colour_clip("cs_vp9_p1_444", "ivf", _vp9_plain(), (6, -1, -1, 2), colour=_tags("smpte170m", range_="pc"),
             pix_fmt="yuv444p")
_colour_clip("cs_vp9_p1_rgb", "ivf", _vp9_plain(), (0, -1, -1, 2), pix_fmt="gbrp")  # CS_RGB: full range implied
_colour_clip("cs_vp9_p3_444_10bit", "ivf", _vp9_plain(), (7, -1, -1, 1), colour=_tags("smpte240m"),
             pix_fmt="yuv444p10le")

_colour_clip("cs_av1_untagged", "ivf", _svtav1(30), (-1, -1, -1, 1))  # color_range is always coded
_colour_clip("cs_av1_bt709_full", "ivf", _svtav1(30), (1, 1, 1, 2), colour=_tags("bt709", "bt709", "bt709", "pc"))
_colour_clip("cs_av1_10bit_bt2020", "ivf", _svtav1(30), (9, 9, 16, 1),
             colour=_tags("bt2020nc", "bt2020", "smpte2084", "tv"), pix_fmt="yuv420p10le")
# Profile 1 (no mono_chrome bit); timing_info + decoder_model_info + per-operating-point parameters.
_colour_clip("cs_av1_aom_444_decoder_model", "ivf", _aom("timing-info=model"), (6, 6, 6, 2),
             colour=_tags("smpte170m", "smpte170m", "smpte170m", "pc"), pix_fmt="yuv444p")
# sRGB (BT.709 primaries, sRGB transfer, identity matrix): full range without a color_range bit;
# timing_info with equal_picture_interval (uvlc).
_colour_clip("cs_av1_aom_srgb", "ivf", _aom("timing-info=constant"), (0, 1, 13, 2),
             colour=_tags("rgb", "bt709", "iec61966-2-1"), pix_fmt="gbrp")
_colour_clip("cs_av1_aom_mono", "ivf", _aom(), (-1, -1, -1, 2), pix_fmt="gray")  # mono_chrome: color_range coded
