"""accvlab's asynchronous protocol (PyNvSampleReader.DecodeN12ToRGBAsync / ...GetBuffer and the 2-D
batch reader's Decode / GetBuffer), as code written for accvlab relies on it: its error messages, a
synchronous call that waits for a pending request and discards it, empty requests, and the readers
staying usable. Frames are checked against a fresh decoder's (itself checked against the ffmpeg CLI
in tests/test_sample_reader.py) and the native planes against the ffmpeg CLI directly."""

import warnings

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal

CLIPS = ("h264_gop30", "hevc_gop30", "h264_gop30_bf3")


@pytest.fixture()
def paths(media):
    return [str(media[name].path) for name in CLIPS]


def _reader():
    return odvd.CreateSampleReader(num_of_set=1, num_of_file=len(CLIPS), iGpu=-1)


def _expected_rgb(paths, ids, as_bgr=False):
    return [np.asarray(f) for f in odvd.PyNvGopDecoder(maxfiles=3, iGpu=-1).DecodeN12ToRGB(paths, ids, as_bgr)]


def _assert_rgb(frames, paths, ids, as_bgr=False):
    assert len(frames) == len(ids)
    for got, want, p, i in zip(frames, _expected_rgb(paths, ids, as_bgr), paths, ids):
        assert_frames_equal(np.asarray(got), want, f"{p} frame {i}")


def test_get_buffer_with_nothing_pending(paths):
    r = _reader()
    with pytest.raises(RuntimeError, match="No pending decode task"):
        r.DecodeN12ToRGBAsyncGetBuffer(paths, [0, 0, 0], False)
    r.DecodeN12ToRGBAsync(paths, [1, 2, 3], False)
    _assert_rgb(r.DecodeN12ToRGBAsyncGetBuffer(paths, [1, 2, 3], False), paths, [1, 2, 3])
    with pytest.raises(RuntimeError, match="No pending decode task"):  # collected once only
        r.DecodeN12ToRGBAsyncGetBuffer(paths, [1, 2, 3], False)


@pytest.mark.parametrize("change", ["path", "frame_id", "as_bgr", "longer_ids", "shorter_paths"])
def test_mismatched_get_buffer_names_the_difference_and_keeps_the_request(paths, change):
    r = _reader()
    ids = [5, 40, 61]
    r.DecodeN12ToRGBAsync(paths, ids, False)
    wrong = {
        "path": (["elsewhere.mp4"] + paths[1:], ids, False),
        "frame_id": (paths, [5, 41, 61], False),
        "as_bgr": (paths, ids, True),
        "longer_ids": (paths, ids + [0], False),
        "shorter_paths": (paths[:2], ids, False),
    }[change]
    with pytest.raises(RuntimeError, match="Request parameters do not match"):
        r.DecodeN12ToRGBAsyncGetBuffer(*wrong)
    _assert_rgb(r.DecodeN12ToRGBAsyncGetBuffer(paths, ids, False), paths, ids)  # still pending


def test_a_sync_call_waits_for_the_pending_request_and_discards_it(paths, media, reference):
    r = _reader()
    r.DecodeN12ToRGBAsync(paths, [0, 0, 0], False)
    with pytest.warns(RuntimeWarning, match="never collected"):
        native = r.Decode(paths, [7, 8, 9])
    for frame, name, i in zip(native, CLIPS, (7, 8, 9)):
        assert_frames_equal(np.asarray(frame), reference(name).native(i), f"{name} frame {i}")
    with pytest.raises(RuntimeError, match="No pending decode task"):
        r.DecodeN12ToRGBAsyncGetBuffer(paths, [0, 0, 0], False)
    r.DecodeN12ToRGBAsync(paths, [10, 11, 12], True)
    with pytest.warns(RuntimeWarning, match="never collected"):
        _assert_rgb(r.DecodeN12ToRGB(paths, [13, 14, 15], True), paths, [13, 14, 15], True)


def test_empty_requests_return_empty_lists(paths):
    r = _reader()
    assert r.Decode([], []) == [] and r.DecodeN12ToRGB([], [], False) == []
    r.DecodeN12ToRGBAsync([], [], False)
    assert r.DecodeN12ToRGBAsyncGetBuffer([], [], False) == []
    r.DecodeN12ToRGBAsync([], [], False)
    with pytest.raises(RuntimeError, match="Request parameters do not match"):  # an empty request is one too
        r.DecodeN12ToRGBAsyncGetBuffer(paths, [0, 0, 0], False)


