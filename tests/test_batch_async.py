"""PyNvBatchAsyncStreamReader and PyNvBatchAsyncGopDecoder (accvlab's 2-D async classes): their
[file][frame] results are the 1-D synchronous paths' frames byte for byte (PyNvSampleReader, one call
per column; PyNvGopDecoder.DecodeFromGOPListRGB / DecodeN12ToRGB), Decode returns while the work is
still to do (a gate holds the background decode: no timing), every refused request raises its type
and accvlab's words, and the colour-range warning is the existing classes' (once per file per object).
GPU variants (needs_cuda) compare iGpu=0 with the CPU."""

import threading
import warnings

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from utils import assert_frames_equal

CLIPS = ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30"]
UNTAGGED, TAGGED = "h264_untagged", "h264_gop30"
# Three requests walking forward: inside a GOP, across GOP boundaries (30, 60), a repeat, a jump back.
REQUESTS = [
    [[0, 1, 2, 5], [0, 3, 6, 9], [1, 2, 3, 4]],
    [[6, 29, 30, 31], [10, 10, 33, 59], [5, 40, 41, 60]],
    [[61, 62, 89, 89], [2, 20, 70, 71], [0, 30, 60, 89]],
]


@pytest.fixture
def paths(media):
    return [str(media[c].path) for c in CLIPS]


def _host(frame):
    return np.asarray(frame) if frame.device == "cpu" else np.asarray(frame.cpu())


def _same(got, want, context):
    assert_frames_equal(_host(got), _host(want), context)


class _Gate:
    """Wraps an object so that the named method waits for ``open`` (a threading.Event) before
    running: a request submitted while the gate is shut cannot have been decoded."""

    def __init__(self, inner, method):
        self._inner, self._method = inner, method
        self.open, self.entered = threading.Event(), threading.Event()

    def __getattr__(self, name):
        attr = getattr(self._inner, name)
        if name != self._method:
            return attr

        def gated(*args, **kwargs):
            self.entered.set()
            assert self.open.wait(60), "the test never opened the gate"
            return attr(*args, **kwargs)

        return gated


# -- PyNvBatchAsyncStreamReader --------------------------------------------------------------------------
@pytest.mark.parametrize("as_bgr", [False, True])
def test_stream_reader_equals_the_1d_reader_column_by_column(paths, as_bgr):
    batch = odvd.CreateBatchAsyncStreamReader(num_of_set=1, num_of_file=3, max_frames_per_decode_call=4, iGpu=-1)
    single = odvd.CreateSampleReader(num_of_set=1, num_of_file=3, iGpu=-1)
    for ids in REQUESTS:
        batch.Decode(paths, ids, as_bgr)
        out = batch.GetBuffer(paths, ids, as_bgr)
        assert [len(row) for row in out] == [4, 4, 4]
        for f in range(4):
            column = single.DecodeN12ToRGB(paths, [row[f] for row in ids], as_bgr)
            for v in range(3):
                assert out[v][f].frame_id == ids[v][f] and out[v][f].isBGR == as_bgr
                _same(out[v][f], column[v], f"{CLIPS[v]} frame {ids[v][f]}")
    # The readers moved as the 1-D reader's did: same packets fed, pictures decoded and restarts.
    assert batch.stats == single.stats


def test_stream_reader_decode_returns_before_the_work_is_done(paths):
    reader = odvd.CreateBatchAsyncStreamReader(1, 3, 2, iGpu=-1)
    gate = reader._reader = _Gate(reader._reader, "DecodeN12ToRGB")
    ids = [[0, 45], [1, 46], [2, 47]]
    reader.Decode(paths, ids)  # returns with the background decode held at the gate
    assert gate.entered.wait(60) and reader._pending.done() is False
    gate.open.set()
    out = reader.GetBuffer(paths, ids)  # waits for it
    want = odvd.PyNvGopDecoder(3, iGpu=-1).DecodeN12ToRGB(paths * 2, [r[0] for r in ids] + [r[1] for r in ids])
    for v in range(3):
        _same(out[v][0], want[v], CLIPS[v])
        _same(out[v][1], want[3 + v], CLIPS[v])


def test_stream_reader_frames_outlive_the_next_request(paths):
    reader = odvd.CreateBatchAsyncStreamReader(1, 3, 1, iGpu=-1)
    reader.Decode(paths, [[0], [0], [0]])
    first = reader.GetBuffer(paths, [[0], [0], [0]])
    kept = [np.array(_host(row[0])) for row in first]
    reader.Decode(paths, [[1], [1], [1]])
    reader.GetBuffer(paths, [[1], [1], [1]])
    for row, copy in zip(first, kept):
        assert_frames_equal(_host(row[0]), copy, "a frame of the earlier request")


