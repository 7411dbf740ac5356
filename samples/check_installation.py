"""Print what this installation of on_demand_video_decoder can do, in a few lines.

    python samples/check_installation.py
"""

import on_demand_video_decoder as odvd


def main() -> None:
    info = odvd.build_info()
    c, r = info["compiled"], info["runtime"]
    print(f"on_demand_video_decoder {info['version']}")
    print(f"  FFmpeg {r['ffmpeg_release']} ({c['ffmpeg_linkage']}), libavcodec {r['ffmpeg']['libavcodec']}")
    kernels = f"CUDA kernels for {', '.join(c['cuda_archs'])} (nvcc {c['nvcc']})" if c["cuda_kernels"] else "no CUDA kernels"
    print(f"  built with {kernels}")
    if r["gpu_decode_usable"]:
        names = ", ".join(f"{d['index']}: {d['name']} (sm {d['compute_capability']})" for d in r["devices"])
        print(f"  GPU decoding usable on {names}; driver supports CUDA {r['driver_cuda_version']}")
    else:
        why = r["driver_error"] or r["cuda_init_error"] or r["nvdec_error"] or "no CUDA device"
        print(f"  GPU decoding not usable ({why}); the CPU backend (iGpu=-1) will be used")


if __name__ == "__main__":
    main()
