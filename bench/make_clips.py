"""Makes the benchmark clips: six "cameras", HEVC, closed GOP of 30, no B-frames, MP4.

Each clip is a different lavfi source so the six differ in content and bitrate; x265 with
``keyint=30:min-keyint=30:scenecut=0:bframes=0:open-gop=0`` gives an IDR every 30 frames and
P-frames between (decode order = presentation order). ``--codec h264 --bframes 3`` makes H.264
instead (x264, closed GOP, ``bframes=3:b-pyramid=normal``: reordered frames, decode order differs
from presentation order); ``--cameras 1`` makes only the first (testsrc2), as workloads.py does for
its long-GOP clip. Clips are cached by a name that holds the size, length, GOP and a hash of the
whole ffmpeg command, so changed settings make new files and unchanged ones are made once (HEVC
clips keep the names they always had). Run as a script it also writes each clip's index next to it
(``<clip>.index.json``, by PyAV), which the benchmarks read on machines without PyAV or ffmpeg.

    python bench/make_clips.py                       # 6 x 300 frames, 1600x900, /tmp/odvd-bench-clips
    python bench/make_clips.py --size 800x450 --frames 90 --clips-dir /tmp/small
    python bench/make_clips.py --codec h264 --bframes 3
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import List

DEFAULT_CLIPS_DIR = "/tmp/odvd-bench-clips"

# name -> lavfi graph; {w}x{h} is the clip size, {hw}x{hh} half of it, {r} the frame rate. Sources
# that are random per pixel (life, noise) are drawn small or mild and scaled, so x265 ultrafast
# makes a camera-like 1-10 Mbit/s rather than hundreds.
CAMERAS = [
    ("testsrc2", "testsrc2=size={w}x{h}:rate={r}"),
    ("mandelbrot", "mandelbrot=size={hw}x{hh}:rate={r},scale={w}:{h}:flags=bicubic"),
    ("life", "life=size={ew}x{eh}:rate={r}:mold=10:ratio=0.3:death_color=#202040:life_color=#30c060,"
             "scale={w}:{h}:flags=neighbor"),
    ("cellauto", "cellauto=size={hw}x{hh}:rate={r}:rule=110,scale={w}:{h}:flags=neighbor"),
    ("smptehdbars_noise", "smptehdbars=size={w}x{h}:rate={r},noise=alls=30:allf=t+u"),
    ("rgbtestsrc_hue", "rgbtestsrc=size={w}x{h}:rate={r},hue=H=2*PI*t/5,scroll=h=0.003,noise=alls=20:allf=t+u"),
]


def _even(x: int) -> int:
    return max(2, x - x % 2)


CODECS = ("hevc", "h264")


def ffmpeg_command(graph: str, frames: int, gop: int, preset: str, out: str, codec: str = "hevc",
                   bframes: int = 0) -> List[str]:
    head = ["ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", graph, "-frames:v", str(frames),
            "-pix_fmt", "yuv420p"]
    if codec == "hevc":
        if bframes:
            raise ValueError("HEVC clips are made without B-frames (use --codec h264 for B-frames)")
        params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes=0:open-gop=0:log-level=error"
        return head + ["-c:v", "libx265", "-preset", preset, "-x265-params", params, "-tag:v", "hvc1", "-an", out]
    if codec == "h264":
        params = f"keyint={gop}:min-keyint={gop}:scenecut=0:bframes={bframes}:open-gop=0"
        if bframes:
            params += ":b-pyramid=normal"
        return head + ["-c:v", "libx264", "-preset", preset, "-x264-params", params, "-an", out]
    raise ValueError(f"codec {codec!r}; expected one of {CODECS}")


def clip_commands(width: int, height: int, frames: int, gop: int, fps: int, preset: str, codec: str = "hevc",
                  bframes: int = 0, cameras: int = len(CAMERAS)):
    """(file name, ffmpeg command with ``{out}`` for the output) for each of the first ``cameras``."""
    sizes = dict(w=width, h=height, hw=_even(width // 2), hh=_even(height // 2),
                 ew=_even(width // 8), eh=_even(height // 8), r=fps)
    tag = "" if codec == "hevc" else f"{codec}_b{bframes}_"  # HEVC clips keep their old names
    out = []
    for i, (name, graph) in enumerate(CAMERAS[:cameras]):
        cmd = ffmpeg_command(graph.format(**sizes), frames, gop, preset, "{out}", codec, bframes)
        key = hashlib.sha256(json.dumps(cmd).encode()).hexdigest()[:8]
        out.append((f"cam{i}_{name}_{tag}{width}x{height}_{frames}f_gop{gop}_{fps}fps_{key}.mp4", cmd))
    return out


def check_clip(path: Path, width: int, height: int, frames: int, gop: int, codec: str = "hevc",
               bframes: int = 0) -> None:
    """ffprobe the clip: ``codec`` yuv420p of the right size, ``frames`` packets, keyframes exactly
    every ``gop`` packets; pts == dts (no reordering) without B-frames, reordering with them."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
         "stream=codec_name,width,height,pix_fmt:packet=pts,dts,flags", "-of", "json", str(path)],
        check=True, capture_output=True, text=True,
    )
    info = json.loads(probe.stdout)
    s = info["streams"][0]
    got = (s["codec_name"], s["width"], s["height"], s["pix_fmt"])
    if got != (codec, width, height, "yuv420p"):
        raise RuntimeError(f"{path}: {got}, expected {codec} {width}x{height} yuv420p")
    packets = info["packets"]
    if len(packets) != frames:
        raise RuntimeError(f"{path}: {len(packets)} packets, expected {frames}")
    keys = [i for i, p in enumerate(packets) if "K" in p["flags"]]
    if keys != list(range(0, frames, gop)):
        raise RuntimeError(f"{path}: keyframes at {keys[:8]}..., expected every {gop}")
    reordered = any(p["pts"] != p["dts"] for p in packets)
    if reordered != bool(bframes):
        raise RuntimeError(f"{path}: reordered (B) frames {'present' if reordered else 'absent'}, "
                           f"expected bframes={bframes}")


