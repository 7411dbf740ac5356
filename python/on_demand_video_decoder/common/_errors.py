"""The package's own exception types (docs/design.md "Errors"), made by the engine so that C++ and
Python raise the same classes.

- ``SourceNotFoundError``: a video that is not there; a ``FileNotFoundError`` and, as accvlab raises
  for a missing file, a ``RuntimeError``.
- ``FrameIndexError``: a frame id outside the video's frames; an ``IndexError`` and, as accvlab
  raises for a bad frame id, a ``RuntimeError``.
- ``CorruptDataError``: video data or a GOP bundle that cannot be read (unreadable container,
  truncated file, damaged packet, bundle or index; with ``strict=True`` a frame decoded from damaged
  data); a ``ValueError`` and, as accvlab raises for corrupt data, a ``RuntimeError``.
- ``FrameNotInBundleError``: a frame asked of GOP bundles that no entry of its own file holds; a
  ``ValueError`` and, as accvlab raises for it, a ``RuntimeError``.

Catching the Python type (``FileNotFoundError``, ``IndexError``, ``ValueError``) or accvlab's
(``RuntimeError``) both work.
"""

from .._engine import CorruptDataError, FrameIndexError, FrameNotInBundleError, SourceNotFoundError


def source_not_found(path: str) -> SourceNotFoundError:
    """The error for a missing file at ``path``: errno ENOENT and ``filename`` set, as ``open`` does."""
    return SourceNotFoundError(2, "No such file or directory", path)


__all__ = ["CorruptDataError", "FrameIndexError", "FrameNotInBundleError", "SourceNotFoundError", "source_not_found"]
