"""One asynchronous request at a time, decoded by a single background thread: what
PyNvSampleReader.DecodeN12ToRGBAsync and the two 2-D batch classes (Decode / GetBuffer) share.

``submit`` returns at once. A request still pending is waited for and discarded, with a
RuntimeWarning (accvlab's readers discard it silently). ``collect`` checks the caller's arguments
against the pending request's: a mismatch is a RuntimeError naming the first difference, and leaves
the request pending so the right call still gets it (accvlab consumes it). Messages keep accvlab's
words, so code that matches them keeps working: ``No pending decode task and buffer is empty`` and
``Request parameters do not match buffered result``.
"""

import threading
import warnings
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, Optional, Tuple


def rgb_options_difference(bgr: bool, want_bgr: bool, output: Any, want_output: Any) -> str:
    """How a collect's ``as_bgr`` and output options differ from the pending request's ("" if not)."""
    if bgr != want_bgr:
        return f"as_bgr is {bgr}, the pending request has {want_bgr}"
    if output != want_output:
        return "the output options differ from the pending request's"
    return ""


class PendingRequest:
    """The pending request of one object. ``owner`` names the class in messages; ``difference(want,
    given)`` describes how two request keys differ ("" when they match)."""

    def __init__(self, owner: str, thread_name: str, difference: Callable[[Any, Any], str]):
        self._owner = owner
        self._thread_name = thread_name
        self._difference = difference
        self._executor: Optional[ThreadPoolExecutor] = None
        self._pending: Optional[Tuple[Any, Future]] = None
        self._lock = threading.Lock()  # collect's check-and-take is one step: two collectors never share a result

    @property
    def pending(self) -> bool:
        """Whether a request was submitted and not yet collected."""
        return self._pending is not None

    def done(self) -> Optional[bool]:
        """None when nothing is pending, else whether its decode has finished."""
        return None if self._pending is None else self._pending[1].done()

    def submit(self, call: str, key: Any, work: Callable[[], Any]) -> None:
        """Starts ``work`` on the background thread as the request ``key``."""
        self.discard(call, stacklevel=4)
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=self._thread_name)
        future = self._executor.submit(work)
        with self._lock:
            self._pending = (key, future)

    def discard(self, call: str, stacklevel: int = 3) -> None:
        """Waits for a pending request and forgets it, with a RuntimeWarning saying so: a new request,
        or a synchronous decode on the same object, replaces the one never collected."""
        if self._pending is None:
            return
        previous = self._pending[1]
        if not previous.done():
            warnings.warn(f"{self._owner}.{call}: the previous request is still decoding; waiting for it",
                          RuntimeWarning, stacklevel=stacklevel)
        self.drop()
        warnings.warn(f"{self._owner}.{call}: the previous request's frames were never collected and are "
                      "discarded", RuntimeWarning, stacklevel=stacklevel)

    def require(self, call: str, submit_call: str) -> None:
        """Raises the RuntimeError of a collect with nothing pending."""
        if self._pending is None:
            raise RuntimeError(f"{self._owner}.{call}: No pending decode task and buffer is empty (never "
                               f"submitted, or already consumed by another {call}). Call {submit_call} first "
                               f"before calling {call}.")

    def collect(self, call: str, submit_call: str, key: Any) -> Any:
        """The pending request's result, when ``key`` matches it; its decode error is raised here with
        its own type, and the request is over."""
        with self._lock:
            self.require(call, submit_call)
            want, future = self._pending
            difference = self._difference(want, key)
            if difference:
                self.mismatch(call, difference)
            self._pending = None
        return future.result()

    def mismatch(self, call: str, difference: str) -> None:
        """Raises the RuntimeError of a collect whose arguments differ from the pending request's."""
        raise RuntimeError(f"{self._owner}.{call}: request mismatch: Request parameters do not match buffered "
                           f"result ({difference}); the request stays pending")

    def wait(self) -> None:
        """Waits for the request being decoded, if any (its result stays to be collected)."""
        if self._pending is not None:
            try:
                self._pending[1].result()
            except Exception:  # noqa: BLE001 - raised by collect
                pass

    def drop(self) -> None:
        """Waits for the request being decoded and forgets it."""
        self.wait()
        with self._lock:
            self._pending = None

    def shutdown(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False)
            self._executor = None
