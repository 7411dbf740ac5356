"""DecodedFrameExt.cuda() and nvcv_image(), as the seed documents them: a list of CAIMemoryView
planes, Y then interleaved UV, sharing the frame's memory. A frame in host memory gives views with
the NumPy array interface, one in GPU memory (here a host frame relabelled by the test helper
``_engine._as_device_frame``) views with the CUDA array interface, so code that walks the planes runs
on both backends. The planes are checked against the ffmpeg CLI's reference frames."""

import gc

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine
from utils import assert_frames_equal

CASES = [("h264_gop30", 40, np.uint8), ("hevc10_gop30", 5, np.uint16), ("h264_odd_size", 31, np.uint8)]


def _split_reference(native: np.ndarray, width: int, height: int):
    """The reference frame's planes, cut with NumPy: Y (H, W, 1) and UV ((H+1)/2, cols/2, 2)."""
    cols = native.shape[1]
    y = native[:height, :width, None]
    uv = native[height:].reshape((height + 1) // 2, cols // 2, 2)
    return y, uv


@pytest.mark.parametrize("name,frame_id,dtype", CASES)
def test_host_frame_planes(media, reference, name, frame_id, dtype):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    frame = dec.Decode([str(media[name].path)], [frame_id])[0]
    ref = reference(name).native(frame_id)
    want_y, want_uv = _split_reference(ref, frame.width, frame.height)
    for planes in (frame.cuda(), frame.nvcv_image()):
        assert len(planes) == 2 and all(isinstance(p, odvd.CAIMemoryView) for p in planes)
        y, uv = (np.asarray(p) for p in planes)
        assert y.dtype == uv.dtype == dtype
        assert y.shape == (frame.height, frame.width, 1) and uv.shape == want_uv.shape
        item = np.dtype(dtype).itemsize
        assert planes[0].strides == (ref.shape[1] * item, item, item)
        assert planes[1].strides == (ref.shape[1] * item, 2 * item, item)
        assert_frames_equal(y, want_y, f"{name} Y plane")
        assert_frames_equal(uv, want_uv, f"{name} UV plane")
        # Views of the frame's own memory, where the seed's plane pointers say.
        assert [p.data for p in planes] == [frame.GetPtrToPlane(0), frame.GetPtrToPlane(1)]
        assert y.ctypes.data == frame.GetPtrToPlane(0)
        with pytest.raises(AttributeError, match="host memory"):
            planes[0].__cuda_array_interface__


def test_planes_keep_the_frame_alive(media, reference):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    frame = dec.Decode([str(media["h264_gop30"].path)], [40])[0]
    width, height, planes = frame.width, frame.height, frame.cuda()
    del frame, dec
    gc.collect()
    odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([str(media["hevc_gop30"].path)] * 4, [1, 2, 3, 4])  # reuse
    want_y, want_uv = _split_reference(reference("h264_gop30").native(40), width, height)
    assert_frames_equal(np.asarray(planes[0]), want_y, "Y after the frame and decoder are gone")
    assert_frames_equal(np.asarray(planes[1]), want_uv, "UV after the frame and decoder are gone")


def test_device_frame_planes_have_the_cuda_array_interface(media):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    host = dec.Decode([str(media["hevc10_gop30"].path)], [5])[0]
    gpu = _engine._as_device_frame(host, 0, 0x1234)
    for plane, host_plane in zip(gpu.cuda(), host.cuda()):
        cai = plane.__cuda_array_interface__
        ai = host_plane.__array_interface__
        assert cai["version"] == 3 and cai["stream"] == 0x1234 and cai["data"] == (host_plane.data, False)
        assert cai["shape"] == ai["shape"] == np.asarray(host_plane).shape
        assert cai["strides"] == ai["strides"] == np.asarray(host_plane).strides
        assert cai["typestr"] == ai["typestr"] == "<u2"
        assert plane.device == "cuda:0" and "cuda:0" in repr(plane)
        with pytest.raises(TypeError, match="GPU memory"):
            np.asarray(plane)


def test_rgb_frames_keep_their_own_cuda(media):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    path = str(media["h264_gop30"].path)
    with pytest.raises(RuntimeError, match="host memory"):
        dec.DecodeN12ToRGB([path], [3])[0].cuda()  # an RGB frame: one array, the frame itself on a GPU


def test_format_equals_its_name_and_accvlab_number(media):
    """The seed's code compares format with names, accvlab's newer tests with its numbers (NV12 3,
    P016 5): both hold, str() is the name, int() the number."""
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    nv12 = dec.Decode([str(media["h264_gop30"].path)], [1])[0].format
    p016 = dec.Decode([str(media["hevc10_gop30"].path)], [1])[0].format
    assert nv12 == "NV12" and nv12 == 3 and nv12 != "P016" and nv12 != 5 and nv12 != True  # noqa: E712
    assert p016 == "P016" and p016 == 5 and int(p016) == 5 and str(p016) == "P016" and p016.name == "P016"
    assert nv12 != p016 and nv12 == dec.Decode([str(media["h264_gop30_bf3"].path)], [2])[0].format
    assert {nv12: "8-bit"}["NV12"] == "8-bit"  # hashes as its name
    assert f"{nv12}" == "NV12" and repr(p016) == "PixelFormat.P016"


@pytest.mark.parametrize("name,frame_id,dtype", CASES)
def test_host_planes_hand_over_through_dlpack(media, reference, name, frame_id, dtype):
    """accvlab code writes ``torch.as_tensor(plane)``: a host plane gives DLPack (CPU device), the
    tensor shares the plane's memory and equals the reference frame's plane."""
    torch = pytest.importorskip("torch")
    frame = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([str(media[name].path)], [frame_id])[0]
    want_y, want_uv = _split_reference(reference(name).native(frame_id), frame.width, frame.height)
    y, uv = frame.cuda()
    assert y.__dlpack_device__() == (1, 0)  # kDLCPU
    ty, tuv = torch.from_dlpack(y), torch.as_tensor(uv)
    assert ty.device.type == "cpu" and ty.data_ptr() == frame.GetPtrToPlane(0)
    assert tuv.data_ptr() == frame.GetPtrToPlane(1)
    assert ty.numpy().dtype == tuv.numpy().dtype == dtype
    assert_frames_equal(ty.numpy(), want_y, f"{name} Y through DLPack")
    assert_frames_equal(tuv.numpy(), want_uv, f"{name} UV through DLPack")