def test_clear_all_readers_waits_and_the_reader_stays_usable(paths):
    r = _reader()
    r.DecodeN12ToRGBAsync(paths, [20, 21, 22], False)
    r.clearAllReaders()  # waits for the request being decoded; its frames can still be collected
    _assert_rgb(r.DecodeN12ToRGBAsyncGetBuffer(paths, [20, 21, 22], False), paths, [20, 21, 22])
    r.DecodeN12ToRGBAsync(paths, [3, 2, 1], False)
    _assert_rgb(r.DecodeN12ToRGBAsyncGetBuffer(paths, [3, 2, 1], False), paths, [3, 2, 1])


def test_batch_reader_messages_carry_accvlabs_words(paths):
    b = odvd.CreateBatchAsyncStreamReader(num_of_set=1, num_of_file=3, max_frames_per_decode_call=2, iGpu=-1)
    with pytest.raises(RuntimeError, match=r"filepaths\.size\(\) \(3\) must equal frame_ids_2d\.size\(\) \(1\)"):
        b.Decode(paths, [[0]], False)
    with pytest.raises(RuntimeError, match=r"frame_ids_2d\[0\] must not be empty"):
        b.Decode(paths, [[], [], []], False)
    with pytest.raises(RuntimeError, match="No pending decode task"):
        b.GetBuffer(paths, [[0], [0], [0]], False)
    rows = [[4, 5], [6, 7], [8, 9]]
    b.Decode(paths, rows, False)
    with pytest.raises(RuntimeError, match="Request parameters do not match buffered result"):
        b.GetBuffer(paths, [[4, 5], [6, 7], [8, 10]], False)
    got = b.GetBuffer(paths, rows, False)
    flat = [f for row in got for f in row]
    _assert_rgb(flat, [p for p in paths for _ in range(2)], [i for row in rows for i in row])


def test_no_warning_when_nothing_is_discarded(paths):
    r = _reader()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r.DecodeN12ToRGBAsync(paths, [1, 1, 1], False)
        r.DecodeN12ToRGBAsyncGetBuffer(paths, [1, 1, 1], False)
        r.DecodeN12ToRGB(paths, [2, 2, 2], False)


def test_two_concurrent_get_buffers_share_no_result(paths):
    """accvlab's contract: of two threads collecting one pending request, one gets the frames and the
    other a RuntimeError saying the result is gone; neither hangs."""
    import threading

    for _ in range(5):  # the race, several times
        r = _reader()
        barrier, results, errors = threading.Barrier(3), [], []

        def collect():
            barrier.wait()
            try:
                results.append(r.DecodeN12ToRGBAsyncGetBuffer(paths, [3, 4, 5], False))
            except RuntimeError as e:
                errors.append(str(e))

        threads = [threading.Thread(target=collect, daemon=True) for _ in range(2)]
        for t in threads:
            t.start()
        r.DecodeN12ToRGBAsync(paths, [3, 4, 5], False)
        barrier.wait()
        for t in threads:
            t.join(30)
        assert not any(t.is_alive() for t in threads), "a GetBuffer hung"
        assert len(results) == 1 and len(errors) == 1, (len(results), errors)
        assert "already consumed" in errors[0]
        _assert_rgb(results[0], paths, [3, 4, 5])


def test_batch_gop_decoder_refuses_rows_and_bundles_in_accvlabs_words(media, reference):
    path = str(media["hevc_gop30"].path)
    dec = odvd.CreateGopDecoder(maxfiles=2, iGpu=-1)
    bundle = dec.GetGOPList([path], [40], useGOPCache=False)[0][0]  # frames 30..59
    b = odvd.CreateBatchAsyncGopDecoder(maxfiles=2, max_frames_per_decode_call=2, iGpu=-1)
    with pytest.raises(RuntimeError, match=r"frame_ids_2d outer length"):
        b.DecodeFromGOPListRGB([[bundle]], [path], [[40], [41]], False)
    b.DecodeFromGOPListRGB([[bundle]], [path], [[3]], False)  # frame 3 is in no bundle given
    with pytest.raises(RuntimeError, match="none of the 1 GOPs") as caught:
        b.DecodeFromGOPListRGBGetBuffer([path], [[3]], False)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, odvd.FrameNotInBundleError)
    b.DecodeFromGOPList([[bundle]], [path], [[40, 59]])  # the decoder goes on
    frames = b.DecodeFromGOPListGetBuffer([path], [[40, 59]])[0]
    for got, i in zip(frames, [40, 59]):
        assert_frames_equal(np.asarray(got), reference("hevc_gop30").native(i), f"frame {i} after the refused request")
