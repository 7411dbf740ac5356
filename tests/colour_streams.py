"""Bitstream tools for tests/test_colour_signal.py, written from the specifications (H.264 7.3.2.1,
H.265 7.3.2.2, AV1 5.5, ISO/IEC 14496-15, IVF) independently of csrc/demux/colour_signal.cpp:

- reading: Annex-B NAL units, IVF frames, AV1 OBUs, MP4 configuration records (avcC / hvcC / av1C);
- ``trace_packets(path)``: what FFmpeg's trace_headers bitstream filter (its CBS parsers, another
  implementation than its decoders') reads, the reference for parameter sets no encoder here writes;
- ``random_*``: random valid H.264 / HEVC SPSs and AV1 sequence headers that use every syntax
  branch before the colour description, with the colour they signal;
- rewriters that put syntax encoders here never write (pic_order_cnt_type 1, SPS scaling lists,
  inter-predicted short-term RPSs, long-term reference pictures) into real streams that still decode.
"""

import re
import struct
import subprocess
from pathlib import Path
from typing import Dict, List, Optional, Tuple

NOT_SIGNALLED = dict(matrix=-1, primaries=-1, transfer=-1, range=-1)


# ---- bits ---------------------------------------------------------------------------------------

class BitWriter:
    def __init__(self):
        self.bits: List[int] = []

    def u(self, n: int, v: int) -> "BitWriter":
        assert 0 <= v < (1 << n) or n == 0 and v == 0, (n, v)
        self.bits += [(v >> (n - 1 - i)) & 1 for i in range(n)]
        return self

    def flag(self, b) -> "BitWriter":
        return self.u(1, int(bool(b)))

    def bit(self, b) -> bool:
        """Writes a flag and returns it (for `if w.bit(...):`)."""
        self.flag(b)
        return bool(b)

    def ue(self, v: int) -> "BitWriter":  # Exp-Golomb; AV1 uvlc() is the same code
        assert v >= 0
        x = v + 1
        return self.u(x.bit_length() - 1, 0).u(x.bit_length(), x)

    def se(self, v: int) -> "BitWriter":
        return self.ue(2 * v - 1 if v > 0 else -2 * v)

    def extend(self, bits: List[int]) -> "BitWriter":
        self.bits += bits
        return self

    def trailing_bits(self) -> "BitWriter":  # rbsp_trailing_bits() / AV1 trailing_bits()
        self.bits.append(1)
        while len(self.bits) % 8:
            self.bits.append(0)
        return self

    def bytes(self) -> bytes:
        assert len(self.bits) % 8 == 0
        return bytes(int("".join(map(str, self.bits[i:i + 8])), 2) for i in range(0, len(self.bits), 8))


class BitReader:
    def __init__(self, data: bytes):
        self.bits = [(b >> (7 - i)) & 1 for b in data for i in range(8)]
        self.pos = 0

    def u(self, n: int) -> int:
        v = 0
        for _ in range(n):
            v = (v << 1) | self.bits[self.pos]
            self.pos += 1
        return v

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
        return (1 << zeros) - 1 + self.u(zeros)

    def se(self) -> int:
        k = self.ue()
        return (k + 1) // 2 if k & 1 else -(k // 2)

    def rest_before_stop_bit(self) -> List[int]:
        """The bits left before rbsp_stop_one_bit (the last 1 bit)."""
        last_one = max(i for i, b in enumerate(self.bits) if b)
        return self.bits[self.pos:last_one]


# ---- NAL units ----------------------------------------------------------------------------------

def escape(rbsp: bytes) -> bytes:
    """Inserts emulation_prevention_three_byte (H.264 7.4.1)."""
    out, zeros = bytearray(), 0
    for b in rbsp:
        if zeros >= 2 and b <= 3:
            out.append(3)
            zeros = 0
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def unescape(payload: bytes) -> bytes:
    out, zeros = bytearray(), 0
    for b in payload:
        if zeros >= 2 and b == 3:
            zeros = 0
            continue
        out.append(b)
        zeros = zeros + 1 if b == 0 else 0
    return bytes(out)


def annexb_nals(data: bytes) -> List[bytes]:
    """NAL units of an Annex-B stream (start codes and trailing zero bytes removed)."""
    starts = [m.end() for m in re.finditer(b"\x00\x00\x01", data)]
    out = []
    for k, s in enumerate(starts):
        e = starts[k + 1] - 3 if k + 1 < len(starts) else len(data)
        out.append(data[s:e].rstrip(b"\x00"))
    return out


def h264_type(nal: bytes) -> int:
    return nal[0] & 0x1F


def hevc_type(nal: bytes) -> int:
    return (nal[0] >> 1) & 0x3F


