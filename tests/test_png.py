"""The package's PNG writer: files the ffmpeg CLI decodes to the exact bytes written, valid chunk
structure and CRCs, clear errors for what it cannot write."""

import shutil
import struct
import subprocess
import zlib

import numpy as np
import pytest

from on_demand_video_decoder._png import PNG_SIGNATURE, encode_png, write_png

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="needs the ffmpeg CLI")


def ffmpeg_decode_rgb(path, width, height) -> np.ndarray:
    """The PNG decoded by the ffmpeg CLI (not by our code) as (H, W, 3) uint8."""
    out = subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True, capture_output=True,
    ).stdout
    assert len(out) == width * height * 3, f"ffmpeg gave {len(out)} bytes for {width}x{height} RGB"
    return np.frombuffer(out, np.uint8).reshape(height, width, 3)


def chunks(data: bytes):
    """(type, payload) of each chunk, checking lengths and CRCs on the way."""
    assert data[:8] == PNG_SIGNATURE
    pos, out = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind, payload = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length:pos + 12 + length])
        assert crc == zlib.crc32(kind + payload) & 0xFFFFFFFF, f"bad CRC in {kind!r}"
        out.append((kind, payload))
        pos += 12 + length
    assert pos == len(data)
    return out


def sample_image(height, width, seed=0):
    """Random bytes plus a gradient, so every channel value and every position matters."""
    rng = np.random.default_rng(seed)
    img = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    img[0, :, 0] = np.arange(width) % 256
    img[:, 0, 1] = np.arange(height) % 256
    return img


@needs_ffmpeg
@pytest.mark.parametrize("height,width", [(1, 1), (1, 7), (5, 3), (9, 17), (31, 33), (240, 320), (129, 1001)])
def test_ffmpeg_decodes_exact_bytes(tmp_path, height, width):
    img = sample_image(height, width)
    path = tmp_path / f"img_{width}x{height}.png"
    write_png(path, img)
    np.testing.assert_array_equal(ffmpeg_decode_rgb(path, width, height), img)


@needs_ffmpeg
def test_non_contiguous_input(tmp_path):
    """A strided view (every other column, reversed rows) is written as the pixels it shows."""
    base = sample_image(20, 30, seed=3)
    view = base[::-1, ::2]
    assert not view.flags.c_contiguous
    write_png(tmp_path / "view.png", view)
    np.testing.assert_array_equal(ffmpeg_decode_rgb(tmp_path / "view.png", 15, 20), view)


def test_chunk_layout_and_header():
    img = sample_image(6, 11)
    parsed = chunks(encode_png(img))
    assert [k for k, _ in parsed] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, colour, compression, filt, interlace = struct.unpack(">IIBBBBB", parsed[0][1])
    assert (width, height, depth, colour, compression, filt, interlace) == (11, 6, 8, 2, 0, 0, 0)
    raw = zlib.decompress(parsed[1][1])
    rows = np.frombuffer(raw, np.uint8).reshape(6, 1 + 11 * 3)
    assert (rows[:, 0] == 0).all(), "every scanline uses filter type 0"
    np.testing.assert_array_equal(rows[:, 1:].reshape(6, 11, 3), img)
    assert parsed[2][1] == b""


@pytest.mark.parametrize(
    "bad",
    [
        np.zeros((4, 4), np.uint8),  # no channel axis
        np.zeros((4, 4, 4), np.uint8),  # RGBA
        np.zeros((4, 4, 3), np.uint16),  # 16-bit
        np.zeros((4, 4, 3), np.float32),
        np.zeros((0, 4, 3), np.uint8),  # empty
        np.zeros((4, 0, 3), np.uint8),
    ],
    ids=["2d", "rgba", "uint16", "float32", "no_rows", "no_columns"],
)
def test_rejects_what_it_cannot_write(tmp_path, bad):
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8|width, height"):
        write_png(tmp_path / "bad.png", bad)
    assert not (tmp_path / "bad.png").exists()
    assert list(tmp_path.iterdir()) == [], "no temporary file left behind"


def test_overwrites_existing_file(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"old")
    write_png(path, np.full((2, 2, 3), 200, np.uint8))
    assert path.read_bytes().startswith(PNG_SIGNATURE)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.png"]
