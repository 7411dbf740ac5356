"""Errors by meaning (docs/design.md "Errors"), frames that own their memory, GIL release, and the
zero-copy hand-off to NumPy / DLPack."""

import gc
import threading
import time

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal


@pytest.fixture()
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)


def test_missing_file(decoder, tmp_path):
    missing = str(tmp_path / "nope.mp4")
    for call in (decoder.Decode, decoder.DecodeN12ToRGB, decoder.GetGOP, decoder.GetGOPList):
        with pytest.raises(FileNotFoundError, match="nope.mp4"):
            call([missing], [0])


@pytest.mark.parametrize("name,match", [("not_video", "not a readable video"), ("audio_only", "no video stream")])
def test_unreadable_and_non_video_files(decoder, media, name, match):
    path = str(media[name].path)
    with pytest.raises(ValueError, match=match):
        decoder.Decode([path], [0])
    with pytest.raises(ValueError, match=match):
        decoder.GetGOP([path], [0])


def test_directory_is_not_a_video(decoder, tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        decoder.Decode([str(tmp_path)], [0])


def test_frame_id_out_of_range_names_file_id_and_count(decoder, media, reference):
    path = str(media["h264_gop30"].path)
    n = len(reference("h264_gop30"))
    for bad in (n, -1, 10 ** 9):
        with pytest.raises(IndexError, match=rf"frame_id={bad} out of range for .*h264_gop30.* \({n} frames"):
            decoder.Decode([path], [bad])
    with pytest.raises(IndexError, match=f"frame_id={n}"):
        decoder.GetGOP([path], [n])


def test_list_length_mismatch_and_bad_arguments(decoder, media):
    path = str(media["h264_gop30"].path)
    with pytest.raises(ValueError, match="differ in length"):
        decoder.Decode([path, path], [0])
    with pytest.raises(ValueError, match="empty"):
        decoder.DecodeN12ToRGB([], [])
    with pytest.raises(TypeError, match="list of paths"):
        decoder.Decode(path, [0])
    with pytest.raises(TypeError, match="integers"):
        decoder.Decode([path], [1.5])
    with pytest.raises(ValueError, match="fastStreamInfos"):
        decoder.GetGOP([path], [0], fastStreamInfos=[object(), object()])
    with pytest.raises(ValueError, match="maxfiles"):
        odvd.PyNvGopDecoder(maxfiles=0, iGpu=-1)
    with pytest.raises(ValueError, match="iGpu=-2"):
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=-2)


def test_gpu_request_without_gpu_is_a_runtime_error():
    if odvd.build_info()["runtime"]["gpu_decode_usable"]:
        pytest.skip("a GPU is usable here")
    with pytest.raises(RuntimeError, match="iGpu=0"):
        odvd.PyNvGopDecoder(maxfiles=1, iGpu=0)
    with pytest.warns(RuntimeWarning, match="CPU") if not _warned() else _nothing():
        d = odvd.PyNvGopDecoder(maxfiles=1)
    assert d.device == "cpu"


def _warned():
    from on_demand_video_decoder import _devices
    return _devices._warned_auto_cpu


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_failure_in_one_file_fails_the_batch_and_names_it(decoder, media, tmp_path):
    good = str(media["h264_gop30"].path)
    bad = str(media["not_video"].path)
    with pytest.raises(ValueError, match="not_video"):
        decoder.Decode([good, bad, good], [0, 0, 5])
    with pytest.raises(FileNotFoundError, match="gone.mp4"):
        decoder.DecodeN12ToRGB([good, str(tmp_path / "gone.mp4")], [0, 0])
    # The decoder is still usable afterwards.
    assert decoder.Decode([good], [3])[0].frame_id == 3


def test_truncated_file_serves_its_complete_frames_only(decoder, media, reference):
    path = str(media["h264_truncated"].path)
    full = reference("h264_gop30")
    frames = decoder.Decode([path], [0])
    assert_frames_equal(np.asarray(frames[0]), full.native(0), "truncated file, frame 0")
    with pytest.raises(IndexError, match=r"out of range for .*h264_truncated"):
        decoder.Decode([path], [89])


