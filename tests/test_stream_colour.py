"""A stream's colour description is resolved once per stream, on the host, from the stream's own
signalling (the bitstream's VUI / sequence header, then the container's tags), for every backend and
every path (files, bundles, packet lists); never from a decoder's leftover state. The regression: a
libavcodec decoder reused for another file kept the previous stream's colour fields, so an untagged
H.264 file decoded after a full-range one came out as full range."""

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal

FULL = "h264_bt601_full"  # BT.601 (SMPTE 170M), full range: in the SPS VUI and the MP4 colr box
PLAIN = "h264_untagged"   # MKV, no colour description anywhere: limited range, BT.601 by its height


def _fresh(path, frame_id):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    return dec.Decode([path], [frame_id])[0], np.asarray(dec.DecodeN12ToRGB([path], [frame_id])[0])


def test_files_after_a_full_range_file_keep_their_own_colour(media):
    full, plain = str(media[FULL].path), str(media[PLAIN].path)
    native, rgb = _fresh(plain, 1)
    assert (native.color_range, native.color_matrix) == ("limited", "bt601")
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    first = dec.Decode([full], [1])[0]
    assert (first.color_range, first.color_matrix) == ("full", "bt601")
    dec.DecodeN12ToRGB([full], [2])
    after = dec.Decode([plain], [1])[0]
    assert (after.color_range, after.color_matrix) == ("limited", "bt601")
    assert_frames_equal(np.asarray(dec.DecodeN12ToRGB([plain], [1])[0]), rgb, "untagged file after a full-range one")


def test_bundles_after_a_full_range_bundle_keep_their_own_colour(media):
    full, plain = str(media[FULL].path), str(media[PLAIN].path)
    _, rgb = _fresh(plain, 1)
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    b_full, _, _ = dec.GetGOP([full], [1])
    b_plain, _, _ = dec.GetGOP([plain], [1])
    dec.DecodeFromGOPRGB(b_full, [full], [1])
    got = np.asarray(dec.DecodeFromGOPRGB(b_plain, [plain], [1])[0])
    assert_frames_equal(got, rgb, "untagged bundle after a full-range one")


def test_cached_decoder_and_sample_reader_keep_each_files_colour(media):
    full, plain = str(media[FULL].path), str(media[PLAIN].path)
    _, rgb = _fresh(plain, 1)
    cached = odvd.CreateGopDecoder(maxfiles=2, iGpu=-1)
    cached.DecodeN12ToRGB([full], [1])
    assert_frames_equal(np.asarray(cached.DecodeN12ToRGB([plain], [1])[0]), rgb, "CachedGopDecoder")
    reader = odvd.CreateSampleReader(1, 1, iGpu=-1)  # one reader slot, moved from file to file
    reader.DecodeN12ToRGB([full], [1])
    assert_frames_equal(np.asarray(reader.DecodeN12ToRGB([plain], [1])[0]), rgb, "PyNvSampleReader")


def test_stream_params_report_the_resolved_colour(media):
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    full = dec._engine.stream_params(str(media[FULL].path))
    plain = dec._engine.stream_params(str(media[PLAIN].path))
    assert (full["color_range"], full["color_space"]) == (2, 6)  # JPEG range, SMPTE 170M
    assert (plain["color_range"], plain["color_space"]) == (0, 2)  # unspecified: limited, matrix guessed
