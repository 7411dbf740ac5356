"""``python -m on_demand_video_decoder prepare|verify ...`` (docs/dataset-store.md)."""

import argparse
import json
import sys
from typing import List, Optional

from ._prepare import prepare
from ._verify import verify


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m on_demand_video_decoder",
                                description="Prepare or verify a catalogue and GOP store of a video dataset.")
    sub = p.add_subparsers(dest="command", required=True)
    pp = sub.add_parser("prepare", help="catalogue the videos of SRC (and store their GOPs) in STORE")
    pp.add_argument("src", nargs="+", metavar="SRC",
                    help="video files, folders (searched recursively by extension), text files of paths or URLs")
    pp.add_argument("--out", required=True, metavar="STORE", help="the store folder (created; a rerun resumes)")
    pp.add_argument("--bundles", action="store_true", help="also store every GOP as a bundle in shard files")
    pp.add_argument("--workers", type=int, default=1, help="local worker processes (default 1)")
    pp.add_argument("--processes", action="store_true",
                    help="local workers are processes (default: threads; the engine releases the GIL)")
    pp.add_argument("--no-fsync", action="store_true",
                    help="skip fsyncs (files stay atomic against a killed process, not against a machine crash)")
    pp.add_argument("--engine", choices=("local", "ray"), default="local")
    pp.add_argument("--ray-address", default=None, help="ray.init(address=...) (default: RAY_ADDRESS or a local Ray)")
    pp.add_argument("--ray-shared-store", action="store_true",
                    help="Ray workers see STORE at the same path (shared file system) and write their shards there")
    pp.add_argument("--shard-mib", type=float, default=256, help="shard size bound in MiB (default 256)")
    pp.add_argument("--batch-videos", type=int, default=64, help="videos per batch, the unit of commit (default 64)")
    pp.add_argument("--batch-mib", type=float, default=64,
                    help="a batch closes once its videos reach this many MiB (default 64)")
    pv = sub.add_parser("verify", help="check a store's shards, bundles and catalogue")
    pv.add_argument("store", metavar="STORE")
    pv.add_argument("--no-videos", action="store_true", help="do not check the catalogue against the videos")
    args = p.parse_args(argv)
    if args.command == "prepare":
        summary = prepare(args.src, args.out, bundles=args.bundles, workers=args.workers, engine=args.engine,
                          shard_bytes=int(args.shard_mib * (1 << 20)), batch_videos=args.batch_videos,
                          batch_bytes=int(args.batch_mib * (1 << 20)),
                          ray_address=args.ray_address, ray_shared_store=args.ray_shared_store,
                          durable=not args.no_fsync,
                          worker_kind="process" if args.processes else "thread")
        print(json.dumps(summary))
        return 0
    report = verify(args.store, check_videos=not args.no_videos)
    for line in report["problems"]:
        print(line, file=sys.stderr)
    print(json.dumps({k: v for k, v in report.items() if k != "problems"} | {"problems": len(report["problems"])}))
    return 0 if report["ok"] else 1
