"""CachedGopDecoder / CreateGopDecoder: hit and miss flags, only misses demuxed, LRU order, the byte
bound, several GOPs per file, duplicates in one call, read-only arrays, files changed on disk,
fastStreamInfos, and cached GOPs decoding to the ffmpeg reference frames."""

import os
import shutil
import threading
import time

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine
from utils import assert_frames_equal

GOP30 = "h264_gop30"      # 90 frames, key frames at 0, 30, 60
OTHER = "hevc_gop30"      # 90 frames, key frames at 0, 30, 60


@pytest.fixture
def clips(media):
    return str(media[GOP30].path), str(media[OTHER].path)


def make(**kw):
    return odvd.CreateGopDecoder(maxfiles=4, iGpu=-1, **kw)


class Spy:
    """Records the (paths, ids) of each engine GetGOPList call the cache makes for its misses."""

    def __init__(self, decoder):
        self.calls = []
        inner = decoder._decoder
        real = inner.GetGOPList

        def spy(paths, ids, infos=[], **options):
            self.calls.append((list(paths), list(ids)))
            return real(paths, ids, infos, **options)

        inner.GetGOPList = spy


def cached_gops(dec):
    """{path: [(first, len), ...]} least recently used first, from get_cache_info."""
    files = dec.get_cache_info()["cached_files"]
    return {p: [(g["first_frame_id"], g["gop_len"]) for g in f["gops"]] for p, f in files.items()}


def lru_order(dec):
    return dec.get_cache_info()["lru_order"]


# -- hits and misses -------------------------------------------------------------------------------
def test_the_seed_flow_hits_in_the_same_gop(clips):
    a, b = clips
    dec = make()
    assert dec.isCacheHit() == []
    _, first, lens = dec.GetGOP([a, b], [35, 35], useGOPCache=True)
    assert dec.isCacheHit() == [False, False] and first == [30, 30] and lens == [30, 30]
    _, first, lens = dec.GetGOP([a, b], [30, 59], useGOPCache=True)   # both ends of the GOP
    assert dec.isCacheHit() == [True, True] and first == [30, 30]
    _, first, _ = dec.GetGOP([a, b], [60, 29], useGOPCache=True)      # just past, just before
    assert dec.isCacheHit() == [False, False] and first == [60, 0]
    info = dec.get_cache_info()
    assert (info["hits"], info["misses"], info["cached_gops_count"]) == (2, 4, 4)
    assert cached_gops(dec) == {a: [(30, 30), (60, 30)], b: [(30, 30), (0, 30)]}


def test_without_use_gop_cache_nothing_is_cached_or_served(clips):
    a, b = clips
    dec = make()
    dec.GetGOP([a], [35], useGOPCache=True)
    before = dec.get_cache_info()
    _, first, _ = dec.GetGOP([a, b], [35, 5])
    assert dec.isCacheHit() == [False, False] and first == [30, 0]
    dec.GetGOPList([a], [36])
    assert dec.isCacheHit() == [False]
    assert dec.get_cache_info() == before  # not looked up, not stored


def test_only_misses_are_demuxed(clips):
    a, b = clips
    dec = make()
    spy = Spy(dec)
    dec.GetGOPList([a, b], [10, 10], useGOPCache=True)
    dec.GetGOPList([b, a, a, b], [20, 45, 0, 70], useGOPCache=True)
    assert dec.isCacheHit() == [True, False, True, False]
    assert spy.calls == [([a, b], [10, 10]), ([a, b], [45, 70])]
    dec.GetGOP([a, b, a], [31, 61, 1], useGOPCache=True)
    assert dec.isCacheHit() == [True, True, True] and len(spy.calls) == 2


def test_duplicates_in_one_call(clips):
    a, _ = clips
    dec = make()
    spy = Spy(dec)
    out = dec.GetGOPList([a, a, a, a], [3, 5, 40, 3], useGOPCache=True)
    assert [o[1] for o in out] == [[0], [0], [30], [0]]
    assert dec.isCacheHit() == [False] * 4 and len(spy.calls) == 1
    assert cached_gops(dec) == {a: [(30, 30), (0, 30)]}  # each GOP kept once; (a, 0) used last
    assert dec.get_cache_info()["cached_bytes"] == _engine._held_bytes(out[0][0]) + _engine._held_bytes(out[2][0])
    merged, first, lens = dec.GetGOP([a, a], [7, 7], useGOPCache=True)
    assert dec.isCacheHit() == [True, True] and first == [0, 0]
    frames = dec.DecodeFromGOP(merged, [a, a], [7, 7])
    assert [f.frame_id for f in frames] == [7, 7]


