"""build_info(): what this build compiled in and what the running machine offers; the version."""

from typing import Any, Dict

from .. import _engine

# The package version (pyproject.toml and CMakeLists.txt say the same; build_info()["version"] is the
# engine's, tests/test_build_info.py checks they agree).
__version__ = "0.1.0"


def build_info() -> Dict[str, Any]:
    """Describe what this build compiled in and what the running machine offers.

    Returns a dict with three keys:

    - ``version``: the package version.
    - ``compiled``: ``ffmpeg`` (library -> version at build time), ``ffmpeg_linkage``
      (``"shared"`` or ``"static"``), ``ffnvcodec`` (nv-codec-headers version), ``cuda_kernels``
      (whether nvcc built the kernels into this module), ``cuda_archs`` (``sm_XX`` SASS and the
      ``compute_XX`` PTX embedded), ``nvcc``, ``fatbin_bytes`` and ``compiler``.
    - ``runtime``: ``ffmpeg`` (library -> version loaded now), ``ffmpeg_release``,
      ``ffmpeg_decoders`` (``h264``/``hevc``/``vp9``/``av1`` -> ``decoder``, the libavcodec decoder
      the CPU backend uses, e.g. ``"libdav1d"`` for AV1, or None; ``nvdec_hwaccel``, whether
      FFmpeg's native decoder of the codec has the NVDEC hwaccel),
      ``driver_found`` / ``driver_error`` / ``driver_cuda_version`` (libcuda.so.1),
      ``cuda_init_error``, ``nvdec_found`` / ``nvdec_error`` (libnvcuvid.so.1), ``device_count``,
      ``devices`` (index, name, compute capability) and ``gpu_decode_usable``.

    It never raises because a GPU or driver is missing; it reports why instead.

    Example:
        >>> import on_demand_video_decoder as odvd
        >>> odvd.build_info()["compiled"]["ffmpeg"]["libavcodec"]  # doctest: +SKIP
        '59.37.100'
    """
    return _engine.build_info()
