"""GetGOP on a file whose index lies (docs/bundle-format.md, "What GetGOP checks"): MP4 sample tables
damaged with tests/media/mp4_edit.py so that the sample marked key is not a key frame, the first
sample is not marked key, or composition offsets move a frame into another GOP. GetGOP never returns
a bundle that does not hold the requested frame or that does not start at a real key frame: it raises
ValueError naming the file and the frame. The GOPs the damage does not touch still extract and decode
to the ffmpeg CLI's frames of the intact file."""

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media import mp4_edit


@pytest.fixture
def decoder():
    return odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)


def _damaged(media, tmp_path, name, edit):
    return str(mp4_edit.edit_video_tables(media[name].path, tmp_path / f"{name}_damaged.mp4", edit))


def _refused(decoder, path, frame, *words):
    for call in (decoder.GetGOP, decoder.GetGOPList):
        with pytest.raises(ValueError) as e:
            call([path], [frame])
        message = str(e.value)
        for w in (f"'{path}'", f"frame_id={frame}") + words:
            assert w in message, message


def _intact(decoder, reference, name, path, frame):
    data, first, lens = decoder.GetGOP([path], [frame])
    assert first[0] <= frame < first[0] + lens[0]
    got = decoder.DecodeFromGOP(data, [path], [frame])[0]
    np.testing.assert_array_equal(np.asarray(got), reference(name).native(frame))


@pytest.mark.parametrize("name", ["h264_gop30", "hevc_gop30", "av1_gop30_mp4"])
def test_stss_naming_a_non_key_sample(decoder, media, reference, tmp_path, name):
    # Sync samples 1, 31[, 61] (1-based) become 1, 36[, 61]: sample 36 is an inter frame.
    def edit(stbl):
        keys = mp4_edit.read_stss(stbl)
        assert keys[:2] == [1, 31]
        mp4_edit.write_stss(stbl, [1, 36] + keys[2:])

    path = _damaged(media, tmp_path, name, edit)
    _refused(decoder, path, 40, "sample 35", "not a key frame")
    _intact(decoder, reference, name, path, 10)


def test_stss_missing_the_first_sample(decoder, media, reference, tmp_path):
    path = _damaged(media, tmp_path, "h264_gop30", lambda stbl: mp4_edit.write_stss(stbl, [31, 61]))
    _refused(decoder, path, 10, "sample 0", "does not mark as a key frame")
    _intact(decoder, reference, "h264_gop30", path, 40)


def test_ctts_moving_a_frame_into_the_next_gop(decoder, media, reference, tmp_path):
    # The frame shown last in the first GOP gets a composition time between the next GOP's second and
    # third frames: presentation order puts it at frame 31, and frames 29 and 30 come from the second
    # GOP. Neither GOP holds the frames of one range any more.
    def edit(stbl):
        deltas = mp4_edit.read_per_sample(stbl, b"stts")
        offsets = mp4_edit.read_per_sample(stbl, b"ctts")
        dts = np.concatenate([[0], np.cumsum(deltas[:-1])])
        pts = dts + np.asarray(offsets)
        first_gop = range(0, 30)
        last_shown = max(first_gop, key=lambda i: pts[i])
        order = np.argsort(pts, kind="stable")
        target = int(pts[order[31]]) + deltas[0] // 2
        offsets[last_shown] = target - int(dts[last_shown])
        mp4_edit.write_per_sample(stbl, b"ctts", offsets)

    path = _damaged(media, tmp_path, "h264_gop30_bf3", edit)
    _refused(decoder, path, 31, "[0, 30)")  # its GOP's range does not reach it
    for frame in (5, 29, 30, 45):  # GOPs whose frames leave a hole in their range
        _refused(decoder, path, frame)
    _intact(decoder, reference, "h264_gop30_bf3", path, 70)