def test_stream_reader_output_options_and_resources(paths):
    reader = odvd.CreateBatchAsyncStreamReader(2, 3, 2, iGpu=-1)
    ids = [[3, 4], [3, 4], [3, 4]]
    reader.Decode(paths, ids, size=(32, 48), layout="CHW")
    reader.release_device_memory()  # waits for the decode; the request can still be collected
    out = reader.GetBuffer(paths, ids, size=(32, 48), layout="CHW")
    assert _host(out[2][1]).shape == (3, 32, 48)
    want = odvd.PyNvGopDecoder(3, iGpu=-1).DecodeN12ToRGB(paths, [4, 4, 4], size=(32, 48), layout="CHW")
    for v in range(3):
        _same(out[v][1], want[v], CLIPS[v])
    reader.clearAllReaders()
    reader.release_decoder()
    reader.Decode(paths, ids)
    assert reader.GetBuffer(paths, ids)[0][0].frame_id == 3


def _refused(call, words):
    with pytest.raises(odvd.BatchRequestError, match=words) as info:
        call()
    assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)


def test_stream_reader_errors(paths, tmp_path):
    reader = odvd.CreateBatchAsyncStreamReader(num_of_set=1, num_of_file=2, max_frames_per_decode_call=3, iGpu=-1)
    a, b, c = paths
    _refused(lambda: reader.Decode(paths, [[0], [0], [0]]), r"number of files \(3\) exceeds num_of_file \(2\)")
    _refused(lambda: reader.Decode([a, b], [[0, 1], [0]]), "jagged inner lengths are not supported")
    _refused(lambda: reader.Decode([a, b], [[0, 1, 2, 3], [0, 1, 2, 3]]),
             r"frames per file \(4\) exceeds max_frames_per_decode_call \(3\)")
    _refused(lambda: reader.Decode([a, b], [[], []]), "must not be empty")
    _refused(lambda: reader.Decode([a, b], [[0]]), r"frame_ids outer length \(1\) != filepaths length \(2\)")
    _refused(lambda: reader.Decode([], []), "filepaths must not be empty")
    _refused(lambda: reader.Decode([a], [[0]], stack=True), "stack")
    with pytest.raises(TypeError):
        reader.Decode(a, [[0]])
    with pytest.raises(TypeError):
        reader.Decode([a], [0, 1])
    with pytest.raises(TypeError):
        reader.Decode([a], [[True]])
    with pytest.raises(RuntimeError, match="No pending decode task"):
        reader.GetBuffer([a], [[0]])
    reader.Decode([a, b], [[0, 1], [2, 3]])
    for args, kwargs, what in [(([a, b], [[0, 1], [2, 4]]), {}, r"frame_ids\[1\]\[1\] is 4"),
                               (([b, a], [[0, 1], [2, 3]]), {}, r"filepaths\[0\]"),
                               (([a, b], [[0, 1], [2, 3]], True), {}, "as_bgr"),
                               (([a, b], [[0, 1], [2, 3]]), {"size": (8, 8)}, "output options")]:
        with pytest.raises(RuntimeError, match=f"do not match buffered result.*{what}"):
            reader.GetBuffer(*args, **kwargs)
    assert reader.GetBuffer([a, b], [[0, 1], [2, 3]])[1][1].frame_id == 3  # still pending after mismatches
    # Errors of the decode itself come from GetBuffer, with their own types; the request is then over.
    reader.Decode([a, b], [[0, 500], [0, 1]])
    with pytest.raises(IndexError):
        reader.GetBuffer([a, b], [[0, 500], [0, 1]])
    with pytest.raises(RuntimeError, match="No pending"):
        reader.GetBuffer([a, b], [[0, 500], [0, 1]])
    missing = str(tmp_path / "missing.mp4")
    reader.Decode([missing], [[0]])
    with pytest.raises(FileNotFoundError):
        reader.GetBuffer([missing], [[0]])
    # A request never collected is discarded, with a warning, when the next is submitted.
    reader.Decode([a], [[1]])
    with pytest.warns(RuntimeWarning) as record:  # (and "still decoding" if it was)
        reader.Decode([a], [[2]])
    assert any("never collected" in str(w.message) for w in record)
    assert reader.GetBuffer([a], [[2]])[0][0].frame_id == 2


