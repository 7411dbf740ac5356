// Error types by meaning. The bindings turn them into Python exceptions (docs/design.md, "Errors"):
//   odvd::DataError       -> CorruptDataError  unreadable, truncated or damaged video data or GOP bundle:
//                                               a ValueError and a RuntimeError (accvlab raises RuntimeError)
//   odvd::NotInBundle     -> FrameNotInBundleError a requested frame no entry of the given bundles holds:
//                                               a ValueError and a RuntimeError (accvlab raises RuntimeError)
//   std::invalid_argument -> ValueError        bad argument (an unsupported codec or format included)
//   odvd::FrameOutOfRange -> FrameIndexError   frame id out of range (message gives the valid range);
//                                               an IndexError and a RuntimeError (accvlab raises RuntimeError)
//   std::out_of_range     -> IndexError        any other index out of range
//   odvd::FileNotFound    -> SourceNotFoundError missing file: a FileNotFoundError and a RuntimeError
//   odvd::OsError         -> OSError subclass  a write to a path the user named failed (by errno)
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

// Video data or a GOP bundle that cannot be read: unreadable container, truncated file, damaged
// packet, bundle or index, a frame the decoder could not produce (or, in strict mode, produced from
// damaged data).
class DataError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A request asks bundles for a frame that no entry of its own file holds.
class NotInBundle : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A frame id outside a stream's frames.
class FrameOutOfRange : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

// A system call on a file the user named failed with `error` (an errno value): Python's OSError
// subclass for that errno (IsADirectoryError, PermissionError, ...), with the path and our message.
class OsError : public std::runtime_error {
 public:
  OsError(int error, std::string path, const std::string& message)
      : std::runtime_error(message), error_(error), path_(std::move(path)) {}
  int error() const { return error_; }
  const std::string& path() const { return path_; }

 private:
  int error_;
  std::string path_;
};

}  // namespace odvd
