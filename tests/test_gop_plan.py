"""GopPlan rules on hand-made packet sequences (pure logic, no media): which packets are fed and
which frames are kept, for closed and open GOPs, B-frames, several targets and duplicates."""

import pytest

from on_demand_video_decoder import _engine

KEY, NONREF = 1, 2


def plan(frame_ids, flags, targets, **options):
    return _engine._plan_runs(frame_ids, flags, targets, **options)


def closed_gops(n_gops, gop_len):
    """No B-frames: decode order = presentation order; a key every gop_len packets."""
    ids = list(range(n_gops * gop_len))
    return ids, [KEY if i % gop_len == 0 else 0 for i in ids]


def test_target_decodes_from_its_gop_start_up_to_itself():
    ids, flags = closed_gops(3, 10)
    (run,) = plan(ids, flags, [13])
    assert (run["start"], run["last"], run["targets"]) == (10, 13, [13])
    assert run["feed"] == [10, 11, 12, 13]  # nothing after the target


def test_targets_of_one_gop_share_one_pass_and_duplicates_collapse():
    ids, flags = closed_gops(3, 10)
    (run,) = plan(ids, flags, [17, 12, 17, 15])
    assert run["targets"] == [12, 15, 17] and run["feed"] == list(range(10, 18))


def test_far_apart_targets_are_separate_runs_in_order():
    ids, flags = closed_gops(3, 10)
    runs = plan(ids, flags, [25, 3])
    assert [(r["start"], r["last"]) for r in runs] == [(0, 3), (20, 25)]


def test_adjacent_gops_are_decoded_in_one_pass_when_the_run_reaches_them():
    ids, flags = closed_gops(3, 10)
    (run,) = plan(ids, flags, [9, 11])  # the second GOP starts right after the first target
    assert (run["start"], run["last"]) == (0, 11)


def test_adjacent_gops_stay_apart_when_asked_and_overlapping_runs_still_join():
    ids, flags = closed_gops(3, 10)
    runs = plan(ids, flags, [9, 11, 25], join_adjacent=False)  # the engine's plan with several threads
    assert [(r["start"], r["last"], r["targets"]) for r in runs] == [(0, 9, [9]), (10, 11, [11]), (20, 25, [25])]
    assert runs[1]["feed"] == [10, 11]
    (run,) = plan(ids, flags, [12, 15], join_adjacent=False)  # inside one run: still one pass
    assert (run["start"], run["last"]) == (10, 15)


def test_bframes_feed_up_to_the_target_packet_in_decode_order():
    # I0 P3 B1 B2 | P6 B4 B5 (decode order, frame ids = presentation index)
    ids = [0, 3, 1, 2, 6, 4, 5]
    flags = [KEY, 0, NONREF, NONREF, 0, NONREF, NONREF]
    (run,) = plan(ids, flags, [1])
    assert run["feed"] == [0, 1, 2]  # I0, P3 (reference of B1), B1
    (run,) = plan(ids, flags, [5])
    # Non-reference B-frames that are not targets are skipped.
    assert run["feed"] == [0, 1, 4, 6]


def test_open_gop_leading_picture_starts_at_the_previous_gop():
    # GOP 0: I0 P1 P2 P3 ; GOP 1: CRA5, RASL4 (shown before the CRA), P6
    ids = [0, 1, 2, 3, 5, 4, 6]
    flags = [KEY, 0, 0, 0, KEY, 0, 0]
    (run,) = plan(ids, flags, [4])
    assert (run["start"], run["last"]) == (0, 5)
    (run,) = plan(ids, flags, [6])  # a trailing picture needs only its own GOP
    assert (run["start"], run["last"]) == (4, 6)


def test_key_frames_are_fed_even_when_marked_non_reference():
    ids, flags = closed_gops(1, 4)
    flags[0] |= NONREF
    (run,) = plan(ids, flags, [2])
    assert run["feed"][0] == 0


def test_discarded_packets_are_fed_but_never_kept():
    # Edit list: packets 0-1 decode but are not shown (frame id -1).
    ids = [-1, -1, 0, 1, 2]
    flags = [KEY, 0, 0, 0, 0]
    (run,) = plan(ids, flags, [1])
    assert run["feed"] == [0, 1, 2, 3] and run["targets"] == [1]


def test_unknown_frame_id_raises_index_error():
    ids, flags = closed_gops(1, 5)
    with pytest.raises(IndexError, match="frame_id=7"):
        plan(ids, flags, [7])