def test_constructor_arguments():
    for bad in (0, -1):
        with pytest.raises(ValueError):
            odvd.CreateBatchAsyncStreamReader(1, 1, bad, iGpu=-1)
        with pytest.raises(ValueError):
            odvd.CreateBatchAsyncGopDecoder(bad, 1, iGpu=-1)
    with pytest.raises(TypeError):
        odvd.PyNvBatchAsyncGopDecoder()
    if not odvd.build_info()["runtime"]["gpu_decode_usable"]:
        with pytest.raises(RuntimeError, match="iGpu=0"):  # iGpu=0 is the default, as accvlab's
            odvd.CreateBatchAsyncStreamReader(1, 1, 1)
        with pytest.raises(RuntimeError, match="iGpu=0"):
            odvd.CreateBatchAsyncGopDecoder(1, 1)
    assert odvd.CreateBatchAsyncGopDecoder(1, 1, iGpu=-1).device == "cpu"


def test_device_keyword_as_the_staged_api(paths):
    """device= (the staged API's spelling) picks the device of both classes: device="cpu" with the
    default iGpu decodes on the CPU, the frames equal iGpu=-1's; an iGpu naming another device, or a
    device that is no device name, is refused."""
    ids = [[0, 5, 31, 60]] * 3
    by_iGpu = odvd.CreateBatchAsyncStreamReader(1, 3, 4, iGpu=-1)
    by_device = odvd.CreateBatchAsyncStreamReader(1, 3, 4, device="cpu")
    assert by_device.device == "cpu"
    for reader in (by_iGpu, by_device):
        reader.Decode(paths, ids)
    want, got = by_iGpu.GetBuffer(paths, ids), by_device.GetBuffer(paths, ids)
    for v in range(3):
        for f in range(4):
            _same(got[v][f], want[v][f], f"stream reader, file {v}, frame {ids[v][f]}")
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    bundles = _bundles(demuxer, paths, ids)
    decoder = odvd.CreateBatchAsyncGopDecoder(3, 4, device="CPU")
    assert decoder.device == "cpu" and decoder.__getstate__()["settings"]["iGpu"] == -1
    decoder.DecodeFromGOPListRGB(bundles, paths, ids)
    for v, row in enumerate(decoder.DecodeFromGOPListRGBGetBuffer(paths, ids)):
        for f, frame in enumerate(row):
            _same(frame, want[v][f], f"gop decoder, file {v}, frame {ids[v][f]}")
    for create in (lambda **kw: odvd.CreateBatchAsyncStreamReader(1, 1, 1, **kw),
                   lambda **kw: odvd.PyNvBatchAsyncGopDecoder(1, 1, **kw)):
        with pytest.raises(ValueError, match="name different devices"):
            create(iGpu=2, device="cpu")
        with pytest.raises(ValueError, match="cuda:N"):
            create(device="tpu")
        with pytest.raises(TypeError, match="device must be"):
            create(device=0)
    if not odvd.build_info()["runtime"]["gpu_decode_usable"]:
        with pytest.raises(RuntimeError, match="not possible here"):
            odvd.CreateBatchAsyncGopDecoder(1, 1, device="cuda")


# -- PyNvBatchAsyncGopDecoder -------------------------------------------------------------------------
def _bundles(demuxer, paths, ids):
    """numpy_datas[v]: one bundle per GOP that row v needs (GetGOPList's, deduplicated by GOP)."""
    out = []
    for path, row in zip(paths, ids):
        by_gop = {}
        for (bundle, first, _), fid in zip(demuxer.GetGOPList([path] * len(row), row), row):
            by_gop.setdefault(int(first[0]), bundle)
        out.append(list(by_gop.values()))
    return out


@pytest.mark.parametrize("as_bgr", [False, True])
def test_gop_decoder_equals_the_synchronous_decoder(paths, as_bgr):
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    batch = odvd.CreateBatchAsyncGopDecoder(maxfiles=3, max_frames_per_decode_call=4, iGpu=-1)
    sync = odvd.PyNvGopDecoder(3, iGpu=-1)
    for ids in REQUESTS:
        datas = _bundles(demuxer, paths, ids)
        batch.DecodeFromGOPListRGB(datas, paths, ids, as_bgr)
        out = batch.DecodeFromGOPListRGBGetBuffer(paths, ids, as_bgr)
        for v in range(3):
            from_bundles = sync.DecodeFromGOPListRGB(datas[v], [paths[v]] * 4, ids[v], as_bgr)
            from_file = sync.DecodeN12ToRGB([paths[v]] * 4, ids[v], as_bgr)
            for f in range(4):
                assert out[v][f].frame_id == ids[v][f]
                _same(out[v][f], from_bundles[f], f"{CLIPS[v]} frame {ids[v][f]}")
                _same(out[v][f], from_file[f], f"{CLIPS[v]} frame {ids[v][f]}")


