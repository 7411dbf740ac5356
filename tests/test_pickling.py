"""Decoder and reader objects pickle their settings and re-create their engines: a round trip gives an
object that decodes the same frames (the ffmpeg references), with the same settings; and datasets
holding them work in DataLoader workers under fork, spawn and forkserver."""

import pickle

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from color_reference import native_to_rgb
from gop_cases import color_spec
from utils import assert_frames_equal

CLIP = "h264_gop30"
IDS = [0, 29, 31, 89]


@pytest.fixture(scope="module")
def clip(media, reference):
    path = str(media[CLIP].path)
    ref = reference(CLIP)
    matrix, rng = color_spec(path, ref.height)
    return path, {i: native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng) for i in IDS}


def _roundtrip(obj):
    copy = pickle.loads(pickle.dumps(obj))
    assert type(copy) is type(obj)
    return copy


def test_gop_decoder(clip):
    path, expected = clip
    dec = odvd.PyNvGopDecoder(3, -1, True, strict=True, reference_closure=False)
    dec.DecodeN12ToRGB([path], [5])  # used before pickling: open files are not carried
    dec.DecodeFromPacketListInitialize([4])
    copy = _roundtrip(dec)
    assert copy._settings == dec._settings
    assert copy._engine is not dec._engine and copy._engine.reference_closure is False
    assert copy._packet_list_codecs == [4] and copy.device == "cpu" and copy.backend == "cpu"
    for f, i in zip(copy.DecodeN12ToRGB([path] * len(IDS), IDS), IDS):
        assert_frames_equal(np.asarray(f), expected[i], f"unpickled PyNvGopDecoder frame {i}")
    bundle, _, _ = copy.GetGOP([path], [31])
    assert_frames_equal(np.asarray(dec.DecodeFromGOPRGB(bundle, [path], [31])[0]), expected[31], "bundle")


def test_cached_gop_decoder(clip):
    path, expected = clip
    dec = odvd.CreateGopDecoder(2, iGpu=-1, gopCacheCapacity=5, cache_max_bytes=1 << 20)
    dec.GetGOPList([path], [0], useGOPCache=True)
    copy = _roundtrip(dec)
    info = copy.get_cache_info()
    assert (info["max_gops"], info["max_bytes"], info["cached_gops_count"]) == (5, 1 << 20, 0)  # cache not carried
    gops = copy.GetGOPList([path] * len(IDS), IDS, useGOPCache=True)
    frames = copy.DecodeFromGOPListRGB([g[0] for g in gops], [path] * len(IDS), IDS)
    for f, i in zip(frames, IDS):
        assert_frames_equal(np.asarray(f), expected[i], f"unpickled CachedGopDecoder frame {i}")


def test_sample_reader(clip):
    path, expected = clip
    reader = odvd.CreateSampleReader(2, 3, iGpu=-1, suppressNoColorRangeWarning=True, strict=True)
    reader.DecodeN12ToRGB([path], [0])
    reader.DecodeN12ToRGBAsync([path], [1])  # a pending request is not carried
    copy = _roundtrip(reader)
    assert copy._settings == reader._settings and not copy._pending.pending and reader._pending.pending
    assert copy.stats["frames_decoded"] == 0  # a fresh reader: positions are not carried
    for f, i in zip(copy.DecodeN12ToRGB([path] * len(IDS), IDS), IDS):
        assert_frames_equal(np.asarray(f), expected[i], f"unpickled PyNvSampleReader frame {i}")
    reader.DecodeN12ToRGBAsyncGetBuffer([path], [1])  # the original's request is still its own


def test_batch_classes(clip):
    path, expected = clip
    stream = _roundtrip(odvd.CreateBatchAsyncStreamReader(1, 2, 4, iGpu=-1))
    assert stream._settings["max_frames_per_decode_call"] == 4 and stream.device == "cpu"
    stream.Decode([path], [IDS])
    for f, i in zip(stream.GetBuffer([path], [IDS])[0], IDS):
        assert_frames_equal(np.asarray(f), expected[i], f"unpickled PyNvBatchAsyncStreamReader frame {i}")
    gop = _roundtrip(odvd.CreateBatchAsyncGopDecoder(2, 4, iGpu=-1))
    bundles = [g[0] for g in odvd.PyNvGopDecoder(1, iGpu=-1).GetGOPList([path] * len(IDS), IDS)]
    gop.DecodeFromGOPListRGB([bundles], [path], [IDS])
    for f, i in zip(gop.DecodeFromGOPListRGBGetBuffer([path], [IDS])[0], IDS):
        assert_frames_equal(np.asarray(f), expected[i], f"unpickled PyNvBatchAsyncGopDecoder frame {i}")


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_dataloader_workers(clip, method):
    torch = pytest.importorskip("torch")
    import multiprocessing

    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method} not available here")
    from training_helpers import DecoderObjectsDataset

    path, expected = clip
    dataset = DecoderObjectsDataset(path, IDS)
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, num_workers=2, multiprocessing_context=method)
    items = list(loader)
    assert len(items) == len(IDS)
    for item, i in zip(items, IDS):
        for k, frame in enumerate(item.numpy()):
            assert_frames_equal(frame, expected[i], f"{method} worker, object {k}, frame {i}")
