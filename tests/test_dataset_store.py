"""The dataset store (docs/dataset-store.md): ``prepare`` over a folder of 500+ generated clips (mixed
codecs, containers, sizes; a corrupt file and a non-video file among them), resumability (a rerun does
nothing; kill -9 then rerun gives the store an uninterrupted run gives), ``verify``, and GopStore's
frames against frames decoded from the files (and, for a sample, against the ffmpeg CLI's), read
locally and through fsspec; the Ray engine's store against the local engine's."""

import os
import shutil
import signal
import subprocess
import sys
import json
from pathlib import Path

import numpy as np
import pytest

pa = pytest.importorskip("pyarrow")
pytest.importorskip("tqdm")
fsspec = pytest.importorskip("fsspec")

import on_demand_video_decoder as odvd  # noqa: E402
from on_demand_video_decoder.dataset import GopStore, prepare, verify  # noqa: E402
from utils import assert_frames_equal  # noqa: E402

PY_ROOT = Path(odvd.__file__).resolve().parent.parent
# (name, container, encoder args, size, frames, gop): tiny clips, quick to make.
_X264 = ["-c:v", "libx264", "-preset", "ultrafast", "-x264-params", "keyint={g}:min-keyint={g}:scenecut=0:bframes={b}"]
_X265 = ["-c:v", "libx265", "-preset", "ultrafast", "-tag:v", "hvc1",
         "-x265-params", "keyint={g}:min-keyint={g}:scenecut=0:bframes={b}:log-level=error"]
_VP9 = ["-c:v", "libvpx-vp9", "-g", "{g}", "-keyint_min", "{g}", "-deadline", "realtime", "-cpu-used", "8"]
BASES = [
    ("h264_a", "mp4", _X264, "32x32", 10, 5, 0),
    ("h264_b", "mkv", _X264, "48x32", 24, 8, 2),
    ("h264_c", "mov", _X264, "16x16", 12, 12, 0),
    ("h264_d", "mp4", _X264, "64x48", 30, 10, 3),
    ("hevc_a", "mp4", _X265, "32x32", 10, 5, 0),
    ("hevc_b", "mkv", _X265, "64x32", 20, 10, 2),
    ("vp9_a", "webm", _VP9, "32x32", 10, 5, 0),
    ("vp9_b", "webm", _VP9, "48x48", 16, 8, 0),
]
COPIES = 63  # 8 bases x 63 copies = 504 good clips