def rewrite_annexb(data: bytes, is_target, rewrite_rbsp, header_len: int) -> Tuple[bytes, int]:
    """The stream with every NAL unit for which is_target(nal) holds replaced by its header plus
    rewrite_rbsp(rbsp) escaped again; returns the stream and the number of units rewritten."""
    out, n = bytearray(), 0
    for nal in annexb_nals(data):
        if is_target(nal):
            nal = nal[:header_len] + escape(rewrite_rbsp(unescape(nal[header_len:])))
            n += 1
        out += b"\x00\x00\x00\x01" + nal
    return bytes(out), n


# ---- IVF, OBUs, MP4 -----------------------------------------------------------------------------

def ivf_frames(data: bytes) -> List[bytes]:
    """Frames of an IVF file: a 32-byte file header, then per frame a 12-byte header (size, pts)."""
    assert data[:4] == b"DKIF", data[:4]
    i, out = int.from_bytes(data[6:8], "little"), []
    while i + 12 <= len(data):
        n = int.from_bytes(data[i:i + 4], "little")
        out.append(data[i + 12:i + 12 + n])
        i += 12 + n
    return out


def leb128(v: int, min_bytes: int = 1) -> bytes:
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v or len(out) + 1 < min_bytes:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def obu(obu_type: int, payload: bytes, extension: Optional[int] = None, size_bytes: int = 1) -> bytes:
    """An OBU with obu_has_size_field (AV1 5.3.1); `extension` is the extension header byte."""
    header = (obu_type << 3) | 0x02 | (0x04 if extension is not None else 0)
    ext = bytes([extension]) if extension is not None else b""
    return bytes([header]) + ext + leb128(len(payload), size_bytes) + payload


def obus(tu: bytes) -> List[Tuple[int, bytes]]:
    """(obu_type, whole OBU) for each OBU of a temporal unit in low-overhead format."""
    out, i = [], 0
    while i < len(tu):
        header = tu[i]
        j = i + 1 + ((header >> 2) & 1)
        size, shift = 0, 0
        while True:
            b = tu[j]
            j += 1
            size |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        out.append(((header >> 3) & 0x0F, tu[i:j + size]))
        i = j + size
    return out


def _boxes(data: bytes, start: int, end: int):
    i = start
    while i + 8 <= end:
        size, kind, header = int.from_bytes(data[i:i + 4], "big"), data[i + 4:i + 8], 8
        if size == 1:
            size, header = int.from_bytes(data[i + 8:i + 16], "big"), 16
        elif size == 0:
            size = end - i
        if size < header:
            return
        yield kind, i + header, i + size
        i += size


def mp4_config_record(path: Path, fourcc: bytes) -> bytes:
    """The payload of the avcC / hvcC / av1C box of an MP4's first video sample entry."""
    data = Path(path).read_bytes()

    def walk(start, end):
        for kind, s, e in _boxes(data, start, end):
            if kind == fourcc:
                return data[s:e]
            if kind in (b"moov", b"trak", b"mdia", b"minf", b"stbl"):
                found = walk(s, e)
            elif kind == b"stsd":
                found = walk(s + 8, e)  # version/flags, entry_count
            elif kind in (b"avc1", b"avc3", b"hvc1", b"hev1", b"av01"):
                found = walk(s + 78, e)  # the VisualSampleEntry fields before its child boxes
            else:
                continue
            if found is not None:
                return found
        return None

    record = walk(0, len(data))
    assert record is not None, f"no {fourcc!r} box in {path}"
    return record


def avcc(sps_nals: List[bytes], pps_nals: List[bytes]) -> bytes:
    """An AVCDecoderConfigurationRecord (ISO/IEC 14496-15 5.3.3.1) for baseline-style SPSs."""
    sps = sps_nals[0]
    out = bytearray([1, sps[1], sps[2], sps[3], 0xFF, 0xE0 | len(sps_nals)])
    for n in sps_nals:
        out += len(n).to_bytes(2, "big") + n
    out.append(len(pps_nals))
    for n in pps_nals:
        out += len(n).to_bytes(2, "big") + n
    return bytes(out)


def hvcc(arrays: List[Tuple[int, List[bytes]]]) -> bytes:
    """An HEVCDecoderConfigurationRecord (8.3.3.1) with placeholder profile fields."""
    out = bytearray([1, 0x01, 0x60, 0, 0, 0, 0x90, 0, 0, 0, 0, 0, 30, 0xF0, 0x00, 0xFC, 0xFD, 0xF8, 0xF8, 0, 0, 0x0F])
    out.append(len(arrays))
    for nal_type, nals in arrays:
        out += bytes([0x80 | nal_type]) + len(nals).to_bytes(2, "big")
        for n in nals:
            out += len(n).to_bytes(2, "big") + n
    return bytes(out)


# ---- FFmpeg's CBS as a reference ------------------------------------------------------------------

def ivf(fourcc: bytes, frames: List[bytes], width: int = 64, height: int = 64) -> bytes:
    """An IVF file: 32-byte header (fourcc, size, time base 1/30, frame count), 12-byte frame headers."""
    out = bytearray(b"DKIF" + struct.pack("<HH4sHHIIII", 0, 32, fourcc, width, height, 30, 1, len(frames), 0))
    for pts, f in enumerate(frames):
        out += struct.pack("<IQ", len(f), pts) + f
    return bytes(out)


