"""AV1 on the CPU decodes through libdav1d, and dav1d 1.0.0 (Debian 12's, and the one the wheel is
built with) can deadlock inside dav1d_send_data when frame threads meet damaged streams: the long
fuzz run found decoding hanging forever after a run of damaged AV1 MP4s through one decoder. The
engine asks libdav1d for one frame in flight (libavcodec's low-delay flag: no frame threads, tile
and post-filter threads kept), which ends the hang (decode/libav_decoder.cpp).

The reproducer: ten damaged copies of an AV1 MP4 (tests/fuzz_mutate.py, the long run's seeds), each
decoded in turn by one decoder, three rounds, in a subprocess with a time limit. The build before the
fix hung in 4 of 4 runs of this sequence; a run takes a few seconds when nothing hangs."""

import random
import subprocess
import sys

import numpy as np

import fuzz_mutate
import on_demand_video_decoder as odvd
from utils import assert_frames_equal

# (seed, case index) of tests/test_fuzz.py's mp4 mutations of av1_gop30_mp4 that make up the sequence.
CASES = [(54, i) for i in range(63, 70)] + [(59, i) for i in range(9, 12)]

DECODE_ALL = r"""
import sys
import on_demand_video_decoder as odvd
dec = odvd.PyNvGopDecoder(maxfiles=2, iGpu=-1)
n = 0
for _ in range(3):
    for path in sys.argv[1:]:
        try:
            frames = max(1, odvd.GetFastInitInfo([path])[0].num_frames)
            dec.Decode([path, path], [(n * 7) % frames, frames - 1])
        except (ValueError, IndexError):
            pass
        n += 1
print("decoded", n)
"""


def test_damaged_av1_streams_never_hang_the_decoder(media, tmp_path):
    base = media["av1_gop30_mp4"].path
    data = base.read_bytes()
    paths = []
    for seed, index in CASES:
        damaged, _ = fuzz_mutate.mutate("mp4", data, random.Random(f"{seed}:mp4:{base.name}:{index}"))
        paths.append(tmp_path / f"s{seed}_{index}.mp4")
        paths[-1].write_bytes(damaged)
    try:
        run = subprocess.run([sys.executable, "-c", DECODE_ALL, *map(str, paths)], capture_output=True, text=True,
                             timeout=90)
    except subprocess.TimeoutExpired:
        raise AssertionError("decoding the damaged AV1 sequence hung (dav1d frame threads)") from None
    assert run.returncode == 0, run.stderr[-2000:]
    assert f"decoded {3 * len(CASES)}" in run.stdout


def test_av1_still_decodes_exactly_with_one_frame_in_flight(media, reference):
    dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=-1)
    path = str(media["av1_gop30"].path)
    ref = reference("av1_gop30")
    ids = [0, 13, 29, 30, 61, 89]
    for frame_id, frame in zip(ids, dec.Decode([path] * len(ids), ids)):
        assert_frames_equal(np.asarray(frame), ref.native(frame_id), f"av1 frame {frame_id}")
