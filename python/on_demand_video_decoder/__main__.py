"""``python -m on_demand_video_decoder``: what this installation can do, then the demo (six sample
camera clips, random frames across them, frames/s and a PNG contact sheet). Demo options:
``python -m on_demand_video_decoder --help``. ``prepare`` / ``verify`` (first argument): the dataset
store's tooling (docs/dataset-store.md)."""

import sys

from . import build_info


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args and args[0] in ("prepare", "verify"):  # dataset tooling: docs/dataset-store.md
        from .dataset._cli import main as dataset_main

        return dataset_main(args)
    info = build_info()
    rt, comp = info["runtime"], info["compiled"]
    print(f"on_demand_video_decoder {info['version']}: FFmpeg {rt.get('ffmpeg_release', '?')} "
          f"({comp.get('ffmpeg_linkage')}), CUDA kernels {'built' if comp.get('cuda_kernels') else 'not built'}, "
          f"GPU decode {'usable' if rt.get('gpu_decode_usable') else 'not usable'}")
    from . import _demo

    return _demo.main(argv)


if __name__ == "__main__":
    sys.exit(main())
