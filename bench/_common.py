"""What the benchmark scripts share: clip index, machine facts, timing statistics, output."""

import dataclasses
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Dict, Iterable, List, Sequence

from adapters.base import ClipInfo

RESULTS_DIR = Path(__file__).resolve().parent / "results"


INDEX_SUFFIX = ".index.json"


def index_clip(path: str) -> ClipInfo:
    """The clip's index: pts in presentation order and packet byte ranges by GOP (untimed).

    Made by one PyAV demux (``_demux_index``) and kept next to the clip as ``<clip>.index.json``,
    which is read instead when it matches the clip's size: machines without PyAV (the GPU machine)
    use the index made where the clip was made.
    """
    sidecar = path + INDEX_SUFFIX
    size = os.path.getsize(path)
    try:
        with open(sidecar) as f:
            d = json.load(f)
        if d.get("nbytes") == size:
            d["path"] = path
            d["gops"] = [(first, n, [tuple(r) for r in ranges]) for first, n, ranges in d["gops"]]
            return ClipInfo(**d)
    except (OSError, ValueError, TypeError, KeyError):
        pass
    try:
        info = _demux_index(path)
    except ImportError as e:
        raise RuntimeError(f"indexing {path} needs PyAV ({e}), or the {INDEX_SUFFIX} file that "
                           "make_clips.py writes next to each clip where PyAV is installed") from None
    try:
        tmp = sidecar + ".tmp"
        with open(tmp, "w") as f:
            json.dump({**dataclasses.asdict(info), "path": os.path.basename(path)}, f)
        os.replace(tmp, sidecar)
    except OSError:
        pass  # a read-only clips folder: index again next time
    return info


def _demux_index(path: str) -> ClipInfo:
    """One PyAV demux of the clip. This is the harness's ground truth for the checks; it relies on
    the clips being made by make_clips.py (keyframe every GOP, packets in decode order)."""
    import av

    with av.open(path) as container:
        stream = container.streams.video[0]
        packets = []
        for p in container.demux(stream):
            if p.size == 0:
                continue
            packets.append((p.pts, p.pos, p.size, bool(p.is_keyframe)))
        width, height = stream.codec_context.width, stream.codec_context.height
        time_base = float(stream.time_base)
    pts_sorted = sorted(p[0] for p in packets)
    frame_id = {pts: i for i, pts in enumerate(pts_sorted)}
    gops, current = [], []
    for pts, pos, size, key in packets:
        if key and current:
            gops.append(current)
            current = []
        current.append((pts, pos, size))
    if current:
        gops.append(current)
    gop_list = []
    for g in gops:
        ids = sorted(frame_id[pts] for pts, _, _ in g)
        if ids != list(range(ids[0], ids[0] + len(ids))):
            raise ValueError(f"{path}: GOP frames {ids[:5]}... are not consecutive in presentation order")
        gop_list.append((ids[0], len(ids), [(pos, size) for _, pos, size in g]))
    return ClipInfo(path=path, width=width, height=height, num_frames=len(pts_sorted), time_base=time_base,
                    pts=pts_sorted, gops=gop_list, nbytes=os.path.getsize(path))


def warm_page_cache(paths: Iterable[str]) -> None:
    """Read every byte once, so the timed runs read from the page cache."""
    for path in paths:
        with open(path, "rb") as f:
            while f.read(1 << 22):
                pass


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_info() -> Dict[str, object]:
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem_gib = None
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem_gib = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    try:
        ffmpeg_cli = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        ffmpeg_cli = None
    try:
        with open("/proc/loadavg") as f:
            loadavg = " ".join(f.read().split()[:3])  # includes this benchmark's own load
    except OSError:
        loadavg = None
    import numpy

    return {
        "cpu_model": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "memory_gib": mem_gib,
        "kernel": platform.release(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
        "ffmpeg_cli": ffmpeg_cli,
        "loadavg_1_5_15_min_at_end": loadavg,
        "date_utc": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def clip_facts(clips: Sequence[ClipInfo], fps: int) -> List[Dict[str, object]]:
    return [
        {
            "file": os.path.basename(c.path),
            "frames": c.num_frames,
            "size": f"{c.width}x{c.height}",
            "gops": len(c.gops),
            "mbytes": round(c.nbytes / 1e6, 2),
            "mbit_per_s": round(c.nbytes * 8 / (c.num_frames / fps) / 1e6, 2),
        }
        for c in clips
    ]


def summary(values: Sequence[float]) -> Dict[str, float]:
    v = sorted(values)
    q = statistics.quantiles(v, n=10) if len(v) >= 2 else [v[0]] * 9
    return {"median": statistics.median(v), "min": v[0], "max": v[-1], "p10": q[0], "p90": q[-1], "n": len(v)}


def markdown_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(x) for x in row) + " |" for row in rows]
    return "\n".join(lines)


def command_line() -> str:
    """The command that ran this script, as typed from the repository root."""
    import shlex

    script = os.path.relpath(os.path.abspath(sys.argv[0]), Path(__file__).resolve().parent.parent)
    return " ".join(["python", shlex.quote(script)] + [shlex.quote(a) for a in sys.argv[1:]])


def write_json(path: Path, data: Dict[str, object]) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    os.replace(tmp, path)
    print(f"wrote {path}", file=sys.stderr)


def prepare_clips(args) -> List[ClipInfo]:
    """The clips the arguments describe (made if missing), indexed, with the page cache warm."""
    from make_clips import clips_from_args

    paths = clips_from_args(args)
    clips = [index_clip(p) for p in paths]
    warm_page_cache(paths)
    return clips
