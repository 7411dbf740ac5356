"""Reading test media back without the code under test: ffprobe, plus small parsers of our own for
what ffprobe does not show (MP4 edit lists, H.264/HEVC NAL unit headers)."""

import hashlib
import json
import os
import struct
import subprocess
from pathlib import Path
from typing import Dict, List, Optional


# Folders of cached test media (MediaLibrary registers its own). ffprobe's answers about a file in
# one of them are kept next to it, as "<file>.probe-<hash of the arguments>.json": the files never
# change (their names hold their recipe key), and a machine without ffprobe (the GPU machine) reads
# the answers made where the media were made. Answers with packet data (-show_data) are not kept.
_PROBE_CACHE_DIRS = set()


def cache_probes_in(directory: Path) -> None:
    _PROBE_CACHE_DIRS.add(Path(directory).resolve())


def probe_cache_file(path: Path, args) -> Optional[Path]:
    path = Path(path).resolve()
    if path.parent not in _PROBE_CACHE_DIRS or "-show_data" in args:
        return None
    digest = hashlib.sha256(json.dumps(list(args)).encode()).hexdigest()[:12]
    return path.with_name(f"{path.name}.probe-{digest}.json")


def ffprobe_json(path: Path, *args: str) -> dict:
    cache = probe_cache_file(path, args)
    if cache is not None and cache.exists():
        return json.loads(cache.read_text())
    cmd = ["ffprobe", "-v", "error", "-of", "json", *args, str(path)]
    try:
        res = subprocess.run(cmd, capture_output=True, text=True)
    except FileNotFoundError:
        raise RuntimeError(f"ffprobe is not installed here, and no answer to {' '.join(args)} "
                           f"is cached for {path}") from None
    if res.returncode != 0:
        raise RuntimeError(f"ffprobe failed on {path}: {res.stderr.strip()}")
    if cache is not None:
        tmp = cache.with_name(f"{cache.name}.{os.getpid()}.tmp")
        tmp.write_text(res.stdout)
        os.replace(tmp, cache)  # atomic: tests in other processes read whole answers or none
    return json.loads(res.stdout)


def streams(path: Path) -> List[dict]:
    return ffprobe_json(path, "-show_streams")["streams"]


def container(path: Path) -> str:
    return ffprobe_json(path, "-show_format")["format"]["format_name"]


def video_stream(path: Path) -> dict:
    return ffprobe_json(path, "-select_streams", "v:0", "-show_streams")["streams"][0]


def packets(path: Path, with_data: bool = False) -> List[dict]:
    """Video packets in decode order: pts, dts, flags ('K' key, 'D' discard), pos, size[, data]."""
    entries = "packet=pts,dts,flags,pos,size" + (",data" if with_data else "")
    args = ["-select_streams", "v:0", "-show_entries", entries]
    if with_data:
        args.append("-show_data")
    out = ffprobe_json(path, *args)["packets"]
    for p in out:
        for k in ("pts", "dts", "pos", "size"):
            p[k] = int(p[k]) if p.get(k) not in (None, "N/A") else None
        if with_data:
            p["data"] = _parse_hexdump(p.get("data", ""))
    return out


def frames(path: Path) -> List[dict]:
    """Decoded video frames in output order: pts, pict_type, key_frame, pkt_pos."""
    out = ffprobe_json(path, "-select_streams", "v:0", "-show_entries",
                       "frame=pts,best_effort_timestamp,pict_type,key_frame,pkt_pos")["frames"]
    for f in out:
        pts = f.get("pts", f.get("best_effort_timestamp"))
        f["pts"] = int(pts) if pts not in (None, "N/A") else None
        f["pkt_pos"] = int(f["pkt_pos"]) if f.get("pkt_pos") not in (None, "N/A") else None
    return out


def _parse_hexdump(text: str) -> bytes:
    # ffprobe's -show_data lines: "00000000: 0000 0019 6764 000d ...  ....gd...." (offset, 16 bytes
    # in groups of two, then the bytes as ASCII after two spaces).
    out = bytearray()
    for line in text.splitlines():
        if ":" not in line:
            continue
        hexpart = line.split(":", 1)[1][:41]
        out += bytes.fromhex(hexpart.replace(" ", ""))
    return bytes(out)


def length_prefixed_nals(data: bytes, length_size: int = 4) -> List[bytes]:
    """Split an MP4/Matroska sample (AVCC/HVCC: each NAL unit preceded by its big-endian length)."""
    nals, i = [], 0
    while i + length_size <= len(data):
        n = int.from_bytes(data[i : i + length_size], "big")
        i += length_size
        if n == 0 or i + n > len(data):
            raise ValueError(f"bad NAL length {n} at {i - length_size} in a {len(data)}-byte sample")
        nals.append(data[i : i + n])
        i += n
    return nals


def h264_nal_header(nal: bytes):
    """(nal_ref_idc, nal_unit_type) of an H.264 NAL unit (ITU-T H.264 7.3.1)."""
    return (nal[0] >> 5) & 3, nal[0] & 0x1F


def hevc_nal_type(nal: bytes) -> int:
    """nal_unit_type of an HEVC NAL unit (ITU-T H.265 7.3.1.2)."""
    return (nal[0] >> 1) & 0x3F


# HEVC NAL unit types (H.265 table 7-1) the tests look for.
HEVC_RASL_N, HEVC_RASL_R = 8, 9
HEVC_IDR_W_RADL, HEVC_IDR_N_LP, HEVC_CRA = 19, 20, 21
HEVC_TRAIL_N, HEVC_TRAIL_R = 0, 1


def mp4_edit_lists(path: Path) -> List[List[Dict[str, int]]]:
    """The 'elst' entries of every track of an MP4/MOV (ISO/IEC 14496-12 8.6.6), one list per trak."""
    data = Path(path).read_bytes()
    result: List[List[Dict[str, int]]] = []

    def walk(start: int, end: int, in_trak: bool) -> None:
        i = start
        while i + 8 <= end:
            size, kind = struct.unpack(">I4s", data[i : i + 8])
            header = 8
            if size == 1:
                size = struct.unpack(">Q", data[i + 8 : i + 16])[0]
                header = 16
            elif size == 0:
                size = end - i
            if size < header or i + size > end:
                return
            body = i + header
            if kind == b"trak":
                result.append([])
                walk(body, i + size, True)
            elif kind in (b"moov", b"edts"):
                walk(body, i + size, in_trak)
            elif kind == b"elst" and in_trak:
                version = data[body]
                count = struct.unpack(">I", data[body + 4 : body + 8])[0]
                p = body + 8
                for _ in range(count):
                    if version == 1:
                        dur, media_time = struct.unpack(">Qq", data[p : p + 16])
                        p += 16
                    else:
                        dur, media_time = struct.unpack(">Ii", data[p : p + 8])
                        p += 8
                    rate = struct.unpack(">hh", data[p : p + 4])[0]
                    p += 4
                    result[-1].append({"segment_duration": dur, "media_time": media_time, "rate": rate})
            i += size

    walk(0, len(data), False)
    return result
