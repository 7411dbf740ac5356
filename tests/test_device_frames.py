"""The CUDA-facing interfaces of GPU frames, checked without a GPU, and the GPU backend's error paths.

A host frame relabelled as GPU memory (``_engine._as_device_frame``, a test helper) has exactly the
interfaces a real GPU frame has: ``__cuda_array_interface__`` (version 3, CUDA Array Interface spec),
``__dlpack__`` on kDLCUDA (parsed here with ctypes as DLPack's struct layout), ``__dlpack_device__``,
no ``__array_interface__`` (NumPy must not read device memory). Its pointer is host memory, so nothing
here hands it to CUDA. With the stand-in driver libraries (tests/fake_driver.py), constructing the
GPU backend raises RuntimeError rather than crashing.
"""

import ctypes
import os
import subprocess
import sys

import numpy as np
import pytest

import fake_driver
import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int), ("device_id", ctypes.c_int)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8), ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice), ("ndim", ctypes.c_int), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)), ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


def _dltensor(capsule) -> _DLTensor:
    get = ctypes.pythonapi.PyCapsule_GetPointer
    get.restype, get.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    return _DLTensor.from_address(get(capsule, b"dltensor"))  # DLManagedTensor starts with its DLTensor


@pytest.fixture(scope="module")
def frames(media):
    path = str(media["hevc10_gop30"].path)
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    rgb = dec.DecodeN12ToRGB([path], [5])[0]
    native = dec.Decode([path], [5])[0]
    stack = dec.DecodeN12ToRGB([path, path], [1, 2], layout="CHW", dtype="float32", stack=True)[0]
    return rgb, native, stack


@pytest.mark.parametrize("which", [0, 1, 2])
def test_cuda_array_interface(frames, which):
    host = frames[which]
    gpu = _engine._as_device_frame(host, 1, 0xABC0)
    cai = gpu.__cuda_array_interface__
    ai = host.__array_interface__
    assert cai["version"] == 3 and cai["stream"] == 0xABC0
    assert cai["shape"] == ai["shape"] == np.asarray(host).shape
    assert cai["strides"] == ai["strides"] == np.asarray(host).strides
    assert cai["typestr"] == ai["typestr"] == np.asarray(host).dtype.str
    assert cai["data"] == (ai["data"][0], False)
    assert gpu.device == "cuda:1" and "cuda:1" in repr(gpu)
    assert gpu.__dlpack_device__() == (2, 1)  # kDLCUDA
    if which == 1:  # native: the seed's per-plane views (tests/test_plane_views.py)
        assert [plane.__cuda_array_interface__["stream"] for plane in gpu.cuda()] == [0xABC0, 0xABC0]
    else:
        assert gpu.cuda() is gpu
    with pytest.raises(TypeError, match="GPU memory.*torch.as_tensor"):
        np.asarray(gpu)
    with pytest.raises(AttributeError, match="host memory"):
        host.__cuda_array_interface__


def test_dlpack_capsule_describes_the_gpu_frame(frames):
    host = frames[2]  # (2, 3, H, W) float32 stack
    gpu = _engine._as_device_frame(host, 0, 7)
    for stream in (None, 7, 1):  # consumers pass their stream; the frame is complete already
        capsule = gpu.__dlpack__(stream=stream)  # owns the tensor while t is read
        t = _dltensor(capsule)
        arr = np.asarray(host)
        assert (t.device.device_type, t.device.device_id) == (2, 0)
        assert (t.dtype.code, t.dtype.bits, t.dtype.lanes) == (2, 32, 1)  # kDLFloat
        assert t.data == host.__array_interface__["data"][0] and t.ndim == 4
        assert [t.shape[i] for i in range(4)] == list(arr.shape)
        assert [t.strides[i] for i in range(4)] == [s // 4 for s in arr.strides]  # in elements
    with pytest.raises(TypeError, match="stream"):
        gpu.__dlpack__(stream="s")
    with pytest.raises(ValueError, match="stream=0 is ambiguous"):
        gpu.__dlpack__(stream=0)
    with pytest.raises(BufferError, match="dl_device"):
        gpu.__dlpack__(dl_device=(1, 0))
    with pytest.raises(BufferError, match="copy"):
        gpu.__dlpack__(copy=True)
    del capsule
    capsule = gpu.__dlpack__(dl_device=(2, 0), copy=False)
    assert _dltensor(capsule).device.device_type == 2
    capsule = _engine._as_device_frame(frames[1], 0, 0).__dlpack__()
    native = _dltensor(capsule)
    assert (native.dtype.code, native.dtype.bits) == (1, 16)  # P016: kDLUInt 16


def test_host_frame_interfaces_unchanged(frames):
    host = frames[0]
    assert host.device == "cpu" and host.__dlpack_device__() == (1, 0)
    assert host.cpu() is host
    with pytest.raises(ValueError, match="stream must be None"):
        host.__dlpack__(stream=5)


def _run_with_fake_driver(lib_dir, code, extra_env=None):
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib_dir), **(extra_env or {}))
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


