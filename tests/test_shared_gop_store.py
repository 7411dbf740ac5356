"""SharedGopStore / GopRef (docs/shared-gop-store.md): DataLoader workers put GOP bundles and return
GopRefs, the main process reads and decodes them, and every frame equals a direct decode of the
file (PyNvGopDecoder.DecodeN12ToRGB, itself checked against ffmpeg in test_gop_decode.py). Also: a
capacity smaller than the GOPs in flight still gives the right frames, never zeros; /dev/shm holds
nothing of a store after cleanup(), also after a worker was SIGKILLed in the middle of a put."""

import gc
import itertools
import multiprocessing
import os
import pickle
import time

import numpy as np
import pytest

import on_demand_video_decoder as nvc
from gop_store_workers import (CameraGops, create_put_and_die, fetch_refs, identity, put_and_die, put_from_fork,
                               store_files)
from utils import assert_frames_equal

CAMERAS = ["h264_gop30", "h264_gop30_bf3", "h264_gop12", "hevc_gop30", "hevc_open_gop", "vp9_gop30"]
_ids = itertools.count()


@pytest.fixture
def store_id():
    """A store id no other test run on this machine uses at the same time; its files are checked
    gone (and removed) afterwards."""
    sid = 7_000_000 + (os.getpid() % 100_000) * 10 + next(_ids) % 10
    yield sid
    left = store_files(sid)
    for name in left:
        os.unlink(os.path.join("/dev/shm", name))
    assert not left, f"store {sid} left {left} in /dev/shm"


@pytest.fixture(scope="module")
def cameras(media):
    """(paths, frame counts, every frame of every camera decoded directly from its file)."""
    paths = [str(media[n].path) for n in CAMERAS]
    counts = [info.num_frames for info in nvc.GetFastInitInfo(paths)]
    decoder = nvc.PyNvGopDecoder(maxfiles=len(paths), iGpu=-1)
    frames = {p: [np.asarray(f) for f in decoder.DecodeN12ToRGB([p], list(range(n)))] for p, n in zip(paths, counts)}
    return paths, counts, frames


def bundle(n, seed):
    return np.random.default_rng(seed).integers(0, 256, n, dtype=np.uint8)


# -- one process ------------------------------------------------------------------------------------
def test_put_lookup_read(store_id):
    with nvc.SharedGopStore.create(capacity=8, store_id=store_id) as store:
        data = bundle(2048, 1)
        ref = store.put("/v/cam0.mp4", 10, 20, data)
        assert (ref.data_size, ref.first_frame_id, ref.gop_len, ref.video_path) == (2048, 10, 20, "/v/cam0.mp4")
        assert store.lookup("/v/cam0.mp4", 9) is None and store.lookup("/v/cam0.mp4", 30) is None
        assert store.lookup("/v/cam1.mp4", 15) is None
        hits = [store.lookup("/v/cam0.mp4", f) for f in (10, 29)]
        assert all(h.shm_name == ref.shm_name for h in hits)
        arrays = store.get_batch([ref, *hits])
        for a in arrays:
            np.testing.assert_array_equal(a, data)
            assert a.dtype == np.uint8 and not a.flags.writeable
        assert store.put("/v/cam0.mp4", 10, 20, data).shm_name == ref.shm_name  # stored once
        stats = store.get_stats()
        assert (stats["puts"], stats["hits"], stats["misses"], stats["pool_usage"]) == (1, 2, 3, "1/8")
        assert stats["in_flight"] == 1 and stats["hit_rate"] == pytest.approx(0.4)
    assert store_files(store_id) == []


def test_gopref_pickles_small():
    ref = nvc.GopRef("odvd-gopstore-0-1-gop-00-1", 1024, 0, 30, "/v/cam.mp4", 7)
    assert pickle.loads(pickle.dumps(ref)) == ref and type(pickle.loads(pickle.dumps(ref))) is nvc.GopRef
    assert len(pickle.dumps(ref)) < 300
    assert nvc.GopRef("n", 100, 10, 30).pin == 0  # accvlab's four fields, positionally


