"""Output options of the RGB methods (size, layout, dtype, mean/std, stack; docs/color.md section 6,
docs/output-options.md).

- The CPU converter against the NumPy twin of section 6 (tests/color_reference.py, written from the
  text): uint8 byte for byte, float32 within 1 ulp (the twin rounds twice, the engine's fmaf once).
- The CUDA kernel's per-thread code, run over its launch grid on the host, against the CPU converter:
  identical bytes, floats included.
- Independent checks: the resize against PyTorch's bilinear interpolation (within 1 level), the
  normalisation against torchvision's formula in float64.
- Every RGB method on real clips: the frames equal the twin applied to the ffmpeg CLI's planes.
- Argument errors, stacking, zero-copy hand-off and lifetimes.
"""

import gc

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine
from color_reference import make_native, native_to_rgb, resize_convert, resize_rgb
from gop_cases import color_spec
from utils import assert_floats_ulp, assert_frames_close, assert_frames_equal

IMAGENET = dict(mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))


def _random_native(rng, h, w, depth):
    ch, cw = (h + 1) // 2, (w + 1) // 2
    top = 1 << depth
    return make_native(rng.integers(0, top, (h, w)), rng.integers(0, top, (ch, cw)), rng.integers(0, top, (ch, cw)),
                       depth)


def _engine_options(size=None, planar=False, float32=False, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0), stack=False):
    h, w = size if size is not None else (0, 0)
    return _engine._OutputOptions(height=h, width=w, planar=planar, float32=float32, mean=list(mean), std=list(std),
                                  stack=stack)


def _assert_output(actual, expected, context):
    if expected.dtype == np.float32:
        assert_floats_ulp(actual, expected, 1, context)
    else:
        assert_frames_equal(actual, expected, context)


# (source h, w, output size or None): odd sizes, up and down, one pixel, extreme aspect changes.
GEOMETRIES = [
    (9, 14, None),
    (9, 14, (5, 7)),
    (9, 13, (20, 31)),
    (33, 47, (33, 47)),
    (100, 60, (7, 200)),
    (1, 1, (3, 2)),
    (2, 2, (1, 1)),
    (31, 17, (31, 9)),
    (144, 176, (224, 224)),
]


@pytest.mark.parametrize("h,w,size", GEOMETRIES)
@pytest.mark.parametrize("depth,matrix,rng_name", [(8, "bt709", "limited"), (10, "bt2020", "limited"),
                                                   (12, "bt601", "full")])
def test_converter_matches_twin_and_kernel(h, w, size, depth, matrix, rng_name):
    rng = np.random.default_rng(h * 1000 + w + depth)
    native = _random_native(rng, h, w, depth)
    width = w if native.shape[1] != w else None
    for planar in (False, True):
        for float32, norm in ((False, {}), (True, {}), (True, IMAGENET)):
            for bgr in (False, True):
                opts = dict(size=size, planar=planar, float32=float32, **norm)
                context = f"{h}x{w} -> {size} depth {depth} {opts} bgr={bgr}"
                o = _engine_options(**opts)
                cpu = np.asarray(_engine._native_to_output(native, depth, matrix, rng_name, bgr, width, options=o))
                twin = resize_convert(native, depth, matrix, rng_name, bgr, width, **opts)
                _assert_output(cpu, twin, context)
                kernel = _engine._native_to_output(native, depth, matrix, rng_name, bgr, width, options=o, kernel_twin=True)
                assert_frames_equal(kernel, cpu, context + " (kernel code vs CPU)")


def test_unresized_uint8_is_the_plain_rgb():
    rng = np.random.default_rng(1)
    native = _random_native(rng, 37, 50, 8)
    plain = _engine._native_to_rgb(native, 8, "bt601", "limited")
    for planar in (False, True):
        out = np.asarray(_engine._native_to_output(native, 8, "bt601", "limited", options=_engine_options(planar=planar)))
        assert_frames_equal(out.transpose(1, 2, 0) if planar else out, plain, f"planar={planar}")


def test_resize_matches_torch_bilinear():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    rng = np.random.default_rng(2)
    native = _random_native(rng, 90, 160, 8)
    rgb = native_to_rgb(native, 8, "bt709", "limited")
    src = torch.from_numpy(rgb).permute(2, 0, 1)[None].double()
    for size in [(45, 80), (224, 224), (37, 301), (90, 160), (13, 7)]:
        ours = np.asarray(_engine._native_to_output(native, 8, "bt709", "limited",
                                                    options=_engine_options(size=size)))
        ref = F.interpolate(src, size=size, mode="bilinear", align_corners=False, antialias=False)
        ref = ref[0].permute(1, 2, 0).numpy()
        # Positions are rounded to 1/2048 pixel and weights are fixed-point: within one level.
        assert np.abs(ours.astype(np.float64) - ref).max() <= 1.0, size
        floats = np.asarray(_engine._native_to_output(native, 8, "bt709", "limited",
                                                      options=_engine_options(size=size, float32=True)))
        # A position rounded down by under 1/2048 pixel on each axis moves a value by under
        # 255/2048 levels per axis (neighbours at most 255 apart): within 0.25 levels.
        assert np.abs(floats.astype(np.float64) * 255 - ref).max() < 0.25, size


