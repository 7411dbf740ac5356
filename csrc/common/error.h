// Error types by meaning. The bindings turn them into Python exceptions (DESIGN.md, "Errors"):
//   std::invalid_argument -> ValueError        bad argument, unreadable or corrupt data, bad bundle
//   std::out_of_range     -> IndexError        frame id out of range (message gives the valid range)
//   odvd::FileNotFound    -> FileNotFoundError missing file
//   std::runtime_error    -> RuntimeError      environment: no GPU, driver missing or too old
// Messages carry the value, the valid range and the likely cause.
#pragma once

#include <stdexcept>
#include <string>

namespace odvd {

class FileNotFound : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace odvd
