"""The examples of the seed API's reference (accvlab.on_demand_video_decoder, 003), run as written.

Each example below is the seed's text without its prompts, run with exec in a folder where the file
names it uses (video1.mp4, v0.mp4, ...) are links to 90-frame test clips, with the package's public
names in scope. Adaptations, each listed in docs/seed-api.md, are applied by `adapt` or marked
"ADAPTED" in the text:
- the package is imported as ``on_demand_video_decoder`` (not ``accvlab.on_demand_video_decoder``);
- without a usable GPU, ``iGpu=0`` becomes ``iGpu=-1`` and ``device='cuda'`` becomes ``device='cpu'``
  (iGpu=0 demands GPU 0, docs/design.md "Devices");
- names an example uses without defining them (``decoder``, ``files``, ``packets``) are defined or
  fixed, and the drop_videos_cache example's ``>>> elif`` lines are joined into one if/elif chain.
After each example, its results are checked against the ffmpeg reference or the seed's comments.
"""

import os
import textwrap

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from conftest import cuda_unusable_reason
from utils import assert_frames_equal

# Seed file name -> test clip (90 frames, GOP 30).
LINKS = {
    "video.mp4": "h264_gop30",
    "video1.mp4": "h264_gop30",
    "video2.mp4": "hevc_gop30_bf3",
    "video3.mp4": "h264_gop30_bf3",
    "v0.mp4": "hevc_gop30",
    "v1.mp4": "h264_gop30_bf3",
    "v2.mp4": "vp9_gop30",
}


def adapt(code: str) -> str:
    if cuda_unusable_reason() is not None:
        code = code.replace("iGpu=0", "iGpu=-1").replace("device='cuda'", "device='cpu'")
    return code.replace("accvlab.on_demand_video_decoder", "on_demand_video_decoder")


@pytest.fixture
def run(media, tmp_path, monkeypatch):
    for name, clip in LINKS.items():
        os.symlink(media[clip].path, tmp_path / name)
    monkeypatch.chdir(tmp_path)

    def run_example(code: str) -> dict:
        ns = {name: getattr(odvd, name) for name in odvd.__all__}
        exec(compile(adapt(textwrap.dedent(code)), "<seed example>", "exec"), ns)
        return ns

    return run_example


def native(reference, seed_name, frame_id):
    return reference(LINKS[seed_name]).native(frame_id)


def check_native(frames, names, ids, reference):
    assert len(frames) == len(ids)
    for f, name, i in zip(frames, names, ids):
        assert f.frame_id == i
        assert_frames_equal(np.asarray(f), native(reference, name, i), f"{name} frame {i}")


# -- PyNvGopDecoder ----------------------------------------------------------------------------------
def test_gop_decoder_decode(run, reference, capsys):
    ns = run("""
        decoder = PyNvGopDecoder(maxfiles=10)
        frames = decoder.Decode(['video1.mp4', 'video2.mp4'], [0, 10])
        print(f"Decoded {len(frames)} frames")
    """)
    check_native(ns["frames"], ["video1.mp4", "video2.mp4"], [0, 10], reference)
    assert "Decoded 2 frames" in capsys.readouterr().out


def test_gop_decoder_separation(run, reference, capsys):
    ns = run("""
        decoder = PyNvGopDecoder(maxfiles=10)  # ADAPTED: the seed's examples assume a decoder
        gop_data, first_ids, gop_lens = decoder.GetGOP(['video.mp4', 'video2.mp4'], [0, 10])
        frames = decoder.DecodeFromGOP(gop_data, ['video.mp4', 'video2.mp4'], [0, 10])
        gop_data, first_ids, gop_lens = decoder.GetGOP(['video.mp4', 'video2.mp4'], [0, 10])
        rgb_frames = decoder.DecodeFromGOPRGB(gop_data, ['video.mp4', 'video2.mp4'], [0, 10], as_bgr=True)
        decoder = PyNvGopDecoder(maxfiles=10)
        rgb_frames2 = decoder.DecodeN12ToRGB(['video.mp4', 'video2.mp4'], [0, 10], as_bgr=True)
        print(f"Decoded {len(rgb_frames2)} RGB frames")
        decoder = PyNvGopDecoder(maxfiles=10)
        gop_data, first_ids, gop_lens = decoder.GetGOP(['video.mp4', 'video2.mp4'], [0, 10])
        print(f"Extracted GOP data for {len(first_ids)} GOPs")
    """)
    check_native(ns["frames"], ["video.mp4", "video2.mp4"], [0, 10], reference)
    for a, b in zip(ns["rgb_frames"], ns["rgb_frames2"]):
        assert a.isBGR and np.array_equal(np.asarray(a), np.asarray(b))
    assert ns["first_ids"] == [0, 0] and ns["gop_lens"] == [30, 30]
    out = capsys.readouterr().out
    assert "Decoded 2 RGB frames" in out and "Extracted GOP data for 2 GOPs" in out