def test_capacity_evicts_least_recently_used(store_id):
    with nvc.SharedGopStore.create(capacity=2, store_id=store_id) as store:
        refs = [store.put(f"/v{i}.mp4", 0, 30, bundle(256, i)) for i in range(2)]
        store.release(refs)
        store.release([store.lookup("/v0.mp4", 5)])  # v0 now more recently used than v1
        store.release([store.put("/v2.mp4", 0, 30, bundle(256, 2))])
        assert store.lookup("/v1.mp4", 5) is None and store.lookup("/v0.mp4", 5) is not None
        assert store.get_stats()["evictions"] == 1
        assert len(store_files(store_id)) == 3 + 2  # owner, lock, index and the two stored GOPs (v1 unlinked)


def test_a_ref_in_flight_survives_eviction_and_a_stale_one_raises(store_id):
    with nvc.SharedGopStore.create(capacity=1, store_id=store_id) as store:
        first = store.put("/v0.mp4", 0, 30, bundle(512, 0))
        later = [store.put(f"/v{i}.mp4", 0, 30, bundle(512, i)) for i in (1, 2)]  # evict v0, then v1
        assert store.get_stats()["evicted_in_flight"] == 2
        np.testing.assert_array_equal(store.read(first), bundle(512, 0))  # pinned: still readable
        arrays = store.get_batch(later)
        np.testing.assert_array_equal(arrays[0], bundle(512, 1))
        with pytest.raises(nvc.GopEvictedError, match=r"/v0.mp4 frames 0\.\.29"):
            store.read(first)  # its pin went with the first read, and its GOP was evicted
        assert isinstance(nvc.GopEvictedError("x"), LookupError)
        # An array read before stays valid: its file is unlinked, its mapping is its own.
        assert store.get_stats()["evicted_in_flight"] == 0
        np.testing.assert_array_equal(arrays[0], bundle(512, 1))


def test_too_many_refs_in_flight_is_a_clear_error(store_id):
    with nvc.SharedGopStore.create(capacity=2, store_id=store_id, max_in_flight=3) as store:
        refs = [store.put(f"/v{i}.mp4", 0, 30, bundle(64, i)) for i in range(3)]
        with pytest.raises(nvc.GopStoreFullError, match="3 GopRefs are in flight"):
            store.put("/v9.mp4", 0, 30, bundle(64, 9))
        with pytest.raises(nvc.GopStoreFullError):
            store.lookup("/v2.mp4", 0)
        for i, a in enumerate(store.get_batch(refs)):
            np.testing.assert_array_equal(a, bundle(64, i))
        store.release([store.put("/v9.mp4", 0, 30, bundle(64, 9))])
        assert len(store_files(store_id)) == 3 + 2  # no file of the refused put was left


def test_two_store_ids_stay_apart(store_id):
    other = store_id + 100_000_000
    with nvc.SharedGopStore.create(4, store_id) as a, nvc.SharedGopStore.create(4, other) as b:
        ra, rb = a.put("/v.mp4", 0, 30, bundle(128, 1)), b.put("/v.mp4", 0, 30, bundle(128, 2))
        np.testing.assert_array_equal(a.read(a.lookup("/v.mp4", 3)), bundle(128, 1))
        np.testing.assert_array_equal(b.read(b.lookup("/v.mp4", 3)), bundle(128, 2))
        with pytest.raises(ValueError, match="does not name a GOP of SharedGopStore"):
            a.read(rb)
        a.cleanup()
        np.testing.assert_array_equal(b.read(rb), bundle(128, 2))
        assert store_files(store_id) == [] and store_files(other)
        del ra
    assert store_files(other) == []


