"""NVDEC-bound limit of 6-camera random access: the GPU's decode rate with every session busy.

One decoder per clip (``--sessions-per-clip`` for more), each in its own Python thread, all
decoding their whole clip at once from the first packet to the last; frames/s = all frames decoded
/ wall time from the moment they start together (a barrier) until the last one ends and the device
is synchronised. Median (min-max) over ``--repeats`` passes after ``--warmup`` untimed passes; every
pass's frame counts are checked. Decoders are made before timing and reused across passes, so
creating NVDEC sessions is not counted (a new demuxer per pass, also untimed).

    limit = rate / mean frames decoded per target

Random access decodes from the GOP's key frame to the target: with no B-frames a target at position
p of its GOP (key frame p = 0) costs p + 1 frames, and the mean for a uniformly random target is
taken over every frame of the clips, from their GOP structure (the clips' index,
``_common.index_clip``), else from ``--frames``/``--gop`` (15.5 for GOP 30). ``--cost`` overrides
it; ``--compare`` takes a random_access.py JSON and uses the mean over the targets it drew, then
prints each adapter's random-access rate as a percentage of this limit.

Decoders (``--decoder``):

- ``pynvvideocodec`` (default): PyNvVideoCodec's low-level API, ``CreateDemuxer(filename=...)`` and
  ``CreateDecoder(gpuid, codec, usedevicememory=True, outputColorType=NATIVE)``, every packet through
  ``Decode``, an empty ``PacketData()`` to flush. NATIVE (NV12) output: the NVDEC rate, no colour
  conversion; ``--rgb`` gives it with PyNvVideoCodec's RGB conversion.
- ``odvd``: HOOK for our own decoder once its NVDEC backend runs: ``PyNvGopDecoder(maxfiles=1,
  iGpu=gpu)`` per session, ``Decode`` (or ``DecodeN12ToRGB`` with ``--rgb``) GOP by GOP. Not an
  NVDEC-only figure (it includes our demuxing and GOP engine); for comparison with the default.

    python bench/nvdec_limit.py                          # needs a GPU and PyNvVideoCodec
    python bench/nvdec_limit.py --compare bench/results/random_access.json

Exits 2 with a one-line reason (no traceback) when the decoder cannot run here (no PyNvVideoCodec,
no GPU, no NVDEC).
"""

import argparse
import json
import statistics
import sys
import threading
import time
from typing import Callable, Dict, List

import _common
from make_clips import add_clip_arguments, clips_from_args


class Unavailable(Exception):
    """The decoder cannot run on this machine: reported in one line, exit status 2."""


def _torch_sync(gpu: int) -> Callable[[], None]:
    """Device synchronisation through PyTorch when it has CUDA, else a no-op (recorded)."""
    try:
        import torch

        if torch.cuda.is_available():
            return lambda: torch.cuda.synchronize(gpu)
    except ImportError:
        pass
    return lambda: None


# -- decoders: a factory(gpu, rgb) -> (session class, facts); a session decodes one clip per run ----
def pynvvideocodec_backend(gpu: int, rgb: bool):
    try:
        import PyNvVideoCodec as nvc
    except Exception as e:  # ImportError, or RuntimeError/OSError from its driver probe
        raise Unavailable(f"PyNvVideoCodec is not usable here: {type(e).__name__}: {e}") from None
    color = nvc.OutputColorType.RGB if rgb else nvc.OutputColorType.NATIVE

    class Session:
        def __init__(self, path: str, num_frames: int, gop: int):
            self.path, self.dec, self.dmx = path, None, None

        def prepare(self) -> None:
            self.dmx = nvc.CreateDemuxer(filename=self.path)
            if self.dec is None:
                self.dec = nvc.CreateDecoder(gpuid=gpu, codec=self.dmx.GetNvCodecId(), usedevicememory=True,
                                             outputColorType=color)

        def run(self) -> int:
            n, last_size = 0, None
            for packet in self.dmx:  # normally ends with the empty end-of-stream packet
                n += len(self.dec.Decode(packet))
                last_size = packet.bsl
            if last_size != 0:
                n += len(self.dec.Decode(nvc.PacketData()))
            return n

    def facts(path: str) -> Dict[str, object]:
        out = {"PyNvVideoCodec": getattr(nvc, "__version__", None), "output": "RGB" if rgb else "NATIVE (NV12)"}
        try:
            dmx = nvc.CreateDemuxer(filename=path)
            caps = nvc.GetDecoderCaps(gpuid=gpu, codec=dmx.GetNvCodecId(), chromaformat=dmx.ChromaFormat(),
                                      bitdepth=dmx.BitDepth())
            out["nvdec_engines"] = caps.get("num_decoder_engines")
        except Exception as e:  # informational only
            out["nvdec_engines"] = f"unknown ({type(e).__name__}: {e})"
        return out

    return Session, facts


