"""write_video (docs/writer.md): a round trip through this library within the codec's loss, the
file's structure as ffprobe sees it (frame count, rate, GOP length, no B-frames, BT.709 tags), the
moov box first, the RGB -> Y'CbCr conversion against a NumPy twin of BT.709 through a lossless
encode, and bad input refused with nothing left behind."""

import os
import struct
from pathlib import Path

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media import inspect

H, W = 96, 128


def smooth_frames(n, height=H, width=W):
    """Camera-like content: slowly varying colours (4:2:0 keeps such chroma; sharp colour edges lose
    more through the subsampling than through the codec)."""
    yy, xx = np.mgrid[0:height, 0:width]
    return [np.stack([128 + 80 * np.sin(xx / 30 + t / 5), 128 + 80 * np.cos(yy / 30 - t / 7),
                      128 + 80 * np.sin((xx + yy) / 45 + t / 3)], -1).round().astype(np.uint8) for t in range(n)]


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255.0 ** 2 / mse)


def top_level_boxes(path):
    boxes, data, at = [], Path(path).read_bytes(), 0
    while at + 8 <= len(data):
        size, kind = struct.unpack_from(">I4s", data, at)
        if size == 1:
            size = struct.unpack_from(">Q", data, at + 8)[0]
        boxes.append(kind.decode())
        at += size if size else len(data)
    return boxes


def leftovers(folder):
    return [p for p in os.listdir(folder) if p.endswith(".part.mp4")]


@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_round_trip_within_the_codecs_loss_and_the_files_structure(tmp_path, codec):
    frames = smooth_frames(45)
    path = tmp_path / "out.mp4"
    assert odvd.write_video(path, frames, 25, codec=codec) == 45
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    got = decoder.DecodeN12ToRGB([str(path)] * 45, list(range(45)))
    worst = min(psnr(np.asarray(g), f) for g, f in zip(got, frames))
    assert worst > 40, f"PSNR {worst:.1f} dB"
    stream = inspect.video_stream(path)
    assert stream["codec_name"] == codec and int(stream["nb_frames"]) == 45
    assert stream["r_frame_rate"] == "25/1" and stream["avg_frame_rate"] == "25/1"
    assert (stream["color_space"], stream["color_primaries"], stream["color_transfer"], stream["color_range"]) == \
        ("bt709", "bt709", "bt709", "tv")
    assert stream["has_b_frames"] == 0
    keys = [i for i, p in enumerate(inspect.packets(path)) if "K" in p["flags"]]
    assert keys == [0, 30]
    assert {f["pict_type"] for f in inspect.frames(path)} <= {"I", "P"}
    pts = [p["pts"] for p in inspect.packets(path)]
    assert pts == sorted(pts) and len(set(np.diff(pts))) == 1  # constant frame rate, decode order = display
    boxes = top_level_boxes(path)
    assert boxes.index("moov") < boxes.index("mdat"), boxes  # faststart
    assert leftovers(tmp_path) == []


def test_b_frames_gop_and_rates_when_asked(tmp_path):
    path = tmp_path / "b.mp4"
    odvd.write_video(path, np.stack(smooth_frames(24)), 30000 / 1001, gop=12, bframes=2)
    stream = inspect.video_stream(path)
    assert stream["r_frame_rate"] == "30000/1001" and stream["has_b_frames"] > 0
    assert "B" in {f["pict_type"] for f in inspect.frames(path)}
    assert [i for i, p in enumerate(inspect.packets(path)) if "K" in p["flags"]] == [0, 12]
    # Random access decodes what the writer wrote, B-frames and all.
    frames = smooth_frames(24)
    got = odvd.PyNvGopDecoder(1, iGpu=-1).DecodeN12ToRGB([str(path)] * 3, [5, 13, 23])
    assert all(psnr(np.asarray(g), frames[i]) > 38 for g, i in zip(got, [5, 13, 23]))