def ensure_clips(clips_dir=DEFAULT_CLIPS_DIR, size="1600x900", frames=300, gop=30, fps=30,
                 preset="ultrafast", verbose=True, codec="hevc", bframes=0, cameras=len(CAMERAS)) -> List[str]:
    """Paths of the clips (six cameras unless ``cameras`` says fewer), made (and checked) where missing. The ffmpeg and ffprobe CLIs are
    needed only to make a clip: clips made elsewhere and copied here (the GPU machine has no ffmpeg)
    are used as they are."""
    width, height = (int(x) for x in size.lower().split("x"))
    clips_dir = Path(clips_dir)
    clips_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, cmd in clip_commands(width, height, frames, gop, fps, preset, codec, bframes, cameras):
        path = clips_dir / name
        if not path.exists():
            if shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None:
                raise RuntimeError(f"{path} is missing, and the ffmpeg and ffprobe CLIs are needed to make it "
                                   "(apt-get install ffmpeg; or copy the clips made on another machine)")
            tmp = clips_dir / (".tmp-" + name)
            t0 = time.perf_counter()
            subprocess.run([str(tmp) if c == "{out}" else c for c in cmd], check=True)
            check_clip(tmp, width, height, frames, gop, codec, bframes)
            os.replace(tmp, path)
            if verbose:
                print(f"made {path} ({path.stat().st_size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)",
                      file=sys.stderr)
        paths.append(str(path))
    return paths


def add_clip_arguments(parser: argparse.ArgumentParser) -> None:
    g = parser.add_argument_group("clips")
    g.add_argument("--clips-dir", default=DEFAULT_CLIPS_DIR, help="cache folder (default %(default)s)")
    g.add_argument("--size", default="1600x900", help="WxH (default %(default)s)")
    g.add_argument("--frames", type=int, default=300, help="frames per clip (default %(default)s)")
    g.add_argument("--gop", type=int, default=30, help="GOP length (default %(default)s)")
    g.add_argument("--fps", type=int, default=30, help="frame rate (default %(default)s)")
    g.add_argument("--preset", default="ultrafast", help="x265/x264 preset (default %(default)s)")
    g.add_argument("--codec", choices=CODECS, default="hevc", help="hevc (x265) or h264 (x264) (default %(default)s)")
    g.add_argument("--bframes", type=int, default=0,
                   help="B-frames, H.264 only, with b-pyramid=normal when > 0 (default %(default)s)")
    g.add_argument("--cameras", type=int, default=len(CAMERAS), help="clips to make, 1-6 (default %(default)s)")


def clips_from_args(args) -> List[str]:
    return ensure_clips(args.clips_dir, args.size, args.frames, args.gop, args.fps, args.preset,
                        codec=getattr(args, "codec", "hevc"), bframes=getattr(args, "bframes", 0),
                        cameras=getattr(args, "cameras", len(CAMERAS)))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_clip_arguments(parser)
    args = parser.parse_args(argv)
    paths = clips_from_args(args)
    try:  # write each clip's index (<clip>.index.json) now, for machines without PyAV
        from _common import index_clip

        for path in paths:
            index_clip(path)
    except RuntimeError as e:
        print(f"note: clips not indexed: {e}", file=sys.stderr)
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
