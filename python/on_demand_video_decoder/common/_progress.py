"""Progress bars for long operations (dataset scans): tqdm's, shown when the output is a terminal and
quiet otherwise (``disable=None``, tqdm's automatic mode), and none at all when tqdm is not installed
(it is an optional dependency: the ``torch`` extra installs it). ``ODVD_PROGRESS=0`` turns bars off,
``ODVD_PROGRESS=1`` on even when the output is not a terminal."""

import os
import sys
from typing import Iterable, Iterator, Optional, TypeVar

T = TypeVar("T")


def progress(iterable: Iterable[T], total: Optional[int] = None, desc: Optional[str] = None,
             enabled: Optional[bool] = None, file=None) -> Iterator[T]:
    """``iterable`` with a tqdm bar on ``file`` (standard error by default). ``enabled``: None = when
    ``file`` is a terminal (or as ``ODVD_PROGRESS`` says), True / False = always / never."""
    if enabled is None:
        env = os.environ.get("ODVD_PROGRESS")
        if env in ("0", "1"):
            enabled = env == "1"
    if enabled is False:
        return iter(iterable)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iter(iterable)
    stream = file if file is not None else sys.stderr
    # disable=None: tqdm's own test, off when the stream is not a TTY.
    return iter(tqdm(iterable, total=total, desc=desc, file=stream, disable=None if enabled is None else False,
                     leave=False, dynamic_ncols=True))
