#include "fedcarbon/common/file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <system_error>

namespace fedcarbon {

Status WriteFileAtomic(const std::string& path, std::string_view contents) {
  const std::string tmp = path + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (!f) return Status::Error(tmp + ": cannot open for writing (" + std::strerror(errno) + ")");
  const bool ok =
      std::fwrite(contents.data(), 1, contents.size(), f) == contents.size() && std::fflush(f) == 0;
  const bool closed = std::fclose(f) == 0;
  if (!ok || !closed) {
    std::remove(tmp.c_str());
    return Status::Error(tmp + ": write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    return Status::Error(path + ": cannot rename " + tmp + " into place: " + ec.message());
  }
  return Status::OK();
}

}  // namespace fedcarbon
