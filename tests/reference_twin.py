"""An independent account of which earlier packets each packet references, from FFmpeg's own
bitstream parser: the ``trace_headers`` bitstream filter prints every syntax element of every slice or
frame header, and this module derives the references from those values by the rules of
docs/reference-closure.md (H.265 8.3.1 / 8.3.2, AV1 7.20 / 7.21), written again without the engine's
code. Only what the test clips use is supported: HEVC slice headers with their own explicit
short-term sets and no long-term pictures; AV1 without frame_refs_short_signaling."""

import re
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Set, Tuple

_PACKET = re.compile(r"Packet: \d+ bytes")
_FIELD = re.compile(r"^\s*\d+\s+(\S+)\s+[01]+ = (-?\d+)\s*$")


def trace(path: Path) -> List[List[Tuple[str, int]]]:
    """The syntax elements of each packet of the first video stream, decode order."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-map", "0:v:0", "-c", "copy",
                          "-bsf:v", "trace_headers", "-f", "null", "-"], capture_output=True, text=True, check=True)
    packets: List[List[Tuple[str, int]]] = []
    for line in out.stderr.splitlines():
        if "[trace_headers @" not in line:
            continue
        body = line.split("] ", 1)[1]
        if _PACKET.search(body):
            packets.append([])
            continue
        m = _FIELD.match(body)
        if m and packets:
            packets[-1].append((m.group(1), int(m.group(2))))
    return packets


def _hevc_pictures(packets):
    """Per packet: (nal type, temporal id, poc lsb, POC deltas used by the picture) of its first slice."""
    pictures = []
    for fields in packets:
        nal_type = tid = None
        picture = None
        values: Dict[str, int] = {}
        for name, value in fields + [("nal_unit_type", -1)]:
            if name == "nal_unit_type":
                if nal_type is not None and nal_type <= 31 and values.get("first_slice_segment_in_pic_flag") == 1:
                    picture = (nal_type, tid, values)
                    break
                nal_type, values = value, {}
            elif name == "nuh_temporal_id_plus1":
                tid = value - 1
            else:
                values[name] = value
        assert picture is not None, "a packet without a slice"
        nal_type, tid, v = picture
        if v.get("short_term_ref_pic_set_sps_flag") == 1 or v.get("inter_ref_pic_set_prediction_flag") == 1:
            raise NotImplementedError("reference sets from the SPS or predicted: not in the twin")
        if v.get("num_long_term_pics", 0) or v.get("num_long_term_sps", 0):
            raise NotImplementedError("long-term pictures: not in the twin")
        used, poc = [], 0
        for i in range(v.get("num_negative_pics", 0)):
            poc -= v[f"delta_poc_s0_minus1[{i}]"] + 1
            if v[f"used_by_curr_pic_s0_flag[{i}]"]:
                used.append(poc)
        poc = 0
        for i in range(v.get("num_positive_pics", 0)):
            poc += v[f"delta_poc_s1_minus1[{i}]"] + 1
            if v[f"used_by_curr_pic_s1_flag[{i}]"]:
                used.append(poc)
        pictures.append((nal_type, tid, v.get("slice_pic_order_cnt_lsb", 0), used))
    return pictures


def hevc_references(path: Path, poc_lsb_bits: int = 8) -> List[Optional[Set[int]]]:
    """Each packet's references (file-wide decode indices); None where they reach before an IDR."""
    pictures = _hevc_pictures(trace(path))
    max_lsb = 1 << poc_lsb_bits
    pocs, anchors, domains = [], [], []
    prev, domain = None, -1
    for i, (nal_type, tid, lsb, _) in enumerate(pictures):
        if i == 0 or nal_type in (16, 17, 18, 19, 20):  # BLA / IDR: POC starts again
            domain += 1
            pocs.append(lsb)
            anchors.append(None)
        else:
            prev_lsb = pocs[prev] % max_lsb
            msb = pocs[prev] - prev_lsb
            if lsb < prev_lsb and prev_lsb - lsb >= max_lsb // 2:
                msb += max_lsb
            elif lsb > prev_lsb and lsb - prev_lsb > max_lsb // 2:
                msb -= max_lsb
            pocs.append(msb + lsb)
            anchors.append(prev)
        domains.append(domain)
        if tid == 0 and not 6 <= nal_type <= 9 and not (nal_type <= 14 and nal_type % 2 == 0):
            prev = i
    span = {}
    for d, p in zip(domains, pocs):
        lo, hi = span.get(d, (p, p))
        span[d] = (min(lo, p), max(hi, p))
    refs: List[Optional[Set[int]]] = []
    for i, (_, _, _, used) in enumerate(pictures):
        by_poc = {pocs[k]: k for k in range(i) if domains[k] == domains[i]}
        if any(pocs[i] + d not in by_poc for d in used):
            refs.append(None)
            continue
        r = {by_poc[pocs[i] + d] for d in used}
        lo, hi = span[domains[i]]
        if anchors[i] is not None and hi - lo >= max_lsb // 2:
            r.add(anchors[i])
        refs.append(r)
    return refs


def av1_references(path: Path) -> List[Optional[Set[int]]]:
    """Each packet's references through the reference slots (file-wide decode indices)."""
    writer: List[Optional[int]] = [None] * 8
    slot_key = [False] * 8
    refs: List[Optional[Set[int]]] = []
    for i, fields in enumerate(trace(path)):
        headers: List[Dict[str, int]] = []
        for name, value in fields:
            if name == "show_existing_frame":
                headers.append({})
            if headers:
                headers[-1].setdefault(name, value)
        r: Optional[Set[int]] = set()
        for h in headers:
            assert not h.get("frame_refs_short_signaling"), "short signalling: not in the twin"
            if h["show_existing_frame"]:
                slots = [h["frame_to_show_map_idx"]]
                key = slot_key[slots[0]]
                refresh = 0xFF if key else 0
            else:
                slots = [h[f"ref_frame_idx[{k}]"] for k in range(7) if f"ref_frame_idx[{k}]" in h]
                key = h["frame_type"] == 0
                refresh = h.get("refresh_frame_flags", 0xFF)
            for s in slots:
                if writer[s] is None:
                    r = None
                elif r is not None and writer[s] != i:
                    r.add(writer[s])
            for s in range(8):
                if refresh >> s & 1:
                    writer[s], slot_key[s] = i, key
        refs.append(r)
    return refs


def closure(refs: List[Optional[Set[int]]], start: int, targets: List[int]) -> Optional[Set[int]]:
    """The packets decoding `targets` needs from `start` on (start included); None when one is unknown."""
    need, todo = {start}, list(targets)
    while todo:
        p = todo.pop()
        if p in need and p != start:
            continue
        need.add(p)
        if refs[p] is None:
            return None
        todo.extend(q for q in refs[p] if q >= start and q not in need)
    return need
