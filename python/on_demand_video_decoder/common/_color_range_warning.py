"""The seed's colour-range warning: with ``suppressNoColorRangeWarning=False`` (the default), a file
whose stream says no colour range (neither its bitstream nor its container; limited range is then
assumed) is reported once per file per decoder object, as accvlab reports it: a line on standard
output, ``WARNING: PyNvGopDecoder could not obtain color range for:`` (``PyNvVideoReader`` for the
sample reader, accvlab's name for its readers) with the path, so log filters written for accvlab keep
working; and a Python warning of category :class:`NoColorRangeWarning`, which ``warnings`` filters.
A stream reader slot that moves to another file forgets, as accvlab's readers do: coming back to a
file after its slot went to others warns again."""

import sys
import threading
import warnings
from collections import OrderedDict
from typing import Optional, Sequence


class NoColorRangeWarning(UserWarning):
    """A decoded file's stream says no colour range: limited (MPEG) range was assumed.

    Silence it with ``warnings.filterwarnings("ignore", category=NoColorRangeWarning)`` (the printed
    line stays), or with ``suppressNoColorRangeWarning=True`` on the decoder (both go).
    """


class ColorRangeWarner:
    """Warns once per path for frames whose ``color_range_signalled`` is False. ``remember`` bounds
    the paths kept in mind (least recently used forgotten first), as a reader's slots are."""

    def __init__(self, name: str, suppress: bool, remember: Optional[int] = None):
        self._name = name
        self._suppress = bool(suppress)
        self._remember = remember
        self._seen: "OrderedDict[str, bool]" = OrderedDict()  # path -> warned, most recent last
        self._lock = threading.Lock()

    def check(self, paths: Sequence[str], frames: Sequence) -> None:
        """After a decode of `paths` returned `frames` (one per path, or one stack for all)."""
        if self._suppress:
            return
        if len(frames) == len(paths):
            unsignalled = {p for p, f in zip(paths, frames) if not f.color_range_signalled}
        else:  # a stack: its flag says whether every frame's stream signals its range
            unsignalled = set(paths) if frames and not frames[0].color_range_signalled else set()
        report = []
        with self._lock:
            for p in dict.fromkeys(paths):
                warned = self._seen.pop(p, False)
                if p in unsignalled and not warned:
                    report.append(p)
                    warned = True
                self._seen[p] = warned
                if self._remember is not None and len(self._seen) > self._remember:
                    self._seen.popitem(last=False)
        for p in report:
            print(f"WARNING: {self._name} could not obtain color range for:\n  {p}\n"
                  "  --> Limited range (MPEG range) assumed for this file.", file=sys.stdout, flush=True)
            warnings.warn(f"{self._name} could not obtain color range for {p}: limited range (MPEG range) assumed",
                          NoColorRangeWarning, stacklevel=3)
