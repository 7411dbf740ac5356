"""NumPy twin of the YUV->RGB conversion, written from docs/color.md alone (not from the C++).

Python integers for the coefficients (exact rationals, section 4) and int64 NumPy arithmetic per pixel
(section 5), so nothing here can overflow or round differently from the text. tests/test_color.py
compares the engine with it byte for byte.
"""

from typing import Dict, Optional, Tuple

import numpy as np

SHIFT = 20  # S: coefficients are multipliers times 2^S

# Kr, Kb in units of 1/10000 (docs/color.md section 3).
_K = {"bt601": (2990, 1140), "bt709": (2126, 722), "bt2020": (2627, 593)}

# AVColorSpace / AVColorRange values used by the resolution rules (libavutil/pixfmt.h).
AVCOL_SPC_BT709 = 1
AVCOL_SPC_UNSPECIFIED = 2
AVCOL_SPC_BT470BG = 5
AVCOL_SPC_SMPTE170M = 6
AVCOL_SPC_BT2020_NCL = 9
AVCOL_SPC_BT2020_CL = 10
AVCOL_RANGE_UNSPECIFIED = 0
AVCOL_RANGE_MPEG = 1
AVCOL_RANGE_JPEG = 2


def _round_ratio(n: int, d: int) -> int:
    """round(n / d), halves away from zero, for n >= 0 and d > 0: floor((2n + d) / (2d))."""
    return (2 * n + d) // (2 * d)


def range_parameters(range_: str, bit_depth: int) -> Tuple[int, int, int, int]:
    """(y_offset, c_offset, ly, lc) of section 3."""
    if bit_depth not in (8, 10, 12):
        raise ValueError(f"bit_depth={bit_depth}")
    s = 1 << (bit_depth - 8)
    if range_ == "limited":
        return 16 * s, 128 * s, 219 * s, 224 * s
    if range_ == "full":
        span = (1 << bit_depth) - 1
        return 0, 1 << (bit_depth - 1), span, span
    raise ValueError(f"range={range_!r}")


def coefficients(matrix: str, range_: str, bit_depth: int) -> Dict[str, int]:
    """Integer coefficients of section 4: y_offset, c_offset, cy, cvr, cug, cvg, cub."""
    kr, kb = _K[matrix]
    kg = 10000 - kr - kb
    y_offset, c_offset, ly, lc = range_parameters(range_, bit_depth)
    n = 255 * 2**SHIFT
    return dict(
        y_offset=y_offset,
        c_offset=c_offset,
        cy=_round_ratio(n, ly),
        cvr=_round_ratio(n * 2 * (10000 - kr), 10000 * lc),
        cub=_round_ratio(n * 2 * (10000 - kb), 10000 * lc),
        cug=_round_ratio(n * 2 * kb * (10000 - kb), 10000 * kg * lc),
        cvg=_round_ratio(n * 2 * kr * (10000 - kr), 10000 * kg * lc),
    )


def yuv_to_rgb(y, u, v, matrix: str, range_: str, bit_depth: int) -> np.ndarray:
    """Section 5 on arrays of samples (any equal shapes, values 0..2^b-1): (..., 3) uint8 R, G, B."""
    c = coefficients(matrix, range_, bit_depth)
    y = np.asarray(y, dtype=np.int64) - c["y_offset"]
    u = np.asarray(u, dtype=np.int64) - c["c_offset"]
    v = np.asarray(v, dtype=np.int64) - c["c_offset"]
    acc = np.stack(
        [c["cy"] * y + c["cvr"] * v, c["cy"] * y - c["cug"] * u - c["cvg"] * v, c["cy"] * y + c["cub"] * u],
        axis=-1,
    )
    # Add 2^(S-1), floor-divide by 2^S (>> on int64 is floor), clamp.
    return np.clip((acc + (1 << (SHIFT - 1))) >> SHIFT, 0, 255).astype(np.uint8)


def split_native(native: np.ndarray, bit_depth: int, width: Optional[int] = None):
    """(Y, U, V) sample arrays of a native frame (section 2): Y (H, W), U and V (ceil(H/2), ceil(W/2)).

    ``native`` has H + (H + 1) // 2 rows: the luma rows, then rows of interleaved U, V; uint8 for
    NV12, uint16 P016 words (value in the high bits) for 10/12-bit. ``width`` < the array width makes
    the extra columns padding (an odd width needs one: a chroma row holds 2 * ceil(W / 2) samples).
    """
    native = np.asarray(native)
    rows, cols = native.shape
    h = 2 * rows // 3
    if h < 1 or h + (h + 1) // 2 != rows:
        raise ValueError(f"{rows} rows is not H + (H + 1) // 2")
    w = cols if width is None else width
    ch, cw = (h + 1) // 2, (w + 1) // 2
    if bit_depth == 8:
        assert native.dtype == np.uint8
        samples = native.astype(np.int64)
    else:
        assert native.dtype == np.uint16
        samples = native.astype(np.int64) >> (16 - bit_depth)  # the value sits in the high bits
    y = samples[:h, :w]
    uv = samples[h : h + ch, : 2 * cw]
    return y, uv[:, 0::2], uv[:, 1::2]