def test_normalisation_matches_torchvision_formula():
    rng = np.random.default_rng(3)
    native = _random_native(rng, 20, 30, 8)
    rgb = native_to_rgb(native, 8, "bt709", "full").astype(np.float64)
    o = _engine_options(planar=True, float32=True, **IMAGENET)
    out = np.asarray(_engine._native_to_output(native, 8, "bt709", "full", options=o))
    # torchvision: ToTensor (x / 255, CHW) then Normalize((x - mean) / std), in float64 here.
    expected = (rgb.transpose(2, 0, 1) / 255.0 - np.array(IMAGENET["mean"])[:, None, None]) / np.array(
        IMAGENET["std"])[:, None, None]
    assert np.abs(out - expected).max() < 2e-6


# -- through the public methods, on real clips ----------------------------------------------------------

CLIPS = ["h264_gop30_bf3", "hevc10_gop30", "h264_odd_size", "vp9_gop30"]


def _expected(ref, path, i, bgr=False, **options):
    matrix, rng = color_spec(path, ref.height)
    return resize_rgb(native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng, bgr=bgr), **options)


@pytest.fixture(scope="module")
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)


@pytest.mark.parametrize("name", CLIPS)
def test_decode_with_options_matches_reference(decoder, media, reference, name):
    path, ref = str(media[name].path), reference(name)
    ids = [0, 7, len(ref) - 1]
    cases = [
        dict(size=(64, 96)),
        dict(layout="CHW"),
        dict(dtype="float32", **IMAGENET),
        dict(size=(100, 50), layout="chw", dtype=np.float32, mean=0.5, std=0.25),
    ]
    for kw in cases:
        frames = decoder.DecodeN12ToRGB([path] * len(ids), ids, **kw)
        twin = dict(size=kw.get("size"), planar=kw.get("layout", "HWC").upper() == "CHW",
                    float32="float32" in str(kw.get("dtype", "")), mean=kw.get("mean", 0.0), std=kw.get("std", 1.0))
        twin["mean"] = (twin["mean"],) * 3 if np.isscalar(twin["mean"]) else twin["mean"]
        twin["std"] = (twin["std"],) * 3 if np.isscalar(twin["std"]) else twin["std"]
        for f, i in zip(frames, ids):
            assert f.frame_id == i and f.layout == ("CHW" if twin["planar"] else "HWC")
            assert f.dtype == (np.float32 if twin["float32"] else np.uint8)
            _assert_output(np.asarray(f), _expected(ref, path, i, **twin), f"{name} frame {i} {kw}")


def test_every_rgb_method_takes_options(decoder, media, reference):
    name = "hevc_gop30"
    path, ref = str(media[name].path), reference(name)
    kw = dict(size=(72, 88), layout="CHW", dtype="float32", **IMAGENET)
    twin = dict(size=(72, 88), planar=True, float32=True, **IMAGENET)
    ids = [3, 40]

    def check(frames, what, bgr=False):
        assert len(frames) == len(ids), what
        for f, i in zip(frames, ids):
            _assert_output(np.asarray(f), _expected(ref, path, i, bgr=bgr, **twin), f"{what} frame {i}")

    check(decoder.DecodeN12ToRGB([path, path], ids, as_bgr=True, **kw), "DecodeN12ToRGB bgr", bgr=True)
    bundle, _, _ = decoder.GetGOP([path, path], ids)
    check(decoder.DecodeFromGOPRGB(bundle, [path, path], ids, **kw), "DecodeFromGOPRGB")
    gops = decoder.GetGOPList([path, path], ids)
    check(decoder.DecodeFromGOPListRGB([g[0] for g in gops], [path, path], ids, **kw), "DecodeFromGOPListRGB")
    parsed = decoder.ParseSerializedPacketBundle(bundle)
    codecs, widths, heights = parsed[1], parsed[2], parsed[3]
    datas, sizes, idxs = parsed[7], parsed[9], parsed[10]
    packets = [np.split(np.asarray(d), np.cumsum(s)[:-1]) for d, s in zip(datas, sizes)]
    decoder.DecodeFromPacketListInitialize(codecs)
    check(decoder.DecodeFromPacketListRGB(packets, idxs, widths, heights, ids, **kw), "DecodeFromPacketListRGB")

    cached = odvd.CreateGopDecoder(maxfiles=2, iGpu=-1)
    check(cached.DecodeN12ToRGB([path, path], ids, **kw), "CachedGopDecoder.DecodeN12ToRGB")

    reader = odvd.PyNvSampleReader(num_of_set=1, num_of_file=2, iGpu=-1)
    check(reader.DecodeN12ToRGB([path, path], ids, **kw), "PyNvSampleReader.DecodeN12ToRGB")
    reader.DecodeN12ToRGBAsync([path, path], [ids[0] + 1, ids[1] + 1], **kw)
    with pytest.raises(RuntimeError, match="output options"):
        reader.DecodeN12ToRGBAsyncGetBuffer([path, path], [ids[0] + 1, ids[1] + 1], size=(72, 88))
    frames = reader.DecodeN12ToRGBAsyncGetBuffer([path, path], [ids[0] + 1, ids[1] + 1], size=[72, 88],
                                                 layout="chw", dtype=np.float32, **IMAGENET)
    for f, i in zip(frames, ids):
        _assert_output(np.asarray(f), _expected(ref, path, i + 1, **twin), f"async frame {i + 1}")


