"""Paths that are not what they seem: a FIFO (opening one blocks until a writer appears), a path with
a NUL byte (the operating system's calls stop at it, so it names another file), a directory where a
GOP file should be written. Each must give a clear Python exception of the right type at once, from
every entry point, never a hang or another file's frames (docs/hostile-input.md)."""

import os
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine


def _run(code: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """`code` in a fresh interpreter: a call that blocks fails the test by the timeout instead of
    hanging the suite."""
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          timeout=timeout)


def test_a_fifo_is_refused_at_once_by_every_entry_point(tmp_path):
    fifo = tmp_path / "camera.mp4"
    os.mkfifo(fifo)
    r = _run(f"""
        import on_demand_video_decoder as o
        p = {str(fifo)!r}
        dec = o.PyNvGopDecoder(maxfiles=2, iGpu=-1)
        calls = {{
            "Decode": lambda: dec.Decode([p], [0]),
            "DecodeN12ToRGB": lambda: dec.DecodeN12ToRGB([p], [0]),
            "GetGOP": lambda: dec.GetGOP([p], [0]),
            "GetGOPList": lambda: dec.GetGOPList([p], [0]),
            "LoadGops": lambda: dec.LoadGops([p]),
            "GetFastInitInfo": lambda: o.GetFastInitInfo([p]),
            "CachedGopDecoder.GetGOP": lambda: o.CreateGopDecoder(maxfiles=2, iGpu=-1).GetGOP([p], [0], useGOPCache=True),
            "PyNvSampleReader": lambda: o.CreateSampleReader(1, 1, iGpu=-1).DecodeN12ToRGB([p], [0]),
        }}
        for name, call in calls.items():
            try:
                call()
                print(name, "returned")
            except ValueError as e:
                print(name, "ValueError", "FIFO" in str(e))
        print("drop_videos_cache", o.drop_videos_cache([p]).name)
    """)
    assert r.returncode == 0, r.stderr[-2000:]
    lines = r.stdout.splitlines()
    assert lines[:-1] == [f"{n} ValueError True" for n in ["Decode", "DecodeN12ToRGB", "GetGOP", "GetGOPList", "LoadGops",
                                                          "GetFastInitInfo", "CachedGopDecoder.GetGOP",
                                                          "PyNvSampleReader"]], r.stdout
    assert lines[-1] == "drop_videos_cache FILE_OPEN_FAILED"


def test_a_nul_byte_in_a_path_never_opens_the_file_before_it(media, tmp_path):
    clip = tmp_path / "clip.mp4"
    shutil.copy(media["h264_gop30"].path, clip)
    tricky = str(clip) + "\0.other.mp4"
    dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
    for call in (lambda: dec.Decode([tricky], [0]), lambda: dec.GetGOP([tricky], [0]),
                 lambda: odvd.GetFastInitInfo([tricky]), lambda: odvd.drop_videos_cache([tricky]),
                 lambda: dec.LoadGops([tricky]), lambda: odvd.CreateSampleReader(1, 1, iGpu=-1).Decode([tricky], [0])):
        with pytest.raises(ValueError, match="NUL"):
            call()
    # bytes are a video's bytes (docs/access-sources.md), never a path: these are not a video.
    with pytest.raises(ValueError, match="<bytes: "):
        dec.Decode([os.fsencode(tricky)], [0])
    # The engine's own check, for callers that bypass the Python layer.
    with pytest.raises(ValueError, match="NUL"):
        _engine._GopEngine(1).decode([tricky], [0], "native")
    bundle, _, _ = dec.GetGOP([str(clip)], [0])
    with pytest.raises(ValueError, match="NUL"):
        odvd.SavePacketsToFile(bundle, str(tmp_path / "gop.bin") + "\0x")


def test_saving_a_gop_file_over_a_directory_raises_is_a_directory_error(media, tmp_path):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    bundle, _, _ = dec.GetGOP([str(media["h264_gop30"].path)], [0])
    target = tmp_path / "gops"
    target.mkdir()
    with pytest.raises(IsADirectoryError) as info:
        odvd.SavePacketsToFile(bundle, str(target))
    assert info.value.filename == str(target) and info.value.errno is not None
    assert os.listdir(target) == []  # nothing left behind
    missing = tmp_path / "no" / "such" / "gop.bin"
    with pytest.raises(FileNotFoundError):
        odvd.SavePacketsToFile(bundle, str(missing))
    ok = tmp_path / "gop.bin"
    odvd.SavePacketsToFile(bundle, str(ok))
    assert np.array_equal(dec.LoadGops([str(ok)]), bundle)
