"""``python -m on_demand_video_decoder``: what this installation can do, then the demo (six sample
camera clips, random frames across them, frames/s and a PNG contact sheet). Demo options:
``python -m on_demand_video_decoder --help``.

``python -m on_demand_video_decoder reencode SRC... --out DIR``: long-GOP videos rewritten for random
access (tools/_reencode.py; ``reencode --help``). ``prepare`` / ``verify``: the dataset store's tooling
(docs/dataset-store.md; ``prepare --help``)."""

import sys

from .common._build_info import build_info
from .dataset._cli import main as dataset_main
from .tools import _demo, _reencode


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["reencode"]:
        return _reencode.main(argv[1:])
    if argv[:1] in (["prepare"], ["verify"]):  # dataset tooling: docs/dataset-store.md
        return dataset_main(argv)
    info = build_info()
    rt, comp = info["runtime"], info["compiled"]
    print(f"on_demand_video_decoder {info['version']}: FFmpeg {rt.get('ffmpeg_release', '?')} "
          f"({comp.get('ffmpeg_linkage')}), CUDA kernels {'built' if comp.get('cuda_kernels') else 'not built'}, "
          f"GPU decode {'usable' if rt.get('gpu_decode_usable') else 'not usable'}")
    return _demo.main(argv)


if __name__ == "__main__":
    sys.exit(main())