def test_gop_decoder_decodes_a_gop_once_even_from_repeated_bundles(paths):
    """Bundles given once per frame (GetGOPList per frame, equal bytes, distinct arrays) are passed to
    the engine once, so the targets of a GOP are decoded in one pass: as many packets fed as with the
    deduplicated list."""
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    ids = [[3, 9, 1, 20], [5, 6, 7, 8], [29, 0, 10, 2]]
    fed = []
    for datas in (_bundles(demuxer, paths, ids),
                  [[b for b, _, _ in demuxer.GetGOPList([p] * 4, row)] for p, row in zip(paths, ids)]):
        batch = odvd.CreateBatchAsyncGopDecoder(3, 4, iGpu=-1)
        batch.DecodeFromGOPListRGB(datas, paths, ids)
        assert [[f.frame_id for f in row] for row in batch.DecodeFromGOPListRGBGetBuffer(paths, ids)] == ids
        fed.append(batch._decoder._engine.packets_fed)
    assert fed[0] == fed[1] <= 3 * 30 + 10  # one pass per file's GOP (plus open-GOP prefix packets)


def test_gop_decoder_native_frames(paths):
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    batch = odvd.CreateBatchAsyncGopDecoder(3, 2, iGpu=-1)
    ids = [[31, 0], [59, 58], [89, 30]]
    datas = _bundles(demuxer, paths, ids)
    batch.DecodeFromGOPList(datas, paths, ids, enable_gop_dependency_graph_optimization=True)
    with pytest.raises(RuntimeError, match="do not match buffered result.*native"):
        batch.DecodeFromGOPListRGBGetBuffer(paths, ids)  # the pending request is the native one
    out = batch.DecodeFromGOPListGetBuffer(paths, ids)
    want = odvd.PyNvGopDecoder(3, iGpu=-1).Decode(paths * 2, [r[0] for r in ids] + [r[1] for r in ids])
    for v in range(3):
        for f in range(2):
            assert out[v][f].format == "NV12"
            _same(out[v][f], want[f * 3 + v], f"{CLIPS[v]} frame {ids[v][f]}")


def test_gop_decoder_decode_returns_before_the_work_is_done(paths):
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    batch = odvd.CreateBatchAsyncGopDecoder(3, 2, iGpu=-1)
    gate = batch._decoder = _Gate(batch._decoder, "DecodeFromGOPListRGB")
    ids = [[5, 6], [7, 8], [9, 10]]
    batch.DecodeFromGOPListRGB(_bundles(demuxer, paths, ids), paths, ids,
                               enable_gop_dependency_graph_optimization=False)
    assert gate.entered.wait(60) and batch._pending.done() is False
    gate.open.set()
    out = batch.DecodeFromGOPListRGBGetBuffer(paths, ids)
    assert [[f.frame_id for f in row] for row in out] == ids


def test_gop_decoder_errors(paths):
    a, b, c = paths
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    batch = odvd.CreateBatchAsyncGopDecoder(maxfiles=2, max_frames_per_decode_call=2, iGpu=-1)
    datas = _bundles(demuxer, paths, [[0, 1]] * 3)
    _refused(lambda: batch.DecodeFromGOPListRGB(datas, paths, [[0]] * 3), r"exceeds maxfiles \(2\)")
    _refused(lambda: batch.DecodeFromGOPListRGB(datas[:2], [a, b], [[0, 1], [0]]),
             "jagged inner lengths are not supported")
    _refused(lambda: batch.DecodeFromGOPListRGB(datas[:2], [a, b], [[0, 1, 2]] * 2),
             "exceeds max_frames_per_decode_call")
    _refused(lambda: batch.DecodeFromGOPListRGB([datas[0], []], [a, b], [[0]] * 2), "GOP bundle is required")
    _refused(lambda: batch.DecodeFromGOPListRGB(datas[:1], [a, b], [[0]] * 2), "numpy_datas outer length")
    with pytest.raises(TypeError):
        batch.DecodeFromGOPListRGB(datas[0][0], [a], [[0]])
    with pytest.raises(RuntimeError, match="No pending decode task"):
        batch.DecodeFromGOPListRGBGetBuffer([a], [[0]])
    batch.DecodeFromGOPListRGB(datas[:2], [a, b], [[1, 0], [0, 1]])
    with pytest.raises(RuntimeError, match=r"do not match buffered result.*frame_ids\[0\]\[0\] is 0"):
        batch.DecodeFromGOPListRGBGetBuffer([a, b], [[0, 1], [0, 1]])
    assert [f.frame_id for f in batch.DecodeFromGOPListRGBGetBuffer([a, b], [[1, 0], [0, 1]])[0]] == [1, 0]
    # A frame no bundle of its file holds: the engine's ValueError, from GetBuffer.
    batch.DecodeFromGOPListRGB(datas[:1], [a], [[45]])
    with pytest.raises(ValueError, match="45"):
        batch.DecodeFromGOPListRGBGetBuffer([a], [[45]])
    batch.release_decoder()
    batch.release_device_memory()


