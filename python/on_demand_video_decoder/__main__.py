"""``python -m on_demand_video_decoder``: what this installation can do, then the demo (six sample
camera clips, random frames across them, frames/s and a PNG contact sheet). Demo options:
``python -m on_demand_video_decoder --help``."""

import sys

from . import build_info


def main(argv=None) -> int:
    info = build_info()
    rt, comp = info["runtime"], info["compiled"]
    print(f"on_demand_video_decoder {info['version']}: FFmpeg {rt.get('ffmpeg_release', '?')} "
          f"({comp.get('ffmpeg_linkage')}), CUDA kernels {'built' if comp.get('cuda_kernels') else 'not built'}, "
          f"GPU decode {'usable' if rt.get('gpu_decode_usable') else 'not usable'}")
    from . import _demo

    return _demo.main(argv)


if __name__ == "__main__":
    sys.exit(main())
