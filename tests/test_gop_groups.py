"""PyNvGopDecoder.GetGOPGroups / DecodeFromGOPGroupsRGB (accvlab's newer API): one group per GOP a
request needs, with its sorted unique frame ids and their positions in the request, checked against
the GOP structure ffprobe reports (key frames of the closed-GOP clips) and against GetGOP's ranges
(the open-GOP clip, whose leading pictures belong to the previous range); the decoded groups equal
the synchronous paths' frames byte for byte, and a GOP's targets are decoded in one pass."""

import warnings

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from media import inspect
from utils import assert_frames_equal

CLOSED = ["h264_gop30_bf3", "vp9_gop30"]
OPEN = "hevc_open_gop"


def _key_frame_ids(path, ref):
    """Presentation indices of the key frames, from ffprobe's packets (not the code under test)."""
    order = {int(p): i for i, p in enumerate(np.asarray(ref.pts))}
    return sorted(order[p["pts"]] for p in inspect.packets(path) if "K" in p["flags"] and p["pts"] in order)


def _check_groups(groups, requests, ranges_of):
    """Every requested id is in exactly one group of its request, inside that group's range; a
    group's ids are sorted and unique; positions point back at the request; ranges as given."""
    seen = {}
    for g in groups:
        s = g["source_index"]
        request = requests[s]
        assert g["source_name"] == g["filepath"] == request["filepath"]
        assert g["frame_ids"] == sorted(set(g["frame_ids"])) and g["frame_ids"]
        start, length = g["first_frame_id"], g["gop_len"]
        assert (start, length) == ranges_of(request["filepath"], g["frame_ids"][0])
        for fid, positions in zip(g["frame_ids"], g["frame_positions"]):
            assert start <= fid < start + length
            assert positions == [k for k, x in enumerate(request["frame_ids"]) if x == fid]
            assert (s, fid) not in seen
            seen[(s, fid)] = g
        assert isinstance(g["gop_data"], np.ndarray) and g["gop_data"].dtype == np.uint8
    assert set(seen) == {(s, fid) for s, r in enumerate(requests) for fid in r["frame_ids"]}
    # Request by request, GOP by GOP.
    assert [(g["source_index"], g["first_frame_id"]) for g in groups] == sorted(
        (g["source_index"], g["first_frame_id"]) for g in groups)


def test_groups_follow_the_key_frames(media, reference):
    decoder = odvd.PyNvGopDecoder(2, iGpu=-1)
    paths = [str(media[c].path) for c in CLOSED]
    keys = {p: _key_frame_ids(media[c].path, reference(c)) for p, c in zip(paths, CLOSED)}
    counts = {p: len(reference(c)) for p, c in zip(paths, CLOSED)}
    assert all(k == [0, 30, 60] for k in keys.values())

    def ranges_of(path, fid):
        starts = keys[path] + [counts[path]]
        i = max(i for i, k in enumerate(starts[:-1]) if k <= fid)
        return starts[i], starts[i + 1] - starts[i]

    requests = [{"filepath": paths[0], "frame_ids": [45, 3, 3, 89, 0, 31, 29, 30]},
                {"filepath": paths[1], "frame_ids": [10]},
                {"filepath": paths[0], "frame_ids": [59, 60]}]
    groups = decoder.GetGOPGroups(requests)
    _check_groups(groups, requests, ranges_of)
    assert [g["frame_ids"] for g in groups] == [[0, 3, 29], [30, 31, 45], [89], [10], [59], [60]]
    assert groups[0]["frame_positions"] == [[4], [1, 2], [6]]