def test_the_conversion_is_bt709_limited_range(tmp_path):
    """Lossless H.264 (crf 0) keeps the Y'CbCr the writer made: it equals, within rounding, BT.709
    computed in floating point here (Y' = 16 + 219 E'y, Cb/Cr = 128 + 224 E'pb/pr, chroma the mean of
    each 2x2 block)."""
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, size=(32, 48, 3), dtype=np.uint8)
    path = tmp_path / "lossless.mp4"
    odvd.write_video(path, [frame], 1, crf=0)
    native = np.asarray(odvd.PyNvGopDecoder(1, iGpu=-1).Decode([str(path)], [0])[0])
    y, uv = native[:32], native[32:].reshape(16, 24, 2)
    e = frame.astype(np.float64) / 255
    kr, kb = 0.2126, 0.0722
    ey = kr * e[..., 0] + (1 - kr - kb) * e[..., 1] + kb * e[..., 2]
    cb = (e[..., 2] - ey) / (2 * (1 - kb))
    cr = (e[..., 0] - ey) / (2 * (1 - kr))
    blocks = lambda c: c.reshape(16, 2, 24, 2).mean(axis=(1, 3))  # noqa: E731
    assert np.abs(y.astype(int) - (16 + 219 * ey)).max() <= 0.5 + 1e-3
    assert np.abs(uv[..., 0].astype(int) - (128 + 224 * blocks(cb))).max() <= 0.5 + 1e-3
    assert np.abs(uv[..., 1].astype(int) - (128 + 224 * blocks(cr))).max() <= 0.5 + 1e-3


def test_torch_tensors_are_frames(tmp_path):
    torch = pytest.importorskip("torch")
    frames = torch.from_numpy(np.stack(smooth_frames(5)))
    assert odvd.write_video(tmp_path / "t.mp4", frames, 10) == 5
    assert int(inspect.video_stream(tmp_path / "t.mp4")["nb_frames"]) == 5


@pytest.mark.parametrize("frames, message", [
    ([np.zeros((48, 64, 3), np.uint8), np.zeros((48, 62, 3), np.uint8)], "frame 1 is 62x48 but frame 0 is 64x48"),
    ([np.zeros((48, 64, 3), np.float32)], "frame 0 has dtype float32"),
    ([np.zeros((47, 64, 3), np.uint8)], "even width and height \\(crop or pad to 64x48\\)"),
    ([np.zeros((3, 48, 64), np.uint8)], "shape \\(3, 48, 64\\).*permute"),
    ([], "frames is empty"),
    (np.zeros((48, 64, 3), np.uint8), "a batch of frames is \\(N, height, width, 3\\)"),
])
def test_bad_frames_are_refused_and_leave_nothing(tmp_path, frames, message):
    path = tmp_path / "bad.mp4"
    with pytest.raises(ValueError, match=message):
        odvd.write_video(path, frames, 25)
    assert not path.exists() and leftovers(tmp_path) == []


def test_a_failed_write_keeps_the_old_file(tmp_path):
    path = tmp_path / "keep.mp4"
    odvd.write_video(path, smooth_frames(3, 48, 64), 25)
    before = path.read_bytes()

    def frames_then_error():
        yield from smooth_frames(2, 48, 64)
        raise KeyError("the producer failed")

    with pytest.raises(KeyError, match="the producer failed"):
        odvd.write_video(path, frames_then_error(), 25)
    assert path.read_bytes() == before and leftovers(tmp_path) == []


@pytest.mark.parametrize("kwargs, message", [
    ({"codec": "vp9"}, "codec='vp9'"), ({"gop": 0}, "gop=0"), ({"bframes": 30}, "bframes=30 must be smaller"),
    ({"crf": 60}, "crf=60"), ({"fps": 0}, "fps=0"), ({"preset": "warp"}, "refused the settings"),
])
def test_bad_settings_are_refused(tmp_path, kwargs, message):
    fps = kwargs.pop("fps", 25)
    with pytest.raises(ValueError, match=message):
        odvd.write_video(tmp_path / "s.mp4", smooth_frames(2, 48, 64), fps, **kwargs)
    assert leftovers(tmp_path) == [] and not (tmp_path / "s.mp4").exists()
