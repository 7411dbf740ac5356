"""PyNvSampleReader: forward reading with decoders kept between calls, against the ffmpeg CLI
reference, with the work counted (packets fed, pictures decoded, restarts)."""

import warnings

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from color_reference import native_to_rgb
from gop_cases import color_spec
from utils import assert_frames_equal

# B-frames (H.264, HEVC), open GOP with leading pictures, AV1, VP9, Matroska, 10-bit.
STREAM_CLIPS = ["h264_gop30_bf3", "hevc_gop30_bf3", "hevc_open_gop", "av1_gop30", "vp9_gop30", "h264_gop250",
                "hevc10_gop30"]


def reader(num_of_set=1, num_of_file=4):
    return odvd.CreateSampleReader(num_of_set, num_of_file, iGpu=-1)


@pytest.mark.parametrize("name", STREAM_CLIPS)
def test_stream_access_decodes_every_frame_once(media, reference, name):
    path, ref = str(media[name].path), reference(name)
    r = reader()
    for i in range(len(ref)):
        (f,) = r.Decode([path], [i])
        assert f.frame_id == i
        assert_frames_equal(np.asarray(f), ref.native(i), f"{name} frame {i}")
    assert r.stats == {"packets_fed": len(ref), "frames_decoded": len(ref), "seeks": 1}


def test_forward_jumps_inside_a_gop_do_not_seek(media, reference):
    name = "h264_gop30_bf3"
    path, ref = str(media[name].path), reference(name)
    r = reader()
    ids = [0, 3, 11, 29, 30, 47]  # jumps inside the first GOP, then into and inside the second
    for i in ids:
        assert_frames_equal(np.asarray(r.Decode([path], [i])[0]), ref.native(i), f"frame {i}")
    assert r.stats["seeks"] == 1
    assert r.stats["packets_fed"] <= 48  # nothing past what frame 47 needs, give or take reordering
    # Past the start of a later GOP: starting over at its key frame is cheaper than decoding through.
    assert_frames_equal(np.asarray(r.Decode([path], [75])[0]), ref.native(75), "frame 75")
    assert r.stats["seeks"] == 2
    # Backwards: starts over too, and still gives the right frame.
    assert_frames_equal(np.asarray(r.Decode([path], [5])[0]), ref.native(5), "frame 5")
    assert r.stats["seeks"] == 3


