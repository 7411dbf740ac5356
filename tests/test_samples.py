"""Every sample in samples/ runs as a script on small clips, and every frame it decodes (written with
--out) equals the ffmpeg CLI's reference frame converted by the NumPy twin of docs/color.md.

On the CPU always; on a GPU (--gpu 0) where one is usable."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from color_reference import native_to_rgb
from gop_cases import color_spec
from utils import assert_frames_equal

SAMPLES_DIR = Path(__file__).resolve().parent.parent / "samples"
SAMPLES = sorted(p.name for p in SAMPLES_DIR.glob("Sample*.py"))
CLIPS = ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30"]

# How many frames each sample decodes for 3 clips and its default --steps.
EXPECTED_FRAMES = {
    "SampleBatchAsyncGopDecode.py": 36,
    "SampleBatchAsyncStreamAccess.py": 36,
    "SampleRandomAccess.py": 9,
    "SampleRandomAccessWithFastInit.py": 9,
    "SampleSeparationAccess.py": 9,
    "SampleSeparationAccessGOPListAPI.py": 12,
    "SampleSeparationAccessGOPToListAPI.py": 4,
    "SampleDecodeFromGopFiles.py": 9,
    "SampleDecodeFromBinaryData.py": 9,
    "SampleStreamAccess.py": 12,
    "SampleStreamAsyncAccess.py": 18,
    "SampleSharedGopStore.py": 12,
    "SampleStagedBatch.py": 18,  # 3 batches of 3 clips x 2 frames
    "SampleTrainingLoop.py": 36,  # 3 batches of 2 clips x 3 cameras x 2 frames
}


SHARED_STORE_ID = 6_000_000 + os.getpid() % 1_000_000  # SampleSharedGopStore's store, apart from other runs


def writes_gop_files(name):
    return "Gop" in name and name != "SampleSharedGopStore.py"


def test_every_sample_is_covered():
    assert SAMPLES == sorted(EXPECTED_FRAMES)


def run_sample(name, media, tmp_path, gpu):
    clips = [str(media[c].path) for c in CLIPS]
    out = tmp_path / "frames"
    cmd = [sys.executable, str(SAMPLES_DIR / name), *clips, "--gpu", str(gpu), "--out", str(out)]
    if writes_gop_files(name):
        cmd += ["--gop-dir", str(tmp_path / "gops")]
    if name == "SampleSharedGopStore.py":
        cmd += ["--store-id", str(SHARED_STORE_ID)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, f"{name} exited with {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    return json.loads((out / "frames.json").read_text()), out, proc.stdout


def reader_stats(stdout):
    m = re.search(r"packets fed (\d+), pictures decoded (\d+), restarts (\d+)", stdout)
    assert m, stdout
    return tuple(int(g) for g in m.groups())


def check_frames(entries, out, media, reference):
    by_path = {str(media[c].path): c for c in CLIPS}
    for e in entries:
        name = by_path[e["file"]]
        ref = reference(name)
        matrix, rng = color_spec(media[name].path, ref.height)
        expected = native_to_rgb(ref.native(e["frame_id"]), ref.bit_depth, matrix, rng, bgr=e["bgr"])
        assert_frames_equal(np.load(out / e["npy"]), expected, f"{name} frame {e['frame_id']}")


def _check_sample(name, media, reference, tmp_path, gpu):
    if name == "SampleTrainingLoop.py":
        pytest.importorskip("torch")
    entries, out, stdout = run_sample(name, media, tmp_path, gpu)
    assert len(entries) == EXPECTED_FRAMES[name], stdout
    assert {e["file"] for e in entries} == {str(media[c].path) for c in CLIPS}
    check_frames(entries, out, media, reference)
    return entries, stdout


@pytest.mark.parametrize("name", SAMPLES)
def test_sample_on_the_cpu(name, media, reference, tmp_path):
    entries, stdout = _check_sample(name, media, reference, tmp_path, gpu=-1)
    if name == "SampleStreamAccess.py":
        # 2 sets (2 clips, 1 clip) visited in turn, one frame forward per visit: frames 0..3 of
        # each clip, each decoded once, and each clip started (one restart) once. (More packets
        # than pictures are fed: B-frames are shown after packets that follow them.)
        fed, decoded, restarts = reader_stats(stdout)
        assert (decoded, restarts) == (12, 3) and fed >= decoded
        assert "drop_videos_cache: SUCCESS" in stdout
    if name == "SampleStreamAsyncAccess.py":
        assert [e["frame_id"] for e in entries[::3]] == [0, 2, 4, 6, 8, 10]
        # Frames 0..10 of each clip at most once each (non-reference frames skipped are not decoded).
        fed, decoded, restarts = reader_stats(stdout)
        assert 18 <= decoded <= 33 and restarts == 3
    if name == "SampleBatchAsyncStreamAccess.py":
        # Frames 0, 2, ..., 22 of each clip, in 3 requests of 4 per clip; each clip started once.
        assert [e["frame_id"] for e in entries[:4]] == [0, 2, 4, 6]
        fed, decoded, restarts = reader_stats(stdout)
        assert 36 <= decoded <= 3 * 23 and restarts == 3
    if name == "SampleBatchAsyncGopDecode.py":
        assert "DecodeFromGOPGroupsRGB: " in stdout
    if name == "SampleTrainingLoop.py":
        assert re.search(r"one epoch: 6 samples of 3 cameras x 2 frames in [0-9.]+ s, [0-9.]+ samples/s "
                         r"\(2 workers, decoding on the CPU\)", stdout), stdout
    if name == "SampleStagedBatch.py":
        assert re.search(r"staged: 18 frames in [0-9.]+ s, [0-9.]+ frames/s \(demux \+ decode \+ convert, "
                         r"3 videos concurrently, on cpu\)", stdout), stdout
    if name == "SampleSeparationAccessGOPListAPI.py":
        assert "cache hits [False, False, False]" in stdout and "True" in stdout
    if writes_gop_files(name):
        assert list((tmp_path / "gops").glob("*.bin")), "the GOP files were not kept in --gop-dir"
    if name == "SampleSharedGopStore.py":
        assert re.search(r"store: \d+/\d+ GOPs, \d+ bytes, [1-9]\d* hits", stdout), stdout
        prefix = f"odvd-gopstore-{os.getuid()}-{SHARED_STORE_ID}-"
        assert not [n for n in os.listdir("/dev/shm") if n.startswith(prefix)], "the store was not cleaned up"


@pytest.mark.needs_cuda
@pytest.mark.parametrize("name", SAMPLES)
def test_sample_on_the_gpu(name, media, reference, tmp_path):
    _check_sample(name, media, reference, tmp_path, gpu=0)
