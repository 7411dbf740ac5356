"""YUV->RGB conversion (docs/color.md): the engine's host converter against

- the NumPy twin tests/color_reference.py (written from the document), byte for byte;
- anchors that do not depend on the twin: black/white/grey levels, a float64 evaluation of the
  textbook formula (within 1), the document's own coefficient table, and the ffmpeg CLI (swscale
  with nearest chroma, within 1);
- the tag -> formula rules of _resolve_color and the errors of _native_to_rgb.
"""

import re
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest

import color_reference as ref
from on_demand_video_decoder import _engine
from utils import assert_frames_close, assert_frames_equal

MATRICES = ["bt601", "bt709", "bt2020"]
RANGES = ["limited", "full"]
DEPTHS = [8, 10, 12]
KR_KB = {"bt601": (0.299, 0.114), "bt709": (0.2126, 0.0722), "bt2020": (0.2627, 0.0593)}
DOC = Path(__file__).resolve().parent.parent / "docs" / "color.md"


def random_native(rng, w, h, depth, low_bits=True):
    """Random samples over the whole code range (out-of-nominal values included, so clamping is
    exercised); for P016 the ignored low bits are random too. Returns (native, width argument)."""
    top = 1 << depth
    y = rng.integers(0, top, (h, w))
    u = rng.integers(0, top, ((h + 1) // 2, (w + 1) // 2))
    v = rng.integers(0, top, ((h + 1) // 2, (w + 1) // 2))
    native = ref.make_native(y, u, v, depth)
    if depth > 8 and low_bits:
        native |= rng.integers(0, 1 << (16 - depth), native.shape).astype(np.uint16)
    return native, (w if w % 2 else None)


def convert(native, depth, matrix, range_, bgr=False, width=None):
    return _engine._native_to_rgb(native, depth, matrix, range_, bgr=bgr, width=width)


def uniform_native(y, u, v, depth, w=4, h=4):
    chroma = (h // 2, w // 2)
    return ref.make_native(np.full((h, w), y), np.full(chroma, u), np.full(chroma, v), depth)


# --- against the twin -------------------------------------------------------------------------

@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("range_", RANGES)
@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("size", [(7, 5), (318, 178), (1, 1), (2, 3), (33, 17), (64, 2), (16, 1), (49, 3)])
def test_random_planes_match_twin(matrix, range_, depth, size, convert_isa):
    w, h = size
    rng = np.random.default_rng(zlib.crc32(f"{matrix} {range_} {depth} {w}x{h}".encode()))
    native, width = random_native(rng, w, h, depth)
    for bgr in (False, True):
        got = convert(native, depth, matrix, range_, bgr=bgr, width=width)
        want = ref.native_to_rgb(native, depth, matrix, range_, bgr=bgr, width=width)
        assert got.shape == (h, w, 3)
        assert_frames_equal(got, want, f"{matrix} {range_} {depth}-bit {w}x{h} bgr={bgr}")


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("range_", RANGES)
@pytest.mark.parametrize("matrix", MATRICES)
@pytest.mark.parametrize("size", [(1, 1), (7, 5), (318, 178), (130, 37)])
def test_cuda_kernel_code_matches_twin(matrix, range_, depth, size):
    """The odvd_yuv_to_rgb kernel's per-thread code (kernels/yuv_to_rgb_block.h), run on the host over
    the kernel's launch grid (several thread blocks in both directions for the larger sizes)."""
    w, h = size
    rng = np.random.default_rng(zlib.crc32(f"kernel {matrix} {range_} {depth} {w}x{h}".encode()))
    native, width = random_native(rng, w, h, depth)
    for bgr in (False, True):
        got = _engine._native_to_rgb(native, depth, matrix, range_, bgr=bgr, width=width, kernel_twin=True)
        want = ref.native_to_rgb(native, depth, matrix, range_, bgr=bgr, width=width)
        assert_frames_equal(got, want, f"kernel code: {matrix} {range_} {depth}-bit {w}x{h} bgr={bgr}")


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("range_", RANGES)
@pytest.mark.parametrize("matrix", MATRICES)
def test_extremes_clamp_and_match_twin(matrix, range_, depth, convert_isa):
    # Every combination of code-range extremes and nominal levels of Y, U, V, one per 2x2 block.
    top = (1 << depth) - 1
    s = 1 << (depth - 8)
    levels = sorted({0, 1, 16 * s, 128 * s, 235 * s, 240 * s, top - 1, top})
    combos = np.array([(y, u, v) for y in levels for u in levels for v in levels])
    n = len(combos)
    y = np.repeat(np.repeat(combos[:, 0][None, :], 2, axis=0), 2, axis=1)
    native = ref.make_native(y, combos[None, :, 1], combos[None, :, 2], depth)
    got = convert(native, depth, matrix, range_)
    want = ref.native_to_rgb(native, depth, matrix, range_)
    assert_frames_equal(got, want, f"{matrix} {range_} {depth}-bit")
    assert got.shape == (2, 2 * n, 3)
    assert (got == 0).any() and (got == 255).any(), "the extremes must reach both clamps"


@pytest.mark.parametrize("depth", [10, 12])  # 8-bit inputs never land exactly on a half
@pytest.mark.parametrize("range_", RANGES)
@pytest.mark.parametrize("matrix", MATRICES)
def test_exact_halves_round_up(matrix, range_, depth):
    """Inputs whose R or B sum is exactly k + 1/2 levels (acc % 2^20 == 2^19) give k + 1."""
    c = ref.coefficients(matrix, range_, depth)
    top = 1 << depth
    y = np.arange(top)[:, None] - c["y_offset"]
    chroma = np.arange(top)[None, :] - c["c_offset"]
    triples, expected = [], []
    for channel, coef in ((0, "cvr"), (2, "cub")):
        acc = c["cy"] * y + c[coef] * chroma
        for yy, cc in np.argwhere(acc % 2**20 == 2**19)[:16]:
            u, v = (c["c_offset"], cc) if channel == 0 else (cc, c["c_offset"])
            triples.append((yy, u, v))
            expected.append((channel, acc[yy, cc] // 2**20 + 1))
    assert triples, "no exact half found"
    t = np.array(triples)
    y_plane = np.repeat(np.repeat(t[None, :, 0], 2, axis=0), 2, axis=1)
    native = ref.make_native(y_plane, t[None, :, 1], t[None, :, 2], depth)
    got = convert(native, depth, matrix, range_)
    assert_frames_equal(got, ref.native_to_rgb(native, depth, matrix, range_))
    for i, (channel, level) in enumerate(expected):
        assert got[0, 2 * i, channel] == min(max(level, 0), 255), (triples[i], channel)


def test_coefficients_match_doc_table():
    """The twin's integers equal the table printed in docs/color.md section 4."""
    row = r"^\| (bt\d+) (limited|full) \| ([\d, ]+) \| ([\d, ]+) \| ([\d, ]+) \|$"
    rows = re.findall(row, DOC.read_text(), re.M)
    assert len(rows) == 6
    keys = ["y_offset", "c_offset", "cy", "cvr", "cug", "cvg", "cub"]
    for matrix, range_, *cells in rows:
        for depth, cell in zip(DEPTHS, cells):
            doc = dict(zip(keys, (int(x) for x in cell.split(","))))
            assert ref.coefficients(matrix, range_, depth) == doc, (matrix, range_, depth)


# --- anchors that do not depend on the twin ---------------------------------------------------

@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("matrix", MATRICES)
def test_limited_range_levels(matrix, depth):
    s = 1 << (depth - 8)
    def level(y):
        out = convert(uniform_native(y, 128 * s, 128 * s, depth), depth, matrix, "limited")
        assert (out == out[0, 0, 0]).all(), "neutral chroma gives grey"
        return int(out[0, 0, 0])
    assert level(16 * s) == 0
    assert level(235 * s) == 255
    assert level(0) == 0 and level((1 << depth) - 1) == 255  # super-black / super-white clamp
    assert level(126 * s) == 128  # 255 * 110 / 219 = 128.08
    assert level((16 + 235) * s // 2) in (127, 128)  # mid grey: 127.5 (10/12-bit), 126.9 (8-bit, Y=125)


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("matrix", MATRICES)
def test_full_range_levels(matrix, depth):
    half = 1 << (depth - 1)
    def level(y):
        out = convert(uniform_native(y, half, half, depth), depth, matrix, "full")
        assert (out == out[0, 0, 0]).all()
        return int(out[0, 0, 0])
    assert level(0) == 0
    assert level((1 << depth) - 1) == 255
    assert level(half) == 128  # 255 * 2^(b-1) / (2^b - 1): 128.0 (8-bit), 127.6, 127.5


@pytest.mark.parametrize("depth", DEPTHS)
@pytest.mark.parametrize("range_", RANGES)
@pytest.mark.parametrize("matrix", MATRICES)
def test_within_one_of_textbook_float(matrix, range_, depth):
    """Fixed point against the textbook inverse matrix evaluated in float64 (docs/color.md section 5)."""
    rng = np.random.default_rng(depth * 7 + len(matrix) + len(range_))
    w, h = 64, 48
    native, _ = random_native(rng, w, h, depth, low_bits=False)
    got = convert(native, depth, matrix, range_).astype(np.float64)

    shift = 16 - depth if depth > 8 else 0
    samples = native.astype(np.float64) / (1 << shift)
    y = samples[:h]
    u = np.repeat(np.repeat(samples[h:, 0::2], 2, axis=0), 2, axis=1)
    v = np.repeat(np.repeat(samples[h:, 1::2], 2, axis=0), 2, axis=1)
    s = 2.0 ** (depth - 8)
    if range_ == "limited":
        yn, cb, cr = (y - 16 * s) / (219 * s), (u - 128 * s) / (224 * s), (v - 128 * s) / (224 * s)
    else:
        span = 2.0**depth - 1
        yn, cb, cr = y / span, (u - 2.0 ** (depth - 1)) / span, (v - 2.0 ** (depth - 1)) / span
    kr, kb = KR_KB[matrix]
    kg = 1 - kr - kb
    exact = 255 * np.stack([
        yn + 2 * (1 - kr) * cr,
        yn - 2 * kb * (1 - kb) / kg * cb - 2 * kr * (1 - kr) / kg * cr,
        yn + 2 * (1 - kb) * cb,
    ], axis=-1)
    clamped = np.clip(exact, 0, 255)
    assert_frames_close(got, np.clip(np.round(exact), 0, 255), atol=1, context="vs round(textbook)")
    assert_frames_close(got, clamped, atol=0.505, context="vs exact textbook")


def test_bgr_is_rgb_reversed():
    native, _ = random_native(np.random.default_rng(3), 40, 30, 10)
    rgb = convert(native, 10, "bt2020", "limited")
    bgr = convert(native, 10, "bt2020", "limited", bgr=True)
    assert_frames_equal(bgr, rgb[..., ::-1])


def test_p016_low_bits_are_ignored():
    rng = np.random.default_rng(5)
    for depth in (10, 12):
        native, _ = random_native(rng, 20, 10, depth, low_bits=False)
        noisy = native | rng.integers(0, 1 << (16 - depth), native.shape).astype(np.uint16)
        assert_frames_equal(convert(noisy, depth, "bt709", "full"), convert(native, depth, "bt709", "full"))


def test_nearest_chroma_upsampling():
    """Pixel (x, y) takes chroma pair (x // 2, y // 2): each 2x2 block has its own colour."""
    w, h = 5, 3  # odd both ways: the last column and row have a chroma pair of their own
    y = np.full((h, w), 128)
    u = np.array([[16, 128, 240], [240, 16, 128]])
    v = np.array([[240, 16, 128], [128, 240, 16]])
    out = convert(ref.make_native(y, u, v, 8), 8, "bt709", "limited", width=w)
    for yy in range(h):
        for xx in range(w):
            flat = uniform_native(128, u[yy // 2, xx // 2], v[yy // 2, xx // 2], 8)
            block = convert(flat, 8, "bt709", "limited")
            assert (out[yy, xx] == block[0, 0]).all(), (xx, yy)


def test_output_is_owned_contiguous_uint8():
    native, _ = random_native(np.random.default_rng(1), 16, 8, 8)
    out = convert(native, 8, "bt601", "full")
    assert out.dtype == np.uint8 and out.shape == (8, 16, 3) and out.flags.c_contiguous and out.flags.owndata


# --- real frames ------------------------------------------------------------------------------

CLIPS = [  # name, matrix and range the clip is tagged with (tests/media/recipes.py)
    ("h264_gop30", "bt709", "limited"),
    ("h264_bt601_full", "bt601", "full"),
    ("hevc10_gop30", "bt2020", "limited"),
    ("h264_odd_size", "bt709", "limited"),
]


@pytest.mark.parametrize("name,matrix,range_", CLIPS)
def test_real_frames_match_twin(reference, name, matrix, range_):
    r = reference(name)
    for i in (0, len(r) // 2, len(r) - 1):
        native = r.native(i)
        for bgr in (False, True):
            assert_frames_equal(
                convert(native, r.bit_depth, matrix, range_, bgr=bgr),
                ref.native_to_rgb(native, r.bit_depth, matrix, range_, bgr=bgr),
                f"{name} frame {i} bgr={bgr}",
            )


# Nearest-neighbour chroma like ours, full chroma interpolation off the fast paths, exact rounding.
SWS_FLAGS = "neighbor+accurate_rnd+full_chroma_int+bitexact"


@pytest.mark.parametrize("name,matrix,range_", CLIPS)
def test_first_frame_matches_ffmpeg_cli(media, reference, name, matrix, range_):
    """An anchor outside this project: swscale with nearest-neighbour chroma and accurate rounding
    (FFmpeg 5.1) agrees with docs/color.md within 1 level, while a wrong matrix is off by 14 or more
    on these clips (asserted as >= 10)."""
    r = reference(name)
    in_range = "tv" if range_ == "limited" else "pc"
    cmd = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(media[name].path), "-frames:v", "1", "-vf",
           f"scale=in_color_matrix={matrix}:in_range={in_range}:flags={SWS_FLAGS}",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    ff = np.frombuffer(subprocess.run(cmd, capture_output=True, check=True).stdout, np.uint8)
    ff = ff.reshape(r.height, r.width, 3)
    ours = convert(r.native(0), r.bit_depth, matrix, range_)
    assert_frames_close(ours, ff, atol=1, context=f"{name} vs ffmpeg")
    wrong = next(m for m in MATRICES if m != matrix)
    diff = np.abs(convert(r.native(0), r.bit_depth, wrong, range_).astype(int) - ff.astype(int))
    assert diff.max() >= 10, "the clip must tell matrices apart"


# --- resolution rules -------------------------------------------------------------------------

@pytest.mark.parametrize(
    "colorspace,color_range,height,expected",
    [
        (ref.AVCOL_SPC_BT709, ref.AVCOL_RANGE_MPEG, 144, ("bt709", "limited")),
        (ref.AVCOL_SPC_BT470BG, ref.AVCOL_RANGE_JPEG, 1080, ("bt601", "full")),
        (ref.AVCOL_SPC_SMPTE170M, ref.AVCOL_RANGE_UNSPECIFIED, 480, ("bt601", "limited")),
        (ref.AVCOL_SPC_BT2020_NCL, ref.AVCOL_RANGE_MPEG, 2160, ("bt2020", "limited")),
        (ref.AVCOL_SPC_BT2020_CL, ref.AVCOL_RANGE_JPEG, 2160, ("bt2020", "full")),
        # Unspecified matrix: BT.709 from 720 lines up, BT.601 below.
        (ref.AVCOL_SPC_UNSPECIFIED, ref.AVCOL_RANGE_UNSPECIFIED, 720, ("bt709", "limited")),
        (ref.AVCOL_SPC_UNSPECIFIED, ref.AVCOL_RANGE_UNSPECIFIED, 719, ("bt601", "limited")),
        (ref.AVCOL_SPC_UNSPECIFIED, ref.AVCOL_RANGE_JPEG, 576, ("bt601", "full")),
        # Matrices we do not implement (RGB=0, FCC=4, SMPTE240M=7, YCGCO=8, ICTCP=14, out of range) guess too.
        (0, ref.AVCOL_RANGE_MPEG, 1080, ("bt709", "limited")),
        (4, ref.AVCOL_RANGE_MPEG, 480, ("bt601", "limited")),
        (7, ref.AVCOL_RANGE_MPEG, 1080, ("bt709", "limited")),
        (8, 2, 240, ("bt601", "full")),
        (14, 1, 2160, ("bt709", "limited")),
        (999, 999, 100, ("bt601", "limited")),
        (-1, -1, 1080, ("bt709", "limited")),
    ],
)
def test_resolve_color(colorspace, color_range, height, expected):
    assert _engine._resolve_color(colorspace, color_range, height) == expected
    assert ref.resolve_color(colorspace, color_range, height) == expected


# --- errors -----------------------------------------------------------------------------------

def test_errors_are_value_errors():
    nv12 = np.zeros((6, 4), np.uint8)  # H = 4
    p016 = np.zeros((6, 4), np.uint16)
    assert convert(nv12, 8, "bt709", "limited").shape == (4, 4, 3)
    cases = [
        (lambda: convert(nv12, 8, "bt999", "limited"), "matrix='bt999'"),
        (lambda: convert(nv12, 8, "bt709", "tv"), "range='tv'"),
        (lambda: convert(nv12, 9, "bt709", "limited"), "bit_depth=9"),
        (lambda: convert(p016, 8, "bt709", "limited"), "uint8"),
        (lambda: convert(nv12, 10, "bt709", "limited"), "uint16"),
        (lambda: convert(np.zeros((7, 4), np.uint8), 8, "bt709", "limited"), "7 rows"),
        (lambda: convert(np.zeros((6, 5), np.uint8), 8, "bt709", "limited"), "width=5"),
        (lambda: convert(nv12, 8, "bt709", "limited", width=5), "width=5"),
        (lambda: convert(nv12, 8, "bt709", "limited", width=0), "width=0"),
        (lambda: convert(np.zeros((12, 8), np.uint8)[::2, ::2], 8, "bt709", "limited"), "C-contiguous"),
        (lambda: convert(np.zeros((6, 4, 1), np.uint8), 8, "bt709", "limited"), "2-D"),
        (lambda: convert(np.zeros((6, 4), np.dtype(">u2")), 10, "bt709", "limited"), "uint16"),
    ]
    for call, message in cases:
        with pytest.raises(ValueError, match=re.escape(message)):
            call()
