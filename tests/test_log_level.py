"""FFmpeg's log through one switch: set_log_level / ODVD_LOG_LEVEL, default "error". Each case runs in a
fresh interpreter (the level is process-wide and read at import)."""

import os
import subprocess
import sys

import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder._log import LEVELS

pytestmark = pytest.mark.skipif(odvd._log._find_libavutil() is None,
                                reason="this build's FFmpeg is linked statically and out of Python's reach")

_DAMAGE = """
import sys
import on_demand_video_decoder as odvd
src, dst = sys.argv[1], sys.argv[2]
data = bytearray(open(src, "rb").read())
for k in range(2000, len(data) - 2000, 997):
    data[k] ^= 0x5A
open(dst, "wb").write(data)
if len(sys.argv) > 3:
    assert odvd.set_log_level(sys.argv[3])
print("level", odvd.get_log_level(), flush=True)
try:
    odvd.PyNvGopDecoder(1, iGpu=-1).DecodeN12ToRGB([dst], [0])
except ValueError:
    pass
"""


def _run(args, env_level=None):
    env = dict(os.environ)
    env.pop("ODVD_LOG_LEVEL", None)
    if env_level is not None:
        env["ODVD_LOG_LEVEL"] = env_level
    proc = subprocess.run([sys.executable, "-c", _DAMAGE, *args], capture_output=True, text=True, env=env,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    return int(proc.stdout.split()[1]), proc.stderr


def test_default_quiet_but_errors_and_the_switch(media, tmp_path):
    args = [str(media["h264_gop30"].path), str(tmp_path / "damaged.mp4")]
    level, stderr = _run(args)
    assert level == LEVELS["error"]
    assert "error while decoding" in stderr  # FFmpeg's errors are shown ...
    assert "concealing" not in stderr        # ... its lower-level notes are not
    level, stderr = _run(args + ["info"])
    assert level == LEVELS["info"] and "concealing" in stderr
    level, stderr = _run(args + ["quiet"])
    assert level == LEVELS["quiet"] and "[h264" not in stderr
    level, stderr = _run(args, env_level="quiet")
    assert level == LEVELS["quiet"] and "[h264" not in stderr
    level, stderr = _run(args, env_level="32")
    assert level == 32
    level, stderr = _run(args, env_level="loud")
    assert level == LEVELS["error"] and "ODVD_LOG_LEVEL='loud' ignored" in stderr


def test_set_log_level_arguments():
    before = odvd.get_log_level()
    try:
        assert odvd.set_log_level("Warning") and odvd.get_log_level() == 24
        assert odvd.set_log_level(48) and odvd.get_log_level() == 48
        with pytest.raises(ValueError, match="log level"):
            odvd.set_log_level("loud")
        with pytest.raises(TypeError):
            odvd.set_log_level(True)
        with pytest.raises(TypeError):
            odvd.set_log_level(2.5)
    finally:
        odvd.set_log_level(before)