def test_gop_decoder_gop_list(run, capsys):
    run("""
        decoder = PyNvGopDecoder(maxfiles=10)
        results = decoder.GetGOPList(
            ['video1.mp4', 'video2.mp4'],
            [0, 10]
        )
        for i, (gop_data, first_ids, gop_lens) in enumerate(results):
            print(f"Video {i}: GOP data size = {len(gop_data)}")
            print(f"  First frame IDs: {first_ids}")
            print(f"  GOP lengths: {gop_lens}")
    """)
    out = capsys.readouterr().out
    assert out.count("First frame IDs: [0]") == 2 and out.count("GOP lengths: [30]") == 2


def test_gop_decoder_gop_files_per_video(run, reference):
    ns = run("""
        # Workflow 1: Save GOP data to separate files (from GetGOPList)
        decoder = PyNvGopDecoder(maxfiles=10)
        gop_list = decoder.GetGOPList(['v1.mp4', 'v2.mp4'], [0, 10])
        for i, (gop_data, _, _) in enumerate(gop_list):
            SavePacketsToFile(gop_data, f'gop_{i}.bin')
        # Workflow 2: Load GOP data back and decode
        loaded_gop_list = decoder.LoadGopList(['gop_0.bin', 'gop_1.bin'])
        frames = decoder.DecodeFromGOPListRGB(
            loaded_gop_list,
            ['v1.mp4', 'v2.mp4'],
            [0, 10],
            as_bgr=True
        )
        # Workflow 3: Selective loading (only load needed videos)
        # Only load video 1's GOP data
        loaded_gop = decoder.LoadGopList(['gop_1.bin'])
        frames3 = decoder.DecodeFromGOPListRGB(
            loaded_gop,
            ['v2.mp4'],
            [10],
            as_bgr=True
        )
    """)
    direct = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1).DecodeN12ToRGB(["v1.mp4", "v2.mp4"], [0, 10], as_bgr=True)
    for got, want in zip(ns["frames"] + ns["frames3"], direct + direct[1:]):
        assert np.array_equal(np.asarray(got), np.asarray(want))


def test_gop_decoder_one_file_several_frames(run, reference):
    ns = run("""
        decoder = PyNvGopDecoder(maxfiles=10)
        frames = decoder.Decode(['video1.mp4'], [0, 10, 20])
        decoder.release_decoder()  # Free decoder instances
        decoder = PyNvGopDecoder(maxfiles=10)
        frames2 = decoder.Decode(['video1.mp4'], [0, 10, 20])
        decoder.release_device_memory()  # Free GPU memory pool
    """)
    check_native(ns["frames"], ["video1.mp4"] * 3, [0, 10, 20], reference)
    check_native(ns["frames2"], ["video1.mp4"] * 3, [0, 10, 20], reference)


def test_save_packets_to_file(run):
    ns = run("""
        decoder = PyNvGopDecoder(maxfiles=10)  # ADAPTED: the seed's examples assume a decoder
        gop_data, first_ids, gop_lens = decoder.GetGOP(['v0.mp4', 'v1.mp4', 'v2.mp4'], [0, 10, 20])
        SavePacketsToFile(gop_data, 'cached_packets.bin')  # ADAPTED: the seed saves `packets`, never defined
    """)
    assert np.array_equal(np.fromfile("cached_packets.bin", np.uint8), ns["gop_data"])


