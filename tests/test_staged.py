"""The staged API (demux -> decode -> convert, and the async_ twins) against the seed API, its
packets' pickling, concurrency and GIL release, and zero-copy results (docs/access-staged.md)."""

import asyncio
import pickle
import shutil
import threading
import time

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _staged
from gop_cases import interesting_ids
from media.recipes import RECIPES

DECODABLE = [n for n, r in RECIPES.items() if "frames" in r.expect]
OPTIONS = [
    {},
    dict(bgr=True),
    dict(size=(40, 56), layout="CHW"),
    dict(size=(33, 47), dtype="float32", mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), bgr=True),
]


@pytest.fixture(scope="module")
def seed():
    return odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)


def _seed_options(options):
    out = {k: v for k, v in options.items() if k != "bgr"}
    return dict(out, stack=True), bool(options.get("bgr", False))


@pytest.mark.parametrize("name", DECODABLE)
def test_staged_bytes_equal_the_seed_api(seed, media, reference, name):
    path = str(media[name].path)
    ids = interesting_ids(media[name].path, reference(name))
    ids = ids + ids[:2]  # repeats allowed, request order kept
    packets = odvd.demux(path, ids)
    frames = odvd.decode(packets)
    assert frames.frame_ids.tolist() == ids and frames.device == "cpu"
    for f, s in zip(frames.native, seed.Decode([path], ids)):
        assert f.frame_id == s.frame_id and f.pts == s.pts
        assert np.array_equal(np.asarray(f), np.asarray(s))
    bundles = [g[0] for g in seed.GetGOPList([path], ids)]
    for options in OPTIONS:
        seed_options, bgr = _seed_options(options)
        expected = np.asarray(seed.DecodeFromGOPListRGB(bundles, [path], ids, bgr, **seed_options)[0])
        batch = odvd.convert(frames, **options)
        assert batch.shape == expected.shape and batch.dtype == expected.dtype
        assert np.array_equal(batch.to_numpy(), expected), options
        assert batch.frame_ids.tolist() == ids


def test_many_videos_into_one_batch(seed, media):
    names = ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30", "h264_odd_size"]
    paths = [str(media[n].path) for n in names]
    ids = [[3, 40], [29, 60, 0], [89], [59, 1]]
    frames = [odvd.decode(odvd.demux(p, i)) for p, i in zip(paths, ids)]
    batch = odvd.convert(frames, size=(64, 96))
    flat_paths = [p for p, i in zip(paths, ids) for _ in i]
    flat_ids = [x for i in ids for x in i]
    expected = seed.DecodeN12ToRGB(flat_paths, flat_ids, size=(64, 96), stack=True)[0]
    assert np.array_equal(batch.to_numpy(), np.asarray(expected))
    assert batch.sources == flat_paths and batch.frame_ids.tolist() == flat_ids
    with pytest.raises(ValueError, match="shape"):
        odvd.convert(frames)  # 176x144 and 318x178 frames: size is needed


def test_packets_pickle_and_decode_without_the_file(media, tmp_path, reference):
    path = tmp_path / "clip.mp4"
    shutil.copy(media["hevc_open_gop"].path, path)
    packets = odvd.demux(path, [29, 30, 31, 75])
    blob = pickle.dumps(packets)
    # Cheap to send: the bundle's bytes plus a little (no decoder state).
    assert len(blob) < packets.nbytes + 2048
    # One GOP once, however many of its frames are asked for.
    assert odvd.demux(path, [30, 31, 40, 58]).nbytes == odvd.demux(path, [30]).nbytes
    path.unlink()
    copy = pickle.loads(blob)
    assert copy.frame_ids.tolist() == [29, 30, 31, 75] and copy.source == str(path)
    frames = odvd.decode(copy)
    ref = reference("hevc_open_gop")
    for f, i in zip(frames.native, [29, 30, 31, 75]):
        assert np.array_equal(np.asarray(f), ref.native(i))
    assert frames[0].pts_seconds == pytest.approx(29 / 30) and frames[0].duration_seconds == pytest.approx(1 / 30)


def test_time_range_demux(media):
    path = media["h264_gop30"].path
    packets = odvd.demux(path, time_range=(0.5, 0.6))
    assert packets.frame_ids.tolist() == [15, 16, 17]
    assert packets.pts_seconds.tolist() == pytest.approx([0.5, 16 / 30, 17 / 30])


