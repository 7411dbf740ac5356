"""build_info(), the run-time loading of the NVIDIA libraries, and the embedded CUDA kernels."""

import json
import os
import shutil
import struct
import subprocess
import sys

import pytest

import on_demand_video_decoder as odvd
from on_demand_video_decoder import _engine

import fake_driver

# Library versions of FFmpeg 4.4, the oldest release supported.
FFMPEG_MIN = {"libavformat": (58, 76), "libavcodec": (58, 134), "libavutil": (56, 70)}


def _version(s):
    return tuple(int(x) for x in s.split("."))


def test_build_info_shape():
    info = odvd.build_info()
    assert info["version"] == odvd.__version__
    c, r = info["compiled"], info["runtime"]
    assert set(c["ffmpeg"]) == set(FFMPEG_MIN) == set(r["ffmpeg"])
    for lib, minimum in FFMPEG_MIN.items():
        assert _version(c["ffmpeg"][lib])[:2] >= minimum
        # The loaded library has the major version we compiled against (same ABI).
        assert _version(r["ffmpeg"][lib])[0] == _version(c["ffmpeg"][lib])[0]
    assert c["ffmpeg_linkage"] in ("shared", "static")
    assert isinstance(r["device_count"], int) and r["device_count"] == len(r["devices"])
    assert isinstance(r["gpu_decode_usable"], bool)


def test_ffmpeg_decoders():
    info = odvd.build_info()
    decoders = info["runtime"]["ffmpeg_decoders"]
    assert set(decoders) == {"h264", "hevc", "vp9", "av1"}
    for codec, d in decoders.items():
        assert isinstance(d["nvdec_hwaccel"], bool)
        if codec != "av1":  # FFmpeg's own decoders (Debian's and the self-contained wheel's)
            assert d["decoder"] == codec
    if info["compiled"]["ffmpeg_linkage"] == "static":
        # The self-contained wheel's FFmpeg (scripts/build-wheel.sh): libdav1d for AV1 on the CPU,
        # as with Debian's shared FFmpeg, and the NVDEC hwaccel of every codec.
        assert decoders["av1"]["decoder"] == "libdav1d"
        assert all(d["nvdec_hwaccel"] for d in decoders.values())


def _ffmpeg_cli_decoders():
    """Decoder names of the ffmpeg CLI, which loads the same shared libraries as a shared build."""
    out = subprocess.run(["ffmpeg", "-hide_banner", "-decoders"], capture_output=True, text=True, check=True)
    return {line.split()[1] for line in out.stdout.splitlines() if line.startswith(" V")}


@pytest.mark.skipif(shutil.which("ffmpeg") is None, reason="no ffmpeg CLI")
def test_ffmpeg_decoders_match_the_cli_with_shared_ffmpeg():
    info = odvd.build_info()
    if info["compiled"]["ffmpeg_linkage"] != "shared":
        pytest.skip("static FFmpeg: the CLI's libraries are not ours")
    names = _ffmpeg_cli_decoders()
    for d in info["runtime"]["ffmpeg_decoders"].values():
        assert d["decoder"] is None or d["decoder"] in names


def test_ffmpeg_versions_match_pkg_config():
    if shutil.which("pkg-config") is None:
        pytest.skip("pkg-config not installed")
    compiled = odvd.build_info()["compiled"]
    for lib, version in compiled["ffmpeg"].items():
        out = subprocess.run(["pkg-config", "--modversion", lib], capture_output=True, text=True)
        if out.returncode == 0:
            assert out.stdout.strip() == version
    out = subprocess.run(["pkg-config", "--modversion", "ffnvcodec"], capture_output=True, text=True)
    if out.returncode == 0:
        assert out.stdout.strip() == compiled["ffnvcodec"]


def test_embedded_fatbin_matches_what_build_info_claims():
    c = odvd.build_info()["compiled"]
    fatbin = _engine._embedded_fatbin()
    assert len(fatbin) == c["fatbin_bytes"]
    if not c["cuda_kernels"]:
        assert fatbin == b"" and c["cuda_archs"] == []
        with pytest.raises(RuntimeError, match="no CUDA kernels"):
            _engine._kernel_selftest(0)
        return
    assert c["cuda_archs"] == ["sm_75", "sm_80", "sm_86", "sm_89", "sm_90", "compute_90"]
    entries = _fatbin_entries(fatbin)
    sass = sorted(arch for kind, arch, _ in entries if kind == "elf")
    ptx = [arch for kind, arch, _ in entries if kind == "ptx"]
    assert sass == [75, 80, 86, 89, 90] and ptx == [90]
    for kind, arch, payload in entries:
        if kind == "elf":
            # CUDA ELF images carry their SM in e_flags bits 8..15 (as cuobjdump -lelf reports it).
            assert payload[:4] == b"\x7fELF"
            assert (struct.unpack_from("<I", payload, 0x30)[0] >> 8) & 0xFF == arch