def native_to_rgb(native: np.ndarray, bit_depth: int, matrix: str, range: str, bgr: bool = False,
                  width: Optional[int] = None) -> np.ndarray:
    """The whole conversion of a native frame: (H, W, 3) uint8, RGB (or BGR)."""
    y, u, v = split_native(native, bit_depth, width)
    h, w = y.shape
    # Nearest chroma: pixel (x, y) uses pair (x // 2, y // 2).
    u_full = np.repeat(np.repeat(u, 2, axis=0), 2, axis=1)[:h, :w]
    v_full = np.repeat(np.repeat(v, 2, axis=0), 2, axis=1)[:h, :w]
    rgb = yuv_to_rgb(y, u_full, v_full, matrix, range, bit_depth)
    return rgb[..., ::-1].copy() if bgr else rgb


def resolve_color(av_colorspace: int, av_color_range: int, height: int) -> Tuple[str, str]:
    """Section 1: (matrix, range) names for FFmpeg tag values."""
    if av_colorspace in (AVCOL_SPC_BT470BG, AVCOL_SPC_SMPTE170M):
        matrix = "bt601"
    elif av_colorspace == AVCOL_SPC_BT709:
        matrix = "bt709"
    elif av_colorspace in (AVCOL_SPC_BT2020_NCL, AVCOL_SPC_BT2020_CL):
        matrix = "bt2020"
    else:
        matrix = "bt709" if height >= 720 else "bt601"
    return matrix, "full" if av_color_range == AVCOL_RANGE_JPEG else "limited"


def make_native(y: np.ndarray, u: np.ndarray, v: np.ndarray, bit_depth: int) -> np.ndarray:
    """Pack sample planes (values 0..2^b-1) into a native array (section 2). An odd width gets one
    padding column so that the chroma rows fit (pass width=W to the converters)."""
    h, w = y.shape
    ch, cw = (h + 1) // 2, (w + 1) // 2
    assert u.shape == v.shape == (ch, cw)
    dtype = np.uint8 if bit_depth == 8 else np.uint16
    cols = 2 * cw
    out = np.zeros((h + ch, cols), dtype=dtype)
    shift = 0 if bit_depth == 8 else 16 - bit_depth
    out[:h, :w] = (y.astype(np.int64) << shift).astype(dtype)
    out[h:, 0::2] = (u.astype(np.int64) << shift).astype(dtype)
    out[h:, 1::2] = (v.astype(np.int64) << shift).astype(dtype)
    return out


# -- section 6: output options ------------------------------------------------------------------------
WEIGHT_BITS = 11
ONE = 1 << WEIGHT_BITS


def axis_taps(n_out: int, n_in: int):
    """(i0, i1, w) arrays of the axis mapping of section 6, one entry per output coordinate."""
    o = np.arange(n_out, dtype=np.int64)
    if n_out == n_in:
        return o, o.copy(), np.zeros(n_out, dtype=np.int64)
    s = ((2 * o + 1) * n_in * ONE) // (2 * n_out) - ONE // 2
    s = np.maximum(s, 0)
    i0, w = s >> WEIGHT_BITS, s & (ONE - 1)
    edge = i0 >= n_in - 1
    i0 = np.where(edge, n_in - 1, i0)
    w = np.where(edge, 0, w)
    return i0, np.minimum(i0 + 1, n_in - 1), w


def resize_rgb(rgb: np.ndarray, size: Optional[Tuple[int, int]] = None, planar: bool = False,
               float32: bool = False, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)) -> np.ndarray:
    """Section 6 on (H, W, 3) uint8 levels (already in output channel order): (H', W', 3) or
    (3, H', W'), uint8 or float32.

    float32 values are computed in float64 and rounded once to float32; the engine's single fmaf may
    differ by one ulp (double rounding), so compare floats with a 1-ulp tolerance.
    """
    rgb = np.asarray(rgb).astype(np.int64)
    h, w = rgb.shape[:2]
    oh, ow = size if size is not None else (h, w)
    x0, x1, wx = axis_taps(ow, w)
    y0, y1, wy = axis_taps(oh, h)
    wx, wy = wx[None, :, None], wy[:, None, None]
    acc = (rgb[y0][:, x0] * (ONE - wx) * (ONE - wy) + rgb[y0][:, x1] * wx * (ONE - wy)
           + rgb[y1][:, x0] * (ONE - wx) * wy + rgb[y1][:, x1] * wx * wy)
    if float32:
        mean32 = np.asarray(mean, dtype=np.float32).astype(np.float64)
        std32 = np.asarray(std, dtype=np.float32).astype(np.float64)
        scale = (1.0 / (255.0 * 2.0**22 * std32)).astype(np.float32).astype(np.float64)
        bias = (-mean32 / std32).astype(np.float32).astype(np.float64)
        out = (acc.astype(np.float32).astype(np.float64) * scale + bias).astype(np.float32)
    else:
        out = ((acc + (1 << 21)) >> 22).astype(np.uint8)
    return np.ascontiguousarray(out.transpose(2, 0, 1)) if planar else out