def _ffmpeg(out: Path, enc, size: str, frames: int, gop: int, bframes: int, moov_front=True):
    args = [a.format(g=gop, b=bframes) for a in enc]
    cmd = ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25",
           "-frames:v", str(frames), *args, "-pix_fmt", "yuv420p", str(out)]
    subprocess.run(cmd, check=True)


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A folder of 504 good clips in nested folders (copies of 8 distinct ones), a corrupt MP4 (its
    index cut off), a non-video file with a video extension and a text file prepare must ignore."""
    root = tmp_path_factory.mktemp("dataset")
    base_dir = root / "_bases"
    base_dir.mkdir()
    bases = {}
    for name, ext, enc, size, frames, gop, bf in BASES:
        p = base_dir / f"{name}.{ext}"
        _ffmpeg(p, enc, size, frames, gop, bf)
        bases[name] = (p, frames)
    data = root / "videos"
    good = {}
    for k in range(COPIES):
        sub = data / f"shard{k % 7}" / f"group{k}"
        sub.mkdir(parents=True)
        for name, (p, frames) in bases.items():
            dst = sub / f"{name}_{k:03d}{p.suffix}"
            shutil.copyfile(p, dst)
            good[str(dst)] = (name, frames)
    # The index (moov) is at the end of a plain MP4: cut in half, the file has none.
    corrupt = data / "shard0" / "corrupt.mp4"
    full = bases["h264_d"][0].read_bytes()
    corrupt.write_bytes(full[: len(full) // 2])
    notvideo = data / "shard1" / "notes.mkv"
    notvideo.write_bytes(np.random.default_rng(1).integers(0, 256, 4096, dtype=np.uint8).tobytes())
    (data / "README.txt").write_text("not a video, not picked up by extension\n")
    return {"root": root, "data": data, "good": good, "bad": [str(corrupt), str(notvideo)], "bases": bases}


def _store_files(store: Path) -> dict:
    """Every file of a store (name -> bytes), but the catalogue as a table (its row content)."""
    out = {}
    for p in sorted(store.rglob("*")):
        if p.is_file():
            rel = str(p.relative_to(store))
            out[rel] = p.read_bytes() if rel.endswith(".odvds") else None
    return out


def _same_store(a: Path, b: Path):
    import pyarrow.parquet as pq

    fa, fb = _store_files(a), _store_files(b)
    assert sorted(fa) == sorted(fb)
    for name in fa:
        if name.endswith(".odvds"):
            assert fa[name] == fb[name], f"shard {name} differs"
        elif name.endswith(".parquet"):
            assert pq.read_table(a / name).equals(pq.read_table(b / name)), f"{name} differs"


@pytest.fixture(scope="module")
def store(dataset, tmp_path_factory):
    out = tmp_path_factory.mktemp("store") / "s"
    summary = prepare([str(dataset["data"])], str(out), bundles=True, workers=2, batch_videos=16, progress=False)
    return out, summary


def test_prepare_500_clips(dataset, store):
    out, summary = store
    assert summary["videos"] == len(dataset["good"]) + 2 >= 502
    assert summary["errors"] == 2
    s = GopStore(out)
    assert sorted(s.errors) == sorted(dataset["bad"])
    assert "moov" in s.errors[dataset["bad"][0]] or "not a readable" in s.errors[dataset["bad"][0]]
    assert sorted(s.videos) == sorted(dataset["good"])
    for v, (name, frames) in dataset["good"].items():
        assert s.frame_count(v) == frames
        row = s.row(v)
        assert sum(row["gop_len"]) == frames and row["gop_first_frame_id"][0] == 0
        assert all(o % 8 == 0 for o in row["gop_offset"])
    # pandas-free readers see the same rows: pyarrow's dataset reader over the file.
    import pyarrow.parquet as pq

    assert pq.read_table(out / "catalogue.parquet", columns=["path"]).num_rows == summary["videos"]
    # A rerun does nothing: nothing processed, no file written, no file touched.
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    again = prepare([str(dataset["data"])], str(out), bundles=True, workers=2, batch_videos=16, progress=False)
    assert again["processed"] == 0 and again["files_written"] == 0 and again["skipped"] == summary["videos"]
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == before
    from on_demand_video_decoder.dataset._cli import main as cli

    assert cli(["verify", str(out)]) == 0
    report = verify(str(out))
    assert report["ok"], report["problems"][:5]
    # A GopStore pickles (DataLoader workers) and reads the same bytes after.
    import pickle

    v = s.videos[0]
    assert np.array_equal(pickle.loads(pickle.dumps(s)).get(v, [0])[0], s.get(v, [0])[0])
    assert report["gops"] == sum(len(s.row(v)["gop_len"]) for v in s.videos)


@pytest.mark.parametrize("kind", ["threads", "processes"])
def test_kill9_then_rerun_equals_uninterrupted(dataset, store, tmp_path, kind):
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "on_demand_video_decoder", "prepare", str(dataset["data"]), "--out", str(out),
           "--bundles", "--workers", "2", "--batch-videos", "16"] + (["--processes"] if kind == "processes" else [])
    env = dict(os.environ, ODVD_PREPARE_KILL_AFTER_BATCHES="10",
               PYTHONPATH=os.pathsep.join([str(PY_ROOT), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert r.returncode == -signal.SIGKILL, r.stderr.decode()[-2000:]
    assert len(list((out / "parts").glob("*.parquet"))) == 10
    assert not (out / "catalogue.parquet").exists()
    env.pop("ODVD_PREPARE_KILL_AFTER_BATCHES")
    r = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    summary = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert summary["skipped"] == 160 and summary["processed"] == store[1]["videos"] - 160
    _same_store(out, store[0])


def _sample(dataset, n=16):
    names = sorted(dataset["good"])
    return [names[i] for i in np.random.default_rng(0).choice(len(names), n, replace=False)]


@pytest.mark.parametrize("where", ["local", "fsspec-file", "fsspec-memory"])
def test_frames_equal_direct_decode(dataset, store, where):
    out = store[0]
    if where == "local":
        s = GopStore(out)
    elif where == "fsspec-file":
        s = GopStore("file://" + str(out))
    else:
        mem = fsspec.filesystem("memory")
        mem.put(str(out), "/odvd-store-test", recursive=True)
        s = GopStore("memory://odvd-store-test")
    dec = odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1, suppressNoColorRangeWarning=True)
    rng = np.random.default_rng(1)
    for v in _sample(dataset):
        n = s.frame_count(v)
        ids = sorted({0, n - 1, *rng.integers(0, n, 3).tolist()})
        bundles = s.get(v, ids)
        got = dec.DecodeFromGOPListRGB(bundles, [s.bundle_path(v)] * len(ids), ids)
        want = dec.DecodeN12ToRGB([v] * len(ids), ids, fastStreamInfos=s.fastStreamInfos([v]))
        for f, w, i in zip(got, want, ids):
            assert f.frame_id == i
            assert_frames_equal(np.asarray(f), np.asarray(w), f"{where}: {v} frame {i}")
        # GetGOPList's shape, and the same GOPs as the file gives.
        for (b, first, length), (b2, first2, length2) in zip(s.get_gop_list([v] * len(ids), ids),
                                                              dec.GetGOPList([v] * len(ids), ids)):
            assert (first, length) == (first2, length2) and np.array_equal(b, b2)
    with pytest.raises(IndexError):
        s.get(v, [n])


REFERENCE_CLIPS = ["h264_gop30_bf3", "hevc_open_gop", "vp9_gop30", "av1_gop30", "h264_gop250"]


@pytest.mark.parametrize("where", ["local", "fsspec-memory"])
def test_frames_equal_ffmpeg_reference(media, reference, tmp_path, where):
    paths = {name: str(media[name].path) for name in REFERENCE_CLIPS}
    listing = tmp_path / "videos.txt"
    listing.write_text("".join(p + "\n" for p in paths.values()))
    out = tmp_path / "s"
    summary = prepare([str(listing)], str(out), bundles=True, shard_bytes=64 << 10, progress=False)
    assert summary["errors"] == 0 and summary["shards"] > 1  # 64 KiB bound: several shards
    if where == "local":
        s = GopStore(out)
    else:
        mem = fsspec.filesystem("memory")
        mem.put(str(out), f"/ref-{tmp_path.name}", recursive=True)
        s = GopStore(f"memory://ref-{tmp_path.name}")
    dec = odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1, suppressNoColorRangeWarning=True)
    for name, path in paths.items():
        ref = reference(name)
        assert s.frame_count(path) == len(ref)
        ids = sorted({0, 1, len(ref) // 2, len(ref) - 1, *np.random.default_rng(2).integers(0, len(ref), 3).tolist()})
        frames = dec.DecodeFromGOPList(s.get(path, ids), [s.bundle_path(path)] * len(ids), ids)
        for f, i in zip(frames, ids):
            assert f.pts == int(ref.pts[i])
            assert_frames_equal(np.asarray(f), ref.native(i), f"{name} frame {i} from the store")
        assert s.fastStreamInfo(path) == odvd.GetFastInitInfo([path])[0]
    for shard in s.shards.to_pylist():
        size = (out / "shards" / shard["name"]).stat().st_size
        assert size == shard["size"]


def test_url_sources(dataset, tmp_path):
    """A list of fsspec URLs: each video is copied to a local temporary file to be demuxed; its row is
    named by the URL, its bundles by the local copy (bundle_path), and the frames are the file's."""
    mem = fsspec.filesystem("memory")
    originals = {}
    for name, (path, _) in dataset["bases"].items():
        url = f"memory://urls-{tmp_path.name}/{name}{path.suffix}"
        mem.pipe(url.split("://", 1)[1], path.read_bytes())
        originals[url] = str(path)
    listing = tmp_path / "urls.txt"
    listing.write_text("".join(u + "\n" for u in originals) + "memory://nowhere/missing.mp4\n")
    out = tmp_path / "s"
    summary = prepare([str(listing)], str(out), bundles=True, progress=False)
    assert summary["videos"] == len(originals) + 1 and summary["errors"] == 1
    s = GopStore(out)
    assert sorted(s.videos) == sorted(originals)
    dec = odvd.PyNvGopDecoder(maxfiles=4, iGpu=-1, suppressNoColorRangeWarning=True)
    for url, path in originals.items():
        ids = [0, s.frame_count(url) - 1]
        got = dec.DecodeFromGOPListRGB(s.get(url, ids), [s.bundle_path(url)] * 2, ids)
        want = dec.DecodeN12ToRGB([path] * 2, ids)
        for f, w, i in zip(got, want, ids):
            assert_frames_equal(np.asarray(f), np.asarray(w), f"{url} frame {i}")
    # A rerun does nothing (the URLs' size and mtime are the key).
    assert prepare([str(listing)], str(out), bundles=True, progress=False)["processed"] == 0


