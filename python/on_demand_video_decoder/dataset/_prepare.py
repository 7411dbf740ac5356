"""``prepare``: catalogue (and with ``bundles`` store the GOPs of) every video of a dataset, resumably.

The work is cut into batches of videos (``_scan.batches``); a batch is done by one worker (a local
process, or a Ray task: ``_ray_engine``) and committed here, by the only process that writes the
store: its shards are renamed into ``shards/``, then its part file appears in ``parts/`` (the commit).
A rerun reads the committed parts and skips every video whose (path, size, mtime) is in one; a kill
at any point leaves at most temporary files and shards no part names, which the rerun removes or
rewrites with the same bytes. The end compacts the parts into catalogue.parquet and shards.parquet.
"""

import contextlib
import json
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from multiprocessing import get_context
from typing import Iterator, List, Optional, Sequence

from . import _catalogue as cat
from ._ray_engine import run_ray
from ._scan import Source, batches, scan
from ._video import BatchResult, process_batch

DEFAULT_SHARD_BYTES = 256 << 20
DEFAULT_BATCH_VIDEOS = 64
# A batch also closes once its videos reach this many bytes: batches of a few seconds of work keep every
# worker busy until the end (large videos would otherwise make a few long batches), and bound the
# work a kill loses. A constant, not a share of the run: a rerun must batch what remains as before.
DEFAULT_BATCH_BYTES = 64 << 20
# Test hook: SIGKILL this process after committing that many batches (tests/test_dataset_store.py).
_KILL_AFTER = "ODVD_PREPARE_KILL_AFTER_BATCHES"


def _is_done(row: Optional[dict], bundles: bool) -> bool:
    return row is not None and (row["error"] is not None or not bundles or row["gop_shard"] is not None)


def _run_local(work: List[List[Source]], bundles: bool, shard_bytes: int, workers: int, tmp_dir: str,
               durable: bool, worker_kind: str) -> Iterator[BatchResult]:
    if workers <= 1 or len(work) <= 1:
        for b in work:
            yield process_batch(b, bundles, shard_bytes, tmp_dir, durable)
        return
    if worker_kind == "thread":  # the engine releases the GIL while it indexes and demuxes
        with ThreadPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(process_batch, b, bundles, shard_bytes, tmp_dir, durable) for b in work]
            for f in as_completed(futures):
                yield f.result()
        return
    # spawn: workers do not inherit the parent's threads (tqdm's, the engine's pools), and are children
    # of this process, so they can be told to die with it (_die_with_parent).
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_die_with_parent,
                             initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(process_batch, b, bundles, shard_bytes, tmp_dir, durable) for b in work]
        for f in as_completed(futures):
            yield f.result()


def _die_with_parent(parent: int) -> None:
    """A worker is killed when the process that started it dies, even by SIGKILL (Linux: prctl
    PR_SET_PDEATHSIG), so an interrupted prepare leaves no worker writing into the store."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
    if os.getppid() != parent:  # it died before the prctl
        os._exit(1)


def _commit(store: str, result: BatchResult, durable: bool) -> List[dict]:
    """Moves the batch's shards into place, then writes its part (the commit). Returns the shard records."""
    shard_dir = os.path.join(store, cat.SHARD_DIR)
    records = []
    for s in result.shards:
        final = os.path.join(shard_dir, s.name)
        if s.data is not None:
            tmp = f"{final}.{os.getpid()}.tmp"
            with open(tmp, "wb") as f:
                f.write(s.data)
                f.flush()
                if durable:
                    os.fsync(f.fileno())
            os.replace(tmp, final)
        else:
            os.replace(s.tmp_path, final)
        records.append({"name": s.name, "size": s.size, "digest": s.digest})
    if records and durable:
        cat.fsync_dir(shard_dir)
    cat.write_part(store, result.batch, result.rows, records, durable)
    return records


def _remove_leftovers(store: str) -> None:
    """Temporary files of an interrupted run (its own names only)."""
    for sub in (cat.SHARD_DIR, cat.PARTS, ""):
        folder = os.path.join(store, sub)
        for name in os.listdir(folder):
            if name.endswith(".tmp") and (name.startswith(".") or any(x in name for x in (".parquet.", ".odvds.", ".json."))):
                os.unlink(os.path.join(folder, name))


def _remove_unused_shards(store: str, rows: Sequence[dict]) -> int:
    used = {n for r in rows for n in (r.get("gop_shard") or [])}
    removed = 0
    folder = os.path.join(store, cat.SHARD_DIR)
    for name in os.listdir(folder):
        if name.endswith(".odvds") and name not in used:
            os.unlink(os.path.join(folder, name))
            removed += 1
    return removed