# -- bounds and order ------------------------------------------------------------------------------
def test_lru_eviction_order_by_count(clips):
    a, b = clips
    dec = make(cache_max_gops=3)
    for path, fid in [(a, 0), (a, 30), (b, 0)]:
        dec.GetGOPList([path], [fid], useGOPCache=True)
    assert lru_order(dec) == [(a, 0), (a, 30), (b, 0)]
    dec.GetGOPList([a], [5], useGOPCache=True)          # a hit makes (a, 0) the most recent
    assert dec.isCacheHit() == [True]
    assert lru_order(dec) == [(a, 30), (b, 0), (a, 0)]
    dec.GetGOPList([b], [65], useGOPCache=True)         # a fourth GOP evicts the least recent: (a, 30)
    assert lru_order(dec) == [(b, 0), (a, 0), (b, 60)]
    assert dec.get_cache_info()["evictions"] == 1
    dec.GetGOPList([a, a, b], [35, 1, 1], useGOPCache=True)
    assert dec.isCacheHit() == [False, True, True]      # the evicted one missed, the others were kept
    # The lookups come first (the hits move (a, 0) and (b, 0) to the end), then the miss is inserted
    # and evicts the least recent one, (b, 60).
    assert lru_order(dec) == [(a, 0), (b, 0), (a, 30)]


def test_byte_bound(clips):
    a, b = clips
    keys = [(a, 0), (b, 0), (a, 30), (b, 30), (a, 60), (b, 60)]
    bound = 200_000  # two to three of these GOPs (each holds a 64 or 128 KiB buffer)
    dec = make(cache_max_bytes=bound)
    held = {}
    for k, (path, fid) in enumerate(keys):
        dec.GetGOPList([path], [fid], useGOPCache=True)
        info = dec.get_cache_info()
        gop = info["cached_files"][path]  # the file's most recently used GOP: this one
        assert gop["first_frame_id"] == fid
        held[(path, fid)] = gop["held_bytes"]
        assert gop["held_bytes"] >= gop["packets_size_bytes"]
        kept = lru_order(dec)
        # The newest GOPs, in insertion order, as many as fit: the next older one would not.
        assert kept == keys[k + 1 - len(kept):k + 1]
        assert info["cached_bytes"] == sum(held[g] for g in kept) <= bound
        if len(kept) <= k:
            assert info["cached_bytes"] + held[keys[k - len(kept)]] > bound
    assert dec.get_cache_info()["evictions"] >= 3


def test_held_bytes_are_the_engines_buffer(clips):
    a, _ = clips
    (data, _, _), = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).GetGOPList([a], [3])
    held = _engine._held_bytes(data)
    assert held >= data.nbytes and held % 65536 == 0  # bundle buffers come in 64 KiB steps
    assert _engine._held_bytes(np.zeros(1000, np.uint8)) == 1000
    assert _engine._held_bytes(data[:10]) == 10  # a view is not the buffer's owner


def test_a_gop_larger_than_the_bound_is_returned_but_not_kept(clips, media):
    a, _ = clips
    big = str(media["h264_gop250"].path)  # a 250-frame GOP: about 175 kB
    bound = 170_000
    dec = make(cache_max_bytes=bound)
    dec.GetGOPList([a], [5], useGOPCache=True)          # a small GOP (64 or 128 KiB buffer): kept
    (data, first, _), = dec.GetGOPList([big], [40], useGOPCache=True)
    assert data.nbytes > bound and first == [0]
    assert len(dec.DecodeFromGOPListRGB([data], [big], [40])) == 1
    info = dec.get_cache_info()
    assert info["lru_order"] == [(a, 0)] and info["evictions"] == 0  # nothing else was pushed out
    dec.GetGOPList([big, a], [41, 6], useGOPCache=True)
    assert dec.isCacheHit() == [False, True]