def test_frames_keep_their_pixels_after_later_calls_and_after_the_decoder_is_gone(media, reference):
    path = str(media["hevc_gop30_bf3"].path)
    ref = reference("hevc_gop30_bf3")
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    native = dec.Decode([path], [17])[0]
    rgb = dec.DecodeN12ToRGB([path], [17])[0]
    array_view = np.asarray(native)
    rgb_expected = np.asarray(rgb).copy()
    rng = np.random.default_rng(3)
    for _ in range(100):
        dec.Decode([path], [int(rng.integers(len(ref)))])
        dec.DecodeN12ToRGB([path], [int(rng.integers(len(ref)))])
    dec.release_device_memory()
    dec.release_decoder()
    del dec
    gc.collect()
    assert_frames_equal(np.asarray(native), ref.native(17), "after 100 calls and del decoder")
    assert_frames_equal(array_view, ref.native(17), "NumPy view")
    assert_frames_equal(np.asarray(rgb), rgb_expected, "RGB frame")
    # A NumPy view outlives the frame object it came from.
    del native
    gc.collect()
    assert_frames_equal(array_view, ref.native(17), "view after del frame")


def test_numpy_view_is_zero_copy_and_dlpack_works(decoder, media, reference):
    path = str(media["hevc10_gop30"].path)
    f = decoder.Decode([path], [5])[0]
    a = np.asarray(f)
    assert a.dtype == np.uint16 and f.format == "P016" and a.shape == f.shape
    assert a.ctypes.data == f.GetPtrToPlane(0)
    assert f.GetPtrToPlane(1) == f.GetPtrToPlane(0) + f.height * a.strides[0]
    b = np.from_dlpack(f)
    assert b.ctypes.data == a.ctypes.data and b.dtype == np.uint16
    assert_frames_equal(b, reference("hevc10_gop30").native(5), "DLPack view")
    assert f.__dlpack_device__() == (1, 0)
    assert [plane.data for plane in f.cuda()] == [f.GetPtrToPlane(0), f.GetPtrToPlane(1)]  # host views
    rgb = decoder.DecodeN12ToRGB([path], [5])[0]
    assert np.from_dlpack(rgb).shape == (rgb.height, rgb.width, 3)
    assert rgb.data.ctypes.data == rgb.dataptr


def test_torch_from_dlpack_shares_memory(decoder, media):
    torch = pytest.importorskip("torch")
    path = str(media["h264_gop30"].path)
    rgb = decoder.DecodeN12ToRGB([path], [7])[0]
    t = torch.from_dlpack(rgb)
    assert t.data_ptr() == rgb.dataptr and tuple(t.shape) == rgb.shape and t.dtype == torch.uint8
    del rgb
    gc.collect()
    assert int(t.sum()) > 0


def test_decode_releases_the_gil(media):
    """While one thread is inside a single long decode call, another Python thread keeps running:
    it records timestamps in the middle of the call, which it could not do if the call held the GIL."""
    clips = {"h264_gop250": 300, "hevc_gop30_bf3": 90, "av1_gop30": 90, "hevc10_gop30": 90, "vp9_gop30": 90}
    paths = [str(media[n].path) for n, k in clips.items() for _ in range(k)]
    ids = [i for k in clips.values() for i in range(k)]
    dec = odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)
    dec.Decode([str(media[n].path) for n in clips], [0] * len(clips))  # open + index first
    stamps = []
    stop = threading.Event()

    def tick():
        while not stop.is_set():
            stamps.append(time.perf_counter())
            time.sleep(0.001)

    ticker = threading.Thread(target=tick)
    ticker.start()
    time.sleep(0.01)
    t_enter = time.perf_counter()
    dec.DecodeN12ToRGB(paths, ids)
    t_exit = time.perf_counter()
    stop.set()
    ticker.join()
    assert t_exit - t_enter > 0.03, "the call must be long enough to tell"
    inside = [t for t in stamps if t_enter + 0.01 < t < t_exit - 0.01]
    assert len(inside) >= 3, f"no progress during a {t_exit - t_enter:.3f} s call: the GIL was held"


def test_release_methods_work_on_the_cpu_backend(decoder, media, reference):
    path = str(media["h264_gop30"].path)
    decoder.Decode([path], [1])
    assert decoder.release_decoder() is None
    assert decoder.release_device_memory() is None
    assert_frames_equal(np.asarray(decoder.Decode([path], [2])[0]), reference("h264_gop30").native(2), "after release")
