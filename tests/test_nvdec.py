"""The NVDEC backend against the CPU backend, on a GPU (needs_cuda; run with ODVD_REQUIRE_CUDA=1 on a
GPU machine, docs/validation/gpu.md). These are the "Done when" checks of the NVDEC issue:

- native planes byte-identical to the CPU backend for 8-bit H.264 and HEVC and 10-bit HEVC (the CPU
  backend's planes are themselves checked against the ffmpeg CLI in test_gop_decode.py);
- RGB byte-identical; resized / CHW / float32 outputs identical (the kernel runs the CPU's per-pixel
  code, convert/resize_convert.h);
- frames intact after 100 further calls and after the decoder is deleted;
- 1000 random-access iterations leave GPU memory flat;
- four Python threads decoding at once get correct frames;
- torch.as_tensor(frame, device="cuda") and torch.from_dlpack take frames without a copy.

None of this has run yet: no GPU was lent to the sessions that wrote it.
"""

import gc
import random
import threading

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal

pytestmark = pytest.mark.needs_cuda

CLIPS = ["h264_gop30_bf3", "hevc_gop30", "hevc10_gop30", "hevc_open_gop", "h264_odd_size"]


@pytest.fixture(autouse=True)
def _nvdec_enabled(monkeypatch):
    monkeypatch.setenv("ODVD_EXPERIMENTAL_NVDEC", "1")


@pytest.fixture
def gpu():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=0)


@pytest.fixture(scope="module")
def cpu():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)


def _host(frame):
    assert frame.device == "cuda:0"
    return np.asarray(frame.cpu())


def _ids(n):
    return [0, 1, 7, 29, 30, 31, 45, n - 1]


@pytest.mark.parametrize("name", CLIPS)
def test_native_planes_match_cpu(gpu, cpu, media, reference, name):
    path = str(media[name].path)
    ids = _ids(len(reference(name)))
    g, c = gpu.Decode([path] * len(ids), ids), cpu.Decode([path] * len(ids), ids)
    for fg, fc, i in zip(g, c, ids):
        assert fg.frame_id == fc.frame_id == i and fg.pts == fc.pts
        a, b = _host(fg), np.asarray(fc)
        h, w = fc.height, fc.width
        # The odd-width padding column is the surface's, not a repeated sample: compare the picture.
        assert_frames_equal(a[:h, :w], b[:h, :w], f"{name} luma frame {i}")
        assert_frames_equal(a[h:, : 2 * ((w + 1) // 2)], b[h:, : 2 * ((w + 1) // 2)], f"{name} chroma frame {i}")


@pytest.mark.parametrize("name", CLIPS)
def test_rgb_and_options_match_cpu(gpu, cpu, media, reference, name):
    path = str(media[name].path)
    ids = _ids(len(reference(name)))
    for kw in [{}, dict(as_bgr=True), dict(size=(100, 60)), dict(layout="CHW", dtype="float32", mean=0.5, std=0.2),
               dict(size=(224, 224), stack=True)]:
        g = gpu.DecodeN12ToRGB([path] * len(ids), ids, **kw)
        c = cpu.DecodeN12ToRGB([path] * len(ids), ids, **kw)
        assert len(g) == len(c)
        for fg, fc in zip(g, c):
            assert_frames_equal(_host(fg), np.asarray(fc), f"{name} {kw}")


def test_frames_outlive_calls_and_decoder(media, reference):
    path = str(media["hevc_gop30"].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=0)
    kept = dec.DecodeN12ToRGB([path, path], [3, 50])
    copies = [_host(f) for f in kept]
    rng = random.Random(0)
    for _ in range(100):
        dec.DecodeN12ToRGB([path, path], [rng.randrange(90), rng.randrange(90)])
    for f, c in zip(kept, copies):
        assert_frames_equal(_host(f), c, "after 100 calls")
    del dec
    gc.collect()
    for f, c in zip(kept, copies):
        assert_frames_equal(_host(f), c, "after the decoder was deleted")


def test_random_access_memory_is_flat(media):
    torch = pytest.importorskip("torch")
    path = str(media["hevc_gop30"].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=0)
    rng = random.Random(1)

    def step():
        frames = dec.DecodeN12ToRGB([path] * 4, [rng.randrange(90) for _ in range(4)])
        torch.as_tensor(frames[0], device="cuda").sum().item()

    for _ in range(50):  # pools and sessions reach their steady state
        step()
    torch.cuda.synchronize()
    free_before, _ = torch.cuda.mem_get_info()
    for _ in range(1000):
        step()
    torch.cuda.synchronize()
    free_after, _ = torch.cuda.mem_get_info()
    assert free_before - free_after < 16 << 20, f"{(free_before - free_after) / 2**20:.1f} MiB more in use"


def test_four_threads(media, reference, cpu):
    names = ["h264_gop30_bf3", "hevc_gop30", "hevc10_gop30", "hevc_open_gop"]
    dec = odvd.PyNvGopDecoder(maxfiles=8, iGpu=0)
    errors = []

    def work(k):
        try:
            rng = random.Random(k)
            for _ in range(20):
                name = names[rng.randrange(len(names))]
                path = str(media[name].path)
                ids = [rng.randrange(len(reference(name))) for _ in range(3)]
                got = dec.DecodeN12ToRGB([path] * 3, ids)
                want = cpu.DecodeN12ToRGB([path] * 3, ids)
                for g, w in zip(got, want):
                    assert_frames_equal(_host(g), np.asarray(w), f"thread {k} {name}")
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_torch_takes_gpu_frames_without_copy(gpu, media):
    torch = pytest.importorskip("torch")
    path = str(media["hevc_gop30"].path)
    f = gpu.DecodeN12ToRGB([path], [10], layout="CHW", dtype="float32")[0]
    ptr = f.__cuda_array_interface__["data"][0]
    a = torch.as_tensor(f, device="cuda")
    b = torch.from_dlpack(f)
    assert a.data_ptr() == b.data_ptr() == ptr and a.shape == (3, 144, 176)
    assert torch.equal(a.cpu(), torch.from_numpy(np.asarray(f.cpu())))