def test_clear_cache(clips):
    a, b = clips
    dec = make()
    dec.GetGOP([a, b], [0, 0], useGOPCache=True)
    dec.clear_cache()
    info = dec.get_cache_info()
    assert info["cached_gops_count"] == 0 and info["cached_files"] == {} and info["cached_bytes"] == 0
    dec.GetGOP([a, b], [1, 1], useGOPCache=True)
    assert dec.isCacheHit() == [False, False]


def test_cache_info_has_the_seed_keys(clips):
    a, _ = clips
    dec = make()
    (data, _, _), = dec.GetGOPList([a], [70], useGOPCache=True)
    info = dec.get_cache_info()
    assert info["cached_files_count"] == 1
    entry = info["cached_files"][a]
    assert entry["first_frame_id"] == 60 and entry["gop_len"] == 30
    assert entry["frame_range"] == (60, 89) and entry["packets_size_bytes"] == data.nbytes
    assert entry["held_bytes"] == _engine._held_bytes(data)


# -- what comes out --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["h264_gop30_bf3", "hevc_open_gop", "hevc10_gop30", "av1_gop30", "vp9_gop30"])
def test_a_cached_gop_decodes_like_a_fresh_one(media, reference, name):
    path = str(media[name].path)
    ref = reference(name)
    plain = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    dec = make()
    target = len(ref) // 2
    dec.GetGOPList([path], [target], useGOPCache=True)
    (cached, first, lens), = dec.GetGOPList([path], [target], useGOPCache=True)
    assert dec.isCacheHit() == [True]
    (fresh, fresh_first, fresh_lens), = plain.GetGOPList([path], [target])
    assert (first, lens) == (fresh_first, fresh_lens)
    assert np.array_equal(cached, fresh)
    ids = list(range(first[0], first[0] + lens[0]))
    frames = dec.DecodeFromGOP(cached, [path] * len(ids), ids)
    for f, i in zip(frames, ids):
        assert_frames_equal(np.asarray(f), ref.native(i), f"{name} frame {i} from the cached GOP")


def test_merged_bundle_equals_the_engines(clips):
    a, b = clips
    dec = make()
    dec.GetGOP([a, b], [12, 70], useGOPCache=True)
    merged, first, lens = dec.GetGOP([a, b], [12, 70], useGOPCache=True)
    assert dec.isCacheHit() == [True, True]
    fresh, fresh_first, fresh_lens = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1).GetGOP([a, b], [12, 70])
    assert (first, lens) == (fresh_first, fresh_lens)
    assert np.array_equal(merged, fresh)


def test_returned_arrays_cannot_corrupt_the_cache(clips):
    a, _ = clips
    dec = make()
    (data, _, _), = dec.GetGOPList([a], [10], useGOPCache=True)
    before = data.copy()
    assert not data.flags.writeable
    with pytest.raises(ValueError):
        data[100] ^= 0xFF
    with pytest.raises(ValueError):
        data.flags.writeable = True
    # Nothing reachable from the array is the cached one: its base is an opaque capsule, and
    # reshaping or replacing the array's own contents touches only that array.
    assert not isinstance(data.base, np.ndarray)
    data.shape = (2, -1)
    data.__setstate__((1, (4,), np.dtype(np.uint8), False, b"\0\0\0\0"))
    merged, _, _ = dec.GetGOP([a], [10], useGOPCache=True)
    assert dec.isCacheHit() == [True] and merged.flags.writeable
    merged[:] = 0
    (again, _, _), = dec.GetGOPList([a], [11], useGOPCache=True)
    assert dec.isCacheHit() == [True] and np.array_equal(again, before)


def test_a_changed_file_is_not_served_stale(tmp_path, clips):
    a, b = clips
    path = str(tmp_path / "clip.mp4")
    shutil.copyfile(a, path)
    dec = make()
    (old, _, _), = dec.GetGOPList([path], [5], useGOPCache=True)
    shutil.copyfile(b, path + ".new")
    os.replace(path + ".new", path)                     # another clip under the same name
    (new, _, _), = dec.GetGOPList([path], [5], useGOPCache=True)
    assert dec.isCacheHit() == [False]
    assert dec.get_cache_info()["invalidations"] == 1
    assert np.array_equal(dec.ParseSerializedPacketBundle(new)[1], [odvd.Codec.hevc])
    assert not np.array_equal(old, new)
    os.remove(path)
    with pytest.raises(FileNotFoundError):             # a deleted file is not served from the cache
        dec.GetGOPList([path], [5], useGOPCache=True)


