"""The PyTorch datasets (on_demand_video_decoder.torch) against the ffmpeg references of the same frames
(NumPy twin of docs/color.md), and against direct decodes where output options apply; the separation
pattern's batch byte-identical to DecodeN12ToRGB of the same frames; workers under each start
method; progress bars only on a terminal."""

import io
import multiprocessing

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import on_demand_video_decoder as odvd  # noqa: E402
from on_demand_video_decoder.torch import (  # noqa: E402
    ClipDataset, GopBundles, RandomClipDataset, SeparatedLoader, ShardedSampler, VideoCollectionDataset,
    collate_clips, collate_gops, decode_batch, video_collection_loader)
from color_reference import native_to_rgb  # noqa: E402
from gop_cases import color_spec  # noqa: E402
from utils import assert_frames_equal  # noqa: E402

CLIPS = ["h264_gop30", "hevc_gop30"]  # 90 frames each, 176x144
NORMALISED = dict(size=(72, 96), dtype="float32", mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))


@pytest.fixture(scope="module")
def clips(media, reference):
    """(paths, expected(path, frame_id) -> CHW uint8 reference)."""
    paths = [str(media[c].path) for c in CLIPS]
    refs = {p: (reference(c), color_spec(p, reference(c).height)) for p, c in zip(paths, CLIPS)}

    def expected(path, i):
        ref, (matrix, rng) = refs[path]
        return np.ascontiguousarray(native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng).transpose(2, 0, 1))

    return paths, expected


def _check_reference(frames, paths, ids, expected, what):
    frames = frames.numpy()
    assert frames.shape[0] == len(ids)
    for f, p, i in zip(frames, paths, ids):
        assert_frames_equal(f, expected(p, i), f"{what}: {p} frame {i}")


# -- VideoCollectionDataset ---------------------------------------------------------------------------
def test_collection_every_kth_frame(clips):
    paths, expected = clips
    ds = VideoCollectionDataset(paths, batch_size=7, every=4)
    batches = list(ds)
    got = [(p, int(i)) for b in batches for p, i in zip(b["video_paths"], b["frame_indices"])]
    assert got == [(p, i) for p in paths for i in range(0, 90, 4)]
    assert ds.num_frames == len(got) == 46
    assert [len(b["frame_indices"]) for b in batches] == [7] * 6 + [4]
    for b in batches:  # batch 3 spans the end of one video and the start of the next
        assert b["frames"].shape[1:] == (3, 144, 176) and b["frames"].dtype == torch.uint8
        _check_reference(b["frames"], b["video_paths"], b["frame_indices"].tolist(), expected, "collection")
    assert [len(b["frame_indices"]) for b in VideoCollectionDataset(paths, 7, 4, drop_last=True)] == [7] * 6


def test_collection_workers_take_whole_videos(clips):
    paths, expected = clips
    loader = video_collection_loader(paths * 2, batch_size=16, every=3, num_workers=2, multiprocessing_context="fork")
    seen = {}
    for b in loader:
        assert len(set(b["video_paths"])) == 1  # 30 frames per video: batches of 16 do not mix videos
        for p, i in zip(b["video_paths"], b["frame_indices"].tolist()):
            seen.setdefault(p, []).append(i)
    assert {p: sorted(v) for p, v in seen.items()} == {p: sorted(list(range(0, 90, 3)) * 2) for p in paths}
    # DDP: video i goes to shard i % (world_size * workers); ranks built in one process.
    shards = [VideoCollectionDataset(paths + paths[:1], every=30, rank=r, world_size=2, progress=False)
              for r in range(2)]
    assert [s.videos_of_this_shard() for s in shards] == [[0, 2], [1]]
    assert [set(b["video_paths"] for b in s) for s in shards] == [{paths[0]}, {paths[1]}]  # one frame an item


H264_CLIPS = ["h264_gop12", "h264_gop30", "h264_gop30_bf3"]  # 60 + 90 + 90 frames, 176x144