def _ffprobe(path):
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_frames", "-show_entries",
                        "stream=codec_name,width,height,nb_read_frames,time_base", "-of", "json", path],
                       check=True, capture_output=True, text=True)
    return json.loads(r.stdout)["streams"][0]


def _ffprobe_gops(path):
    """GOP table from ffprobe's packets, computed here: frame ids by pts order; per key packet (decode
    order) up to the next, the smallest frame id, the frame count and [min pos, max pos + size)."""
    r = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                        "packet=pts,pos,size,flags", "-of", "json", path], check=True, capture_output=True, text=True)
    packets = json.loads(r.stdout)["packets"]
    pts = np.array([int(p["pts"]) for p in packets])
    frame_id = np.empty(len(pts), np.int64)
    frame_id[np.argsort(pts, kind="stable")] = np.arange(len(pts))
    keys = [i for i, p in enumerate(packets) if "K" in p["flags"]] + [len(packets)]
    pos = np.array([int(p["pos"]) for p in packets])
    size = np.array([int(p["size"]) for p in packets])
    gops = [(int(frame_id[a:b].min()), b - a, int(pos[a:b].min()), int((pos[a:b] + size[a:b]).max() - pos[a:b].min()))
            for a, b in zip(keys[:-1], keys[1:])]
    return [list(c) for c in zip(*gops)]


