"""One switch for FFmpeg's log (libavutil's ``av_log``): ``set_log_level(level)`` and the environment
variable ``ODVD_LOG_LEVEL``, read once when the package is imported. The default is ``"error"``:
FFmpeg says nothing but errors (a damaged packet, a decoder that gave up), where its own default
(``"info"``) also prints warnings and notes.

Levels are FFmpeg's names (``quiet``, ``panic``, ``fatal``, ``error``, ``warning``, ``info``,
``verbose``, ``debug``, ``trace``) or their numbers (``AV_LOG_ERROR`` is 16). The level is
process-wide: it is libavutil's, shared by everything in the process that uses the same libavutil.

How it reaches FFmpeg: the engine links libavutil; where that is a shared library (a build against
the system's FFmpeg) this module calls its ``av_log_set_level`` through ctypes. Where FFmpeg is
linked statically into the engine with its symbols hidden (the self-contained wheel), Python cannot
reach it and ``set_log_level`` returns False (the level is remembered, ``get_log_level`` says what
was asked); the engine would need a binding that calls ``av_log_set_level`` for that build.
"""

import ctypes
import operator
import os
import warnings
from typing import Optional, Union

LEVELS = {
    "quiet": -8,
    "panic": 0,
    "fatal": 8,
    "error": 16,
    "warning": 24,
    "info": 32,
    "verbose": 40,
    "debug": 48,
    "trace": 56,
}
DEFAULT_LEVEL = "error"
ENV = "ODVD_LOG_LEVEL"

_libavutil: Optional[ctypes.CDLL] = None
_searched = False
_requested: int = LEVELS[DEFAULT_LEVEL]


def _level(level: Union[str, int]) -> int:
    if isinstance(level, str):
        name = level.strip().lower()
        if name in LEVELS:
            return LEVELS[name]
        try:
            return int(name)
        except ValueError:
            raise ValueError(f"log level {level!r}: use one of {', '.join(LEVELS)} or a number") from None
    if isinstance(level, bool):
        raise TypeError("log level must be a name or an int, not bool")
    try:
        return operator.index(level)
    except TypeError:
        raise TypeError(f"log level must be a name or an int, not {type(level).__name__}") from None


def _find_libavutil() -> Optional[ctypes.CDLL]:
    """The libavutil the engine uses, when it is a shared library loaded in this process."""
    global _libavutil, _searched
    if _searched:
        return _libavutil
    _searched = True
    from . import _engine  # noqa: F401 - loads libavutil with the engine

    candidates = []
    try:
        with open("/proc/self/maps") as maps:
            for line in maps:
                path = line.split(None, 5)[-1].strip() if line.count(" ") >= 5 else ""
                if "/libavutil" in path and path not in candidates:
                    candidates.append(path)
    except OSError:
        pass
    candidates.append(_engine.__file__)  # a build that exports FFmpeg's symbols from the module itself
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
            lib.av_log_set_level.argtypes = [ctypes.c_int]
            lib.av_log_get_level.restype = ctypes.c_int
        except (OSError, AttributeError):
            continue
        _libavutil = lib
        break
    return _libavutil


def set_log_level(level: Union[str, int]) -> bool:
    """Sets FFmpeg's log level for the whole process: a name (``"quiet"``, ``"error"``, ``"warning"``,
    ``"info"``, ``"debug"``, ...) or FFmpeg's number. Returns True when FFmpeg's level was set, False
    when this build's FFmpeg is out of Python's reach (statically linked; docs/training-data.md).

    >>> import on_demand_video_decoder as odvd
    >>> odvd.set_log_level("error") in (True, False)
    True
    """
    global _requested
    value = _level(level)
    _requested = value
    lib = _find_libavutil()
    if lib is None:
        return False
    lib.av_log_set_level(value)
    return True


def get_log_level() -> int:
    """FFmpeg's log level now (its number; ``LEVELS`` maps names to numbers), or the last level
    asked for when FFmpeg is out of reach."""
    lib = _find_libavutil()
    return int(lib.av_log_get_level()) if lib is not None else _requested


def apply_environment() -> None:
    """At import: ``ODVD_LOG_LEVEL`` (a name or a number), else ``"error"``. A bad value warns and
    leaves the default."""
    value = os.environ.get(ENV) or DEFAULT_LEVEL
    try:
        set_log_level(value)
    except (TypeError, ValueError) as e:
        warnings.warn(f"{ENV}={value!r} ignored: {e}", RuntimeWarning, stacklevel=2)
        set_log_level(DEFAULT_LEVEL)
