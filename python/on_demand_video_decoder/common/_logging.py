"""One switch for FFmpeg's log, process-wide (docs/logging.md).

FFmpeg's decoders and demuxers write their messages to stderr through av_log. By default only
errors are written ("error"); the environment variable ODVD_LOG_LEVEL sets another level at import
(FFmpeg's names: quiet, panic, fatal, error, warning, info, verbose, debug, trace), and
``set_log_level`` changes it at any time.

>>> import on_demand_video_decoder as odvd
>>> previous = odvd.get_log_level()
>>> odvd.set_log_level("warning")
>>> odvd.get_log_level()
'warning'
>>> odvd.set_log_level(previous)
"""

import warnings

from .. import _engine

LOG_LEVELS = ("quiet", "panic", "fatal", "error", "warning", "info", "verbose", "debug", "trace")

if hasattr(_engine, "_log_level_env_error"):
    warnings.warn(_engine._log_level_env_error, RuntimeWarning, stacklevel=2)


def set_log_level(level: str) -> None:
    """Sets FFmpeg's log level for the whole process: one of LOG_LEVELS (ValueError otherwise)."""
    if not isinstance(level, str):
        raise TypeError(f"level must be one of {', '.join(LOG_LEVELS)}, not {type(level).__name__}")
    _engine._set_log_level(level.lower())


def get_log_level() -> str:
    """FFmpeg's log level for the process, by name."""
    return _engine._log_level()
