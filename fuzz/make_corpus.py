#!/usr/bin/env python3
"""Seed corpus of the libFuzzer targets, made at run time from the test media (scripts/fuzz.sh):

    make_corpus.py BUILD_DIR OUT_DIR

Writes OUT_DIR/<target>/ for each target of fuzz/CMakeLists.txt (replacing what was there):

- bundle: bundles of real GOPs, written by this build's own writer (BUILD_DIR/fuzz/fuzz_seed_bundles),
  so they are of the bundle version the parser under test reads;
- mp4_index: every MP4/MOV/M4A of the media matrix remuxed moov-first (ffmpeg -movflags +faststart),
  cut after the mdat header and ended with an odd byte: the target then continues the file with a
  sparse tail of zeros (fuzz_mp4_index.cpp), so the sample tables are the input and the payload
  costs the fuzzer nothing;
- bitstream, colour_signal: a selector byte (the codec, as each target numbers them) followed by
  real access units and parameter sets: the first packets of the bundles' GOPs, the first bytes of
  the colour test streams (H.264 / HEVC elementary streams, VP9 / AV1 in IVF) and the MP4s'
  configuration records (avcC, hvcC, av1C).

Nothing is kept between runs but the media cache (ODVD_TEST_MEDIA_DIR, else tests/.media).
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from media.generate import MediaLibrary  # noqa: E402
from media.recipes import RECIPES  # noqa: E402

BUNDLE_SOURCES = ["h264_gop30_bf3", "h264_odd_size", "h264_editlist", "hevc_open_gop", "hevc10_gop30",
                  "av1_gop30", "av1_gop30_mp4", "vp9_gop30"]
MP4_SOURCES = [n for n, r in RECIPES.items() if r.ext in ("mp4", "mov", "m4a") and n != "not_video"]
COLOUR_STREAMS = [n for n in RECIPES if n.startswith("cs_")]
# Selector bytes: fuzz_colour_signal.cpp (H.264, HEVC, VP9, AV1) and fuzz_bitstream.cpp (H.264,
# HEVC, AV1, VP9; bit 2: hevc_single_sublayer).
COLOUR_SELECTOR = {"h264": 0, "hevc": 1, "vp9": 2, "av1": 3}
BITSTREAM_SELECTOR = {"h264": 0, "hevc": 1, "av1": 2, "vp9": 3}
CONTAINERS = {b"moov", b"trak", b"mdia", b"minf", b"stbl"}
RECORDS = {b"avcC": "h264", b"hvcC": "hevc", b"av1C": "av1"}
MAX_PACKET = 4096  # the headers these parsers read sit in the first bytes


def boxes(data: bytes, start: int, end: int):
    """(type, offset, size) of every box under [start, end), into containers and sample entries."""
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size < 8 or at + size > end:
            return
        yield kind, at, size
        if kind in CONTAINERS:
            yield from boxes(data, at + 8, at + size)
        elif kind == b"stsd":
            yield from boxes(data, at + 16, at + size)
        elif kind in (b"avc1", b"avc3", b"hvc1", b"hev1", b"av01"):
            yield from boxes(data, at + 8 + 78, at + size)
        at += size


def ivf_first_frame(data: bytes) -> bytes:
    header = struct.unpack_from("<H", data, 6)[0]  # IVF: 32-byte header, then 12-byte frame headers
    size = struct.unpack_from("<I", data, header)[0]
    return data[header + 12: header + 12 + size]


def mp4_seed(src: Path, tmp: Path) -> bytes:
    out = tmp / ("faststart" + src.suffix)
    subprocess.run(["ffmpeg", "-nostdin", "-v", "quiet", "-y", "-i", str(src), "-map", "0", "-c", "copy",
                    "-movflags", "+faststart", str(out)], check=True)
    data = out.read_bytes()
    mdat = next(off for kind, off, _ in boxes(data, 0, len(data)) if kind == b"mdat")
    return data[:mdat + 8] + b"\x01"


def write(directory: Path, name: str, data: bytes) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / name).write_bytes(data)


def main(build: Path, out: Path) -> None:
    media = MediaLibrary(Path(os.environ.get("ODVD_TEST_MEDIA_DIR", ROOT / "tests" / ".media")))
    for target in ("bundle", "mp4_index", "bitstream", "colour_signal"):
        shutil.rmtree(out / target, ignore_errors=True)
        (out / target).mkdir(parents=True)

    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        (tmp / "bundle").mkdir()
        (tmp / "packets").mkdir()
        env = dict(os.environ, ASAN_OPTIONS="detect_leaks=0")
        subprocess.run([str(build / "fuzz" / "fuzz_seed_bundles"), str(tmp),
                        *[str(media[n].path) for n in BUNDLE_SOURCES]], check=True, env=env)
        for f in sorted((tmp / "bundle").iterdir()):
            shutil.copy(f, out / "bundle" / f.name)
        units = []  # (codec, name, bytes)
        for f in sorted((tmp / "packets").iterdir()):
            units.append((f.name.split("-")[0], f.stem, f.read_bytes()[:MAX_PACKET]))

        for name in MP4_SOURCES:
            src = media[name].path
            try:
                write(out / "mp4_index", name + src.suffix, mp4_seed(src, tmp))
            except (subprocess.CalledProcessError, StopIteration):
                print(f"make_corpus: no moov-first seed from {name}", file=sys.stderr)
            data = src.read_bytes()
            for kind, off, size in boxes(data, 0, len(data)):
                if kind in RECORDS:
                    units.append((RECORDS[kind], f"{name}-{kind.decode()}", data[off + 8: off + size]))

    for name in COLOUR_STREAMS:
        data = media[name].path.read_bytes()
        codec = name.split("_")[1].replace("hevc10", "hevc")
        units.append((codec, name, ivf_first_frame(data) if data[:4] == b"DKIF" else data[:MAX_PACKET]))

    for codec, name, data in units:
        write(out / "colour_signal", name + ".bin", bytes([COLOUR_SELECTOR[codec]]) + data)
        write(out / "bitstream", name + ".bin", bytes([BITSTREAM_SELECTOR[codec]]) + data)
        if codec == "hevc":
            write(out / "bitstream", name + "-single.bin", bytes([BITSTREAM_SELECTOR[codec] | 4]) + data)
    for target in ("bundle", "mp4_index", "bitstream", "colour_signal"):
        print(f"make_corpus: {target}: {len(list((out / target).iterdir()))} seeds")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