def test_zero_copy_results(media):
    torch = pytest.importorskip("torch")
    batch = odvd.convert(odvd.decode(odvd.demux(media["h264_gop30"].path, [0, 5, 10])), layout="CHW")
    view = batch.to_numpy()
    assert view.__array_interface__["data"][0] == batch.data.dataptr == batch.__array_interface__["data"][0]
    assert np.shares_memory(view, np.asarray(batch))
    t = batch.to_torch()
    assert t.data_ptr() == batch.data.dataptr and tuple(t.shape) == (3, 3, 144, 176)
    assert torch.from_dlpack(batch).data_ptr() == batch.data.dataptr
    assert np.from_dlpack(batch).__array_interface__["data"][0] == batch.data.dataptr
    frame = batch[1]
    assert frame.frame_id == 5 and np.shares_memory(frame.data, view)
    assert frame.pts_seconds == pytest.approx(5 / 30)


def _work(media):
    # About a third of a second of conversion on one core (more on a loaded machine).
    frames = odvd.decode(odvd.demux(media["h264_gop30_bf3"].path, list(range(90))))
    return frames, dict(size=(192, 192), dtype="float32", layout="CHW")


def test_two_awaits_overlap_in_time(media, monkeypatch):
    frames, options = _work(media)
    spans = []
    real = _staged.convert

    def timed(*args, **kwargs):
        start = time.perf_counter()
        out = real(*args, **kwargs)
        spans.append((start, time.perf_counter()))
        return out

    monkeypatch.setattr(_staged, "convert", timed)

    async def both():
        return await asyncio.gather(odvd.async_convert(frames, **options), odvd.async_convert(frames, **options))

    a, b = asyncio.run(both())
    assert np.array_equal(a.to_numpy(), b.to_numpy())
    (s1, e1), (s2, e2) = spans
    assert s1 < e2 and s2 < e1, f"the two converts ran one after the other: {spans}"


def python_progress_during(call) -> float:
    """Runs ``call`` in another thread while this one runs a pure-Python loop; returns the share of
    the call's 20 ms slots in which the loop made progress. A call that holds the GIL gets about 0
    (a few slots at its edges, from the interpreter's switch interval); one that releases it gets most
    slots even on a loaded machine (the loop is then only held back by the scheduler)."""
    span = []
    worker = threading.Thread(target=lambda: span.extend([time.perf_counter(), call(), time.perf_counter()]))
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
    worker.join()
    start, _, end = span
    slots = max(1, int((end - start) / 0.02))
    busy = {int((t - start) / 0.02) for t in ticks if start <= t < start + slots * 0.02}
    return len(busy) / slots


def test_native_calls_release_the_gil(media):
    frames, options = _work(media)
    assert python_progress_during(lambda: _staged.convert(frames, **options)) > 0.5
    packets = odvd.demux(media["hevc_gop300_bf3"].path, list(range(300)))  # 300 frames, one GOP
    assert python_progress_during(lambda: [odvd.decode(packets) for _ in range(5)]) > 0.5
    # The measure tells the two apart: a long C call that holds the GIL.
    assert python_progress_during(lambda: 7 ** 2000000) < 0.3


def test_async_pipeline_equals_sync(media):
    paths = [media[n].path for n in ("h264_gop30", "hevc_gop30_bf3", "av1_gop30")]

    async def pipeline():
        packets = await asyncio.gather(*(odvd.async_demux(p, [10, 50]) for p in paths))
        frames = await asyncio.gather(*(odvd.async_decode(p) for p in packets))
        return await odvd.async_convert(frames, size=(72, 88), dtype="float32")

    batch = asyncio.run(pipeline())
    sync = odvd.convert([odvd.decode(odvd.demux(p, [10, 50])) for p in paths], size=(72, 88), dtype="float32")
    assert batch.shape == (6, 72, 88, 3) and np.array_equal(batch.to_numpy(), sync.to_numpy())


