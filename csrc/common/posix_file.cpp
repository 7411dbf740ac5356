#include "common/posix_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/error.h"

namespace odvd {

RegularFile open_regular_file(const std::string& path, const char* what) {
  // A NUL cuts the C string short: open() would name another file.
  if (path.find('\0') != std::string::npos) {
    throw std::invalid_argument(std::string("a ") + what + " path must not contain a NUL byte");
  }
  RegularFile f;
  // O_NONBLOCK: opening a FIFO (or a device) must not wait for a writer; what is not a regular file
  // is refused below, and for regular files the flag changes nothing.
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (f.fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw FileNotFound(std::string("No such ") + what + ": '" + path + "'");
    throw std::invalid_argument("cannot open '" + path + "': " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(f.fd);
    throw std::invalid_argument("'" + path + "' is not a regular file" +
                                (S_ISDIR(st.st_mode) ? " (a directory)" : S_ISFIFO(st.st_mode) ? " (a FIFO)" : ""));
  }
  f.size = st.st_size;
  f.identity = identity_of(st);
  return f;
}

FileIdentity identity_of(const struct stat& st) {
  auto ns = [](const struct timespec& t) { return static_cast<int64_t>(t.tv_sec) * 1000000000LL + t.tv_nsec; };
  FileIdentity id;
  id.dev = static_cast<uint64_t>(st.st_dev);
  id.ino = static_cast<uint64_t>(st.st_ino);
  id.size = static_cast<int64_t>(st.st_size);
  id.mtime_ns = ns(st.st_mtim);
  id.ctime_ns = ns(st.st_ctim);
  return id;
}

void pread_exact(int fd, int64_t offset, uint8_t* dst, size_t n, const std::string& path, int64_t file_size) {
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd, dst + done, n - done, offset + static_cast<int64_t>(done));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw std::invalid_argument("read error in '" + path + "': " + std::strerror(errno));
    if (r == 0) {
      throw std::invalid_argument("'" + path + "' ends at byte " + std::to_string(file_size) + " inside the " +
                                  std::to_string(n) + " bytes at " + std::to_string(offset) + ": truncated file?");
    }
    done += static_cast<size_t>(r);
  }
}

}  // namespace odvd
