"""Frames by time (get_frames_played_at / get_frames_played_in_range) against the ffmpeg CLI.

The rule (docs/access-by-time.md, torchcodec's): frame i is played at t when pts_i <= t < pts_i +
duration_i. ``ffmpeg -ss T -i f -frames:v 1`` gives the first frame with pts >= T instead: the same
frame when T is a frame's pts, the next one when T falls inside a frame's interval. Both halves of
that statement are checked here on clips that start at 0 (ffmpeg's -ss counts from the file's
start time), and the rule itself on every clip of the media matrix against the reference frames.
"""

import subprocess

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from color_reference import native_to_rgb
from gop_cases import color_spec
from media.recipes import RECIPES
from utils import assert_frames_equal

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]
FFMPEG_CLIPS = ["h264_gop30", "h264_gop30_bf3", "hevc_gop30_bf3", "vp9_gop30", "h264_vfr"]


def seconds(ref) -> np.ndarray:
    """The reference frames' pts (ffprobe's) in seconds, computed as the library does: pts * num / den
    (pts * float(time_base) can be one ulp off, e.g. 1533 * 0.001 != 1.533)."""
    return ref.pts.astype(np.float64) * ref.time_base.numerator / ref.time_base.denominator


def expected_rgb(media, reference, name, frame_id):
    ref = reference(name)
    matrix, rng = color_spec(media[name].path, ref.height)
    return native_to_rgb(ref.native(frame_id), ref.bit_depth, matrix, rng)


def ffmpeg_ss(path, seconds: float, pix_fmt: str) -> bytes:
    out = subprocess.run(["ffmpeg", "-v", "error", "-ss", repr(float(seconds)), "-i", str(path), "-frames:v", "1",
                          "-f", "rawvideo", "-pix_fmt", pix_fmt, "-"], capture_output=True, check=True)
    return out.stdout


def ref_index(reference, name, raw: bytes) -> int:
    ref = reference(name)
    hits = [i for i in range(len(ref)) if ref.data[i].tobytes() == raw]
    assert hits, "ffmpeg's frame is none of the reference frames"
    return hits[0]