_NO_REAL_DRIVER = not odvd.build_info()["runtime"]["driver_found"]


@pytest.mark.skipif(not _NO_REAL_DRIVER, reason="a real NVIDIA driver is installed here")
def test_gpu_backend_is_opt_in_until_validated(tmp_path):
    lib = fake_driver.build(tmp_path, one_device=True)
    code = ("import on_demand_video_decoder as m\n"
            "try:\n    m.PyNvGopDecoder(1, iGpu=0)\nexcept RuntimeError as e:\n    print('RuntimeError:', e)\n")
    r = _run_with_fake_driver(lib, code, {"ODVD_EXPERIMENTAL_NVDEC": "0"})
    assert r.returncode == 0, r.stderr
    if odvd.build_info()["compiled"]["cuda_kernels"]:
        assert "not yet been validated on a GPU" in r.stdout and "ODVD_EXPERIMENTAL_NVDEC=1" in r.stdout


@pytest.mark.skipif(not _NO_REAL_DRIVER, reason="a real NVIDIA driver is installed here")
@pytest.mark.parametrize("engine", ["_GopEngine", "_SampleReader"])
@pytest.mark.parametrize("gpu_backend", ["cuvid", "ffmpeg"])
@pytest.mark.parametrize("one_device", [False, True])
def test_gpu_engine_on_a_driver_without_a_usable_device_raises(tmp_path, one_device, gpu_backend, engine):
    """The stand-in driver answers CUDA_ERROR_NO_DEVICE to context calls: a RuntimeError, no crash,
    for both GPU backends and both engines."""
    lib = fake_driver.build(tmp_path, one_device=one_device)
    code = ("from on_demand_video_decoder import _engine\n"
            f"for device in (0, 3):\n"
            f"    try:\n        _engine.{engine}(1, device=device, gpu_backend='{gpu_backend}')\n"
            "    except RuntimeError as e:\n        print('RuntimeError:', e)\n")
    r = _run_with_fake_driver(lib, code)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("RuntimeError:") for line in lines), r.stdout
    if one_device:  # device 0 exists but its context calls fail; device 3 does not exist
        assert "CUDA_ERROR_NO_DEVICE" in lines[0] and "iGpu=3 is not a usable GPU" in lines[1]
    else:
        assert all("cuInit failed" in line for line in lines)


_GPU_BUILD = odvd.build_info()["compiled"]["cuda_kernels"]


@pytest.mark.skipif(not _NO_REAL_DRIVER, reason="a real NVIDIA driver is installed here")
@pytest.mark.skipif(not _GPU_BUILD, reason="this build has no CUDA kernels: GPU engines are refused earlier")
@pytest.mark.parametrize("gpu_backend", ["cuvid", "ffmpeg"])
def test_gpu_backends_report_nvdec_failures_as_runtime_errors(tmp_path, media, gpu_backend):
    """With a stand-in driver whose contexts, streams and modules work but whose NVDEC and device memory
    do not, each GPU backend gets as far as decoding (FFmpeg-NVDEC: its CUDA hardware device is set up
    over our context, libavcodec's hwaccel fails) and says so with a RuntimeError, never a crash or a
    silent fall back to the CPU; the engine stays usable for the next call."""
    lib = fake_driver.build(tmp_path, working_context=True)
    path = str(media["h264_gop30"].path)
    code = ("from on_demand_video_decoder import _engine\n"
            f"for make in (lambda: _engine._GopEngine(1, device=0, gpu_backend='{gpu_backend}'),\n"
            f"             lambda: _engine._SampleReader(1, device=0, gpu_backend='{gpu_backend}')):\n"
            "    e = make()\n"
            "    print('backend', e.backend, e.device)\n"
            "    for attempt in range(2):\n"
            "        try:\n"
            f"            e.decode([{path!r}], [3], 'rgb')\n"
            "            print('decoded: unexpected')\n"
            "        except RuntimeError as err:\n"
            "            print('RuntimeError:', err)\n")
    r = _run_with_fake_driver(lib, code)
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert lines.count(f"backend {gpu_backend} 0") == 2, r.stdout
    errors = [line for line in lines if line.startswith("RuntimeError:")]
    assert len(errors) == 4, r.stdout
    if gpu_backend == "cuvid":
        assert all("NVDEC context lock" in e and "CUDA_ERROR_NO_DEVICE" in e for e in errors), errors
    else:
        assert all("NVDEC through FFmpeg cannot decode this h264 stream" in e for e in errors), errors


def test_gpu_engine_without_driver_raises():
    if not _NO_REAL_DRIVER:
        pytest.skip("a real NVIDIA driver is installed here")
    with pytest.raises(RuntimeError, match="libcuda"):
        _engine._GopEngine(1, device=0)
