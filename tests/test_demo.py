"""The demo (``python -m on_demand_video_decoder``): clips made once, a contact sheet whose tiles are
the frames the decoder returns for the demo's (clip, frame id) pairs, a clear failure without ffmpeg.

The sheet is read back with the ffmpeg CLI, not with our PNG code."""

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _demo

from utils import assert_frames_equal

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")

W, H, FRAMES, ITERATIONS, SEED = 160, 120, 60, 3, 1234


def ffmpeg_decode_png(path) -> np.ndarray:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "stream=width,height", "-of", "csv=p=0", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    width, height = (int(v) for v in probe.split(","))
    raw = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout
    return np.frombuffer(raw, np.uint8).reshape(height, width, 3)


def demo_args(tmp_path, output, seed=SEED, gpu=None):
    args = ["--workdir", str(tmp_path / "clips"), "--output", str(output), "--seed", str(seed),
            "--iterations", str(ITERATIONS), "--size", f"{W}x{H}", "--frames", str(FRAMES)]
    return args + (["--gpu", str(gpu)] if gpu is not None else [])


@needs_ffmpeg
def test_contact_sheet_tiles_are_the_decoded_frames(tmp_path, capsys):
    sheet_path = tmp_path / "sheet.png"
    assert _demo.main(demo_args(tmp_path, sheet_path, gpu=-1)) == 0
    out = capsys.readouterr().out
    assert "CPU (libavcodec)" in out and str(sheet_path) in out

    sheet = ffmpeg_decode_png(sheet_path)
    n_cams = len(_demo.CAMERAS)
    gap = _demo.GAP
    assert sheet.shape == (ITERATIONS * H + (ITERATIONS - 1) * gap, n_cams * W + (n_cams - 1) * gap, 3)

    clips = _demo.ensure_clips(tmp_path / "clips", W, H, FRAMES)  # already made: just the paths
    ids = _demo.draw_frame_ids(SEED, ITERATIONS, [FRAMES] * n_cams)
    decoder = odvd.PyNvGopDecoder(maxfiles=n_cams, iGpu=-1)
    for row, row_ids in enumerate(ids):
        frames = decoder.DecodeN12ToRGB(clips, row_ids)
        for col, (frame, fid) in enumerate(zip(frames, row_ids)):
            assert frame.frame_id == fid
            assert_frames_equal(_demo.tile(sheet, row, col, H, W), _demo.to_host(frame),
                                f"tile ({row}, {col}) = {clips[col]} frame {fid}")
    # The gaps between tiles are background.
    assert (sheet[H:H + gap] == _demo.BACKGROUND).all()
    assert (sheet[:, W:W + gap] == _demo.BACKGROUND).all()


@needs_ffmpeg
def test_clips_made_once_default_backend(tmp_path):
    """Default iGpu=None (GPU 0 where NVDEC is usable, else the CPU); the second run reuses the clips."""
    assert _demo.main(demo_args(tmp_path, tmp_path / "a.png")) == 0
    clips = [Path(c) for c in _demo.ensure_clips(tmp_path / "clips", W, H, FRAMES)]
    mtimes = [p.stat().st_mtime_ns for p in clips]
    assert _demo.main(demo_args(tmp_path, tmp_path / "b.png", seed=SEED + 1)) == 0
    assert [p.stat().st_mtime_ns for p in clips] == mtimes
    assert len(list((tmp_path / "clips").iterdir())) == len(_demo.CAMERAS)


@needs_ffmpeg
def test_clips_are_h264_gop30_of_the_requested_size(tmp_path):
    clips = _demo.ensure_clips(tmp_path, W, H, FRAMES)
    assert len(clips) == len(_demo.CAMERAS) == 6
    for clip in clips:
        out = subprocess.run(
            ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
             "stream=codec_name,width,height,pix_fmt:packet=flags", "-of", "csv=p=0", clip],
            check=True, capture_output=True, text=True,
        ).stdout.split()
        # ffprobe's section order varies between versions: pick the stream line by its content.
        streams = [line for line in out if "," in line and not line.startswith(("K", "_"))]
        packet_flags = [line for line in out if line not in streams]
        assert streams == [f"h264,{W},{H},yuv420p"], clip
        keys = [i for i, flags in enumerate(packet_flags) if "K" in flags]
        assert len(packet_flags) == FRAMES and keys == [0, 30], (clip, keys)
    # Six different cameras: the first frames all differ.
    firsts = [subprocess.run(["ffmpeg", "-v", "error", "-i", c, "-frames:v", "1", "-f", "rawvideo",
                              "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout for c in clips]
    assert len(set(firsts)) == len(firsts)


def test_without_ffmpeg_fails_clearly(tmp_path, monkeypatch, capsys):
    empty = tmp_path / "empty_path"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    status = _demo.main(["--workdir", str(tmp_path / "clips"), "--output", str(tmp_path / "x.png"), "--seed", "0"])
    assert status != 0
    err = capsys.readouterr().err
    assert "ffmpeg" in err and "not found" in err
    assert not (tmp_path / "x.png").exists()


def test_frame_ids_repeat_with_the_seed():
    a = _demo.draw_frame_ids(7, 5, [90, 90, 30, 90, 90, 1])
    assert a == _demo.draw_frame_ids(7, 5, [90, 90, 30, 90, 90, 1])
    assert a != _demo.draw_frame_ids(8, 5, [90, 90, 30, 90, 90, 1])
    assert all(0 <= fid < n for row in a for fid, n in zip(row, [90, 90, 30, 90, 90, 1]))


def test_contact_sheet_layout():
    tiles = [[np.full((3, 5, 3), 10 * r + c, np.uint8) for c in range(4)] for r in range(2)]
    sheet = _demo.contact_sheet(tiles, gap=2)
    assert sheet.shape == (2 * 3 + 2, 4 * 5 + 3 * 2, 3)
    for r in range(2):
        for c in range(4):
            assert (_demo.tile(sheet, r, c, 3, 5, gap=2) == 10 * r + c).all()
    assert (sheet[3:5] == _demo.BACKGROUND).all()
    with pytest.raises(ValueError, match="tile"):
        _demo.contact_sheet([[np.zeros((3, 5, 3), np.uint8), np.zeros((3, 4, 3), np.uint8)]])
