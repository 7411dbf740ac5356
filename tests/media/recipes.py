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


def _x264(gop: int, bframes: int, pyramid: bool = False) -> List[str]:
    params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:b-adapt=0"
    params += ":b-pyramid=" + ("normal" if pyramid else "none")
    return ["-c:v", "libx264", "-preset", "veryfast", "-x264-params", params]


def _x265(gop: int, bframes: int, pyramid: bool = False, open_gop: bool = False) -> List[str]:
    params = (
        f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:b-adapt=0"
        f":b-pyramid={int(pyramid)}:open-gop={int(open_gop)}:{_X265_QUIET}"
    )
    return ["-c:v", "libx265", "-preset", "veryfast", "-x265-params", params, "-tag:v", "hvc1"]


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


def _add(recipe: Recipe) -> None:
    assert recipe.name not in RECIPES, recipe.name
    RECIPES[recipe.name] = recipe


_add(Recipe(
    "h264_gop1", "mov",
    (*_testsrc("176x144", 30), *_x264(1, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mov", width=176, height=144, frames=30, gop=1, bframes=0,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_gop12", "mp4",
    (*_testsrc("176x144", 60), *_x264(12, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=60, gop=12, bframes=0,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_gop30", "mp4",
    (*_testsrc("176x144", 90), *_x264(30, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=90, gop=30, bframes=0,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_gop30_bf3", "mp4",
    (*_testsrc("176x144", 90), *_x264(30, 3, pyramid=True), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=90, gop=30, bframes=3,
                pyramid=True, pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_gop250", "mkv",
    (*_testsrc("160x120", 300), *_x264(250, 3, pyramid=True), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="matroska", width=160, height=120, frames=300, gop=250,
                bframes=3, pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_odd_size", "mp4",
    (*_testsrc("318x178", 60), *_x264(30, 2), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=318, height=178, frames=60, gop=30, bframes=2,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "h264_bt601_full", "mp4",
    (*_testsrc("176x144", 60), *_x264(30, 0), *_BT601_FULL, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=60, gop=30, bframes=0,
                pix_fmt="yuvj420p", color_space="smpte170m", color_range="pc"),
))
_add(Recipe(
    "h264_audio_first", "mp4",
    ("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", *_testsrc("176x144", 60),
     "-map", "0:a", "-map", "1:v", "-t", "2", "-c:a", "aac", *_x264(30, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=60, gop=30, bframes=0,
                pix_fmt="yuv420p", video_stream_index=1),
))
_add(Recipe(
    # The first 30 frames at 30 fps, then every other source frame is dropped (15 fps): the pts step
    # changes from 1/30 s to 1/15 s. (-frames:v counts output frames.)
    "h264_vfr", "mp4",
    (*_testsrc("176x144", 120), "-vf", "select='lt(n\\,30)+not(mod(n\\,2))'", "-fps_mode", "vfr",
     *_x264(30, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="h264", container="mp4", width=176, height=144, frames=120, bframes=0,
                pix_fmt="yuv420p", vfr=True),
))
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
_add(Recipe(
    # Lossless HEVC with B-frames: its reference frames must equal testsrc2's own frames exactly,
    # which shows the reference path returns every frame, in presentation order. (x264 drops
    # B-frames in lossless mode; x265 keeps them.)
    "hevc_lossless_bf3", "mp4",
    (*_testsrc("176x144", 30), "-c:v", "libx265", "-preset", "veryfast", "-x265-params",
     f"lossless=1:keyint=30:min-keyint=30:scenecut=0:bframes=3:b-adapt=0:b-pyramid=1:{_X265_QUIET}",
     "-tag:v", "hvc1", "-pix_fmt", "yuv420p"),
    expect=dict(codec="hevc", container="mp4", width=176, height=144, frames=30, gop=30, bframes=3,
                pix_fmt="yuv420p", lossless_source="testsrc2=size=176x144:rate=30"),
))
_add(Recipe("not_video", "mp4", post="random_bytes:65536", expect=dict(not_media=True)))
_add(Recipe(
    "audio_only", "m4a", ("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-c:a", "aac"),
    expect=dict(no_video=True),
))

_add(Recipe(
    "hevc_gop30", "mp4",
    (*_testsrc("176x144", 90), *_x265(30, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="hevc", container="mp4", width=176, height=144, frames=90, gop=30, bframes=0,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "hevc_gop30_bf3", "mp4",
    (*_testsrc("176x144", 90), *_x265(30, 3, pyramid=True), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="hevc", container="mp4", width=176, height=144, frames=90, gop=30, bframes=3,
                pyramid=True, pix_fmt="yuv420p"),
))
_add(Recipe(
    "hevc_gop30_mov", "mov",
    (*_testsrc("176x144", 60), *_x265(30, 0), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="hevc", container="mov", width=176, height=144, frames=60, gop=30, bframes=0,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    # Open GOP: keyframes after the first are CRA pictures, followed in decode order by RASL leading
    # pictures that are shown before the CRA and reference the previous GOP.
    "hevc_open_gop", "mp4",
    (*_testsrc("176x144", 90), *_x265(30, 3, open_gop=True), *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="hevc", container="mp4", width=176, height=144, frames=90, bframes=3,
                pix_fmt="yuv420p", open_gop=True),
))
_add(Recipe(
    "hevc10_gop30", "mkv",
    (*_testsrc("176x144", 90), *_x265(30, 2), *_BT2020, "-pix_fmt", "yuv420p10le"),
    expect=dict(codec="hevc", container="matroska", width=176, height=144, frames=90, gop=30, bframes=2,
                pix_fmt="yuv420p10le", bit_depth=10, color_space="bt2020nc"),
))
_add(Recipe(
    "av1_gop30", "webm",
    (*_testsrc("176x144", 90), "-c:v", "libsvtav1", "-preset", "12", "-g", "30", *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="av1", container="matroska", width=176, height=144, frames=90, gop=30,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    "av1_gop30_mp4", "mp4",
    (*_testsrc("176x144", 60), "-c:v", "libsvtav1", "-preset", "12", "-g", "30", *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="av1", container="mp4", width=176, height=144, frames=60, gop=30,
                pix_fmt="yuv420p"),
))
_add(Recipe(
    # Alt-ref frames (lag-in-frames) put hidden frames in superframes, as real VP9 files have.
    "vp9_gop30", "webm",
    (*_testsrc("176x144", 90), "-c:v", "libvpx-vp9", "-g", "30", "-keyint_min", "30", "-deadline", "good",
     "-cpu-used", "5", "-auto-alt-ref", "1", "-lag-in-frames", "16", *_BT709, "-pix_fmt", "yuv420p"),
    expect=dict(codec="vp9", container="matroska", width=176, height=144, frames=90, gop=30,
                pix_fmt="yuv420p"),
))