def resize_convert(native: np.ndarray, bit_depth: int, matrix: str, range: str, bgr: bool = False,
                   width: Optional[int] = None, chroma_siting: Optional[str] = None, **options) -> np.ndarray:
    """Sections 2 to 6 on a native frame; ``options`` as resize_rgb's. ``chroma_siting`` (a name of
    section 8) converts with bilinear chroma placed so, None with nearest chroma."""
    if chroma_siting is None:
        rgb = native_to_rgb(native, bit_depth, matrix, range, bgr, width)
    else:
        rgb = native_to_rgb_bilinear(native, bit_depth, matrix, range, chroma_siting, bgr, width)
    return resize_rgb(rgb, **options)


# -- section 8: bilinear chroma -----------------------------------------------------------------------
# (dx, dy): chroma sample (0, 0)'s offset from luma sample (0, 0) in half luma samples.
SITING_OFFSETS = {"left": (0, 1), "center": (1, 1), "topleft": (0, 0), "top": (1, 0), "bottomleft": (0, 2),
                  "bottom": (1, 2)}
# AVChromaLocation values (ffprobe's names); 0 (unspecified) and anything else resolve to "left".
SITING_NAMES = {1: "left", 2: "center", 3: "topleft", 4: "top", 5: "bottomleft", 6: "bottom"}
SITING_CODES = {name: code for code, name in SITING_NAMES.items()}


def chroma_taps(n_luma: int, n_chroma: int, d: int):
    """(i0, i1, w0, w1) per luma position along one axis: q = 2p - d quarters, i0 = floor(q / 4),
    w1 = q - 4 i0, w0 = 4 - w1, indices clamped to 0 .. n_chroma - 1."""
    q = 2 * np.arange(n_luma, dtype=np.int64) - d
    i0 = q // 4  # NumPy's // on int64 is floor division
    w1 = q - 4 * i0
    return np.clip(i0, 0, n_chroma - 1), np.clip(i0 + 1, 0, n_chroma - 1), 4 - w1, w1


def bilinear_chroma(c: np.ndarray, h: int, w: int, siting: str) -> np.ndarray:
    """A chroma plane (ceil(H/2), ceil(W/2)) upsampled to (H, W), in sixteenths of a sample."""
    dx, dy = SITING_OFFSETS[siting]
    x0, x1, wx0, wx1 = chroma_taps(w, c.shape[1], dx)
    y0, y1, wy0, wy1 = chroma_taps(h, c.shape[0], dy)
    c = np.asarray(c, dtype=np.int64)
    wy0, wy1 = wy0[:, None], wy1[:, None]
    return (wx0 * wy0 * c[y0][:, x0] + wx1 * wy0 * c[y0][:, x1] + wx0 * wy1 * c[y1][:, x0]
            + wx1 * wy1 * c[y1][:, x1])


def native_to_rgb_bilinear(native: np.ndarray, bit_depth: int, matrix: str, range: str, siting: str,
                           bgr: bool = False, width: Optional[int] = None) -> np.ndarray:
    """Section 8: (H, W, 3) uint8 with bilinear chroma placed as ``siting`` says."""
    y, u, v = split_native(native, bit_depth, width)
    h, w = y.shape
    c = coefficients(matrix, range, bit_depth)
    du = bilinear_chroma(u, h, w, siting) - 16 * c["c_offset"]
    dv = bilinear_chroma(v, h, w, siting) - 16 * c["c_offset"]

    def t(x):  # exact value rounded once: floor((x + 8) / 16)
        return (x + 8) >> 4

    luma = c["cy"] * (y.astype(np.int64) - c["y_offset"]) + (1 << (SHIFT - 1))
    acc = np.stack([luma + t(c["cvr"] * dv), luma + t(-c["cug"] * du - c["cvg"] * dv), luma + t(c["cub"] * du)],
                   axis=-1)
    rgb = np.clip(acc >> SHIFT, 0, 255).astype(np.uint8)
    return rgb[..., ::-1].copy() if bgr else rgb