# -- PyNvSampleReader / CreateSampleReader -----------------------------------------------------------
def test_sample_reader_decode(run, reference, capsys):
    ns = run("""
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        frames = reader.Decode(['video1.mp4', 'video2.mp4'], [0, 10])
        print(f"Decoded {len(frames)} frames")
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        rgb_frames = reader.DecodeN12ToRGB(['video1.mp4', 'video2.mp4'], [0, 10], as_bgr=True)
        print(f"Decoded {len(rgb_frames)} RGB frames")
    """)
    check_native(ns["frames"], ["video1.mp4", "video2.mp4"], [0, 10], reference)
    assert all(f.isBGR for f in ns["rgb_frames"])
    out = capsys.readouterr().out
    assert "Decoded 2 frames" in out and "Decoded 2 RGB frames" in out


def test_sample_reader_async_with_torch(run):
    pytest.importorskip("torch")
    ns = run("""
        import torch
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        reader.DecodeN12ToRGBAsync(['video1.mp4', 'video2.mp4'], [0, 10], as_bgr=False)
        # Do other work...
        frames = reader.DecodeN12ToRGBAsyncGetBuffer(['video1.mp4', 'video2.mp4'], [0, 10], False)
        # Process frames (memory is zero-copy referenced by PyTorch tensors)
        tensor_list = [torch.as_tensor(frame, device='cuda').clone() for frame in frames]
    """)
    sync = odvd.PyNvSampleReader(1, 2, iGpu=-1).DecodeN12ToRGB(["video1.mp4", "video2.mp4"], [0, 10])
    for t, f in zip(ns["tensor_list"], sync):
        assert np.array_equal(t.cpu().numpy(), np.asarray(f))


def test_sample_reader_async(run):
    ns = run("""
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        reader.DecodeN12ToRGBAsync(['video1.mp4', 'video2.mp4'], [0, 10], as_bgr=False)
        # Do other work...
        frames = reader.DecodeN12ToRGBAsyncGetBuffer(['video1.mp4', 'video2.mp4'], [0, 10], False)
    """)
    sync = odvd.PyNvSampleReader(1, 2, iGpu=-1).DecodeN12ToRGB(["video1.mp4", "video2.mp4"], [0, 10])
    for a, b in zip(ns["frames"], sync):
        assert np.array_equal(np.asarray(a), np.asarray(b))


def test_sample_reader_resources_and_factory(run, reference):
    ns = run("""
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        frames = reader.Decode(['video1.mp4'], [0, 10, 20])
        reader.clearAllReaders()  # Clean up resources
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        frames = reader.Decode(['video1.mp4'], [0, 10, 20])
        reader.release_decoder()  # Free decoder instances
        reader = PyNvSampleReader(num_of_set=2, num_of_file=3)
        frames = reader.Decode(['video1.mp4'], [0, 10, 20])
        reader.release_device_memory()  # Free GPU memory pool
        reader = CreateSampleReader(num_of_set=2, num_of_file=3, iGpu=0)
        frames2 = reader.Decode(['v0.mp4', 'v1.mp4'], [0, 10])
    """)
    check_native(ns["frames"], ["video1.mp4"] * 3, [0, 10, 20], reference)
    check_native(ns["frames2"], ["v0.mp4", "v1.mp4"], [0, 10], reference)


# -- GetFastInitInfo ---------------------------------------------------------------------------------
def test_get_fast_init_info(run):
    ns = run("""
        stream_infos = GetFastInitInfo(['video1.mp4', 'video2.mp4'])
    """)
    infos = ns["stream_infos"]
    assert [i.codec_id for i in infos] == [27, 173] and all(i.num_frames == 90 for i in infos)


# -- CachedGopDecoder / CreateGopDecoder -------------------------------------------------------------
def test_cached_gop_decoder_get_gop(run):
    ns = run("""
        files = ['video1.mp4', 'video2.mp4']  # ADAPTED: the seed's example uses `files` undefined
        decoder = CreateGopDecoder(maxfiles=6, iGpu=0)
        # First call - fetches from video files
        packets, first_ids, gop_lens = decoder.GetGOP(files, [77, 77], useGOPCache=True)
        hits1 = decoder.isCacheHit()
        # Second call with frame_id in same GOP range - returns from cache
        packets, first_ids, gop_lens = decoder.GetGOP(files, [80, 80], useGOPCache=True)
        hits2 = decoder.isCacheHit()
    """)
    assert ns["hits1"] == [False, False] and ns["hits2"] == [True, True] and ns["first_ids"] == [60, 60]