def _fatbin_entries(blob):
    """(kind, arch, payload) of each image in a CUDA fatbin: a 16-byte header (magic 0xBA55ED50,
    version, header size, payload size), then entries with kind (1 PTX, 2 ELF) and SM number."""
    magic, _version, header, size = struct.unpack_from("<IHHQ", blob, 0)
    assert magic == 0xBA55ED50 and header + size == len(blob)
    out, off = [], header
    while off < len(blob):
        kind, _, entry_header, payload = struct.unpack_from("<HHIQ", blob, off)
        arch = struct.unpack_from("<I", blob, off + 28)[0]
        out.append(({1: "ptx", 2: "elf"}[kind], arch, blob[off + entry_header : off + entry_header + payload]))
        off += entry_header + payload
    return out


def _build_info_with(lib_dir):
    env = dict(os.environ, LD_LIBRARY_PATH=str(lib_dir))
    code = "import json, on_demand_video_decoder as m; print(json.dumps(m.build_info()))"
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["runtime"]


def _no_real_driver():
    return not odvd.build_info()["runtime"]["driver_found"]


@pytest.mark.skipif(not _no_real_driver(), reason="a real NVIDIA driver is installed here")
def test_without_driver_reports_why_and_raises_runtime_error():
    r = odvd.build_info()["runtime"]
    assert r["driver_found"] is False and "libcuda.so.1" in r["driver_error"]
    assert r["nvdec_found"] is False and "libnvcuvid.so.1" in r["nvdec_error"]
    assert r["device_count"] == 0 and r["gpu_decode_usable"] is False
    if odvd.build_info()["compiled"]["cuda_kernels"]:  # else "no CUDA kernels" comes first (above)
        with pytest.raises(RuntimeError, match=r"libcuda\.so\.1.*iGpu=-1"):
            _engine._kernel_selftest(0)


@pytest.mark.skipif(not _no_real_driver(), reason="a real NVIDIA driver is installed here")
def test_driver_without_device(tmp_path):
    r = _build_info_with(fake_driver.build(tmp_path))
    assert r["driver_found"] is True and r["driver_error"] is None
    assert r["driver_cuda_version"] == "13.0"
    assert r["cuda_init_error"] == "CUDA_ERROR_NO_DEVICE (no CUDA-capable device is detected)"
    assert r["nvdec_found"] is True and r["device_count"] == 0
    assert r["gpu_decode_usable"] is False


@pytest.mark.skipif(not _no_real_driver(), reason="a real NVIDIA driver is installed here")
def test_driver_with_one_device(tmp_path):
    r = _build_info_with(fake_driver.build(tmp_path, one_device=True))
    assert r["cuda_init_error"] is None
    assert r["devices"] == [{"index": 0, "name": "Fake GPU", "compute_capability": "9.0"}]
    assert r["gpu_decode_usable"] == odvd.build_info()["compiled"]["cuda_kernels"]


@pytest.mark.skipif(not _no_real_driver(), reason="a real NVIDIA driver is installed here")
def test_driver_missing_a_symbol(tmp_path):
    r = _build_info_with(fake_driver.build(tmp_path, one_device=True, omit=["cuMemAlloc_v2", "cuvidCreateDecoder"]))
    assert r["driver_found"] is False
    assert "cuMemAlloc_v2" in r["driver_error"]
    assert r["nvdec_found"] is False and "cuvidCreateDecoder" in r["nvdec_error"]
    assert r["gpu_decode_usable"] is False


@pytest.mark.needs_cuda
def test_kernel_selftest_on_gpu():
    result = _engine._kernel_selftest(0)
    assert result["device"] == 0 and result["elements"] == 1 << 20
    assert result["device_name"] == odvd.build_info()["runtime"]["devices"][0]["name"]


@pytest.mark.skipif(not _no_real_driver(), reason="a real NVIDIA driver is installed here")
def test_require_cuda_turns_skip_into_failure():
    test_id = f"{__file__}::test_kernel_selftest_on_gpu"
    base = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_id]
    skipped = subprocess.run(base, capture_output=True, text=True, env=dict(os.environ, ODVD_REQUIRE_CUDA="0"))
    assert skipped.returncode == 0 and "1 skipped" in skipped.stdout, skipped.stdout
    failed = subprocess.run(base, capture_output=True, text=True, env=dict(os.environ, ODVD_REQUIRE_CUDA="1"))
    assert failed.returncode == 1 and "ODVD_REQUIRE_CUDA=1 but GPU decoding is not usable" in failed.stdout


def test_python_dash_m_reports_the_build_then_runs_the_demo(tmp_path):
    out = subprocess.run([sys.executable, "-m", "on_demand_video_decoder", "--workdir", str(tmp_path / "clips"),
                          "--output", str(tmp_path / "sheet.png"), "--iterations", "2", "--frames", "30"],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    first = out.splitlines()[0]
    assert first.startswith(f"on_demand_video_decoder {odvd.__version__}: FFmpeg ")
    assert ("GPU decode usable" in first) == odvd.build_info()["runtime"]["gpu_decode_usable"]
    assert "frames/s" in out and (tmp_path / "sheet.png").stat().st_size > 0


def test_sample_check_installation_runs():
    sample = os.path.join(os.path.dirname(__file__), "..", "samples", "check_installation.py")
    out = subprocess.run([sys.executable, sample], capture_output=True, text=True, check=True).stdout
    assert out.startswith(f"on_demand_video_decoder {odvd.__version__}")
    assert ("GPU decoding usable" in out) == odvd.build_info()["runtime"]["gpu_decode_usable"]
