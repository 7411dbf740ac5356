#include "common/posix_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "common/error.h"

namespace odvd {

RegularFile open_regular_file(const std::string& path, const char* what) {
  RegularFile f;
  f.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (f.fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) throw FileNotFound(std::string("No such ") + what + ": '" + path + "'");
    throw std::invalid_argument("cannot open '" + path + "': " + std::strerror(err));
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(f.fd);
    throw std::invalid_argument("'" + path + "' is not a regular file");
  }
  f.size = st.st_size;
  f.mtime_ns = mtime_ns(st);
  return f;
}

int64_t mtime_ns(const struct stat& st) {
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
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