def test_errors(store_id):
    with pytest.raises(FileNotFoundError, match=r"create\(\)"):
        nvc.SharedGopStore.attach(4, store_id)
    with pytest.raises(RuntimeError, match=r"create\(\).*attach\(\)"):
        nvc.SharedGopStore(4, store_id, True)
    assert store_files(store_id) == []
    for bad in (0, -1, 1.5, "3"):
        with pytest.raises(ValueError, match="capacity"):
            nvc.SharedGopStore.create(bad, store_id)
    store = nvc.SharedGopStore.create(4, store_id)
    with pytest.raises(FileExistsError, match="live process"):
        nvc.SharedGopStore.create(4, store_id)
    with pytest.raises(ValueError, match="created with capacity 4"):
        nvc.SharedGopStore.attach(5, store_id)
    with pytest.raises(ValueError, match="1-D uint8"):
        store.put("/v.mp4", 0, 30, np.zeros(8, np.int16))
    with pytest.raises(ValueError, match="gop_len"):
        store.put("/v.mp4", 0, 0, bundle(8, 0))
    worker = nvc.SharedGopStore.attach(4, store_id)
    ref = worker.put("/v.mp4", 0, 30, bundle(64, 0))
    store.cleanup()
    assert store_files(store_id) == []
    with pytest.raises(ValueError, match="closed"):
        store.read(ref)
    with pytest.raises(ValueError, match="cleaned up"):
        worker.lookup("/v.mp4", 0)
    with pytest.raises(nvc.GopEvictedError, match="cleaned up"):
        worker.read(ref)
    worker.close()
    store.cleanup()  # a second time: nothing to do


def test_the_creator_going_away_removes_the_store(store_id):
    store = nvc.SharedGopStore.create(4, store_id)
    worker = nvc.SharedGopStore.attach(4, store_id)
    store.put(b"/v.mp4".decode(), 0, 30, b"bundle bytes")
    del store
    gc.collect()
    assert store_files(store_id) == []
    with pytest.raises(ValueError, match="cleaned up"):
        worker.put("/v.mp4", 30, 30, b"more")
    assert store_files(store_id) == []  # the refused put removed its file


def test_cleanup_after_close(store_id):
    store = nvc.SharedGopStore.create(4, store_id)
    worker = nvc.SharedGopStore.attach(None, store_id)
    store.close()
    store.cleanup()
    assert store_files(store_id) == []
    with pytest.raises(ValueError, match="cleaned up"):
        worker.lookup("/v.mp4", 0)


# -- several processes ------------------------------------------------------------------------------
@pytest.mark.parametrize("stage", ["written", "locked"])
def test_worker_killed_mid_put_leaves_nothing_after_cleanup(store_id, stage):
    store = nvc.SharedGopStore.create(4, store_id)
    child = multiprocessing.get_context("spawn").Process(target=put_and_die, args=(store_id, stage))
    child.start()
    child.join(60)
    assert child.exitcode == -9
    assert any("-gop-" in n for n in store_files(store_id))  # its unpublished file
    assert store.lookup("/killed/cam.mp4", 0) is None  # the index lock is free, the GOP not published
    np.testing.assert_array_equal(store.read(store.put("/v.mp4", 0, 30, bundle(64, 3))), bundle(64, 3))
    store.cleanup()
    assert store_files(store_id) == []


def test_a_forked_child_locks_apart_from_its_parent(store_id):
    """A child forked from the creator uses the store object it inherited: it opens its own lock
    (an inherited descriptor would share the parent's flock), so it waits while the parent holds it."""
    store = nvc.SharedGopStore.create(4, store_id)
    ctx = multiprocessing.get_context("fork")
    done = ctx.Queue()
    try:
        with store._locked():
            child = ctx.Process(target=put_from_fork, args=(store, done))
            child.start()
            time.sleep(0.5)
            released = time.monotonic()
        child.join(60)
        assert child.exitcode == 0 and done.get(timeout=5) >= released
        np.testing.assert_array_equal(store.read(store.lookup("/forked/cam.mp4", 3)), np.full(64, 5, np.uint8))
    finally:
        store.cleanup()


def test_create_removes_a_dead_creators_files(store_id):
    child = multiprocessing.get_context("spawn").Process(target=create_put_and_die, args=(store_id,))
    child.start()
    child.join(60)
    assert child.exitcode == -9 and any("-gop-" in n for n in store_files(store_id))
    store = nvc.SharedGopStore.create(4, store_id)
    assert not any("-gop-" in n for n in store_files(store_id)) and store.lookup("/dead/cam.mp4", 0) is None
    store.cleanup()