def prepare(srcs: Sequence[str], out: str, *, bundles: bool = False, workers: int = 1, engine: str = "local",
            shard_bytes: int = DEFAULT_SHARD_BYTES, batch_videos: int = DEFAULT_BATCH_VIDEOS,
            batch_bytes: int = DEFAULT_BATCH_BYTES, ray_address: Optional[str] = None,
            progress: Optional[bool] = None, durable: bool = True, worker_kind: str = "thread",
            ray_shared_store: bool = False) -> dict:
    """Prepares the store ``out`` for the videos of ``srcs``; returns a summary (counts, seconds).

    ``workers`` local workers, processes or threads (``worker_kind``); a batch (the unit of work and
    commit) holds at most ``batch_videos`` videos and closes once they reach ``batch_bytes`` (or
    ``shard_bytes``, when smaller); ``progress``: a tqdm bar (None:
    on a terminal only); ``durable=False`` skips the fsyncs (files stay atomic: written under a
    temporary name and renamed, which is all a killed process needs; the fsyncs keep them across a
    machine crash). ``ray_shared_store``: Ray workers see ``out`` at the same path and write their
    shards into it (else shard bytes come back through Ray's object store)."""
    if engine not in ("local", "ray"):
        raise ValueError(f"engine must be 'local' or 'ray', not {engine!r}")
    t0 = time.perf_counter()
    for sub in ("", cat.PARTS, cat.SHARD_DIR):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    with _locked(out):
        return _prepare(srcs, out, bundles, workers, engine, shard_bytes, batch_videos, batch_bytes, ray_address,
                        progress, durable, worker_kind, ray_shared_store, t0)


@contextlib.contextmanager
def _locked(out: str):
    """One prepare per store at a time: an exclusive lock on STORE/.lock (released by the kernel when
    the process dies, so a killed run does not block the rerun)."""
    import fcntl

    with open(os.path.join(out, ".lock"), "a") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"another prepare is writing to {out}") from None
        yield


def _prepare(srcs, out, bundles, workers, engine, shard_bytes, batch_videos, batch_bytes, ray_address, progress,
             durable, worker_kind, ray_shared_store, t0) -> dict:
    from tqdm import tqdm

    _remove_leftovers(out)
    sources = scan(srcs)
    done, shard_records = cat.read_parts(out)
    todo = [s for s in sources if not _is_done(done.get((s.path, s.size, s.mtime_ns)), bundles)]
    work = batches(todo, batch_videos, min(batch_bytes, shard_bytes))
    if engine == "ray":
        shared = os.path.abspath(os.path.join(out, cat.SHARD_DIR)) if ray_shared_store else None
        results = run_ray(work, bundles, shard_bytes, ray_address, durable, shared)
    else:
        if worker_kind not in ("process", "thread"):
            raise ValueError(f"worker_kind must be 'process' or 'thread', not {worker_kind!r}")
        results = _run_local(work, bundles, shard_bytes, workers, os.path.join(out, cat.SHARD_DIR), durable,
                             worker_kind)
    kill_after = int(os.environ.get(_KILL_AFTER, "0"))
    committed = 0
    bar = tqdm(total=len(todo), unit="video", disable=None if progress is None else not progress,
               file=sys.stderr, desc="prepare")
    try:
        for result in results:
            for rec in _commit(out, result, durable):
                shard_records[rec["name"]] = rec
            for r in result.rows:
                done[(r["path"], r["size"], r["mtime_ns"])] = r
            committed += 1
            bar.update(len(result.rows))
            if kill_after and committed >= kill_after:
                os.kill(os.getpid(), signal.SIGKILL)
    finally:
        bar.close()
    rows = [done[(s.path, s.size, s.mtime_ns)] for s in sources]
    summary = cat.compact(out, rows, shard_records, durable)
    # Shards no committed part names (a kill between a batch's shard renames and its part): any row
    # of any part counts, so a run over a subset of the videos keeps the others' shards.
    summary["unused_shards_removed"] = _remove_unused_shards(out, list(done.values()))
    summary.update(processed=len(todo), skipped=len(sources) - len(todo), batches=len(work),
                   bytes_processed=sum(max(s.size, 0) for s in todo), engine=engine, workers=workers,
                   seconds=round(time.perf_counter() - t0, 3))
    _write_json(os.path.join(out, "prepare.json"), {"bundles": bundles, "shard_bytes": shard_bytes,
                                                     "batch_videos": batch_videos, "batch_bytes": batch_bytes,
                                                     "format": cat.FORMAT})
    return summary


def _write_json(path: str, data: dict) -> None:
    """Writes ``data`` atomically, unless the file already holds it (a rerun that does nothing touches nothing)."""
    try:
        with open(path) as f:
            if json.load(f) == data:
                return
    except (OSError, ValueError):
        pass
    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, sort_keys=True)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