_FIELD = re.compile(r"^\d+\s+(\S+)\s+[01]+\s+=\s+(-?\d+)$")
_SETS = ("Sequence Parameter Set", "Sequence Header")


Section = List[Tuple[str, int]]  # the syntax elements of one parameter set, in order


def trace_packets(path: Path, fmt: Optional[str] = None) -> Tuple[List[List[Section]], List[str]]:
    """The syntax elements FFmpeg's trace_headers bitstream filter prints: for each packet of the
    file, its H.264 / HEVC sequence parameter sets or AV1 sequence headers, as (name, value) pairs
    in bitstream order; and the messages that are not syntax elements (CBS errors among them)."""
    res = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostdin", *(["-f", fmt] if fmt else []), "-i", str(path), "-map", "0:v:0",
         "-c", "copy", "-copyinkf", "-bsf:v", "trace_headers", "-f", "null", "-"],
        capture_output=True, text=True)
    packets: List[List[Section]] = []
    messages: List[str] = []
    current: Optional[Section] = None
    for line in res.stderr.splitlines():
        m = re.match(r"^\[trace_headers @ [0-9a-fx]+\] (.*)$", line)
        if not m:
            continue
        text = m.group(1).strip()
        field = _FIELD.match(text)
        if field:
            if current is not None:
                current.append((field.group(1), int(field.group(2))))
        elif text.startswith("Packet"):
            packets.append([])
            current = None
        elif text in _SETS and packets:
            current = []
            packets[-1].append(current)
        else:
            current = None
            messages.append(text)
    return packets, messages


def has(section: Section, name: str, value: Optional[int] = None) -> bool:
    """Whether the section holds `name` (indices like [2] ignored), with `value` if given."""
    return any(n.split("[")[0] == name and (value is None or v == value) for n, v in section)


def colour_from_trace(section: Section, codec: str) -> Dict[str, int]:
    """What the traced set signals, by the rules of csrc/demux/colour_signal.h."""
    fields: Dict[str, int] = {}
    for name, value in section:
        fields.setdefault(name, value)
    out = dict(NOT_SIGNALLED)
    if codec == "av1":
        if fields.get("color_description_present_flag"):
            out.update(primaries=fields["color_primaries"], transfer=fields["transfer_characteristics"],
                       matrix=fields["matrix_coefficients"])
        # color_range is coded unless the sRGB triple without mono_chrome implies it (then CBS infers 1).
        out["range"] = 2 if fields.get("color_range", 1) else 1
        return out
    if fields.get("vui_parameters_present_flag") and fields.get("video_signal_type_present_flag"):
        out["range"] = 2 if fields["video_full_range_flag"] else 1
        if fields["colour_description_present_flag"]:
            out.update(primaries=fields["colour_primaries"], transfer=fields["transfer_characteristics"],
                       matrix=fields["matrix_coefficients"])
    return out


AV1_CHROMA_POSITION = {0: -1, 1: 1, 2: 3, 3: -1}  # CSP_UNKNOWN, VERTICAL (left), COLOCATED (top-left), reserved


def chroma_location_from_trace(section: Section, codec: str) -> int:
    """The AVChromaLocation the traced set signals, as FFmpeg's decoders report it (-1: none): H.264
    and HEVC chroma_sample_loc_type_top_field + 1 (out of range: none), left (1) for a VUI without it;
    HEVC only for 4:2:0, and left without a VUI too; AV1 chroma_sample_position."""
    fields: Dict[str, int] = {}
    for name, value in section:
        fields.setdefault(name, value)
    if codec == "av1":
        return AV1_CHROMA_POSITION[fields["chroma_sample_position"]] if "chroma_sample_position" in fields else -1
    if codec == "hevc" and fields.get("chroma_format_idc", 1) != 1:
        return -1
    if not fields.get("vui_parameters_present_flag"):
        return 1 if codec == "hevc" else -1
    if not fields.get("chroma_loc_info_present_flag"):
        return 1
    top = fields["chroma_sample_loc_type_top_field"]
    return top + 1 if top <= 5 else -1


# ---- random parameter sets --------------------------------------------------------------------------

def _vui_colour(w: BitWriter, rng) -> Dict[str, int]:
    """H.264 E.1.1 / H.265 E.2.1 up to the colour description."""
    out = dict(NOT_SIGNALLED)
    if w.bit(rng.random() < 0.7):  # aspect_ratio_info_present_flag
        idc = rng.choice([1, 2, 13, 255])
        w.u(8, idc)
        if idc == 255:
            w.u(16, rng.randrange(0, 1 << 16)).u(16, rng.randrange(0, 1 << 16))  # sar_width, sar_height
    if w.bit(rng.random() < 0.5):  # overscan_info_present_flag
        w.flag(rng.random() < 0.5)
    if w.bit(rng.random() < 0.8):  # video_signal_type_present_flag
        full = rng.random() < 0.5
        w.u(3, rng.randrange(8)).flag(full)
        out["range"] = 2 if full else 1
        if w.bit(rng.random() < 0.8):  # colour_description_present_flag
            codes = [rng.choice([rng.randrange(256), 0, 1, 2, 6, 9])] + [rng.randrange(256) for _ in range(2)]
            for c in codes:
                w.u(8, c)
            out.update(primaries=codes[0], transfer=codes[1], matrix=codes[2])
    return out


