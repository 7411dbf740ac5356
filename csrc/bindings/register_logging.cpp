// FFmpeg's log level, one switch for the whole process: `_set_log_level(level)` / `_log_level()`,
// wrapped by on_demand_video_decoder.set_log_level (docs/logging.md). The level at import is the
// environment variable ODVD_LOG_LEVEL's, else "error": decoders stay quiet unless something fails.
#include <pybind11/pybind11.h>

#include <array>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <utility>

extern "C" {
#include <libavutil/log.h>
}

#include "bindings/register.h"

namespace py = pybind11;

namespace odvd::bindings {
namespace {

// FFmpeg's names (ffmpeg -loglevel) and levels.
constexpr std::array<std::pair<const char*, int>, 9> kLevels{{
    {"quiet", AV_LOG_QUIET}, {"panic", AV_LOG_PANIC}, {"fatal", AV_LOG_FATAL}, {"error", AV_LOG_ERROR},
    {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO}, {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},
    {"trace", AV_LOG_TRACE},
}};

int level_of(const std::string& name, const char* what) {
  for (const auto& [n, level] : kLevels) {
    if (name == n) return level;
  }
  std::string known;
  for (const auto& [n, level] : kLevels) known += (known.empty() ? "" : ", ") + std::string(n);
  throw std::invalid_argument(std::string(what) + " '" + name + "' is not a log level (" + known + ")");
}

std::string name_of(int level) {
  for (const auto& [n, l] : kLevels) {
    if (l == level) return n;
  }
  return std::to_string(level);
}

}  // namespace

void register_logging(py::module_& m) {
  const char* env = std::getenv("ODVD_LOG_LEVEL");
  // A bad value in the environment must not make the import fail: it is reported when asked.
  int initial = AV_LOG_ERROR;
  if (env != nullptr && *env != '\0') {
    try {
      initial = level_of(env, "ODVD_LOG_LEVEL");
    } catch (const std::invalid_argument&) {
      m.attr("_log_level_env_error") = std::string("ODVD_LOG_LEVEL='") + env + "' is not a log level; using 'error'";
    }
  }
  av_log_set_level(initial);
  m.def(
      "_set_log_level", [](const std::string& name) { av_log_set_level(level_of(name, "level")); }, py::arg("level"),
      "Sets FFmpeg's log level for the process (FFmpeg's names: quiet ... trace).");
  m.def(
      "_log_level", []() { return name_of(av_log_get_level()); }, "FFmpeg's log level for the process, by name.");
}

}  // namespace odvd::bindings
