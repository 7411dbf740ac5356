"""The direct MP4/MOV reader (csrc/demux/mp4_index.cpp) against libavformat's demuxer.

Where the reader takes a file, everything the engine learns on opening it -- stream parameters
(incl. the configuration record and colour tags) and every sample's position, size, pts, dts and
flags -- must equal what the same engine learns through libavformat (``direct_mp4=False``); where
the file is not of the plain kind it must hand over to libavformat. Damaged sample tables must give
an answer or a ValueError, never a crash.
"""

import random
import shutil
import struct
import subprocess

import numpy as np
import pytest

from media.recipes import RECIPES
from on_demand_video_decoder import _engine

MP4_FAMILY = [n for n, r in RECIPES.items() if r.ext in ("mp4", "mov") and "frames" in r.expect]
SAMPLE_FIELDS = ("pos", "size", "pts", "dts", "flags", "frame_id")


def assert_same_index(direct: dict, demuxed: dict):
    assert direct["params"] == demuxed["params"]
    for field in SAMPLE_FIELDS:
        np.testing.assert_array_equal(direct[field], demuxed[field], err_msg=field)


@pytest.mark.parametrize("name", MP4_FAMILY)
def test_direct_reader_matches_libavformat(media, name):
    path = str(media[name].path)
    direct = _engine._index_report(path, True)
    demuxed = _engine._index_report(path, False)
    assert not demuxed["direct"]
    # An edit list that hides frames is libavformat's to apply; every other file of the matrix is plain.
    assert direct["direct"] == (not media[name].expect.get("edit_list", False))
    assert_same_index(direct, demuxed)


def _remux(src, dst, *args):
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(src), "-c", "copy", *args, str(dst)], check=True)


@pytest.mark.parametrize("variant, direct", [
    (("-movflags", "+faststart"), True),                      # moov before mdat
    (("-movflags", "frag_keyframe+empty_moov"), False),       # fragmented: samples live in moof boxes
    (("-movflags", "+negative_cts_offsets"), False),          # signed composition offsets
])
def test_layouts(media, tmp_path, variant, direct):
    out = tmp_path / "v.mp4"
    _remux(media["hevc_gop30_bf3"].path, out, *variant)
    a = _engine._index_report(str(out), True)
    assert a["direct"] == direct
    assert_same_index(a, _engine._index_report(str(out), False))


def _boxes(data: bytes, start: int, end: int, path=()):
    """(path, offset, size, header) of every box under [start, end), descending into containers."""
    containers = {b"moov", b"trak", b"mdia", b"minf", b"stbl", b"edts"}
    at = start
    while at + 8 <= end:
        size, kind = struct.unpack(">I4s", data[at:at + 8])
        if size < 8:
            return
        yield path + (kind,), at, size
        if kind in containers:
            yield from _boxes(data, at + 8, at + size, path + (kind,))
        at += size


def test_damaged_tables_never_crash(media, tmp_path):
    # Random bytes written over the sample tables of a small file: opening must give an index (the
    # reader, or libavformat after it) or raise ValueError; every sample it reports lies in the file.
    src = media["h264_gop30_bf3"].path
    data = bytearray(src.read_bytes())
    tables = [(off, size) for path, off, size in _boxes(bytes(data), 0, len(data))
              if path[-1] in (b"stts", b"ctts", b"stss", b"stsz", b"stsc", b"stco", b"elst", b"stsd")]
    assert len(tables) == 8
    rng = random.Random(0)
    out = tmp_path / "damaged.mp4"
    outcomes = {"opened": 0, "ValueError": 0}
    for trial in range(150):
        bad = bytearray(data)
        off, size = tables[trial % len(tables)]
        for _ in range(rng.choice((1, 2, 4))):
            pos = off + 8 + rng.randrange(size - 8)
            bad[pos] = rng.choice((0, 0xFF, rng.randrange(256)))
        out.write_bytes(bad)
        try:
            r = _engine._index_report(str(out), True)
        except ValueError:
            outcomes["ValueError"] += 1
            continue
        outcomes["opened"] += 1
        assert np.all(r["pos"] >= 0) and np.all(r["pos"] + r["size"] <= len(bad))
    assert outcomes["opened"] > 0


def test_moov_after_a_truncated_mdat_goes_to_libavformat(media, tmp_path):
    # moov at the end and the file cut inside mdat: the reader finds no moov and libavformat decides.
    out = tmp_path / "cut.mp4"
    shutil.copy(media["hevc_gop30"].path, out)
    with open(out, "r+b") as f:
        f.truncate(out.stat().st_size // 2)
    with pytest.raises(ValueError):
        _engine._index_report(str(out), True)
