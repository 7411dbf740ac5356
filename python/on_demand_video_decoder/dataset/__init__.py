"""Dataset tooling: ``prepare`` a catalogue (Parquet) and GOP store (bundles in shards) for a whole
video dataset once, locally or on Ray; read it with ``GopStore``; ``verify`` it. docs/dataset-store.md."""

from ._gop_store import GopStore
from ._prepare import prepare
from ._verify import verify

__all__ = ["GopStore", "prepare", "verify"]