def odvd_backend(gpu: int, rgb: bool):
    """HOOK: our decoder. Works once ``PyNvGopDecoder(iGpu>=0)`` decodes on NVDEC."""
    try:
        import on_demand_video_decoder as odvd
    except Exception as e:
        raise Unavailable(f"on_demand_video_decoder is not importable: {type(e).__name__}: {e}") from None
    if not hasattr(odvd, "PyNvGopDecoder"):
        raise Unavailable(f"on_demand_video_decoder {odvd.__version__} has no PyNvGopDecoder")

    class Session:
        def __init__(self, path: str, num_frames: int, gop: int):
            self.path, self.num_frames, self.gop, self.dec = path, num_frames, gop, None

        def prepare(self) -> None:
            if self.dec is None:
                self.dec = odvd.PyNvGopDecoder(maxfiles=1, iGpu=gpu)

        def run(self) -> int:
            n = 0
            for first in range(0, self.num_frames, self.gop):
                ids = list(range(first, min(first + self.gop, self.num_frames)))
                if rgb:
                    frames = self.dec.DecodeN12ToRGB([self.path] * len(ids), ids, as_bgr=False)
                else:
                    frames = self.dec.Decode([self.path] * len(ids), ids)
                n += len(frames)
                del frames
            return n

    def facts(path: str) -> Dict[str, object]:
        return {"on_demand_video_decoder": odvd.__version__, "output": "RGB" if rgb else "NV12 (Decode)"}

    return Session, facts


BACKENDS = {"pynvvideocodec": pynvvideocodec_backend, "odvd": odvd_backend}


# -- measurement ---------------------------------------------------------------------------------
def gop_lengths(paths: List[str], args) -> tuple:
    """Per clip, the GOP lengths and frame count: from the clips' index, else from the arguments."""
    try:
        clips = [_common.index_clip(p) for p in paths]
        return [[n for _, n, _ in c.gops] for c in clips], "the clips' index (GOP structure)"
    except RuntimeError as e:
        full, rest = divmod(args.frames, args.gop)
        lengths = [args.gop] * full + ([rest] if rest else [])
        return [lengths for _ in paths], f"--frames {args.frames} / --gop {args.gop} (no index: {e})"


def mean_cost(lengths_per_clip: List[List[int]]) -> float:
    """Mean of p + 1 over every frame (position p in its GOP): sum of L(L+1)/2 over sum of L."""
    lengths = [n for clip in lengths_per_clip for n in clip]
    return sum(n * (n + 1) / 2 for n in lengths) / sum(lengths)


