"""JPEG and PNG images through the staged API's decode and convert stages (decode_image,
docs/access-staged.md "Images"), against the ffmpeg CLI's decode of the same files:

- a 4:2:0 JPEG stays YUV: its planes equal ffmpeg's, and convert gives the NumPy twin's RGB of them
  (BT.601 full range, nearest or bilinear chroma with JPEG's centred siting);
- 4:4:4 / 4:2:2 / gray JPEGs and PNGs (RGB, RGBA, gray, 16-bit, palette, 1-bit) are RGB at decode:
  equal to the twin's formulas on ffmpeg's planes, or to ffmpeg's own samples;
- one batch mixes video frames and images; every source kind gives the same bytes; damage is a
  ValueError naming the source.
"""

import asyncio
import io
import subprocess
from pathlib import Path

import numpy as np
import pytest

import color_reference as ref
import on_demand_video_decoder as odvd
from utils import assert_frames_equal

W, H = 66, 50  # even: ffmpeg's yuv420p planes have no padding to strip


def make(tmp_path: Path, name: str, pix_fmt: str, *extra: str, source: str = "testsrc2") -> Path:
    path = tmp_path / name
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-f", "lavfi", "-i", f"{source}=s={W}x{H}", "-frames:v", "1",
                    "-pix_fmt", pix_fmt, *extra, str(path)], check=True, capture_output=True)
    return path


def ffmpeg_raw(path: Path, pix_fmt: str, dtype=np.uint8) -> np.ndarray:
    out = subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", pix_fmt,
                          "-"], capture_output=True, check=True).stdout
    return np.frombuffer(out, dtype)


def ffmpeg_planes(path: Path, pix_fmt: str, cw: int, ch: int):
    a = ffmpeg_raw(path, pix_fmt).astype(np.int64)
    y = a[:W * H].reshape(H, W)
    u = a[W * H:W * H + cw * ch].reshape(ch, cw)
    v = a[W * H + cw * ch:].reshape(ch, cw)
    return y, u, v


def rgb_of(frames, **options) -> np.ndarray:
    return np.asarray(odvd.convert(frames, **options).data)[0]