def test_cached_gop_decoder_is_cache_hit(run):
    ns = run("""
        decoder = CreateGopDecoder(maxfiles=6, iGpu=0)
        files = ['video1.mp4', 'video2.mp4', 'video3.mp4']
        packets, first_ids, gop_lens = decoder.GetGOP(files, [77, 77, 77], useGOPCache=True)
        cache_hits = decoder.isCacheHit()
        # cache_hits = [False, False, False]  # First call, all miss
        first_hits = cache_hits

        packets, first_ids, gop_lens = decoder.GetGOP(files, [80, 80, 80], useGOPCache=True)
        cache_hits = decoder.isCacheHit()
        # cache_hits = [True, True, True]  # Second call in same GOP range, all hit
    """)
    assert ns["first_hits"] == [False] * 3 and ns["cache_hits"] == [True] * 3


def test_cached_gop_decoder_gop_list(run, reference, capsys):
    ns = run("""
        decoder = CreateGopDecoder(maxfiles=6, iGpu=0)
        files = ['video1.mp4', 'video2.mp4']
        # First call - fetches from video files
        gop_list = decoder.GetGOPList(files, [77, 77], useGOPCache=True)
        print(decoder.isCacheHit())  # [False, False]

        # Second call with frame_id in same GOP range - returns from cache
        gop_list = decoder.GetGOPList(files, [80, 80], useGOPCache=True)
        print(decoder.isCacheHit())  # [True, True]

        # Use with DecodeFromGOPListRGB
        gop_data_list = [data for data, _, _ in gop_list]
        frames = decoder.DecodeFromGOPListRGB(gop_data_list, files, [80, 80], True)
    """)
    assert capsys.readouterr().out.splitlines() == ["[False, False]", "[True, True]"]
    direct = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1).DecodeN12ToRGB(["video1.mp4", "video2.mp4"], [80, 80], True)
    for a, b in zip(ns["frames"], direct):
        assert a.isBGR and np.array_equal(np.asarray(a), np.asarray(b))


def test_create_gop_decoder(run):
    ns = run("""
        decoder = CreateGopDecoder(maxfiles=3, iGpu=0)
        # Use with caching enabled
        packets, fids, glens = decoder.GetGOP(['v0.mp4'], [10], useGOPCache=True)
        # Subsequent calls with frame_id in same GOP return cached data
        packets, fids, glens = decoder.GetGOP(['v0.mp4'], [15], useGOPCache=True)
    """)
    assert ns["decoder"].isCacheHit() == [True] and ns["fids"] == [0] and ns["glens"] == [30]


# -- drop_videos_cache -------------------------------------------------------------------------------
def test_drop_videos_cache(run, capsys):
    ns = run("""
        import accvlab.on_demand_video_decoder as nvc
        from accvlab.on_demand_video_decoder import DropCacheStatus
        video_files = ["/path/to/video1.mp4", "/path/to/video2.mp4"]
        status = nvc.drop_videos_cache(video_files)
        if status == DropCacheStatus.SUCCESS:
            print("Successfully dropped cache for all files")
        elif status == DropCacheStatus.PLATFORM_ERROR:
            print("Platform not supported (not Linux)")
        elif status == DropCacheStatus.FILE_OPEN_FAILED:
            print("Failed to open file (not found or permission denied)")
        elif status == DropCacheStatus.FADVISE_FAILED:
            print("posix_fadvise call failed")
        elif status == DropCacheStatus.UNKNOWN_ERROR:
            print("Unexpected error occurred")
        status_here = nvc.drop_videos_cache(["video1.mp4", "video2.mp4"])  # files that exist
    """)
    assert capsys.readouterr().out.strip() == "Failed to open file (not found or permission denied)"
    assert ns["status_here"] == odvd.DropCacheStatus.SUCCESS
