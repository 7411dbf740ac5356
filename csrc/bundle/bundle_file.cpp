#include "bundle/bundle_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>

#include "common/error.h"
#include "common/posix_file.h"

namespace odvd::bundle {

std::vector<uint8_t> read_file(const std::string& path) {
  const RegularFile f = open_regular_file(path, "GOP file");
  std::vector<uint8_t> data(static_cast<size_t>(f.size));
  try {
    pread_exact(f.fd, 0, data.data(), data.size(), path, f.size);
  } catch (...) {
    ::close(f.fd);
    throw;
  }
  ::close(f.fd);
  return data;
}

void write_file_atomic(const std::string& path, const uint8_t* data, size_t size) {
  if (path.find('\0') != std::string::npos) throw std::invalid_argument("a GOP file path must not contain a NUL byte");
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) {
    throw OsError(EISDIR, path, "cannot write a GOP file over the directory '" + path + "'");
  }
  std::random_device rd;
  const std::string tmp = path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(rd());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    const int err = errno;
    if (err == ENOENT) throw OsError(err, path, "cannot write '" + path + "': its folder does not exist");
    throw OsError(err, path, "cannot write '" + path + "': " + std::strerror(err));
  }
  size_t done = 0;
  int err = 0;
  while (done < size) {
    const ssize_t r = ::write(fd, data + done, size - done);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) {
      err = errno;
      break;
    }
    done += static_cast<size_t>(r);
  }
  if (!err && ::fsync(fd) != 0) err = errno;
  if (::close(fd) != 0 && !err) err = errno;
  if (!err && ::rename(tmp.c_str(), path.c_str()) != 0) err = errno;
  if (err) {
    ::unlink(tmp.c_str());
    throw OsError(err, path, "cannot write '" + path + "': " + std::strerror(err));
  }
}

}  // namespace odvd::bundle