def test_jpeg_420_stays_yuv_and_converts_like_video(tmp_path):
    path = make(tmp_path, "a.jpg", "yuvj420p")
    frames = odvd.decode_image(path)
    assert frames[0].data.format == "NV12"
    y, u, v = ffmpeg_planes(path, "yuvj420p", W // 2, H // 2)
    native = ref.make_native(y, u, v, 8)
    assert_frames_equal(np.asarray(frames.native[0]), native, "planes")
    assert_frames_equal(rgb_of(frames), ref.native_to_rgb(native, 8, "bt601", "full"), "nearest")
    assert_frames_equal(rgb_of(frames, chroma_upsampling="bilinear"),
                        ref.native_to_rgb_bilinear(native, 8, "bt601", "full", "center"), "bilinear, centred")
    assert (frames.frame_ids.tolist(), frames.pts_seconds.tolist(), frames.sources) == ([0], [0.0], [str(path)])


@pytest.mark.parametrize("pix_fmt,shift", [("yuvj444p", 0), ("yuvj422p", 1)])
def test_jpeg_444_and_422_are_rgb_by_the_formulas(tmp_path, pix_fmt, shift):
    path = make(tmp_path, "b.jpg", pix_fmt)
    frames = odvd.decode_image(path)
    assert frames[0].data.format == "RGB"
    y, u, v = ffmpeg_planes(path, pix_fmt, W >> shift, H)
    u, v = np.repeat(u, 1 << shift, axis=1), np.repeat(v, 1 << shift, axis=1)
    assert_frames_equal(rgb_of(frames), ref.yuv_to_rgb(y, u, v, "bt601", "full", 8), pix_fmt)


def test_gray_and_libjpeg_files(tmp_path):
    """JPEGs from another encoder (Pillow's libjpeg): gray (FFmpeg's mjpeg encoder writes none),
    4:2:0 colour as cameras write it, and CMYK; each against ffmpeg's decode of the file."""
    Image = pytest.importorskip("PIL.Image")  # in the test extra; the sanitizer's venv lacks it
    rgb = ffmpeg_raw(make(tmp_path, "src.png", "rgb24"), "rgb24").reshape(H, W, 3)
    gray_path, colour_path = tmp_path / "g.jpg", tmp_path / "c.jpg"
    Image.fromarray(rgb).convert("L").save(gray_path, quality=90)
    Image.fromarray(rgb).save(colour_path, quality=90, subsampling=2)  # 2: 4:2:0
    gray = ffmpeg_raw(gray_path, "gray").reshape(H, W)
    assert_frames_equal(rgb_of(odvd.decode_image(gray_path)), np.repeat(gray[..., None], 3, axis=2), "gray JPEG")
    y, u, v = ffmpeg_planes(colour_path, "yuvj420p", W // 2, H // 2)
    assert_frames_equal(np.asarray(odvd.decode_image(colour_path).native[0]), ref.make_native(y, u, v, 8), "libjpeg")
    # CMYK (Adobe): libavcodec's own conversion to RGB, as its CLI gives it; close to Pillow's.
    cmyk_path = tmp_path / "k.jpg"
    Image.fromarray(rgb).convert("CMYK").save(cmyk_path, quality=95)
    got = rgb_of(odvd.decode_image(cmyk_path))
    assert_frames_equal(got, ffmpeg_raw(cmyk_path, "rgb24").reshape(H, W, 3), "CMYK JPEG")
    pil = np.asarray(Image.open(cmyk_path).convert("RGB")).astype(int)
    assert np.abs(got.astype(int) - pil).max() <= 3


@pytest.mark.parametrize("pix_fmt", ["rgb24", "rgba", "pal8", "gray", "monob"])
def test_png_8_bit_equals_ffmpegs_samples(tmp_path, pix_fmt):
    path = make(tmp_path, f"{pix_fmt}.png", pix_fmt, source="mandelbrot" if pix_fmt == "monob" else "testsrc2")
    got = rgb_of(odvd.decode_image(path))
    if pix_fmt in ("gray", "monob"):
        gray = ffmpeg_raw(path, "gray").reshape(H, W)
        expected = np.repeat(gray[..., None], 3, axis=2)
        if pix_fmt == "monob":
            assert set(np.unique(gray)) <= {0, 255}
    else:  # ffmpeg's rgb24: alpha dropped, palette looked up
        expected = ffmpeg_raw(path, "rgb24").reshape(H, W, 3)
    assert_frames_equal(got, expected, pix_fmt)


@pytest.mark.parametrize("pix_fmt,out_fmt,channels", [("rgb48be", "rgb48le", 3), ("rgba64be", "rgba64le", 4),
                                                      ("gray16be", "gray16le", 1)])
def test_png_16_bit_rounds_to_8(tmp_path, pix_fmt, out_fmt, channels):
    path = make(tmp_path, f"{pix_fmt}.png", pix_fmt)
    wide = ffmpeg_raw(path, out_fmt, np.uint16).reshape(H, W, channels).astype(np.int64)[..., :3]
    expected = ((wide * 255 + 32767) // 65535).astype(np.uint8)  # round(v * 255 / 65535)
    if channels == 1:
        expected = np.repeat(expected, 3, axis=2)
    assert_frames_equal(rgb_of(odvd.decode_image(path)), expected, pix_fmt)


def test_one_batch_mixes_video_frames_and_images(media, tmp_path):
    video = media["h264_gop30"].path
    jpeg, png = make(tmp_path, "m.jpg", "yuvj420p"), make(tmp_path, "m.png", "rgb24")
    frames_v = odvd.decode(odvd.demux(video, [3, 40]))
    images = odvd.decode_images([jpeg, png])
    options = dict(size=(48, 64), layout="CHW", dtype="float32", mean=0.5, std=0.25, chroma_upsampling="bilinear")
    batch = odvd.convert([frames_v, images], **options)
    assert batch.shape == (4, 3, 48, 64)
    assert batch.sources == [str(video)] * 2 + [str(jpeg), str(png)]
    data = np.asarray(batch.data)
    alone = np.concatenate([np.asarray(odvd.convert(frames_v, **options).data),
                            np.asarray(odvd.convert(odvd.decode_image(jpeg), **options).data),
                            np.asarray(odvd.convert(odvd.decode_image(png), **options).data)])
    np.testing.assert_array_equal(data, alone)


def test_every_source_kind_gives_the_same_frame(tmp_path):
    path = make(tmp_path, "s.jpg", "yuvj420p")
    data = path.read_bytes()
    expected = np.asarray(odvd.decode_image(str(path)).native[0])
    for source in (path, data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8), io.BytesIO(data)):
        assert_frames_equal(np.asarray(odvd.decode_image(source).native[0]), expected, type(source).__name__)
    got = asyncio.run(odvd.async_decode_image(data))
    assert_frames_equal(np.asarray(got.native[0]), expected, "async")


def test_bad_images_raise_naming_the_source(tmp_path):
    path = make(tmp_path, "t.jpg", "yuvj420p")
    data = path.read_bytes()
    with pytest.raises(ValueError, match=r"<bytes: 5 bytes>: not a JPEG or PNG image"):
        odvd.decode_image(b"hello")
    with pytest.raises(ValueError, match="the image is empty"):
        odvd.decode_image(b"")
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(data[:len(data) // 2])  # the scan data cut: an error, not grey rows
    with pytest.raises(ValueError, match="cut.jpg: decoding the image"):
        odvd.decode_image(cut)
    png = make(tmp_path, "t.png", "rgb24").read_bytes()
    damaged = bytearray(png)
    damaged[len(png) // 2] ^= 0xFF  # inside IDAT: its CRC no longer matches
    with pytest.raises(ValueError, match="decoding the image"):
        odvd.decode_image(bytes(damaged))
    with pytest.raises(FileNotFoundError):
        odvd.decode_image(tmp_path / "missing.png")
    with pytest.raises(TypeError, match="an image source is a path, bytes or a binary file-like object"):
        odvd.decode_image(42)
    assert len(odvd.decode_images([])) == 0


def test_images_decode_on_the_cpu_only(tmp_path, monkeypatch):
    """A GPU device is refused (checked with the device resolved as if a GPU were present)."""
    from on_demand_video_decoder import _images

    monkeypatch.setattr(_images, "parse_device", lambda device: (0, "cuda:0"))
    with pytest.raises(ValueError, match="images decode on the CPU"):
        odvd.decode_image(make(tmp_path, "c.png", "rgb24"), device="cuda:0")