def test_stack(decoder, media, reference):
    a, b = "h264_gop30", "h264_odd_size"  # 176x144 and 318x178
    pa, pb = str(media[a].path), str(media[b].path)
    with pytest.raises(ValueError, match="stack=True needs one output shape"):
        decoder.DecodeN12ToRGB([pa, pb], [1, 2], stack=True)
    frames = decoder.DecodeN12ToRGB([pa, pb, pa], [1, 2, 50], stack=True, size=(60, 80), layout="CHW")
    assert len(frames) == 1
    batch = frames[0]
    assert batch.shape == (3, 3, 60, 80) and batch.frame_ids == [1, 2, 50] and batch.frame_id is None
    arr = np.asarray(batch)
    assert arr.flags.c_contiguous
    for k, (name, path, i) in enumerate([(a, pa, 1), (b, pb, 2), (a, pa, 50)]):
        assert_frames_equal(arr[k], _expected(reference(name), path, i, size=(60, 80), planar=True), f"stack[{k}]")
    same = decoder.DecodeN12ToRGB([pa, pa], [4, 5], stack=True)[0]
    assert same.shape == (2, 144, 176, 3) and same.timestamps == [f.pts for f in decoder.DecodeN12ToRGB([pa, pa], [4, 5])]


def test_stack_to_torch_without_copy(decoder, media):
    torch = pytest.importorskip("torch")
    path = str(media["h264_gop30"].path)
    batch = decoder.DecodeN12ToRGB([path] * 4, [0, 1, 2, 3], stack=True, layout="CHW", dtype="float32",
                                   size=(32, 48))[0]
    t = torch.from_dlpack(batch)
    assert t.shape == (4, 3, 32, 48) and t.dtype == torch.float32
    assert t.data_ptr() == np.asarray(batch).__array_interface__["data"][0] == batch.__array_interface__["data"][0]
    expected = t.clone()
    del batch, decoder
    gc.collect()
    for _ in range(5):  # memory of the next calls must not be the tensor's
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).DecodeN12ToRGB([path] * 4, [5, 6, 7, 8], stack=True,
                                                                 layout="CHW", dtype="float32", size=(32, 48))
    assert torch.equal(t, expected)


@pytest.mark.parametrize("kw,exc,match", [
    (dict(size=(0, 10)), ValueError, "height=0"),
    (dict(size=(10,)), TypeError, r"\(height, width\)"),
    (dict(size=(10, 2.5)), TypeError, "width must be an int"),
    (dict(size=(True, 4)), TypeError, "bool"),
    (dict(size=(20000, 4)), ValueError, "1..16384"),
    (dict(layout="NHWC"), ValueError, "layout"),
    (dict(dtype="float64"), ValueError, "dtype"),
    (dict(dtype=object()), TypeError, "dtype"),
    (dict(mean=0.5), ValueError, "float32"),
    (dict(dtype="float32", std=(1, 0, 1)), ValueError, "non-zero"),
    (dict(dtype="float32", mean=(1, 2)), ValueError, "3 values"),
    (dict(dtype="float32", mean=float("nan")), ValueError, "finite"),
    (dict(dtype="float32", std=1e-60), ValueError, "non-zero"),
    (dict(stack="yes"), TypeError, "stack"),
    (dict(resize=(3, 4)), TypeError, "resize"),
])
def test_bad_options(decoder, media, kw, exc, match):
    path = str(media["h264_gop30"].path)
    with pytest.raises(exc, match=match):
        decoder.DecodeN12ToRGB([path], [0], **kw)


def test_native_methods_take_no_options(decoder, media):
    path = str(media["h264_gop30"].path)
    with pytest.raises(TypeError):
        decoder.Decode([path], [0], size=(10, 10))
    with pytest.raises(ValueError, match="RGB / BGR output only"):
        decoder._engine.decode([path], [0], "native", _engine_options(size=(10, 10)))


def test_torch_dtype_accepted(decoder, media):
    torch = pytest.importorskip("torch")
    path = str(media["h264_gop30"].path)
    f = decoder.DecodeN12ToRGB([path], [0], dtype=torch.float32)[0]
    assert f.dtype == np.float32
    with pytest.raises(ValueError, match="dtype"):
        decoder.DecodeN12ToRGB([path], [0], dtype=torch.float16)