def test_bad_arguments(media, tmp_path):
    path = media["h264_gop30"].path
    with pytest.raises(TypeError, match="one of the two"):
        odvd.demux(path)
    with pytest.raises(TypeError, match="one of the two"):
        odvd.demux(path, [1], time_range=(0, 1))
    with pytest.raises(IndexError, match=r"0\.\.89"):
        odvd.demux(path, [90])
    with pytest.raises(IndexError):
        odvd.demux(path, [-1])
    with pytest.raises(TypeError, match="integers"):
        odvd.demux(path, [1.5])
    with pytest.raises(TypeError, match=r"\(start_seconds, stop_seconds\)"):
        odvd.demux(path, time_range=1.0)
    with pytest.raises(FileNotFoundError):
        odvd.demux(tmp_path / "missing.mp4", [0])
    with pytest.raises(ValueError, match="<bytes: 3 bytes>"):  # bytes are a video's bytes: these are not one
        odvd.demux(b"abc", [0])
    with pytest.raises(TypeError, match="Packets"):
        odvd.decode(np.zeros(10, np.uint8))
    packets = odvd.demux(path, [0])
    with pytest.raises(ValueError, match="device"):
        odvd.decode(packets, device="tpu")
    frames = odvd.decode(packets)
    with pytest.raises(TypeError, match="not Frames"):
        odvd.convert([frames, packets])
    with pytest.raises(ValueError, match="layout"):
        odvd.convert(frames, layout="NHWC")
    with pytest.raises(ValueError, match="float32"):
        odvd.convert(frames, mean=0.5)
    with pytest.raises(TypeError, match="bgr"):
        odvd.convert(frames, bgr="yes")
    empty = odvd.decode(odvd.demux(path, []))
    assert len(empty) == 0
    with pytest.raises(ValueError, match="no frames"):
        odvd.convert(empty)
    assert odvd.convert(empty, size=(4, 6), layout="CHW").shape == (0, 3, 4, 6)


@pytest.mark.needs_cuda
def test_staged_on_the_gpu_equals_the_cpu(media):
    path = media["hevc_gop30_bf3"].path
    packets = odvd.demux(path, [0, 17, 45])
    cpu = odvd.convert(odvd.decode(packets), size=(64, 64), dtype="float32")
    gpu = odvd.convert(odvd.decode(packets, device="cuda:0"), size=(64, 64), dtype="float32")
    assert gpu.device == "cuda:0"
    assert np.array_equal(gpu.cpu().to_numpy(), cpu.to_numpy())
    host = odvd.convert(odvd.decode(packets, device="cuda:0"), size=(64, 64), dtype="float32", device="cpu")
    assert host.device == "cpu" and np.array_equal(host.to_numpy(), cpu.to_numpy())


def test_async_after_fork(media):
    """A forked child (a DataLoader worker under fork) gets its own thread pool and decoders."""
    import multiprocessing

    path = str(media["h264_gop30"].path)
    # Before the fork the parent has a pool whose threads hold engines with (frame-threaded)
    # decoders, and an engine of its own thread: freeing any of them in the child would hang.
    # (Without the care of _staged._after_fork_in_child, this child hangs: HEVC decoders in the
    # pool's threads, freed in the child at the fork.)
    hevc = str(media["hevc_gop30_bf3"].path)
    asyncio.run(_load_concurrently([path, hevc]))
    odvd.convert(odvd.decode(odvd.demux(hevc, [5, 40])))
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        shape = pool.apply_async(_load_in_child, (path,)).get(timeout=60)
    assert shape == (2, 144, 176, 3)


async def _load_concurrently(paths):
    packets = await asyncio.gather(*(odvd.async_demux(p, [0, 10]) for p in paths))
    frames = await asyncio.gather(*(odvd.async_decode(p) for p in packets))
    return await odvd.async_convert(frames, size=(128, 128))


def _load_in_child(path):
    async def load():
        frames = await odvd.async_decode(await odvd.async_demux(path, [3, 70]))
        return await odvd.async_convert(frames)

    return asyncio.run(load()).shape


def test_sources_other_than_paths(media):
    """demux, the by-time functions and get_metadata take bytes and file-like objects too
    (docs/access-sources.md): the same packets' frames and the same metadata as the path's."""
    import io

    path = media["hevc_gop30_bf3"].path
    data = path.read_bytes()
    want = np.asarray(odvd.convert(odvd.decode(odvd.demux(path, [3, 44]))).to_numpy())
    for source in (data, io.BytesIO(data)):
        packets = odvd.demux(source, [3, 44])
        assert packets.source.startswith("<")  # named as its bundle names it
        assert np.array_equal(np.asarray(odvd.convert(odvd.decode(packets)).to_numpy()), want)
    at = odvd.get_frames_played_at(io.BytesIO(data), [0.1, 1.45]).to_numpy()
    assert np.array_equal(at, odvd.get_frames_played_at(path, [0.1, 1.45]).to_numpy())
    assert odvd.get_metadata(memoryview(data)).num_frames == odvd.get_metadata(path).num_frames
