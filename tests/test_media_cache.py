"""What lets the test media travel to a machine without ffmpeg (the GPU machine, scripts/gpu/):
ODVD_TEST_MEDIA_FFMPEG_VERSION stands in for `ffmpeg -version` in the media keys, and ffprobe's
answers about cached media are cached next to them."""

import pytest

from media import generate, inspect


@pytest.fixture
def fresh_version():
    generate.ffmpeg_version.cache_clear()
    yield
    generate.ffmpeg_version.cache_clear()


def test_ffmpeg_version_override_keys_the_media(monkeypatch, tmp_path, fresh_version):
    real = generate.ffmpeg_version()
    lib = generate.MediaLibrary(tmp_path)
    key = lib.key("hevc_gop30")
    generate.ffmpeg_version.cache_clear()
    monkeypatch.setenv(generate.FFMPEG_VERSION_ENV, real + "\n")
    assert generate.ffmpeg_version() == real and lib.key("hevc_gop30") == key
    generate.ffmpeg_version.cache_clear()
    monkeypatch.setenv(generate.FFMPEG_VERSION_ENV, "ffmpeg version 0.0-elsewhere")
    assert generate.ffmpeg_version() == "ffmpeg version 0.0-elsewhere" and lib.key("hevc_gop30") != key


def test_probe_answers_are_read_from_the_cache_without_ffprobe(media, monkeypatch, tmp_path):
    path = media["hevc_gop30"].path
    stream = inspect.video_stream(path)
    frames = inspect.frames(path)
    cached = inspect.probe_cache_file(path, ["-select_streams", "v:0", "-show_streams"])
    assert cached.exists() and cached.parent == path.parent
    monkeypatch.setenv("PATH", str(tmp_path))  # no ffprobe from here on
    assert inspect.video_stream(path) == stream and inspect.frames(path) == frames
    outside = tmp_path / "copy.mp4"
    outside.write_bytes(path.read_bytes())
    assert inspect.probe_cache_file(outside, ["-show_streams"]) is None
    with pytest.raises(RuntimeError, match="ffprobe is not installed here"):
        inspect.video_stream(outside)
