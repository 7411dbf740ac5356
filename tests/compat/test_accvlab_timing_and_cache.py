"""accvlab's variable-frame-rate facts, frame-id mapping, dependency-graph decoding and page-cache
statuses, checked against ffprobe and the ffmpeg CLI on files made here: a clip whose frame rate
drops halfway (30 -> 15 fps) reports an average rate different from its base rate, as ffprobe does,
and frame k is the k-th frame ffmpeg shows; GOP lists made and decoded with
``enable_gop_dependency_graph_optimization=True`` give the ffmpeg CLI's frames; drop_videos_cache
answers with accvlab's lower-case status names."""

from fractions import Fraction

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media.inspect import ffprobe_json
from utils import assert_frames_equal


def _ffprobe_rates(path):
    s = ffprobe_json(path, "-select_streams", "v:0", "-show_entries", "stream=avg_frame_rate,r_frame_rate")["streams"][0]
    return Fraction(s["avg_frame_rate"]), Fraction(s["r_frame_rate"])


def test_variable_frame_rate_is_reported_as_ffprobe_does(media, reference):
    path = media["h264_vfr"].path
    info = odvd.GetFastInitInfo([str(path)])[0]
    average = Fraction(info.avg_frame_rate_num, info.avg_frame_rate_den)
    base = Fraction(info.r_frame_rate_num, info.r_frame_rate_den)
    assert (average, base) == _ffprobe_rates(path)
    assert average != base  # what accvlab's VFR fixture test asks
    assert info.num_frames == len(reference("h264_vfr"))


def test_frame_ids_are_presentation_order_on_a_vfr_clip(media, reference):
    """Frame k is ffmpeg's k-th frame, before and after the rate change (frame 30 is the first at 15 fps)."""
    path, ref = str(media["h264_vfr"].path), reference("h264_vfr")
    ids = [0, 29, 30, 31, 77, len(ref) - 1]
    for frame, i in zip(odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).Decode([path] * len(ids), ids), ids):
        assert_frames_equal(np.asarray(frame), ref.native(i), f"VFR frame {i}")
    steps = np.diff(ref.pts.astype(np.int64))
    assert steps[0] * 2 == steps[-1]  # the reference really changes rate


@pytest.mark.parametrize("name", ["hevc_gop30", "hevc_open_gop", "av1_aom_gop32"])
def test_dependency_graph_decoding_gives_the_ffmpeg_frames(media, reference, name):
    path, ref = str(media[name].path), reference(name)
    ids = [1, 17, 44, len(ref) - 2]
    dec = odvd.CreateGopDecoder(maxfiles=2, iGpu=-1)
    gops = dec.GetGOPList([path] * len(ids), ids, useGOPCache=False, enable_gop_dependency_graph_optimization=True)
    native = dec.DecodeFromGOPList([g[0] for g in gops], [path] * len(ids), ids)
    for frame, i in zip(native, ids):
        assert_frames_equal(np.asarray(frame), ref.native(i), f"{name} frame {i} through its dependency closure")
    with_graph = dec.DecodeFromGOPListRGB([g[0] for g in gops], [path] * len(ids), ids, False,
                                          enable_gop_dependency_graph_optimization=True)
    without = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).DecodeN12ToRGB([path] * len(ids), ids, False)
    for a, b, i in zip(with_graph, without, ids):
        assert_frames_equal(np.asarray(a), np.asarray(b), f"{name} RGB frame {i}: closure vs full GOP")


def test_drop_videos_cache_statuses_by_accvlabs_names(media, tmp_path):
    good = [str(media["h264_gop30"].path), str(media["hevc_gop30"].path)]
    missing = str(tmp_path / "gone.mp4")
    assert odvd.drop_videos_cache([]) is odvd.DropCacheStatus.success
    assert odvd.drop_videos_cache(good) is odvd.DropCacheStatus.success
    assert odvd.DropCacheStatus.success is odvd.DropCacheStatus.SUCCESS
    # A file that cannot be opened: the seed's FILE_OPEN_FAILED (accvlab's newer releases answer
    # fadvise_failed; docs/seed-api.md), whichever its position.
    for files in ([missing] + good, good + [missing]):
        assert odvd.drop_videos_cache(files) is odvd.DropCacheStatus.file_open_failed
    assert {s.name for s in odvd.DropCacheStatus} >= {"SUCCESS", "PLATFORM_ERROR", "FADVISE_FAILED", "UNKNOWN_ERROR"}