def one_pass(sessions, sync) -> float:
    """Frames/s of all sessions decoding at once; raises if a session fails or miscounts."""
    for s in sessions:
        s.prepare()
    counts: List[int] = [0] * len(sessions)
    errors: List[str] = []
    start = threading.Barrier(len(sessions) + 1)

    def work(i: int) -> None:
        start.wait()
        try:
            counts[i] = sessions[i].run()
        except Exception as e:
            errors.append(f"{sessions[i].path}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(sessions))]
    for t in threads:
        t.start()
    start.wait()
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    sync()
    dt = time.perf_counter() - t0
    if errors:
        raise RuntimeError("; ".join(errors))
    for s, n in zip(sessions, counts):
        if n != s.expected:
            raise RuntimeError(f"{s.path}: decoded {n} frames, expected {s.expected}")
    return sum(counts) / dt


def compare(path: str, limit_rate: float) -> tuple:
    """(cost, rows): each adapter of a random_access.py JSON as a percentage of the limit."""
    with open(path) as f:
        ra = json.load(f)
    cost = ra["mean_frames_decoded_per_target"]
    rows = []
    for e in ra["results"]:
        fps = e["random_access"]["frames_per_s"]["median"]
        rows.append([e["label"], f"{fps:.1f}", f"{100.0 * fps / (limit_rate / cost):.0f}%"])
    return cost, rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--decoder", choices=sorted(BACKENDS), default="pynvvideocodec",
                        help="whose decoder measures the rate (default %(default)s; odvd is a hook)")
    parser.add_argument("--rgb", action="store_true", help="decode to RGB instead of the native format")
    parser.add_argument("--gpu", type=int, default=0, help="CUDA device (default %(default)s)")
    parser.add_argument("--sessions-per-clip", type=int, default=1, help="decoders per clip (default %(default)s)")
    parser.add_argument("--repeats", type=int, default=3, help="timed passes; median reported (default %(default)s)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed, checked passes first (default %(default)s)")
    parser.add_argument("--cost", type=float, help="mean frames decoded per target (default: from the GOPs)")
    parser.add_argument("--compare", metavar="JSON", help="a random_access.py result: its targets' mean cost, "
                        "and each adapter's random-access rate as a percentage of the limit")
    parser.add_argument("--output", default=str(_common.RESULTS_DIR / "nvdec_limit.json"),
                        help="JSON results (default %(default)s)")
    add_clip_arguments(parser)
    args = parser.parse_args(argv)

    try:
        paths = clips_from_args(args)
        lengths, cost_source = gop_lengths(paths, args)
        Session, facts = BACKENDS[args.decoder](args.gpu, args.rgb)
        sync = _torch_sync(args.gpu)
        sessions = []
        for path, lens in zip(paths, lengths):
            for _ in range(args.sessions_per_clip):
                s = Session(path, sum(lens), args.gop)
                s.expected = sum(lens)
                sessions.append(s)
        for s in sessions:  # the first prepare makes the decoders: where a missing GPU shows
            s.prepare()
        info = facts(paths[0])
    except Unavailable as e:
        print(f"nvdec_limit: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # no GPU, no NVDEC, unreadable clips: one line, not a traceback
        print(f"nvdec_limit: cannot run the {args.decoder} decoder here: {type(e).__name__}: {e}", file=sys.stderr)
        return 2

    try:
        for r in range(args.warmup):
            fps = one_pass(sessions, sync)
            print(f"warm-up pass {r}: {fps:.1f} frames/s", file=sys.stderr)
        runs = []
        for r in range(args.repeats):
            runs.append(one_pass(sessions, sync))
            print(f"pass {r}: {runs[-1]:.1f} frames/s", file=sys.stderr)
    except RuntimeError as e:
        print(f"nvdec_limit: decoding failed: {e}", file=sys.stderr)
        return 1

    rate = statistics.median(runs)
    cost = mean_cost(lengths)
    if args.cost:
        cost, cost_source = args.cost, "--cost"
    rows_cmp = []
    if args.compare:
        try:
            cost, rows_cmp = compare(args.compare, rate)
            cost_source = f"the targets drawn by {args.compare}"
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"nvdec_limit: --compare {args.compare} not used: {type(e).__name__}: {e}", file=sys.stderr)
    limit = rate / cost
    table = _common.markdown_table(
        ["decoder", "sessions", "NVDEC engines", "all-sessions decode frames/s, median (min-max)",
         "mean frames per target", "NVDEC-bound limit frames/s", "80% of it"],
        [[f"{args.decoder} ({info.get('output')})", len(sessions),
          info["nvdec_engines"] if isinstance(info.get("nvdec_engines"), int) else "?",
          f"{rate:.1f} ({min(runs):.1f}-{max(runs):.1f})", f"{cost:.2f}", f"{limit:.1f}", f"{0.8 * limit:.1f}"]])
    table += f"\n\nMean frames per target from {cost_source}."
    if rows_cmp:
        table += "\n\n" + _common.markdown_table(
            ["adapter (random_access.py)", "random access frames/s", "% of NVDEC-bound limit"], rows_cmp)
    _common.write_json(args.output, {
        "benchmark": "nvdec_limit",
        "command": _common.command_line(),
        "machine": _common.machine_info(),
        "config": {"decoder": args.decoder, "rgb": args.rgb, "gpu": args.gpu, "sessions": len(sessions),
                   "sessions_per_clip": args.sessions_per_clip, "repeats": args.repeats, "warmup": args.warmup},
        "decoder_facts": info,
        "clips": [{"file": p, "gop_lengths": lens} for p, lens in zip(paths, lengths)],
        "frames_per_s": _common.summary(runs),
        "runs": runs,
        "mean_frames_decoded_per_target": cost,
        "cost_source": cost_source,
        "nvdec_bound_limit_frames_per_s": limit,
        "compare": rows_cmp,
        "table_markdown": table,
    })
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
