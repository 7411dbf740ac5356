"""The Ray engine of ``prepare``: each batch is a Ray task running the same ``process_batch`` as the
local engine, on whatever cluster ``ray.init()`` connects to (``RAY_ADDRESS``, ``address=``, or a
local Ray). A task returns its rows and shard bytes through Ray's object store; the driver commits
them as the local engine does, so the store needs no file system shared with the workers, and its
bytes equal the local engine's. Where the store's folder is shared (NFS, a local Ray), the tasks can
write their shards into it instead (``shared_dir``), which saves the trip through the object store. Workers need this package installed (or a runtime_env that ships it)
and must be able to read the videos at the paths (or URLs) given to prepare."""

from typing import Iterator, List, Optional

from ._scan import Source
from ._video import BatchResult, process_batch


def run_ray(work: List[List[Source]], bundles: bool, shard_bytes: int,
            address: Optional[str] = None, durable: bool = True,
            shared_dir: Optional[str] = None) -> Iterator[BatchResult]:
    """Runs the batches as Ray tasks. ``shared_dir``: the store's shard folder as the workers see it
    (a file system they share with the driver): tasks write their shards there under temporary names,
    as local workers do, instead of returning the bytes through the object store."""
    try:
        import ray
    except ImportError as e:
        raise RuntimeError("--engine ray needs Ray: pip install 'on-demand-video-decoder[ray]'") from e
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    task = ray.remote(num_cpus=1, max_retries=2)(process_batch)
    pending = [task.remote(batch, bundles, shard_bytes, shared_dir, durable) for batch in work]
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        yield ray.get(ready[0])