def _flip_a_payload_byte(path):
    """Rewrites one byte inside sample 1 (a P-frame of the first GOP) in place: same size."""
    report = _engine._index_report(path)
    k = int(np.flatnonzero(report["frame_id"] == 1)[0])
    pos = int(report["pos"][k]) + int(report["size"][k]) // 2
    with open(path, "r+b") as f:
        f.seek(pos)
        byte = f.read(1)
        f.seek(pos)
        f.write(bytes([byte[0] ^ 0xFF]))


@pytest.mark.parametrize("how", ["renamed over", "rewritten in place"])
def test_a_replaced_file_with_the_same_size_and_mtime_is_not_served_stale(tmp_path, clips, how):
    a, _ = clips
    path = str(tmp_path / "clip.mp4")
    shutil.copyfile(a, path)
    st = os.stat(path)
    dec = make()
    (old, _, _), = dec.GetGOPList([path], [5], useGOPCache=True)
    time.sleep(0.05)  # past the file system's timestamp granularity
    if how == "renamed over":  # e.g. an archive extracted again, rsync -t: a new inode
        shutil.copyfile(a, path + ".new")
        _flip_a_payload_byte(path + ".new")
        os.utime(path + ".new", ns=(st.st_atime_ns, st.st_mtime_ns))
        os.replace(path + ".new", path)
    else:  # same inode, mtime set back: only the ctime tells
        _flip_a_payload_byte(path)
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    (new, _, _), = dec.GetGOPList([path], [5], useGOPCache=True)
    assert dec.isCacheHit() == [False]
    (fresh, _, _), = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1).GetGOPList([path], [5])
    assert np.array_equal(new, fresh) and not np.array_equal(new, old)
    (again, _, _), = dec.GetGOPList([path], [6], useGOPCache=True)
    assert dec.isCacheHit() == [True] and np.array_equal(again, fresh)


# -- fastStreamInfos and errors --------------------------------------------------------------------
def test_fast_stream_infos_are_checked_on_hits_and_misses(clips):
    a, b = clips
    dec = make()
    infos = odvd.GetFastInitInfo([a, b])
    dec.GetGOP([a, b], [0, 0], fastStreamInfos=infos, useGOPCache=True)
    dec.GetGOP([a, b], [1, 1], fastStreamInfos=infos, useGOPCache=True)
    assert dec.isCacheHit() == [True, True]
    with pytest.raises(ValueError, match=r"fastStreamInfos\[1\] does not match"):
        dec.GetGOP([a, b], [2, 2], fastStreamInfos=[infos[0]] * 2, useGOPCache=True)  # both hits
    with pytest.raises(ValueError, match=r"fastStreamInfos\[0\] does not match"):
        dec.GetGOPList([b], [50], fastStreamInfos=infos[:1], useGOPCache=True)  # a miss
    with pytest.raises(ValueError, match="2 entries for 1 files"):
        dec.GetGOPList([a], [3], fastStreamInfos=infos, useGOPCache=True)


def test_errors_leave_the_cache_as_it_was(clips, tmp_path):
    a, b = clips
    dec = make()
    dec.GetGOP([a], [0], useGOPCache=True)
    dec.GetGOP([a], [1], useGOPCache=True)
    before = dec.get_cache_info()
    with pytest.raises(IndexError):
        dec.GetGOP([a, a], [5, 90], useGOPCache=True)
    assert dec.isCacheHit() == []  # no flags from a call that raised
    assert dec.get_cache_info() == before  # nor counts
    with pytest.raises(IndexError):
        dec.GetGOPList([a], [500])
    assert dec.isCacheHit() == []
    before = before["cached_files"]
    with pytest.raises(IndexError):
        dec.GetGOP([b, a], [5, 90], useGOPCache=True)
    with pytest.raises(FileNotFoundError):
        dec.GetGOPList([str(tmp_path / "missing.mp4")], [0], useGOPCache=True)
    with pytest.raises(ValueError, match="differ in length"):
        dec.GetGOPList([a, b], [0], useGOPCache=True)
    with pytest.raises(TypeError):
        dec.GetGOPList(a, [0], useGOPCache=True)
    with pytest.raises(TypeError, match="frame_ids must be a list of integers"):
        dec.GetGOPList([a], 5, useGOPCache=True)
    with pytest.raises(TypeError, match="frame_ids must be a list of integers"):
        dec.GetGOPList([a], [True], useGOPCache=True)
    assert dec.get_cache_info()["cached_files"] == before


