"""The GPU backends against the CPU backend, on a GPU (needs_cuda; run with ODVD_REQUIRE_CUDA=1 on a
GPU machine: scripts/gpu/check.sh). Every test runs for both ways to NVDEC, cuvid (NVIDIA's parser
and decoder) and ffmpeg (libavcodec's nvdec hwaccel), so together they show cuvid == FFmpeg-NVDEC ==
CPU. The checks of the "First GPU run" issue:

- native planes byte-identical to the CPU backend for 8-bit H.264 with B-frames, HEVC, 10-bit HEVC,
  open GOP, odd size, VP9 and AV1 (the CPU backend's planes are themselves checked against the ffmpeg
  CLI in test_gop_decode.py), from files and from bundles;
- RGB and every output option byte-identical (the kernels run the CPU's per-pixel code);
- frames intact after 100 further calls and after the decoder is deleted;
- 1000 random-access iterations leave GPU memory flat;
- four Python threads decoding at once get correct frames;
- torch takes frames without a copy through both protocols (CUDA array interface, DLPack), and a
  block a consumer's queued work still reads is not handed out again (stream-ordered reuse);
- PyNvSampleReader on the GPU equal to the CPU, reading forward and jumping;
- a bundle entry whose header declares another size or bit depth than its bitstream decodes to is a
  ValueError on the GPU as on the CPU (each backend reports the size and depth it decoded).

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

CLIPS = ["h264_gop30_bf3", "hevc_gop30", "hevc10_gop30", "hevc_open_gop", "h264_odd_size", "vp9_gop30", "av1_gop30"]
BACKENDS = ["cuvid", "ffmpeg"]


@pytest.fixture(autouse=True)
def _nvdec_enabled(monkeypatch):
    monkeypatch.setenv("ODVD_EXPERIMENTAL_NVDEC", "1")


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


@pytest.fixture
def gpu(backend):
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=0, gpu_backend=backend)


@pytest.fixture(scope="module")
def cpu():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)


def _host(frame):
    assert frame.device == "cuda:0"
    return np.asarray(frame.cpu())


def _ids(n):
    return [0, 1, 7, 29, 30, 31, 45, n - 1]


@pytest.mark.parametrize("name", CLIPS)
def test_native_planes_match_cpu(gpu, cpu, backend, media, reference, name):
    assert gpu.backend == backend and gpu.device == "cuda:0"
    path = str(media[name].path)
    ids = _ids(len(reference(name)))
    g, c = gpu.Decode([path] * len(ids), ids), cpu.Decode([path] * len(ids), ids)
    for fg, fc, i in zip(g, c, ids):
        assert fg.frame_id == fc.frame_id == i and fg.pts == fc.pts
        assert (fg.format, fg.bit_depth, fg.color_matrix, fg.color_range) == (
            fc.format, fc.bit_depth, fc.color_matrix, fc.color_range)
        # The whole array: an odd width's padding column repeats the last sample on both backends.
        assert_frames_equal(_host(fg), np.asarray(fc), f"{backend} {name} frame {i}")


@pytest.mark.parametrize("name", ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30"])
def test_bundles_decode_on_the_gpu(gpu, cpu, backend, media, reference, name):
    path = str(media[name].path)
    ids = [3, 31, len(reference(name)) - 1]
    bundle, _, _ = cpu.GetGOP([path] * len(ids), ids)
    g = gpu.DecodeFromGOPRGB(bundle, [path] * len(ids), ids)
    c = cpu.DecodeFromGOPRGB(bundle, [path] * len(ids), ids)
    for fg, fc in zip(g, c):
        assert_frames_equal(_host(fg), np.asarray(fc), f"{backend} {name} bundle")


@pytest.mark.parametrize("name", CLIPS)
def test_rgb_and_options_match_cpu(gpu, cpu, backend, media, reference, name):
    path = str(media[name].path)
    ids = _ids(len(reference(name)))
    for kw in [{}, dict(as_bgr=True), dict(size=(100, 60)), dict(layout="CHW", dtype="float32", mean=0.5, std=0.2),
               dict(size=(224, 224), stack=True), dict(chroma_upsampling="bilinear"),
               dict(chroma_upsampling="bilinear", size=(90, 130), layout="CHW")]:
        g = gpu.DecodeN12ToRGB([path] * len(ids), ids, **kw)
        c = cpu.DecodeN12ToRGB([path] * len(ids), ids, **kw)
        assert len(g) == len(c)
        for fg, fc in zip(g, c):
            assert_frames_equal(_host(fg), np.asarray(fc), f"{backend} {name} {kw}")


def test_frames_outlive_calls_and_decoder(backend, media):
    path = str(media["hevc_gop30"].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=0, gpu_backend=backend)
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


def test_random_access_memory_is_flat(backend, media):
    torch = pytest.importorskip("torch")
    path = str(media["hevc_gop30"].path)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=0, gpu_backend=backend)
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


def test_four_threads(backend, media, reference, cpu):
    names = ["h264_gop30_bf3", "hevc_gop30", "hevc10_gop30", "hevc_open_gop"]
    dec = odvd.PyNvGopDecoder(maxfiles=8, iGpu=0, gpu_backend=backend)
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
    want = torch.from_numpy(np.asarray(f.cpu()))
    del f
    gc.collect()
    assert torch.equal(a.cpu(), want) and torch.equal(b.cpu(), want)  # the tensors keep the pixels alive


def test_a_block_read_by_a_consumer_stream_is_not_reused_early(gpu, media):
    """A frame handed to torch on a side stream, whose queued work still reads it when the frame and
    the tensor die: its block must not back the next frame until that work has finished."""
    torch = pytest.importorskip("torch")
    path = str(media["hevc_gop30"].path)
    first = gpu.DecodeN12ToRGB([path], [5])[0]
    ptr = first.__cuda_array_interface__["data"][0]
    side = torch.cuda.Stream()
    with torch.cuda.stream(side):
        t = torch.from_dlpack(first)  # __dlpack__(stream=side)
        torch.cuda._sleep(2_000_000_000)  # about a second of queued work before the read
        total = t.float().sum()
    del t, first
    gc.collect()
    assert not side.query(), "the side stream finished too early for this test to mean anything"
    second = gpu.DecodeN12ToRGB([path], [6])[0]
    assert second.__cuda_array_interface__["data"][0] != ptr, "the block was reused under queued work"
    side.synchronize()
    assert total.item() > 0
    del second
    gc.collect()
    third = gpu.DecodeN12ToRGB([path], [7])[0]  # its fence has passed: back in use
    assert third.__cuda_array_interface__["data"][0] == ptr


@pytest.mark.parametrize("name", ["h264_gop30_bf3", "hevc10_gop30", "vp9_gop30"])
def test_sample_reader_on_the_gpu_matches_the_cpu(backend, media, reference, name):
    path = str(media[name].path)
    n = len(reference(name))
    walk = list(range(40)) + [35, 70, n - 1, 2]  # forward, then back, ahead, to the end, back again
    gpu = odvd.CreateSampleReader(1, 1, iGpu=0, gpu_backend=backend)
    cpu = odvd.CreateSampleReader(1, 1, iGpu=-1)
    assert gpu.backend == backend and gpu.device == "cuda:0"
    for i in walk:
        g, c = gpu.DecodeN12ToRGB([path], [i])[0], cpu.DecodeN12ToRGB([path], [i])[0]
        assert g.frame_id == c.frame_id == i
        assert_frames_equal(_host(g), np.asarray(c), f"{backend} {name} frame {i}")
    g = gpu.Decode([path], [n - 2])[0]
    assert_frames_equal(_host(g), np.asarray(cpu.Decode([path], [n - 2])[0]), f"{backend} {name} native")
    assert gpu.stats["seeks"] == cpu.stats["seeks"]


@pytest.mark.parametrize("name,width,height,depth", [("h264_gop30", 160, 128, 8), ("h264_gop30", 176, 144, 10),
                                                     ("hevc10_gop30", 176, 144, 8)])
def test_a_bundle_entry_declaring_another_size_or_depth_is_refused(gpu, cpu, backend, media, name, width, height,
                                                                   depth):
    from bundle_twin import set_entry_sizes, with_crc

    path = str(media[name].path)
    data, _, _ = cpu.GetGOP([path], [40])
    buf = bytearray(data.tobytes())
    block = 16 if name.startswith("h264") else 8
    set_entry_sizes(buf, 0, width, height, -(-width // block) * block, -(-height // block) * block, depth)
    lie = with_crc(buf)
    for call in (gpu.DecodeFromGOP, gpu.DecodeFromGOPRGB):
        with pytest.raises(ValueError, match=f"declares {width}x{height} {depth}-bit but its bitstream decodes to"):
            call(lie, [path], [40])


@pytest.mark.parametrize("name", ["hevc10_gop30", "h264_odd_size"])
def test_plane_views_on_the_gpu_match_the_cpu(gpu, cpu, backend, media, name):
    torch = pytest.importorskip("torch")
    path = str(media[name].path)
    (bundle, _, _), = cpu.GetGOPList([path], [33])
    g, c = gpu.DecodeFromGOPList([bundle], [path], [33])[0], cpu.DecodeFromGOPList([bundle], [path], [33])[0]
    for plane_g, plane_c in zip(g.cuda(), c.cuda()):
        assert plane_g.shape == plane_c.shape and plane_g.strides == plane_c.strides
        t = torch.as_tensor(plane_g, device="cuda")  # through __cuda_array_interface__, no copy
        assert t.data_ptr() == plane_g.data
        assert_frames_equal(t.cpu().numpy(), np.asarray(plane_c), f"{backend} {name} plane")
