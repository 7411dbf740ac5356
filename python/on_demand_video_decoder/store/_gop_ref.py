"""GopRef, what a SharedGopStore hands out for a stored GOP, and the store's errors."""

from typing import NamedTuple


class GopRef(NamedTuple):
    """A small, picklable reference to one GOP bundle in a SharedGopStore (what a DataLoader worker
    returns). The first four fields are accvlab's; ``video_path`` names the GOP's file in messages
    and ``pin`` is the pin this ref holds until it is read or released."""

    shm_name: str
    data_size: int
    first_frame_id: int
    gop_len: int
    video_path: str = ""
    pin: int = 0


class GopEvictedError(LookupError):
    """A GopRef whose GOP is no longer in the store (read after its pin was released and the GOP
    was evicted, or after cleanup())."""


class GopStoreFullError(RuntimeError):
    """More GopRefs in flight (handed out, not yet read or released) than the store's max_in_flight."""