# -- the colour-range warning (the seed's, as the existing classes give it) ----------------------------
def _lines(text, name):
    return [line for line in text.splitlines() if f"{name} could not obtain color range" in line]


def test_colour_range_warning_once_per_file_and_suppressed(media, capfd):
    u, t = str(media[UNTAGGED].path), str(media[TAGGED].path)
    reader = odvd.CreateBatchAsyncStreamReader(1, 2, 2, iGpu=-1)
    reader.Decode([u, t], [[0, 1], [0, 1]])
    with pytest.warns(odvd.NoColorRangeWarning, match=f"PyNvVideoReader could not obtain color range for {u}"):
        reader.GetBuffer([u, t], [[0, 1], [0, 1]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a second warning for the same file would raise
        reader.Decode([u, t], [[2, 3], [2, 3]])
        reader.GetBuffer([u, t], [[2, 3], [2, 3]])
    assert _lines(capfd.readouterr().out, "WARNING: PyNvVideoReader") == [
        "WARNING: PyNvVideoReader could not obtain color range for:"]

    demuxer = odvd.PyNvGopDecoder(2, iGpu=-1, suppressNoColorRangeWarning=True)
    datas = _bundles(demuxer, [u, t], [[0, 1], [0, 1]])
    decoder = odvd.CreateBatchAsyncGopDecoder(2, 2, iGpu=-1)
    for _ in range(2):
        decoder.DecodeFromGOPListRGB(datas, [u, t], [[0, 1], [0, 1]])
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            decoder.DecodeFromGOPListRGBGetBuffer([u, t], [[0, 1], [0, 1]])
    assert len(_lines(capfd.readouterr().out, "WARNING: PyNvGopDecoder")) == 1 and not caught

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiet = odvd.CreateBatchAsyncStreamReader(1, 1, 1, iGpu=-1, suppressNoColorRangeWarning=True)
        quiet.Decode([u], [[0]])
        quiet.GetBuffer([u], [[0]])
        quiet_gop = odvd.CreateBatchAsyncGopDecoder(1, 1, -1, True)
        quiet_gop.DecodeFromGOPListRGB(datas[:1], [u], [[0]])
        quiet_gop.DecodeFromGOPListRGBGetBuffer([u], [[0]])
    assert "could not obtain color range" not in capfd.readouterr().out


# -- on a GPU ------------------------------------------------------------------------------------------
@pytest.fixture
def nvdec(monkeypatch):
    monkeypatch.setenv("ODVD_EXPERIMENTAL_NVDEC", "1")


@pytest.mark.needs_cuda
def test_stream_reader_on_the_gpu_matches_the_cpu(paths, nvdec):
    gpu = odvd.CreateBatchAsyncStreamReader(1, 3, 4)  # iGpu=0, the default
    cpu = odvd.CreateBatchAsyncStreamReader(1, 3, 4, iGpu=-1)
    for ids in REQUESTS:
        gpu.Decode(paths, ids)
        cpu.Decode(paths, ids)
        got, want = gpu.GetBuffer(paths, ids), cpu.GetBuffer(paths, ids)
        assert got[0][0].device == "cuda:0"
        for v in range(3):
            for f in range(4):
                _same(got[v][f], want[v][f], f"{CLIPS[v]} frame {ids[v][f]}")


@pytest.mark.needs_cuda
def test_gop_decoder_on_the_gpu_matches_the_cpu(paths, nvdec):
    demuxer = odvd.PyNvGopDecoder(3, iGpu=-1)
    gpu = odvd.CreateBatchAsyncGopDecoder(3, 4, iGpu=0)
    cpu = odvd.CreateBatchAsyncGopDecoder(3, 4, iGpu=-1)
    for ids in REQUESTS:
        datas = _bundles(demuxer, paths, ids)
        gpu.DecodeFromGOPListRGB(datas, paths, ids)
        cpu.DecodeFromGOPListRGB(datas, paths, ids)
        got, want = gpu.DecodeFromGOPListRGBGetBuffer(paths, ids), cpu.DecodeFromGOPListRGBGetBuffer(paths, ids)
        for v in range(3):
            for f in range(4):
                _same(got[v][f], want[v][f], f"{CLIPS[v]} frame {ids[v][f]}")
