"""Shared fixtures and markers.

- ``media``: the session's test media (tests/media), made with the ffmpeg CLI on first use and
  cached under ODVD_TEST_MEDIA_DIR (default tests/.media) by recipe key.
- ``reference``: ``reference(name)`` -> tests.media.reference.Reference for that file.
- ``convert_isa``: a test runs once per instruction set of the host YUV->RGB rows.
- ``needs_cuda``: skipped without a usable GPU (NVIDIA driver, NVDEC, kernels in the build), unless
  ODVD_REQUIRE_CUDA=1, which turns the skip into a failure (for runs on a GPU machine).
"""

import os
from pathlib import Path

import pytest

from media.generate import MediaLibrary
from media.reference import load_reference

MEDIA_DIR = Path(os.environ.get("ODVD_TEST_MEDIA_DIR", Path(__file__).parent / ".media"))


def cuda_unusable_reason():
    """None when GPU decoding is usable here, else why not."""
    import on_demand_video_decoder as odvd

    info = odvd.build_info()
    rt = info["runtime"]
    if rt["gpu_decode_usable"]:
        return None
    if not info["compiled"]["cuda_kernels"]:
        return "this build has no CUDA kernels (built without nvcc)"
    if not rt["driver_found"]:
        return f"no NVIDIA driver: {rt['driver_error']}"
    if rt["cuda_init_error"]:
        return f"cuInit failed: {rt['cuda_init_error']}"
    if rt["device_count"] == 0:
        return "no CUDA device"
    return f"no NVDEC: {rt['nvdec_error']}"


def pytest_runtest_setup(item):
    if item.get_closest_marker("needs_cuda") is None:
        return
    reason = cuda_unusable_reason()
    if reason is None:
        return
    if os.environ.get("ODVD_REQUIRE_CUDA") == "1":
        pytest.fail(f"ODVD_REQUIRE_CUDA=1 but GPU decoding is not usable: {reason}", pytrace=False)
    pytest.skip(f"needs a usable GPU: {reason}")


@pytest.fixture(scope="session")
def media() -> MediaLibrary:
    return MediaLibrary(MEDIA_DIR)


@pytest.fixture(scope="session")
def reference(media):
    cache = {}

    def get(name: str):
        if name not in cache:
            cache[name] = load_reference(media[name], MEDIA_DIR)
        return cache[name]

    return get


def _available_convert_isas():
    from on_demand_video_decoder import _engine

    previous = _engine._convert_isa()
    try:
        _engine._convert_isa("avx2")
    except ValueError:  # a CPU (or compiler) without AVX2: the baseline is all there is
        return ["baseline"]
    _engine._convert_isa(previous)
    return ["baseline", "avx2"]


@pytest.fixture(params=_available_convert_isas())
def convert_isa(request):
    """Runs the test once per instruction set of the host YUV->RGB rows (the CPU's best is the default;
    the baseline is what a CPU without AVX2 gets), then puts the default back."""
    from on_demand_video_decoder import _engine

    previous = _engine._convert_isa(request.param)
    yield request.param
    _engine._convert_isa(previous)
