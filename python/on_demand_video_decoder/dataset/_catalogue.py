"""The catalogue: one Parquet row per video (its key, metadata, GOP table and where each GOP's bundle
lies), written as parts (one per batch, the unit of commit) and compacted into ``catalogue.parquet``
and ``shards.parquet``. Every file is written to a temporary name, flushed and renamed."""

import json
import os
from typing import Dict, Iterable, Optional, Sequence

CATALOGUE = "catalogue.parquet"
SHARDS = "shards.parquet"
PARTS = "parts"
SHARD_DIR = "shards"
FORMAT = "odvd-gop-store/1"


def schema():
    import pyarrow as pa

    i32, i64, lst = pa.int32(), pa.int64(), pa.list_
    return pa.schema([
        ("path", pa.string()), ("bundle_path", pa.string()), ("size", i64), ("mtime_ns", i64),
        ("error", pa.string()),
        # stream parameters (the engine's; codec numbering as bundles: 4 H.264, 8 HEVC, 10 VP9, 11 AV1)
        ("codec", i32), ("ff_codec_id", i32), ("width", i32), ("height", i32), ("coded_width", i32),
        ("coded_height", i32), ("bit_depth", i32), ("chroma_format", i32), ("color_space", i32),
        ("color_range", i32), ("color_primaries", i32), ("color_trc", i32), ("rotation", pa.float64()),
        # FastStreamInfo
        ("codec_id", i32), ("codec_type", i32), ("format", i32), ("time_base_num", i64), ("time_base_den", i64),
        ("start_time", i64), ("duration", i64), ("avg_frame_rate_num", i64), ("avg_frame_rate_den", i64),
        ("r_frame_rate_num", i64), ("r_frame_rate_den", i64), ("num_frames", i64),
        ("frame_count", i64), ("extradata", pa.binary()),
        # GOP table
        ("gop_count", i32), ("gop_first_frame_id", lst(i64)), ("gop_len", lst(i32)),
        ("gop_src_offset", lst(i64)), ("gop_src_length", lst(i64)),
        ("gop_bundle_size", lst(i64)), ("gop_shard", lst(pa.string())), ("gop_offset", lst(i64)),
    ])


def shard_schema():
    import pyarrow as pa

    return pa.schema([("name", pa.string()), ("size", pa.int64()), ("digest", pa.string())])


def fsync_dir(path: str) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_table(table, path: str, durable: bool = True) -> None:
    """Writes ``table`` to ``path`` as Parquet: temporary file, fsync, rename, fsync of the folder (the
    fsyncs only when ``durable``: the rename alone makes it atomic for a killed process; the fsyncs
    keep it across a machine crash)."""
    import pyarrow.parquet as pq

    tmp = f"{path}.{os.getpid()}.tmp"
    with open(tmp, "wb") as f:
        pq.write_table(table, f, compression="zstd")
        f.flush()
        if durable:
            os.fsync(f.fileno())
    os.replace(tmp, path)
    if durable:
        fsync_dir(os.path.dirname(path))


def rows_table(rows: Sequence[Dict[str, object]], shards: Optional[Sequence[dict]] = None):
    """Rows as a table of the catalogue's schema; ``shards`` (the part's shard list) in its metadata."""
    import pyarrow as pa

    s = schema()
    table = pa.Table.from_pydict({k: [r.get(k) for r in rows] for k in s.names}, schema=s)  # column by column
    if shards is not None:
        table = table.replace_schema_metadata({b"odvd.shards": json.dumps(list(shards)).encode(),
                                               b"odvd.format": FORMAT.encode()})
    return table


def write_part(store: str, batch: str, rows, shards: Sequence[dict], durable: bool = True) -> None:
    """Commits a batch: its part file (rows and the list of its shards) appears atomically; the shards
    it names are in place before it."""
    atomic_write_table(rows_table(rows, shards), os.path.join(store, PARTS, f"{batch}.parquet"), durable)


def read_parts(store: str):
    """(rows by (path, size, mtime_ns), shard records by name) of every committed part."""
    import pyarrow.parquet as pq

    rows: Dict[tuple, dict] = {}
    shards: Dict[str, dict] = {}
    folder = os.path.join(store, PARTS)
    if not os.path.isdir(folder):
        return rows, shards
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".parquet"):
            continue
        table = pq.read_table(os.path.join(folder, name))
        meta = table.schema.metadata or {}
        for s in json.loads(meta.get(b"odvd.shards", b"[]")):
            shards[s["name"]] = s
        for r in table.to_pylist():
            rows[(r["path"], r["size"], r["mtime_ns"])] = r
    return rows, shards


def compact(store: str, rows: Iterable[dict], shards: Dict[str, dict], durable: bool = True) -> Dict[str, int]:
    """Writes catalogue.parquet (the given rows, sorted by path) and shards.parquet (the shards those
    rows use, sorted by name), each only when its content changed. Returns counts."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    rows = sorted(rows, key=lambda r: r["path"])
    used = sorted({n for r in rows for n in (r.get("gop_shard") or [])})
    table = rows_table(rows).replace_schema_metadata({b"odvd.format": FORMAT.encode()})
    shard_table = pa.Table.from_pylist([{k: shards[n][k] for k in ("name", "size", "digest")} for n in used],
                                       schema=shard_schema())
    written = 0
    for t, name in ((table, CATALOGUE), (shard_table, SHARDS)):
        path = os.path.join(store, name)
        try:
            if os.path.exists(path) and pq.read_table(path).equals(t):
                continue
        except Exception:  # noqa: BLE001 - unreadable: rewrite it
            pass
        atomic_write_table(t, path, durable)
        written += 1
    return {"videos": len(rows), "errors": sum(1 for r in rows if r["error"]), "shards": len(used),
            "files_written": written}


def load(store_fs, store: str):
    """(catalogue table, shards table) of a compacted store, on an fsspec file system or locally."""
    import pyarrow.parquet as pq

    def read(name):
        path = f"{store.rstrip('/')}/{name}"
        if store_fs is None:
            return pq.read_table(path)
        with store_fs.open(path, "rb") as f:
            return pq.read_table(f)

    return read(CATALOGUE), read(SHARDS)