def test_metadata_rows_against_ffprobe(dataset, store):
    s = GopStore(store[0])
    codec = {"h264": 4, "hevc": 8, "vp9": 10}
    for name, (path, frames) in dataset["bases"].items():
        v = next(p for p, (n, _) in dataset["good"].items() if n == name)
        probe, row = _ffprobe(v), s.row(v)
        assert (row["width"], row["height"]) == (probe["width"], probe["height"])
        assert row["codec"] == codec[probe["codec_name"]]
        assert row["frame_count"] == int(probe["nb_read_frames"]) == frames
        num, den = probe["time_base"].split("/")
        assert (row["time_base_num"], row["time_base_den"]) == (int(num), int(den))
        assert row["size"] == os.path.getsize(v) and row["mtime_ns"] == os.stat(v).st_mtime_ns
        # The GOP table: ffprobe's key packets, frame ids and packet positions.
        firsts, lens, offsets, lengths = _ffprobe_gops(v)
        assert row["gop_first_frame_id"] == firsts and row["gop_len"] == lens, name
        assert row["gop_src_offset"] == offsets and row["gop_src_length"] == lengths, name
        # Source byte ranges: each GOP's packets, within the file, in order.
        if row["gop_src_offset"] is not None:
            ends = [o + n for o, n in zip(row["gop_src_offset"], row["gop_src_length"])]
            assert all(0 <= o < e <= row["size"] for o, e in zip(row["gop_src_offset"], ends))


