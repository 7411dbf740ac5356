"""``python -m on_demand_video_decoder reencode``: a long-GOP clip rewritten with closed GOPs of
--gop frames, its frames equal to the old file's within the codec's loss, and the gain printed from
measurements; a file that is not a video is reported and the others still rewritten."""

import re
import subprocess
import sys

import numpy as np

import on_demand_video_decoder as odvd
from media import inspect


def test_reencode_rewrites_long_gops_and_reports_the_gain(media, tmp_path):
    src = media["h264_gop250"].path  # 160x120, 300 frames, GOP 250, B-pyramid
    junk = tmp_path / "notes.mp4"
    junk.write_text("not a video")
    out = subprocess.run([sys.executable, "-m", "on_demand_video_decoder", "reencode", str(src), str(junk),
                          "--out", str(tmp_path / "out"), "--gop", "30", "--calls", "5"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 1, out.stderr  # one file could not be rewritten
    assert f"{junk}: not rewritten" in out.stderr
    line = re.search(r"-> (\S+): 300 frames, GOP 250 -> 30, size x([\d.]+), random access ([\d.]+) -> ([\d.]+) "
                     r"frames/s \(([\d.]+)x\)", out.stdout)
    assert line, out.stdout
    dst = line.group(1)
    before, after, gain = (float(line.group(i)) for i in (3, 4, 5))
    assert before > 0 and after > 0 and abs(after / before - gain) < 0.06
    keys = [i for i, p in enumerate(inspect.packets(dst)) if "K" in p["flags"]]
    assert keys == list(range(0, 300, 30))
    stream = inspect.video_stream(dst)
    assert int(stream["nb_frames"]) == 300 and stream["has_b_frames"] == 0
    assert stream["r_frame_rate"] == inspect.video_stream(src)["r_frame_rate"]
    old, new = odvd.PyNvGopDecoder(1, iGpu=-1), odvd.PyNvGopDecoder(1, iGpu=-1)
    ids = [0, 29, 30, 149, 250, 299]
    for a, b, i in zip(old.DecodeN12ToRGB([str(src)] * 6, ids), new.DecodeN12ToRGB([dst] * 6, ids), ids):
        mse = np.mean((np.asarray(a).astype(float) - np.asarray(b)) ** 2)
        assert 10 * np.log10(255 ** 2 / mse) > 30, f"frame {i}"