@pytest.mark.parametrize("name", DECODABLE)
def test_played_at_is_the_frame_whose_interval_holds_t(media, reference, name):
    path = media[name].path
    ref = reference(name)
    m = odvd.get_metadata(path)
    pts = seconds(ref)
    n = len(ref)
    ids = sorted({0, 1, n // 3, n // 2, n - 2, n - 1})
    # On each frame's pts, inside its interval, and just before its end.
    times, expected = [], []
    for i in ids:
        end = pts[i + 1] if i + 1 < n else m.end_stream_seconds
        for t in (pts[i], (pts[i] + end) / 2, np.nextafter(end, -np.inf)):
            times.append(float(t))
            expected.append(i)
    batch = odvd.get_frames_played_at(path, times)
    assert batch.frame_ids.tolist() == expected
    assert batch.pts_seconds.tolist() == pytest.approx([pts[i] for i in expected], abs=1e-12)
    durations = [(pts[i + 1] if i + 1 < n else m.end_stream_seconds) - pts[i] for i in expected]
    assert batch.duration_seconds.tolist() == pytest.approx(durations, abs=1e-9)
    frames = batch.to_numpy()
    for k in range(0, len(times), 3):  # one check of the pixels per frame id
        assert_frames_equal(frames[k], expected_rgb(media, reference, name, expected[k]), f"{name} t={times[k]}")


@pytest.mark.parametrize("name", FFMPEG_CLIPS)
def test_played_at_against_ffmpeg_ss(media, reference, name):
    path = media[name].path
    ref = reference(name)
    pts = seconds(ref)
    assert pts[0] == 0.0
    for i in (1, 7, len(ref) // 2, len(ref) - 2):
        # T on frame i's pts: the same frame.
        ours = odvd.get_frames_played_at(path, [pts[i]])
        assert ours.frame_ids.tolist() == [i]
        assert ref_index(reference, name, ffmpeg_ss(path, pts[i], ref.pix_fmt)) == i
        assert_frames_equal(ours.to_numpy()[0], expected_rgb(media, reference, name, i), f"{name} T={pts[i]}")
        # T inside frame i's interval: frame i here, frame i + 1 from ffmpeg -ss (the rule difference).
        t = float(pts[i] + (pts[i + 1] - pts[i]) * 0.6)
        assert odvd.get_frames_played_at(path, t).frame_ids.tolist() == [i]
        assert ref_index(reference, name, ffmpeg_ss(path, t, ref.pix_fmt)) == i + 1


def test_played_in_range(media, reference):
    name = "h264_vfr"  # 30 fps, then 15 fps: intervals of two lengths
    path = media[name].path
    ref = reference(name)
    pts = seconds(ref)
    m = odvd.get_metadata(path)
    ends = np.append(pts[1:], m.end_stream_seconds)
    for start, stop in [(0.0, 0.1), (0.05, 0.1), (pts[29], pts[31]), (0.95, 1.5), (pts[3], pts[3] + 1e-9),
                        (1.0, m.end_stream_seconds), (m.begin_stream_seconds, m.end_stream_seconds)]:
        expected = [i for i in range(len(ref)) if ends[i] > start and pts[i] < stop]
        batch = odvd.get_frames_played_in_range(path, start, stop)
        assert batch.frame_ids.tolist() == expected, (start, stop)
        assert batch.pts_seconds.tolist() == pytest.approx(pts[expected].tolist(), abs=1e-12)
    batch = odvd.get_frames_played_in_range(path, pts[40], pts[43])
    for k, i in enumerate(batch.frame_ids.tolist()):
        assert_frames_equal(batch.to_numpy()[k], expected_rgb(media, reference, name, i), f"frame {i}")
    empty = odvd.get_frames_played_in_range(path, 0.5, 0.5)
    assert len(empty) == 0 and empty.shape == (0, 144, 176, 3)


def test_out_of_range_and_bad_times(media):
    path = media["h264_gop30"].path
    m = odvd.get_metadata(path)
    with pytest.raises(IndexError, match=r"times must be in \[0.0, 3.0\) s"):
        odvd.get_frames_played_at(path, [1.0, m.end_stream_seconds])
    with pytest.raises(IndexError, match=r"\[0.0, 3.0\)"):
        odvd.get_frames_played_at(path, -0.001)
    with pytest.raises(ValueError, match="after stop_seconds"):
        odvd.get_frames_played_in_range(path, 2.0, 1.0)
    with pytest.raises(IndexError, match="start_seconds=3.5"):
        odvd.get_frames_played_in_range(path, 3.5, 4.0)
    with pytest.raises(IndexError, match="past the end"):
        odvd.get_frames_played_in_range(path, 1.0, 3.5)
    with pytest.raises(ValueError, match="past the end"):  # also a ValueError, as torchcodec's
        odvd.get_frames_played_in_range(path, 1.0, 3.5)
    with pytest.raises(ValueError, match="finite"):
        odvd.get_frames_played_at(path, [float("nan")])
    with pytest.raises(TypeError, match="seconds"):
        odvd.get_frames_played_at(path, ["1.0"])
    with pytest.raises(TypeError, match=r"got \[True\]"):
        odvd.get_frames_played_at(path, [True])


def test_by_time_output_options(media, reference):
    path = media["hevc_gop30_bf3"].path
    batch = odvd.get_frames_played_at(path, [0.5, 1.5], size=(32, 48), layout="CHW", dtype="float32", bgr=True)
    assert batch.shape == (2, 3, 32, 48) and batch.dtype == np.float32 and batch.bgr
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    seed = dec.DecodeN12ToRGB([str(path)], [15, 45], as_bgr=True, size=(32, 48), layout="CHW", dtype="float32",
                              stack=True)[0]
    assert np.array_equal(batch.to_numpy(), np.asarray(seed))
    at = odvd.get_frames_at(path, [45, 15])
    assert at.frame_ids.tolist() == [45, 15] and at.pts_seconds.tolist() == pytest.approx([1.5, 0.5])


def test_times_as_arrays_and_tensors(media):
    path = media["h264_gop30"].path
    assert odvd.get_frames_played_at(path, np.array([0.0, 1.0])).frame_ids.tolist() == [0, 30]
    assert odvd.get_frames_played_at(path, np.float64(0.5)).frame_ids.tolist() == [15]
    torch = pytest.importorskip("torch")
    assert odvd.get_frames_played_at(path, torch.tensor([0.5, 2.0], dtype=torch.float64)).frame_ids.tolist() == [15, 60]