def test_changes_are_redone_and_verify_finds_damage(dataset, tmp_path):
    videos = tmp_path / "v"
    shutil.copytree(dataset["data"] / "shard3", videos)
    out = tmp_path / "s"
    first = prepare([str(videos)], str(out), bundles=True, batch_videos=4, progress=False)
    assert first["errors"] == 0 and verify(str(out))["ok"]
    # A video replaced by another: only it is done again (its old GOPs stay in their shard, unreferenced).
    victim = sorted(videos.rglob("*.webm"))[0]
    shutil.copyfile(dataset["bases"]["hevc_b"][0], victim)
    again = prepare([str(videos)], str(out), bundles=True, batch_videos=4, progress=False)
    assert again["processed"] == 1 and again["videos"] == first["videos"]
    s = GopStore(out)
    assert s.frame_count(str(victim)) == 20 and s.row(str(victim))["codec"] == 8
    assert verify(str(out))["ok"]
    # A run over a subset catalogues the subset and keeps the other videos' shards: a rerun over all
    # of them does nothing.
    subset = prepare([str(victim)], str(out), bundles=True, batch_videos=4, progress=False)
    assert subset["videos"] == 1 and subset["processed"] == 0 and subset["unused_shards_removed"] == 0
    assert prepare([str(videos)], str(out), bundles=True, batch_videos=4, progress=False)["processed"] == 0
    assert verify(str(out))["ok"]
    # One prepare per store at a time (a lock the kernel drops when its holder dies).
    import fcntl

    with open(out / ".lock", "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(RuntimeError, match="another prepare"):
            prepare([str(videos)], str(out), bundles=True, progress=False)
    # A flipped byte in a shard, and a video changed after prepare, are both reported.
    shard = sorted((out / "shards").glob("*.odvds"))[0]
    data = bytearray(shard.read_bytes())
    data[200] ^= 0xFF
    shard.write_bytes(bytes(data))
    os.utime(victim, ns=(0, 10**18))
    from on_demand_video_decoder.dataset._cli import main as cli

    assert cli(["verify", str(out)]) == 1
    report = verify(str(out))
    assert not report["ok"]
    text = "\n".join(report["problems"])
    assert "checksum" in text.lower() and "changed since prepared" in text


def test_ray_engine_equals_local(dataset, tmp_path):
    ray = pytest.importorskip("ray")
    subset = tmp_path / "v"
    shutil.copytree(dataset["data"] / "shard5", subset)  # 9 groups x 8 clips
    shutil.copyfile(dataset["bad"][1], subset / "notes.mkv")
    local, remote, shared = tmp_path / "local", tmp_path / "ray", tmp_path / "ray-shared"
    a = prepare([str(subset)], str(local), bundles=True, workers=2, batch_videos=8, progress=False)
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             runtime_env={"env_vars": {"PYTHONPATH": str(PY_ROOT)}})
    try:
        # Shard bytes through the object store, and written by the tasks into a shared folder.
        b = prepare([str(subset)], str(remote), bundles=True, engine="ray", batch_videos=8, progress=False)
        c = prepare([str(subset)], str(shared), bundles=True, engine="ray", batch_videos=8, progress=False,
                    ray_shared_store=True)
    finally:
        ray.shutdown()
    assert a["videos"] == b["videos"] == c["videos"] and a["errors"] == b["errors"] == c["errors"] == 1
    _same_store(local, remote)
    _same_store(local, shared)