# 7.3.2.1.1: profiles whose SPS has chroma_format_idc etc. FFmpeg's CBS (the trace reference) knows
# the first ten; 139, 134, 135 (MFC) came later and 144 is the High 4:4:4 of the 2005 edition.
H264_CHROMA_PROFILES = (100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135, 144)
H264_CBS_PROFILES = (66, 77, 88) + H264_CHROMA_PROFILES[:10]


def _h264_scaling_list(w: BitWriter, rng, size: int) -> None:
    """7.3.2.1.1.1: random deltas; sometimes "use default" (nextScale 0 at j == 0) or an early end."""
    last = 8
    stop_at = rng.choice([0, rng.randrange(size), size, size])
    for j in range(size):
        if j == stop_at:
            delta = ((0 - last + 128) % 256) - 128  # nextScale 0: the list ends here
        else:
            target = rng.randrange(1, 256)
            delta = ((target - last + 128) % 256) - 128
        w.se(delta)
        last = (last + delta + 256) % 256
        if last == 0:
            return


def random_h264_sps(rng, profile: Optional[int] = None) -> Tuple[bytes, Dict[str, int]]:
    """An SPS NAL unit (header byte included, escaped) and the colour it signals."""
    w = BitWriter()
    profile = rng.choice(H264_CBS_PROFILES) if profile is None else profile
    w.u(8, profile).u(6, rng.randrange(64)).u(2, 0).u(8, rng.choice([10, 21, 30, 31, 40, 51]))
    w.ue(rng.randrange(32))  # seq_parameter_set_id
    if profile in H264_CHROMA_PROFILES:
        chroma = rng.randrange(4)
        w.ue(chroma)
        if chroma == 3:
            w.flag(rng.random() < 0.5)  # separate_colour_plane_flag
        w.ue(rng.randrange(7)).ue(rng.randrange(7)).flag(rng.random() < 0.2)
        if w.bit(rng.random() < 0.6):  # seq_scaling_matrix_present_flag
            for i in range(8 if chroma != 3 else 12):
                if w.bit(rng.random() < 0.7):
                    _h264_scaling_list(w, rng, 16 if i < 6 else 64)
    w.ue(rng.randrange(13))  # log2_max_frame_num_minus4
    poc_type = rng.randrange(3)
    w.ue(poc_type)
    if poc_type == 0:
        w.ue(rng.randrange(13))
    elif poc_type == 1:
        w.flag(rng.random() < 0.5)
        w.se(rng.choice([0, -1, 5, -(2**31 - 1), 2**31 - 1, rng.randrange(-1000, 1000)]))
        w.se(rng.randrange(-1000, 1000))
        cycle = rng.choice([0, 1, 3, rng.randrange(256)])
        w.ue(cycle)
        for _ in range(cycle):
            w.se(rng.choice([0, 1, 2, -3, rng.randrange(-(2**31 - 1), 2**31)]))
    w.ue(rng.randrange(17)).flag(rng.random() < 0.1)  # max_num_ref_frames, gaps_in_frame_num_value_allowed_flag
    w.ue(rng.randrange(8, 120)).ue(rng.randrange(8, 68))  # pic_width_in_mbs_minus1, pic_height_in_map_units_minus1
    frame_mbs_only = rng.random() < 0.6
    w.flag(frame_mbs_only)
    if not frame_mbs_only:
        w.flag(rng.random() < 0.5)  # mb_adaptive_frame_field_flag
    w.flag(True if not frame_mbs_only else rng.random() < 0.5)  # direct_8x8_inference_flag
    if w.bit(rng.random() < 0.4):  # frame_cropping_flag
        for _ in range(4):
            w.ue(rng.randrange(4))
    colour = dict(NOT_SIGNALLED)
    if w.bit(rng.random() < 0.9):  # vui_parameters_present_flag
        colour = _vui_colour(w, rng)
        if w.bit(rng.random() < 0.3):  # chroma_loc_info_present_flag
            w.ue(rng.randrange(6)).ue(rng.randrange(6))
        if w.bit(rng.random() < 0.5):  # timing_info_present_flag
            w.u(32, rng.randrange(1, 1 << 32)).u(32, rng.randrange(1, 1 << 32)).flag(rng.random() < 0.5)
        w.flag(False).flag(False)  # nal_hrd_parameters_present_flag, vcl_hrd_parameters_present_flag
        w.flag(rng.random() < 0.5).flag(False)  # pic_struct_present_flag, bitstream_restriction_flag
    w.trailing_bits()
    return bytes([0x67]) + escape(w.bytes()), colour


