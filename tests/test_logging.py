"""FFmpeg's log goes through one switch: quiet except errors by default, ODVD_LOG_LEVEL at import,
set_log_level at run time; bad names are clear errors."""

import os
import subprocess
import sys

import pytest

import on_demand_video_decoder as odvd

# A clip whose decoder announces itself at "info" (libdav1d prints its version when opened).
_DECODE = ("import on_demand_video_decoder as odvd, sys; {setup}"
           "odvd.PyNvGopDecoder(1, iGpu=-1).Decode([sys.argv[1]], [0])")


def _stderr(path, setup="", env=None):
    run_env = {k: v for k, v in os.environ.items() if k != "ODVD_LOG_LEVEL"}
    run_env.update(env or {})
    out = subprocess.run([sys.executable, "-c", _DECODE.format(setup=setup), str(path)], capture_output=True,
                         text=True, env=run_env, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stderr


def test_quiet_by_default_and_chatty_when_asked(media):
    path = media["av1_gop30_mp4"].path
    assert "libdav1d" not in _stderr(path)
    assert "libdav1d" in _stderr(path, env={"ODVD_LOG_LEVEL": "info"})
    assert "libdav1d" in _stderr(path, setup="odvd.set_log_level('info'); ")
    assert "libdav1d" not in _stderr(path, setup="odvd.set_log_level('quiet'); ", env={"ODVD_LOG_LEVEL": "info"})


def test_levels_round_trip_and_bad_names_are_refused():
    before = odvd.get_log_level()
    try:
        for level in odvd.LOG_LEVELS:
            odvd.set_log_level(level)
            assert odvd.get_log_level() == level
        odvd.set_log_level("WARNING")
        assert odvd.get_log_level() == "warning"
        with pytest.raises(ValueError, match="'loud' is not a log level"):
            odvd.set_log_level("loud")
        with pytest.raises(TypeError):
            odvd.set_log_level(16)
    finally:
        odvd.set_log_level(before)


def test_a_bad_environment_value_warns_and_keeps_errors():
    env = {**os.environ, "ODVD_LOG_LEVEL": "loud"}
    out = subprocess.run([sys.executable, "-W", "always", "-c",
                          "import on_demand_video_decoder as o; print(o.get_log_level())"],
                         capture_output=True, text=True, env=env, timeout=60)
    assert out.returncode == 0 and out.stdout.strip() == "error"
    assert "ODVD_LOG_LEVEL='loud' is not a log level" in out.stderr