def test_cycling_through_sets_keeps_each_clip_going(media, reference):
    # num_of_set=2 sets of num_of_file=3 clips, visited in turn (the seed's note on num_of_set): every
    # clip keeps its reader, so each starts once and is then only continued.
    names = ["h264_gop30", "hevc_gop30", "h264_gop12", "hevc_gop30_bf3", "h264_gop30_bf3", "av1_gop30"]
    paths = [str(media[n].path) for n in names]
    r = reader(num_of_set=2, num_of_file=3)
    steps = 12
    for step in range(steps):
        batch = paths[:3] if step % 2 == 0 else paths[3:]
        frames = r.DecodeN12ToRGB(batch, [step // 2] * 3)
        assert [f.frame_id for f in frames] == [step // 2] * 3
    assert r.stats["seeks"] == 6
    # 6 frames of each clip: 36 packets, plus what the two B-frame clips feed ahead for reordering
    # (restarting at the key frame for each request would feed 1 + 2 + ... + 6 = 21 per clip).
    assert 36 <= r.stats["packets_fed"] <= 36 + 2 * 4


def test_readers_beyond_capacity_are_dropped_least_recent_first(media):
    paths = [str(media[n].path) for n in ("h264_gop30", "hevc_gop30", "h264_gop12")]
    r = reader(num_of_set=1, num_of_file=2)
    r.Decode(paths[:2], [0, 0])
    r.Decode(paths[2:], [0])            # evicts paths[0], the least recently used
    r.Decode(paths[1:2], [1])           # still there: continues
    assert r.stats["seeks"] == 3
    r.Decode(paths[:1], [1])            # was evicted: opened again
    assert r.stats["seeks"] == 4


def test_rgb_matches_the_numpy_formulas(media, reference):
    name = "h264_bt601_full"  # full-range BT.601: not the default conversion
    path, ref = str(media[name].path), reference(name)
    matrix, rng = color_spec(media[name].path, ref.height)
    r = reader()
    for bgr in (False, True):
        for i in (0, 1, 2, 40):
            (f,) = r.DecodeN12ToRGB([path], [i], as_bgr=bgr)
            assert f.isBGR == bgr
            assert_frames_equal(np.asarray(f), native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng, bgr=bgr),
                                f"frame {i} bgr={bgr}")


def test_repeats_and_the_end_of_the_file(media, reference):
    name = "hevc_gop30_bf3"
    path, ref = str(media[name].path), reference(name)
    last = len(ref) - 1
    r = reader()
    frames = r.Decode([path, path, path], [last - 2, last - 2, last])
    for f, i in zip(frames, [last - 2, last - 2, last]):
        assert_frames_equal(np.asarray(f), ref.native(i), f"frame {i}")
    assert np.asarray(frames[0]).__array_interface__["data"][0] != np.asarray(frames[1]).__array_interface__["data"][0]
    # After the drain at the end of the file: the frames put out then are still served, in order.
    (f,) = r.Decode([path], [last])
    assert_frames_equal(np.asarray(f), ref.native(last), "last frame again")
    assert_frames_equal(np.asarray(r.Decode([path], [0])[0]), ref.native(0), "back to the start")


def test_errors(media, tmp_path):
    path = str(media["h264_gop30"].path)
    r = reader()
    with pytest.raises(FileNotFoundError):
        r.Decode([str(tmp_path / "missing.mp4")], [0])
    with pytest.raises(IndexError, match=r"h264_gop30.*90"):
        r.Decode([path], [90])
    with pytest.raises(ValueError, match="differ in length"):
        r.Decode([path, path], [0])
    with pytest.raises(ValueError, match="num_of_set"):
        odvd.CreateSampleReader(0, 1, iGpu=-1)
    assert r.Decode([path], [89])[0].frame_id == 89  # usable after the errors


def test_release_and_clear(media, reference):
    name = "h264_gop30"
    path, ref = str(media[name].path), reference(name)
    r = reader()
    r.Decode([path], [10])
    for release in (r.release_decoder, r.clearAllReaders, r.release_device_memory):
        release()
        assert_frames_equal(np.asarray(r.Decode([path], [11])[0]), ref.native(11), release.__name__)


# -- async ---------------------------------------------------------------------------------------------

def test_async_equals_sync_and_earlier_frames_stay_intact(media):
    paths = [str(media[n].path) for n in ("h264_gop30_bf3", "hevc_gop30")]
    sync, asynchronous = reader(), reader()
    kept = []
    for step in range(6):
        ids = [step * 7, step * 5]
        want = [np.asarray(f).copy() for f in sync.DecodeN12ToRGB(paths, ids)]
        asynchronous.DecodeN12ToRGBAsync(paths, ids)
        got = asynchronous.DecodeN12ToRGBAsyncGetBuffer(paths, ids)
        assert [f.frame_id for f in got] == ids
        for a, b in zip(got, want):
            np.testing.assert_array_equal(np.asarray(a), b)
        kept.append((got, want))
    for got, want in kept:  # frames of every earlier request, after all the later ones decoded
        for a, b in zip(got, want):
            np.testing.assert_array_equal(np.asarray(a), b)


def test_async_runs_in_the_background(media):
    path = str(media["h264_gop250"].path)
    r = reader()
    r.DecodeN12ToRGBAsync([path], [299])  # 300 frames to decode: the call returns long before that
    assert r._pending.done() is False
    frames = r.DecodeN12ToRGBAsyncGetBuffer([path], [299])
    assert frames[0].frame_id == 299


def test_async_errors(media):
    path = str(media["h264_gop30"].path)
    r = reader()
    with pytest.raises(RuntimeError, match="No pending decode task"):
        r.DecodeN12ToRGBAsyncGetBuffer([path], [0])
    r.DecodeN12ToRGBAsync([path], [3])
    with pytest.raises(RuntimeError, match=r"frame_ids\[0\] is 4, the pending request has 3"):
        r.DecodeN12ToRGBAsyncGetBuffer([path], [4])
    with pytest.raises(RuntimeError, match="as_bgr is True"):
        r.DecodeN12ToRGBAsyncGetBuffer([path], [3], True)
    with pytest.raises(RuntimeError, match="filepaths"):
        r.DecodeN12ToRGBAsyncGetBuffer(["other.mp4"], [3])
    assert r.DecodeN12ToRGBAsyncGetBuffer([path], [3])[0].frame_id == 3  # still pending after mismatches
    r.DecodeN12ToRGBAsync([path], [500])  # fails in the background
    with pytest.raises(IndexError, match="500"):
        r.DecodeN12ToRGBAsyncGetBuffer([path], [500])
    with pytest.raises(RuntimeError, match="No pending decode task"):
        r.DecodeN12ToRGBAsyncGetBuffer([path], [500])
    r.DecodeN12ToRGBAsync([path], [1])
    with pytest.warns(RuntimeWarning, match="never collected"):
        r.DecodeN12ToRGBAsync([path], [2])
    assert r.DecodeN12ToRGBAsyncGetBuffer([path], [2])[0].frame_id == 2
    with pytest.raises(ValueError, match="differ in length"):  # bad arguments raise at once
        r.DecodeN12ToRGBAsync([path, path], [1])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r.DecodeN12ToRGBAsync([path], [5])  # nothing pending: no warning
    assert r.DecodeN12ToRGBAsyncGetBuffer([path], [5])[0].frame_id == 5
