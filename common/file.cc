#include "fedcarbon/common/file.h"

#include <fcntl.h>
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

namespace {

// fsync of an open descriptor or of a path (a file or a folder). A file system that cannot sync
// (EINVAL, ENOTSUP: some FUSE and special file systems) is not an error: there is nothing to do.
bool SyncFd(int fd) {
  while (::fsync(fd) != 0) {
    if (errno == EINVAL || errno == ENOTSUP) return true;
    if (errno != EINTR) return false;
  }
  return true;
}

Status SyncPath(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) return Status::IOError(path + ": cannot open to sync (" + std::strerror(errno) + ")");
  const bool ok = SyncFd(fd);
  const std::string why = ok ? "" : std::strerror(errno);
  ::close(fd);
  if (!ok) return Status::IOError(path + ": fsync failed (" + why + ")");
  return Status::OK();
}

Status WriteAtomic(const std::string& path, std::string_view contents, bool durable) {
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
  const bool ok = std::fwrite(contents.data(), 1, contents.size(), f) == contents.size() &&
                  std::fflush(f) == 0 && (!durable || SyncFd(fileno(f)));
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
  if (durable) {
    const std::filesystem::path dir = std::filesystem::path(path).parent_path();
    return SyncPath(dir.empty() ? "." : dir.string(), O_RDONLY | O_DIRECTORY);
  }
  return Status::OK();
}

}  // namespace

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  return WriteAtomic(path, contents, false);
}

Status WriteFileDurable(const std::string& path, std::string_view contents) {
  return WriteAtomic(path, contents, true);
}

Status SyncFile(const std::string& path) { return SyncPath(path, O_RDONLY); }

Result<LinesCut> TruncateToLines(const std::string& path, int64_t keep) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  size_t end = 0;  // just after the keep-th newline
  for (int64_t kept = 0; kept < keep; ++kept) {
    const size_t nl = text->find('\n', end);
    if (nl == std::string::npos)
      return Status::Corruption(path + ": " + std::to_string(kept) + " complete lines, " +
                                std::to_string(keep) + " expected (lines are missing)");
    end = nl + 1;
  }
  LinesCut cut;
  cut.bytes = text->size() - end;
  if (cut.bytes == 0) return cut;
  for (size_t i = end; i < text->size(); ++i) cut.lines += (*text)[i] == '\n' ? 1 : 0;
  cut.torn = text->back() != '\n';
  if (::truncate(path.c_str(), static_cast<off_t>(end)) != 0)
    return Status::IOError(path + ": cannot truncate (" + std::strerror(errno) + ")");
  FEDCARBON_RETURN_IF_ERROR(SyncFile(path));
  return cut;
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