def test_catalogue_only_then_bundles(dataset, tmp_path):
    """Without --bundles: the catalogue alone (get says so; no bundle sizes, as no bundle was made); a
    rerun with --bundles does every video again, now with its GOPs and their sizes, and the rows are
    otherwise the same."""
    videos = tmp_path / "v"
    shutil.copytree(dataset["data"] / "shard2" / "group2", videos)
    out = tmp_path / "s"
    first = prepare([str(videos)], str(out), progress=False)
    assert first["errors"] == 0 and first["shards"] == 0
    s = GopStore(out)
    v = s.videos[0]
    with pytest.raises(ValueError, match="without --bundles"):
        s.get(v, [0])
    before = {r["path"]: r for r in s.catalogue.to_pylist()}
    assert all(r["gop_bundle_size"] is None and r["gop_count"] >= 1 for r in before.values())
    again = prepare([str(videos)], str(out), bundles=True, progress=False)
    assert again["processed"] == first["videos"] and again["shards"] >= 1
    s = GopStore(out)
    assert len(s.get(v, [0])) == 1
    for r in s.catalogue.to_pylist():
        assert len(r["gop_bundle_size"]) == r["gop_count"]
        for k, value in before[r["path"]].items():
            if k not in ("gop_shard", "gop_offset", "gop_bundle_size"):
                assert r[k] == value, k


def test_batches_close_at_batch_bytes(dataset, tmp_path):
    """--batch-mib closes a batch once its videos reach that many bytes (greedy over the sorted paths,
    at most --batch-videos each), whatever the shard bound; the store verifies."""
    videos = tmp_path / "v"
    shutil.copytree(dataset["data"] / "shard3", videos)
    paths = sorted(str(p) for p in videos.rglob("*") if p.suffix in (".mp4", ".mkv", ".mov", ".webm"))
    bound = 20_000
    expected, size, count = 0, 0, 0
    for p in paths:
        size, count = size + os.path.getsize(p), count + 1
        if size >= bound or count >= 16:
            expected, size, count = expected + 1, 0, 0
    expected += count > 0
    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "on_demand_video_decoder", "prepare", str(videos), "--out", str(out), "--bundles",
           "--batch-videos", "16", "--batch-mib", str(bound / (1 << 20))]
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(PY_ROOT), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run(cmd, env=env, capture_output=True, timeout=120)
    assert r.returncode == 0, r.stderr.decode()[-2000:]
    summary = json.loads(r.stdout.decode().strip().splitlines()[-1])
    assert summary["batches"] == expected and expected > len(paths) // 16 + 1
    assert summary["videos"] == len(paths) and verify(str(out))["ok"]
    assert json.loads((out / "prepare.json").read_text())["batch_bytes"] == int(bound / (1 << 20) * (1 << 20))


def test_prefetch_opens_files_and_leaves_errors_to_the_next_call(dataset, tmp_path):
    """_GopEngine.prefetch (process_batch opens 16 videos at once with it): the good files are open and
    indexed as a fresh open indexes them; a bad or missing one is skipped, and the next call asking for
    it raises its error."""
    d = odvd.PyNvGopDecoder(maxfiles=8, iGpu=-1)
    good = sorted(dataset["good"])[:5]
    missing = str(tmp_path / "missing.mp4")
    d._engine.prefetch(good + dataset["bad"] + [missing])
    assert d._engine.open_files == len(good)
    for p in good:
        a, b = d._engine.index_report(p), odvd._engine._index_report(p)
        assert all(np.array_equal(a[k], b[k]) for k in ("pos", "size", "pts", "flags", "frame_id")), p
    assert d._engine.open_files == len(good)  # found open, not opened again
    with pytest.raises(FileNotFoundError):
        d._engine.index_report(missing)
    for bad in dataset["bad"]:
        with pytest.raises(ValueError):
            d._engine.index_report(bad)
