#include "fedcarbon/common/file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

namespace fedcarbon {

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  // A temporary name of its own (mkstemp), so that processes writing the same file at once
  // never rename each other's temporary files away; the last rename wins, whole.
  std::string tmpl = path + ".tmp.XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  const int fd = mkstemp(name.data());
  if (fd < 0)
    return Status::IOError(path + ": cannot create a temporary file (" + std::strerror(errno) +
                           ")");
  const std::string tmp(name.data());
  fchmod(fd, 0644);  // mkstemp makes 0600; results are meant to be read by others
  std::FILE* f = fdopen(fd, "wb");
  if (!f) {
    close(fd);
    std::remove(tmp.c_str());
    return Status::IOError(tmp + ": cannot open for writing (" + std::strerror(errno) + ")");
  }
  const bool ok =
      std::fwrite(contents.data(), 1, contents.size(), f) == contents.size() && std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    return Status::IOError(tmp + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return Status::IOError(path + ": cannot rename " + tmp + " into place: " + ec.message());
  }
  return Status::OK();
}

Result<std::string> ReadFile(const std::string& path) {
  errno = 0;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) {
    const std::string why = path + ": cannot open (" + std::strerror(errno) + ")";
    return errno == ENOENT ? Status::NotFound(why) : Status::IOError(why);
  }
  std::string out;
  char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) out.append(buf, n);
  const bool failed = std::ferror(f) != 0;
  std::fclose(f);
  if (failed) return Status::IOError(path + ": read failed");
  return out;
}

}  // namespace fedcarbon