def test_open_gop_groups_match_get_gop(media):
    path = str(media[OPEN].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    ids = [0, 27, 28, 29, 30, 31, 58, 59, 60, 89]
    _, firsts, lens = decoder.GetGOP([path] * len(ids), ids)
    by_id = {fid: (int(f), int(n)) for fid, f, n in zip(ids, firsts, lens)}
    requests = [{"filepath": path, "frame_ids": ids}]
    groups = decoder.GetGOPGroups(requests)
    _check_groups(groups, requests, lambda p, fid: by_id[fid])
    assert len(groups) == len(set(by_id.values()))


@pytest.mark.parametrize("as_bgr", [False, True])
def test_decoded_groups_equal_the_synchronous_paths(media, as_bgr):
    paths = [str(media[c].path) for c in CLOSED + [OPEN]]
    requests = [{"filepath": paths[0], "frame_ids": [45, 3, 3, 89]},
                {"filepath": paths[1], "frame_ids": [59, 1, 31]},
                {"filepath": paths[2], "frame_ids": [28, 29, 31, 0, 60]}]
    decoder = odvd.CreateGopDecoder(3, iGpu=-1)  # through the cached decoder, as accvlab's code calls it
    groups = decoder.GetGOPGroups(requests, enable_gop_dependency_graph_optimization=True)
    decoded = decoder.DecodeFromGOPGroupsRGB(groups, as_bgr, enable_gop_dependency_graph_optimization=True)
    assert len(decoded) == len(groups)
    sync = odvd.PyNvGopDecoder(3, iGpu=-1)
    for group, out in zip(groups, decoded):
        assert "gop_data" not in out and "frames" not in group
        assert {k: v for k, v in out.items() if k != "frames"} == {k: v for k, v in group.items() if k != "gop_data"}
        path, ids = group["filepath"], group["frame_ids"]
        want = sync.DecodeFromGOPListRGB([group["gop_data"]], [path] * len(ids), ids, as_bgr)
        from_file = sync.DecodeN12ToRGB([path] * len(ids), ids, as_bgr)
        assert [f.frame_id for f in out["frames"]] == ids
        for got, a, b in zip(out["frames"], want, from_file):
            assert_frames_equal(np.asarray(got), np.asarray(a), f"{path} frame {got.frame_id}")
            assert_frames_equal(np.asarray(got), np.asarray(b), f"{path} frame {got.frame_id}")


def test_a_gops_targets_are_decoded_in_one_pass(media):
    path = str(media["h264_gop30_bf3"].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    (group,) = decoder.GetGOPGroups([{"filepath": path, "frame_ids": list(range(29, 0, -1))}])
    decoded = decoder.DecodeFromGOPGroupsRGB([group], size=(16, 16))
    assert np.asarray(decoded[0]["frames"][0]).shape == (16, 16, 3)
    assert decoder._engine.packets_fed <= 30  # the GOP's packets once, not once per target
    separate = 0
    for fid in (5, 17, 29):
        one = odvd.PyNvGopDecoder(1, iGpu=-1)
        one.DecodeFromGOPListRGB([group["gop_data"]], [path], [fid])
        separate += one._engine.packets_fed
    assert separate > 30


def test_errors(media, tmp_path):
    path = str(media["h264_gop30"].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    with pytest.raises(TypeError):
        decoder.GetGOPGroups({"filepath": path, "frame_ids": [0]})
    with pytest.raises(TypeError):
        decoder.GetGOPGroups([path])
    with pytest.raises(ValueError, match="'frame_ids'"):
        decoder.GetGOPGroups([{"filepath": path}])
    with pytest.raises(IndexError, match="frame IDs must be non-negative"):
        decoder.GetGOPGroups([{"filepath": path, "frame_ids": [3, -1]}])
    with pytest.raises(IndexError):
        decoder.GetGOPGroups([{"filepath": path, "frame_ids": [900]}])
    with pytest.raises(FileNotFoundError):
        decoder.GetGOPGroups([{"filepath": str(tmp_path / "missing.mp4"), "frame_ids": [0]}])
    assert decoder.GetGOPGroups([{"filepath": path, "frame_ids": []}]) == []
    groups = decoder.GetGOPGroups([{"filepath": path, "frame_ids": [0, 1]}])
    with pytest.raises(ValueError, match="groups is empty"):
        decoder.DecodeFromGOPGroupsRGB([])
    with pytest.raises(ValueError, match="'gop_data'"):
        decoder.DecodeFromGOPGroupsRGB([{k: v for k, v in groups[0].items() if k != "gop_data"}])
    with pytest.raises(ValueError, match="stack"):
        decoder.DecodeFromGOPGroupsRGB(groups, stack=True)
    other = dict(groups[0], source_name=str(tmp_path / "other.mp4"), filepath=str(tmp_path / "other.mp4"))
    with pytest.raises(ValueError, match="other.mp4"):  # a bundle answers only its own path
        decoder.DecodeFromGOPGroupsRGB([other])


def test_colour_range_warning_once_per_file(media, capfd):
    u = str(media["h264_untagged"].path)
    decoder = odvd.PyNvGopDecoder(1, iGpu=-1)
    groups = decoder.GetGOPGroups([{"filepath": u, "frame_ids": [0, 5]}])
    with pytest.warns(odvd.NoColorRangeWarning):
        decoder.DecodeFromGOPGroupsRGB(groups)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        decoder.DecodeFromGOPGroupsRGB(groups)
        odvd.PyNvGopDecoder(1, iGpu=-1, suppressNoColorRangeWarning=True).DecodeFromGOPGroupsRGB(groups)
    assert capfd.readouterr().out.count("PyNvGopDecoder could not obtain color range") == 1