def _run_loader(store, dataset, start_method, cameras, prefetch_factor=2):
    """Iterates a 2-worker DataLoader over ``dataset``; main reads the refs, decodes and compares."""
    torch = pytest.importorskip("torch")
    paths, _, expected = cameras
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, collate_fn=identity, num_workers=2,
                                         multiprocessing_context=start_method, prefetch_factor=prefetch_factor)
    decoder = nvc.PyNvGopDecoder(maxfiles=len(paths), iGpu=-1)
    n = 0
    for refs, frame_ids in loader:
        frames = decoder.DecodeFromGOPListRGB(store.get_batch(refs), paths, frame_ids)
        for path, fid, frame in zip(paths, frame_ids, frames):
            assert_frames_equal(np.asarray(frame), expected[path][fid], f"{path} frame {fid}")
        n += 1
    return n


@pytest.mark.parametrize("start_method", ["spawn", "fork", "forkserver"])
def test_dataloader_random_access_equals_direct_decode(store_id, cameras, start_method):
    pytest.importorskip("torch")
    paths, counts, _ = cameras
    store = nvc.SharedGopStore.create(capacity=64, store_id=store_id)
    try:
        dataset = CameraGops(store_id, 64, paths, counts, length=200, seed=hash(start_method) % 1000)
        assert _run_loader(store, dataset, start_method, cameras) == 200
        stats = store.get_stats()
        assert stats["hits"] > 0 and stats["puts"] > 0 and stats["in_flight"] == 0
    finally:
        store.cleanup()
    assert store_files(store_id) == []


def test_capacity_smaller_than_the_gops_in_flight(store_id, cameras):
    """Capacity 2 while 2 workers x 4 prefetched samples x 6 cameras are in flight: GOPs are evicted
    from the index under the refs in flight, which still read their own bytes."""
    pytest.importorskip("torch")
    paths, counts, _ = cameras
    store = nvc.SharedGopStore.create(capacity=2, store_id=store_id)
    try:
        dataset = CameraGops(store_id, 2, paths, counts, length=60, seed=5)
        assert _run_loader(store, dataset, "fork", cameras, prefetch_factor=4) == 60
        stats = store.get_stats()
        assert stats["evictions"] > 50 and stats["in_flight"] == 0 and stats["pool_usage"] == "2/2"
    finally:
        store.cleanup()


def test_dataloader_worker_killed_mid_put(store_id, cameras):
    torch = pytest.importorskip("torch")
    paths, counts, _ = cameras
    store = nvc.SharedGopStore.create(capacity=16, store_id=store_id)
    dataset = CameraGops(store_id, 16, paths, counts, length=8, kill_at=(3, "written"))
    loader = torch.utils.data.DataLoader(dataset, batch_size=None, collate_fn=identity, num_workers=2,
                                         multiprocessing_context="fork")
    try:
        with pytest.raises(RuntimeError, match="killed by signal|exited unexpectedly"):
            for refs, _ in loader:
                store.get_batch(refs)
        assert any("-gop-" in n for n in store_files(store_id))
    finally:
        store.cleanup()
    assert store_files(store_id) == []


def test_the_store_object_pickles_as_an_attach(store_id, cameras):
    paths, counts, expected = cameras
    store = nvc.SharedGopStore.create(capacity=8, store_id=store_id)
    try:
        worker = pickle.loads(pickle.dumps(store))
        ref = fetch_refs(worker, nvc.PyNvGopDecoder(maxfiles=1, iGpu=-1), paths[:1], [counts[0] - 1])[0]
        frame = nvc.PyNvGopDecoder(maxfiles=1, iGpu=-1).DecodeFromGOPRGB(store.read(ref), paths[:1], [counts[0] - 1])[0]
        assert_frames_equal(np.asarray(frame), expected[paths[0]][counts[0] - 1])
        worker.close()
    finally:
        store.cleanup()
    with pytest.raises(ValueError, match="closed"):
        store.lookup(paths[0], 0)