def test_factory_arguments_and_direct_construction():
    with pytest.raises(RuntimeError, match="CreateGopDecoder"):
        odvd.CachedGopDecoder(odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1))
    with pytest.raises(ValueError, match="cache_max_gops=0"):
        make(cache_max_gops=0)
    with pytest.raises(TypeError, match="cache_max_bytes"):
        make(cache_max_bytes=1.5)
    with pytest.raises(ValueError, match="maxfiles"):
        odvd.CreateGopDecoder(maxfiles=0, iGpu=-1)
    with pytest.raises(TypeError, match="maxfiles must be an int, not bool"):
        odvd.CreateGopDecoder(maxfiles=True, iGpu=-1)


def test_other_methods_are_the_inner_decoders(clips, media, reference):
    a, _ = clips
    dec = make()
    assert dec.device == "cpu"
    assert {"DecodeFromGOPRGB", "LoadGops", "GetGOP", "isCacheHit"} <= set(dir(dec))
    ref = reference(GOP30)
    assert_frames_equal(np.asarray(dec.Decode([a], [44])[0]), ref.native(44), "proxied Decode")
    dec.release_decoder()
    dec.release_device_memory()
    with pytest.raises(AttributeError):
        dec.NoSuchMethod


def test_threads_share_one_cache(clips):
    a, b = clips
    dec = make(cache_max_gops=4)
    plain = odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1)
    want = {(p, g): plain.GetGOPList([p], [g])[0][0] for p in clips for g in (0, 30, 60)}
    errors = []

    def work(seed):
        rng = np.random.default_rng(seed)
        try:
            for _ in range(40):
                p = clips[rng.integers(2)]
                fid = int(rng.integers(90))
                (data, first, _), = dec.GetGOPList([p], [fid], useGOPCache=True)
                assert np.array_equal(data, want[(p, first[0])])
        except Exception as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]
    info = dec.get_cache_info()
    assert info["cached_gops_count"] <= 4 and info["hits"] + info["misses"] == 160


def test_gop_cache_capacity_as_accvlab_names_it(media):
    """accvlab's newer CreateGopDecoder(..., gopCacheCapacity=N) and get_cache_info()["cache_capacity"],
    in the order of accvlab's own LRU test: two files cached, the first touched again, a third file
    evicts the second."""
    files = [str(media[name].path) for name in (GOP30, OTHER, "h264_gop30_bf3")]
    dec = odvd.CreateGopDecoder(6, -1, False, 2)  # positional, as accvlab's signature orders them
    assert dec.get_cache_info()["cache_capacity"] == 2
    dec = odvd.CreateGopDecoder(maxfiles=6, iGpu=-1, gopCacheCapacity=2)
    dec.GetGOPList([files[0]], [10], useGOPCache=True)
    dec.GetGOPList([files[1]], [10], useGOPCache=True)
    info = dec.get_cache_info()
    assert (info["cache_capacity"], info["max_gops"], info["cached_files_count"]) == (2, 2, 2)
    assert set(info["cached_files"]) == set(files[:2])
    dec.GetGOPList([files[0]], [info["cached_files"][files[0]]["first_frame_id"]], useGOPCache=True)
    assert dec.isCacheHit() == [True]
    dec.GetGOPList([files[2]], [10], useGOPCache=True)
    info = dec.get_cache_info()
    assert info["cached_files_count"] == 2 and set(info["cached_files"]) == {files[0], files[2]}


def test_gop_cache_capacity_arguments():
    assert make().get_cache_info()["cache_capacity"] == 256  # the default bound
    assert make(gopCacheCapacity=5, cache_max_gops=5).get_cache_info()["cache_capacity"] == 5
    with pytest.raises(ValueError, match="same bound"):
        make(gopCacheCapacity=5, cache_max_gops=6)
    with pytest.raises(ValueError, match="gopCacheCapacity=0"):
        make(gopCacheCapacity=0)
    with pytest.raises(TypeError, match="gopCacheCapacity"):
        make(gopCacheCapacity=True)
    with pytest.raises(TypeError, match="gopCacheCapacity"):
        make(gopCacheCapacity=2.0)