def _hevc_ptl_profile(w: BitWriter, rng) -> None:
    """The 88 profile bits of profile_tier_level (7.3.3), for Main / Main 10 / Main Still / RExt."""
    idc = rng.choice([1, 2, 3, 4])
    w.u(2, 0).flag(rng.random() < 0.5).u(5, idc)  # profile_space, tier_flag, profile_idc
    for j in range(32):
        w.flag(j == idc)  # profile_compatibility_flag[j]
    w.u(4, rng.randrange(16)).u(43, 0).u(1, 0)  # progressive..frame_only, constraint bits, inbld


def _hevc_scaling_list_data(w: BitWriter, rng) -> None:
    """7.3.4 with random choices inside the ranges of 7.4.5."""
    for size_id in range(4):
        for matrix_id in range(0, 6, 3 if size_id == 3 else 1):
            if w.bit(rng.random() < 0.6):  # scaling_list_pred_mode_flag
                if size_id > 1:
                    w.se(rng.randrange(-7, 248))  # scaling_list_dc_coef_minus8
                for _ in range(min(64, 1 << (4 + (size_id << 1)))):
                    w.se(rng.randrange(-128, 128))  # scaling_list_delta_coef
            else:
                w.ue(rng.randrange((matrix_id // 3 if size_id == 3 else matrix_id) + 1))


def write_st_ref_pic_sets(w: BitWriter, rng, count: int, max_dec: int, allow_zero_dpoc: bool = True) -> None:
    """num_short_term_ref_pic_sets sets (7.3.7), inter-predicted ones among them, each with at
    most `max_dec` pictures (7.4.8); the derivation of 7.4.8 tracks what each set holds."""
    sets: List[Tuple[List[int], List[int]]] = []  # (DeltaPocS0, DeltaPocS1)
    for idx in range(count):
        if idx and w.bit(rng.random() < 0.6):  # inter_ref_pic_set_prediction_flag
            s0, s1 = sets[idx - 1]
            while True:
                delta_rps = rng.choice([-1, 1, -2, 2, rng.randrange(-40, 41)]) or 1
                ref = s0 + s1 + [0]  # entry j of the reference set; the last one is "deltaRps itself"
                use = [rng.random() < 0.7 for _ in ref]
                used = [u and rng.random() < 0.7 for u in use]
                dpocs = [d + delta_rps for d in s0 + s1] + [delta_rps]
                if not allow_zero_dpoc and any(u and d == 0 for u, d in zip(use, dpocs)):
                    continue
                if sum(1 for u, d in zip(use, dpocs) if u and d) <= max_dec and sum(use) <= max_dec:
                    break
            w.flag(delta_rps < 0).ue(abs(delta_rps) - 1)
            for u, us in zip(use, used):
                w.flag(us)
                if not us:
                    w.flag(u)  # use_delta_flag
            n_neg = len(s0)
            new_s0 = [s1[j] + delta_rps for j in reversed(range(len(s1)))
                      if s1[j] + delta_rps < 0 and use[n_neg + j]]
            if delta_rps < 0 and use[-1]:
                new_s0.append(delta_rps)
            new_s0 += [s0[j] + delta_rps for j in range(n_neg) if s0[j] + delta_rps < 0 and use[j]]
            new_s1 = [s0[j] + delta_rps for j in reversed(range(n_neg)) if s0[j] + delta_rps > 0 and use[j]]
            if delta_rps > 0 and use[-1]:
                new_s1.append(delta_rps)
            new_s1 += [s1[j] + delta_rps for j in range(len(s1)) if s1[j] + delta_rps > 0 and use[n_neg + j]]
            sets.append((new_s0, new_s1))
        else:
            neg = rng.randrange(min(max_dec, 4) + 1)
            pos = rng.randrange(min(max_dec - neg, 3) + 1)
            w.ue(neg).ue(pos)
            s0, s1, poc = [], [], 0
            for _ in range(neg):
                d = rng.choice([0, 0, 1, 3, rng.randrange(1 << 15)])
                w.ue(d).flag(rng.random() < 0.7)
                poc -= d + 1
                s0.append(poc)
            poc = 0
            for _ in range(pos):
                d = rng.choice([0, 1, rng.randrange(100)])
                w.ue(d).flag(rng.random() < 0.7)
                poc += d + 1
                s1.append(poc)
            sets.append((s0, s1))


def random_hevc_sps(rng, vps_id: int = 15, sps_id: int = 15) -> Tuple[bytes, Dict[str, int]]:
    """An SPS NAL unit (nuh_layer_id 0, escaped) and the colour it signals."""
    w = BitWriter()
    w.u(4, vps_id)  # sps_video_parameter_set_id
    sub = rng.choice([0, 0, 1, 2, 6])
    w.u(3, sub).flag(rng.random() < 0.5)  # sps_max_sub_layers_minus1, sps_temporal_id_nesting_flag
    _hevc_ptl_profile(w, rng)
    w.u(8, rng.randrange(256))  # general_level_idc
    present = [(rng.random() < 0.5, rng.random() < 0.5) for _ in range(sub)]
    for p, l in present:
        w.flag(p).flag(l)
    if sub:
        w.u(2 * (8 - sub), 0)  # reserved_zero_2bits
    for p, l in present:
        if p:
            _hevc_ptl_profile(w, rng)
        if l:
            w.u(8, rng.randrange(256))
    w.ue(sps_id)  # sps_seq_parameter_set_id
    chroma = rng.randrange(4)
    w.ue(chroma)
    if chroma == 3:
        w.flag(rng.random() < 0.5)  # separate_colour_plane_flag
    w.ue(64 * rng.randrange(1, 40)).ue(64 * rng.randrange(1, 30))  # pic_width/height_in_luma_samples
    if w.bit(rng.random() < 0.4):  # conformance_window_flag
        for _ in range(4):
            w.ue(rng.randrange(4))
    bit_depth_luma, bit_depth_chroma = rng.randrange(9), rng.randrange(9)
    w.ue(bit_depth_luma).ue(bit_depth_chroma)
    poc_lsb_bits = rng.randrange(13) + 4
    w.ue(poc_lsb_bits - 4)
    all_layers = rng.random() < 0.5
    w.flag(all_layers)
    max_dec = 0
    for i in range(0 if all_layers else sub, sub + 1):
        max_dec = rng.randrange(max_dec, 16)
        w.ue(max_dec).ue(rng.randrange(max_dec + 1)).ue(rng.choice([0, rng.randrange(1 << 20)]))
    min_cb = 3 + rng.randrange(4)
    ctb = rng.randrange(max(min_cb, 4), 7)
    min_tb = 2 + rng.randrange(min_cb - 2)
    max_tb = rng.randrange(min_tb, min(ctb, 5) + 1)
    w.ue(min_cb - 3).ue(ctb - min_cb).ue(min_tb - 2).ue(max_tb - min_tb)
    w.ue(rng.randrange(ctb - min_tb + 1)).ue(rng.randrange(ctb - min_tb + 1))  # max_transform_hierarchy_depth_*
    if w.bit(rng.random() < 0.5):  # scaling_list_enabled_flag
        if w.bit(rng.random() < 0.7):  # sps_scaling_list_data_present_flag
            _hevc_scaling_list_data(w, rng)
    w.flag(rng.random() < 0.5).flag(rng.random() < 0.5)  # amp_enabled_flag, sample_adaptive_offset_enabled_flag
    if w.bit(rng.random() < 0.4):  # pcm_enabled_flag
        w.u(4, rng.randrange(bit_depth_luma + 8)).u(4, rng.randrange(bit_depth_chroma + 8))
        pcm_min = rng.randrange(min(min_cb, 5), min(ctb, 5) + 1)
        w.ue(pcm_min - 3).ue(rng.randrange(min(ctb, 5) - pcm_min + 1)).flag(rng.random() < 0.5)
    num_sets = rng.choice([0, 1, 2, 5, rng.randrange(65)])
    w.ue(num_sets)
    write_st_ref_pic_sets(w, rng, num_sets, max_dec)
    if w.bit(rng.random() < 0.4):  # long_term_ref_pics_present_flag
        n = rng.randrange(33)
        w.ue(n)
        for _ in range(n):
            w.u(poc_lsb_bits, rng.randrange(1 << poc_lsb_bits)).flag(rng.random() < 0.5)
    w.flag(rng.random() < 0.5).flag(rng.random() < 0.5)  # sps_temporal_mvp_enabled_flag, strong_intra_smoothing
    colour = dict(NOT_SIGNALLED)
    if w.bit(rng.random() < 0.9):  # vui_parameters_present_flag
        colour = _vui_colour(w, rng)
        if w.bit(rng.random() < 0.4):  # chroma_loc_info_present_flag
            w.ue(rng.randrange(6)).ue(rng.randrange(6))
        w.flag(False).flag(False).flag(False)  # neutral_chroma_indication, field_seq, frame_field_info_present
        if w.bit(rng.random() < 0.3):  # default_display_window_flag
            for _ in range(4):
                w.ue(rng.randrange(3))
        w.flag(False).flag(False)  # vui_timing_info_present_flag, bitstream_restriction_flag
    w.flag(False)  # sps_extension_present_flag
    w.trailing_bits()
    return bytes([33 << 1, 1]) + escape(w.bytes()), colour


def random_av1_sequence_header(rng) -> Tuple[bytes, Dict[str, int]]:
    """A sequence_header_obu() payload (AV1 5.5) and the colour it signals."""
    w = BitWriter()
    profile = rng.randrange(3)
    reduced = rng.random() < 0.15
    still = reduced or rng.random() < 0.2
    w.u(3, profile).flag(still).flag(reduced)
    if reduced:
        w.u(5, rng.randrange(32))  # seq_level_idx[0]
    else:
        timing = rng.random() < 0.5
        decoder_model, delay_bits = False, 0
        w.flag(timing)
        if timing:
            w.u(32, rng.randrange(1, 1 << 32)).u(32, rng.randrange(1, 1 << 32))
            if w.bit(rng.random() < 0.5):  # equal_picture_interval
                w.ue(rng.choice([0, 1, 29, rng.randrange(1 << 31)]))  # num_ticks_per_picture_minus_1 (uvlc)
            decoder_model = rng.random() < 0.6
            w.flag(decoder_model)
            if decoder_model:
                delay_bits = rng.randrange(1, 33)
                w.u(5, delay_bits - 1).u(32, rng.randrange(1, 1 << 32))  # num_units_in_decoding_tick
                w.u(5, rng.randrange(32)).u(5, rng.randrange(32))
        initial_display_delay = rng.random() < 0.5
        w.flag(initial_display_delay)
        points = rng.choice([1, 1, 2, 4, rng.randrange(1, 33)])
        w.u(5, points - 1)
        for _ in range(points):
            level = rng.randrange(32)
            w.u(12, rng.randrange(1 << 12)).u(5, level)
            if level > 7:
                w.flag(rng.random() < 0.5)  # seq_tier
            if decoder_model and w.bit(rng.random() < 0.6):
                w.u(delay_bits, rng.randrange(1 << delay_bits)).u(delay_bits, rng.randrange(1 << delay_bits))
                w.flag(rng.random() < 0.5)  # low_delay_mode_flag
            if initial_display_delay and w.bit(rng.random() < 0.5):
                w.u(4, rng.randrange(16))
    wb, hb = rng.randrange(16), rng.randrange(16)
    w.u(4, wb).u(4, hb).u(wb + 1, rng.randrange(1 << (wb + 1))).u(hb + 1, rng.randrange(1 << (hb + 1)))
    if not reduced and w.bit(rng.random() < 0.3):  # frame_id_numbers_present_flag
        w.u(4, rng.randrange(16)).u(3, rng.randrange(8))
    w.u(3, rng.randrange(8))  # use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
    if not reduced:
        w.u(4, rng.randrange(16))  # interintra, masked, warped, dual_filter
        order_hint = rng.random() < 0.7
        w.flag(order_hint)
        if order_hint:
            w.u(2, rng.randrange(4))  # enable_jnt_comp, enable_ref_frame_mvs
        choose = rng.random() < 0.5
        w.flag(choose)
        force = 2 if choose else int(rng.random() < 0.5)
        if not choose:
            w.flag(force)
        if force > 0 and not (w.bit(rng.random() < 0.5)):  # seq_choose_integer_mv
            w.flag(rng.random() < 0.5)  # seq_force_integer_mv
        if order_hint:
            w.u(3, rng.randrange(8))
    w.u(3, rng.randrange(8))  # enable_superres, enable_cdef, enable_restoration
    # color_config() (5.5.2)
    high = rng.random() < 0.5
    w.flag(high)
    twelve = profile == 2 and high and rng.random() < 0.5
    if profile == 2 and high:
        w.flag(twelve)
    mono = profile != 1 and rng.random() < 0.2
    if profile != 1:
        w.flag(mono)
    colour = dict(NOT_SIGNALLED)
    srgb = profile == 1 and not mono and rng.random() < 0.3
    if w.bit(srgb or rng.random() < 0.7):  # color_description_present_flag
        cp, tc, mc = (1, 13, 0) if srgb else (rng.randrange(256), rng.randrange(256), rng.randrange(1, 256))
        w.u(8, cp).u(8, tc).u(8, mc)
        colour.update(primaries=cp, transfer=tc, matrix=mc)
    if mono:
        full = rng.random() < 0.5
        w.flag(full)
        colour["range"] = 2 if full else 1
    elif srgb:
        colour["range"] = 2
        w.flag(rng.random() < 0.5)  # separate_uv_delta_q
    else:
        full = rng.random() < 0.5
        w.flag(full)
        colour["range"] = 2 if full else 1
        ss_x, ss_y = {0: (1, 1), 1: (0, 0)}.get(profile, (1, 0))
        if profile == 2 and twelve:
            ss_x = int(rng.random() < 0.5)
            w.flag(ss_x)
            ss_y = int(ss_x and rng.random() < 0.5)
            if ss_x:
                w.flag(ss_y)
        if ss_x and ss_y:
            w.u(2, rng.randrange(3))  # chroma_sample_position (3 is reserved)
        w.flag(rng.random() < 0.5)  # separate_uv_delta_q
    w.flag(rng.random() < 0.5)  # film_grain_params_present
    w.trailing_bits()
    return w.bytes(), colour


# ---- rewriting real parameter sets --------------------------------------------------------------

def _read_h264_sps_head(r: BitReader, w: BitWriter) -> int:
    """Copies profile_idc .. seq_parameter_set_id (7.3.2.1.1); returns profile_idc."""
    profile = r.u(8)
    w.u(8, profile).u(16, r.u(16)).ue(r.ue())
    return profile


def h264_sps_poc_type_1(rbsp: bytes) -> bytes:
    """A pic_order_cnt_type 2 SPS without chroma info made pic_order_cnt_type 1 with
    delta_pic_order_always_zero_flag (slice headers carry no POC syntax in either case) and a cycle
    of three offset_for_ref_frame values (POC 2 * FrameNum, increasing like before)."""
    r, w = BitReader(rbsp), BitWriter()
    assert _read_h264_sps_head(r, w) not in H264_CHROMA_PROFILES
    w.ue(r.ue())  # log2_max_frame_num_minus4
    assert r.ue() == 2, "expected pic_order_cnt_type 2"
    w.ue(1).flag(True).se(0).se(-7)  # type 1, always_zero, offset_for_non_ref_pic, offset_for_top_to_bottom
    w.ue(3).se(1).se(3).se(2)        # num_ref_frames_in_pic_order_cnt_cycle, offset_for_ref_frame[]
    return w.extend(r.rest_before_stop_bit()).trailing_bits().bytes()


def h264_sps_with_scaling_lists(rbsp: bytes, rng) -> bytes:
    """An SPS of a chroma-info profile with seq_scaling_matrix_present_flag 0 given random SPS
    scaling lists (they only change dequantisation, so the stream still decodes)."""
    r, w = BitReader(rbsp), BitWriter()
    assert _read_h264_sps_head(r, w) in H264_CHROMA_PROFILES
    chroma = r.ue()
    w.ue(chroma)
    if chroma == 3:
        w.flag(r.u(1))
    w.ue(r.ue()).ue(r.ue()).flag(r.u(1))
    assert r.u(1) == 0, "expected seq_scaling_matrix_present_flag 0"
    w.flag(True)
    for i in range(8 if chroma != 3 else 12):
        w.flag(True)
        _h264_scaling_list(w, rng, 16 if i < 6 else 64)
    return w.extend(r.rest_before_stop_bit()).trailing_bits().bytes()


def hevc_sps_with_rps(rbsp: bytes, rng, num_sets: int = 12) -> bytes:
    """An x265 SPS (no sub-layers, no scaling list data, no PCM, no RPS, no long-term pictures)
    given SPS scaling list data, `num_sets` short-term RPSs (inter-predicted ones among them),
    long-term reference pictures and a larger sps_max_dec_pic_buffering_minus1. Parsing of IDR
    slices depends on none of these, so an all-IDR stream still decodes."""
    r, w = BitReader(rbsp), BitWriter()
    w.u(4, r.u(4))
    sub = r.u(3)
    assert sub == 0
    w.u(3, sub).u(1, r.u(1)).u(96, r.u(96))  # nesting flag, profile_tier_level(1, 0)
    w.ue(r.ue())                             # sps_seq_parameter_set_id
    chroma = r.ue()
    w.ue(chroma)
    if chroma == 3:
        w.u(1, r.u(1))
    w.ue(r.ue()).ue(r.ue())
    if r.u(1):
        w.flag(True)
        for _ in range(4):
            w.ue(r.ue())
    else:
        w.flag(False)
    w.ue(r.ue()).ue(r.ue())
    poc_lsb_minus4 = r.ue()
    w.ue(poc_lsb_minus4)
    w.flag(r.u(1))
    max_dec = 6
    r.ue()
    w.ue(max_dec).ue(r.ue()).ue(r.ue())  # sps_max_dec_pic_buffering_minus1 raised; reorder; latency
    for _ in range(6):
        w.ue(r.ue())
    if r.u(1):  # scaling_list_enabled_flag
        assert r.u(1) == 0, "expected sps_scaling_list_data_present_flag 0"
    w.flag(True).flag(True)
    _hevc_scaling_list_data(w, rng)
    w.u(2, r.u(2))  # amp, sao
    assert r.u(1) == 0, "expected pcm_enabled_flag 0"
    w.flag(False)
    assert r.ue() == 0, "expected num_short_term_ref_pic_sets 0"
    w.ue(num_sets)
    # FFmpeg's HEVC decoder keeps picture-less entries (dPoc 0) that 7.4.8 drops; keep them out.
    write_st_ref_pic_sets(w, rng, num_sets, max_dec, allow_zero_dpoc=False)
    assert r.u(1) == 0, "expected long_term_ref_pics_present_flag 0"
    w.flag(True).ue(5)
    for _ in range(5):
        w.u(poc_lsb_minus4 + 4, rng.randrange(1 << (poc_lsb_minus4 + 4))).flag(rng.random() < 0.5)
    return w.extend(r.rest_before_stop_bit()).trailing_bits().bytes()
