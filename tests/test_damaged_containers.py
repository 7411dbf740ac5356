"""A WebM whose header leaves out the picture size makes the engine ask libavformat to probe the
stream (avformat_find_stream_info). With damaged frames the probe fails, and a second probe on the
same context crashed inside libavformat (SIGSEGV in the build before this test): the engine now
probes a context at most once (demux/demuxer.cpp). The damaged file must give ValueError from every
entry point, and an intact file without the size in its header must still decode exactly.

Each check runs in a subprocess, so a crash fails the test instead of ending pytest."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from fuzz_mutate import ebml_elements
from utils import assert_frames_equal

PIXEL_WIDTH, PIXEL_HEIGHT, SIMPLE_BLOCK, BLOCK = 0xB0, 0xBA, 0xA3, 0xA1
BLOCK_HEADER = 4  # track number (1-byte vint), timecode (2), flags (1)

PROBE = r"""
import json, sys
import on_demand_video_decoder as odvd
path = sys.argv[1]
out = {}
def attempt(name, fn):
    try:
        out[name] = fn()
    except Exception as e:
        out[name] = "/".join(c.__name__ for c in type(e).__mro__) + ": " + str(e)[:300]  # its types, then the message
info = odvd.GetFastInitInfo([path])[0]
out["size"] = [info.width, info.height]
dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
attempt("Decode", lambda: [f.corrupt for f in dec.Decode([path], [0])])
attempt("GetGOP", lambda: len(dec.GetGOP([path], [0])[0]))
reader = odvd.PyNvSampleReader(num_of_set=1, num_of_file=1, iGpu=-1)
attempt("PyNvSampleReader", lambda: len(reader.Decode([path], [0])))
print(json.dumps(out))
"""


def _without_size(src: Path, out: Path, damage_frames: bool) -> Path:
    """The WebM with its PixelWidth / PixelHeight values zeroed and, if asked, every block's frame
    data zeroed (the block headers kept, so the file still demuxes)."""
    data = src.read_bytes()
    buf = bytearray(data)
    for e in ebml_elements(data):
        if e.ident in (PIXEL_WIDTH, PIXEL_HEIGHT) or (damage_frames and e.ident in (SIMPLE_BLOCK, BLOCK)):
            start = e.body + (BLOCK_HEADER if e.ident in (SIMPLE_BLOCK, BLOCK) else 0)
            buf[start:e.end] = bytes(e.end - start)
    out.write_bytes(bytes(buf))
    return out


def _probe(path: Path) -> dict:
    run = subprocess.run([sys.executable, "-c", PROBE, str(path)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the probe of {path.name} ended with status {run.returncode}:\n{run.stderr[-1500:]}"
    return json.loads(run.stdout.strip().splitlines()[-1])


def _ffprobe_size(path: Path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=width,height",
                          "-of", "json", str(path)], capture_output=True, text=True, check=True).stdout
    stream = json.loads(out)["streams"][0]
    return [stream["width"], stream["height"]]


def test_damaged_webm_without_picture_size_raises_value_error(media, tmp_path):
    bad = _without_size(media["vp9_gop30"].path, tmp_path / "no_size_damaged.webm", damage_frames=True)
    result = _probe(bad)
    assert result["size"] == _ffprobe_size(bad) == [0, 0]  # what the file says, as ffprobe reads it
    for entry in ("Decode", "GetGOP", "PyNvSampleReader"):
        assert isinstance(result[entry], str), (entry, result[entry])
        assert "ValueError" in result[entry].split(": ")[0].split("/"), (entry, result[entry])
        assert bad.name in result[entry]


def test_intact_webm_without_picture_size_decodes_exactly(media, reference, tmp_path):
    path = _without_size(media["vp9_gop30"].path, tmp_path / "no_size.webm", damage_frames=False)
    assert _probe(path)["Decode"] == [False]  # and the probing process did not crash
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    ref = reference("vp9_gop30")
    for frame_id, frame in zip((0, 37, 89), dec.Decode([str(path)] * 3, [0, 37, 89])):
        assert_frames_equal(np.asarray(frame), ref.native(frame_id), f"frame {frame_id}")