@pytest.mark.parametrize("workers,context", [(0, None), (1, "fork"), (1, "spawn"), (2, "fork"), (2, "spawn")])
def test_collection_frames_batched_by_the_dataloader(media, reference, workers, context):
    """The default dataset yields one frame per item, so DataLoader(batch_size=4) batches them: an epoch
    covers every frame of three H.264 clips exactly once, each equal to the ffmpeg reference."""
    paths = [str(media[c].path) for c in H264_CLIPS]
    refs = {p: (reference(c), color_spec(p, reference(c).height)) for p, c in zip(paths, H264_CLIPS)}
    ds = VideoCollectionDataset(paths, progress=False)
    loader = torch.utils.data.DataLoader(ds, batch_size=4, num_workers=workers, multiprocessing_context=context)
    seen = []
    for batch in loader:
        assert set(batch) == {"frames", "video_paths", "frame_indices"}
        n = len(batch["video_paths"])
        assert 1 <= n <= 4 and batch["frames"].shape == (n, 3, 144, 176) and batch["frames"].dtype == torch.uint8
        assert batch["frame_indices"].dtype == torch.int64 and batch["frame_indices"].shape == (n,)
        for frame, path, i in zip(batch["frames"].numpy(), batch["video_paths"], batch["frame_indices"].tolist()):
            ref, (matrix, rng) = refs[path]
            want = native_to_rgb(ref.native(i), ref.bit_depth, matrix, rng).transpose(2, 0, 1)
            assert_frames_equal(frame, want, f"{path} frame {i} ({workers} workers, {context})")
            seen.append((path, i))
    expected = [(p, i) for p, c in zip(paths, H264_CLIPS) for i in range(len(reference(c)))]  # ffmpeg's count
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected) == 240
    with pytest.raises(ValueError, match="drop_last"):
        VideoCollectionDataset(paths, drop_last=True, progress=False)


def test_collection_output_options_equal_direct_decodes(clips):
    paths, _ = clips
    ds = VideoCollectionDataset(paths, batch_size=5, every=20, **NORMALISED)
    direct = odvd.PyNvGopDecoder(2, iGpu=-1)
    for b in ds:
        assert b["frames"].shape[1:] == (3, 72, 96) and b["frames"].dtype == torch.float32
        want = direct.DecodeN12ToRGB(b["video_paths"], b["frame_indices"].tolist(), layout="CHW", stack=True,
                                     **NORMALISED)[0]
        assert np.array_equal(b["frames"].numpy(), np.asarray(want))


def test_collection_image_folders(clips, tmp_path):
    pytest.importorskip("PIL")
    from on_demand_video_decoder._png import write_png

    paths, expected = clips
    folder = tmp_path / "images"
    folder.mkdir()
    for k, i in enumerate([3, 40, 77]):
        write_png(str(folder / f"{k:03d}.png"), np.ascontiguousarray(expected(paths[0], i).transpose(1, 2, 0)))
    (folder / "notes.txt").write_text("not an image")
    ds = VideoCollectionDataset([paths[1], str(folder)], batch_size=4, every=30)
    batches = list(ds)
    got = [(p, int(i)) for b in batches for p, i in zip(b["video_paths"], b["frame_indices"])]
    assert got == [(paths[1], 0), (paths[1], 30), (paths[1], 60), (str(folder), 0)]
    frames = torch.cat([b["frames"] for b in batches]).numpy()
    for k, (p, i) in enumerate(got[:3]):
        assert_frames_equal(frames[k], expected(p, i), f"video frame {i}")
    assert_frames_equal(frames[3], expected(paths[0], 3), "image 0")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        VideoCollectionDataset([str(tmp_path / "empty")])


# -- clip datasets ------------------------------------------------------------------------------------
def test_clip_dataset_camera_sets_and_single_videos(clips):
    paths, expected = clips
    ds = ClipDataset([(paths, 0), (paths, 25), (paths[1], 60)], num_frames=3, stride=4)
    sample = ds[1]
    assert sample["frames"].shape == (2, 3, 3, 144, 176)
    assert sample["frame_indices"].tolist() == [25, 29, 33] and sample["video_paths"] == paths
    for c, p in enumerate(paths):
        _check_reference(sample["frames"][c], [p] * 3, [25, 29, 33], expected, f"camera {c}")
    single = ds[-1]
    assert single["frames"].shape == (3, 3, 144, 176)
    _check_reference(single["frames"], [paths[1]] * 3, [60, 64, 68], expected, "single video")
    batch = collate_clips([ds[0], ds[1]])
    assert batch["frames"].shape == (2, 2, 3, 3, 144, 176) and batch["start"].tolist() == [0, 25]
    with pytest.raises(IndexError):
        ds[3]
    with pytest.raises(ValueError, match="run past the end"):
        ClipDataset([(paths, 82)], num_frames=3, stride=4)  # 82 + 8 = frame 90: past the end
    assert len(ClipDataset([(paths, 81)], num_frames=3, stride=4)) == 1


