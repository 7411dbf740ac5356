"""drop_videos_cache (page-cache eviction, seed status codes) and the Codec enum."""

import os
import shutil
import subprocess
import uuid

import pytest

import on_demand_video_decoder as odvd
from conftest import MEDIA_DIR


def resident_pages(path) -> int:
    out = subprocess.run(["fincore", "--noheadings", "--output", "PAGES", "--bytes", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return int(out.split()[0])


@pytest.fixture
def video_copy(media):
    # On the media folder's file system (a disk: tmpfs pages cannot be dropped).
    path = MEDIA_DIR / f"drop-cache-{uuid.uuid4().hex}.mp4"
    shutil.copy(media["h264_gop30"].path, path)
    yield path
    path.unlink()


def test_drop_videos_cache_evicts_the_pages(video_copy):
    if shutil.which("fincore") is None:
        pytest.skip("fincore (util-linux) is not installed")
    video_copy.read_bytes()
    os.sync()  # dirty pages of the fresh copy cannot be dropped before writeback
    video_copy.read_bytes()
    assert resident_pages(video_copy) > 0
    assert odvd.drop_videos_cache([str(video_copy)]) is odvd.DropCacheStatus.SUCCESS
    assert resident_pages(video_copy) == 0
    assert video_copy.stat().st_size == os.path.getsize(video_copy)  # the file itself untouched


def test_drop_videos_cache_statuses(video_copy, tmp_path):
    missing = str(tmp_path / "missing.mp4")
    assert odvd.drop_videos_cache([missing]) is odvd.DropCacheStatus.FILE_OPEN_FAILED
    assert odvd.drop_videos_cache([str(tmp_path)]) is odvd.DropCacheStatus.FILE_OPEN_FAILED  # a directory
    # Fail-fast: the first failure ends the call.
    assert odvd.drop_videos_cache([str(video_copy), missing, str(video_copy)]) is odvd.DropCacheStatus.FILE_OPEN_FAILED
    assert [s.value for s in odvd.DropCacheStatus] == [0, 1, 2, 3, 4]
    with pytest.raises(TypeError):
        odvd.drop_videos_cache(str(video_copy))  # one path, not a list
    with pytest.raises(ValueError, match="NUL"):
        odvd.drop_videos_cache([str(video_copy) + "\0"])


def test_drop_videos_cache_newer_accvlab_spellings(video_copy, tmp_path):
    """accvlab's newer releases spell the members in lower case and return success for an empty list."""
    S = odvd.DropCacheStatus
    pairs = {"success": "SUCCESS", "platform_error": "PLATFORM_ERROR", "file_open_failed": "FILE_OPEN_FAILED",
             "fadvise_failed": "FADVISE_FAILED", "unknown_error": "UNKNOWN_ERROR"}
    for lower, upper in pairs.items():
        assert getattr(S, lower) is getattr(S, upper)
        assert S[lower] is S[upper]
    assert len(S) == 5 and [s.name for s in S] == list(pairs.values())  # aliases are not extra members
    assert odvd.drop_videos_cache([]) == S.success
    assert odvd.drop_videos_cache(iter([])) is S.SUCCESS
    assert odvd.drop_videos_cache([str(video_copy)]) == S.success
    assert odvd.drop_videos_cache([str(tmp_path / "missing.mp4")]) == S.file_open_failed


def test_codec_enum():
    assert (odvd.Codec.h264, odvd.Codec.hevc, odvd.Codec.vp9, odvd.Codec.av1) == (4, 8, 10, 11)
    # Usable where the API takes codec numbers.
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    assert dec.DecodeFromPacketListInitialize([odvd.Codec.h264]) == 0