def test_random_clips_are_seeded_per_epoch(clips):
    paths, _ = clips
    ds = RandomClipDataset([paths, [paths[0]], paths[1]], num_samples=20, num_frames=4, stride=5, seed=11)
    draw = [ds.clip(i) for i in range(20)]
    assert all(0 <= start <= 90 - 16 for _, _, start in draw)
    assert len({(v, s) for v, _, s in draw}) > 10
    assert [ds.clip(i) for i in range(20)] == draw  # deterministic
    same = RandomClipDataset([paths, [paths[0]], paths[1]], 20, 4, stride=5, seed=11)
    assert [same.clip(i) for i in range(20)] == draw
    ds.set_epoch(1)
    assert [ds.clip(i) for i in range(20)] != draw
    ds.set_epoch(0)
    direct = odvd.PyNvGopDecoder(2, iGpu=-1)
    for i in (0, 1):
        videos, is_set, start = draw[i]
        sample = ds[i]
        ids = list(range(start, start + 16, 5))
        want = direct.DecodeN12ToRGB([v for v in videos for _ in ids], ids * len(videos), layout="CHW",
                                     stack=True)[0]
        assert np.array_equal(sample["frames"].reshape(-1, 3, 144, 176).numpy(), np.asarray(want))
        assert sample["frames"].ndim == (5 if is_set else 4)
    with pytest.raises(ValueError, match="fewer than a clip spans"):
        RandomClipDataset([paths], 1, num_frames=10, stride=10)


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
def test_clip_dataset_workers(clips, method):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"start method {method} not available here")
    paths, _ = clips
    ds = ClipDataset([(paths, s) for s in (0, 31, 62, 85)], num_frames=2, stride=2)
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, multiprocessing_context=method,
                                         collate_fn=collate_clips)
    got = torch.cat([b["frames"] for b in loader])
    want = torch.stack([ds[i]["frames"] for i in range(len(ds))])
    assert torch.equal(got, want)


# -- the separation pattern -------------------------------------------------------------------------
@pytest.mark.parametrize("output", [{}, NORMALISED], ids=["uint8", "normalised"])
def test_decode_batch_equals_direct_decode(clips, output):
    paths, _ = clips
    ds = ClipDataset([(paths, 0), (paths, 28), (paths, 40)], num_frames=3, stride=1)
    bundles = GopBundles(ds)
    samples = [bundles[i] for i in range(len(ds))]
    assert len(samples[1].bundles) == 4  # frames 28, 29 | 30: two GOPs per camera
    batch = collate_gops(samples)
    assert len(batch.bundles) == 4  # GOPs 0 and 30 of each camera, each once across the batch
    decoder = odvd.PyNvGopDecoder(4, iGpu=-1)
    out = decode_batch(decoder, batch, **output)
    assert out["frames"].shape[:3] == (3, 2, 3) and out["frame_indices"][1, 0].tolist() == [28, 29, 30]
    direct = decoder.DecodeN12ToRGB(batch.video_paths, batch.frame_indices, layout="CHW", stack=True, **output)[0]
    flat = out["frames"].reshape(-1, *out["frames"].shape[3:])
    assert flat.dtype == torch.from_dlpack(direct).dtype
    assert flat.numpy().tobytes() == np.asarray(direct).tobytes()  # byte-identical
    with pytest.raises(ValueError, match="different shapes"):
        decode_batch(decoder, collate_gops([samples[0], GopBundles(ClipDataset([(paths[0], 0)], 3))[0]]))


def test_separated_loader_with_workers_and_sampler(clips):
    paths, expected = clips
    ds = RandomClipDataset([paths], num_samples=6, num_frames=2, stride=3, seed=5)
    decoder = odvd.PyNvGopDecoder(4, iGpu=-1)
    sampler = ShardedSampler(len(ds), rank=0, world_size=1, seed=1)
    # spawn: the workers get the dataset (and its per-process demuxer) by pickling.
    loader = SeparatedLoader(ds, decoder, batch_size=4, sampler=sampler, num_workers=2,
                             multiprocessing_context="spawn")
    loader.set_epoch(2)
    assert ds.epoch == 2 and sampler.epoch == 2
    order = list(sampler)
    batches = list(loader)
    assert [len(b["frames"]) for b in batches] == [4, 2]
    starts = [e["start"] for b in batches for e in b["extras"]]
    assert starts == [ds.clip(i)[2] for i in order]
    for b in batches:
        for frames, ids in zip(b["frames"], b["frame_indices"]):
            for c, p in enumerate(paths):
                _check_reference(frames[c], [p] * 2, ids[c].tolist(), expected, "separated loader")


# -- progress -----------------------------------------------------------------------------------------
def test_progress_only_on_a_terminal(clips, capsys):
    pytest.importorskip("tqdm")
    from on_demand_video_decoder._progress import progress

    paths, _ = clips
    VideoCollectionDataset(paths, every=30)  # a scan, standard error not a terminal
    assert capsys.readouterr().err == ""

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    for stream, shown in ((io.StringIO(), False), (Terminal(), True)):
        assert list(progress(range(3), total=3, desc="scan", file=stream)) == [0, 1, 2]
        assert ("scan" in stream.getvalue()) == shown
    forced = io.StringIO()
    list(progress(range(3), desc="forced", enabled=True, file=forced))
    assert "forced" in forced.getvalue()
