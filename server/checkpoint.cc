// Checkpoints and atomic file writes (see include/fedcarbon/server/checkpoint.h).
#include "fedcarbon/server/checkpoint.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace fedcarbon::server {
namespace {

constexpr char kMagic[4] = {'F', 'C', 'C', 'K'};
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 4 + 4 + 4 + 8;

template <class T>
void Put(std::string& s, T v) {
  s.append(reinterpret_cast<const char*>(&v), sizeof(v));
}

}  // namespace

Status WriteCheckpoint(const std::string& path, int round, std::span<const float> params) {
  std::string s;
  s.reserve(kHeaderBytes + params.size_bytes());
  s.append(kMagic, 4);
  Put<uint32_t>(s, kVersion);
  Put<uint32_t>(s, static_cast<uint32_t>(round));
  Put<uint64_t>(s, params.size());
  s.append(reinterpret_cast<const char*>(params.data()), params.size_bytes());
  return WriteFileAtomic(path, s);
}

Result<Checkpoint> ReadCheckpoint(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return Status::Error(path + ": cannot open");
  const auto size = static_cast<uint64_t>(in.tellg());
  in.seekg(0);
  char header[kHeaderBytes];
  if (size < kHeaderBytes || !in.read(header, kHeaderBytes))
    return Status::Error(path + ": truncated header");
  if (std::memcmp(header, kMagic, 4) != 0) return Status::Error(path + ": not a checkpoint");
  uint32_t version, round;
  uint64_t n;
  std::memcpy(&version, header + 4, 4);
  std::memcpy(&round, header + 8, 4);
  std::memcpy(&n, header + 12, 8);
  if (version != kVersion)
    return Status::Error(path + ": version " + std::to_string(version) + ", expected 1");
  if (n > (size - kHeaderBytes) / 4 || size - kHeaderBytes != 4 * n)
    return Status::Error(path + ": " + std::to_string(size) + " bytes do not hold " +
                         std::to_string(n) + " parameters");
  Checkpoint c;
  c.round = static_cast<int>(round);
  c.params.resize(n);
  if (!in.read(reinterpret_cast<char*>(c.params.data()), static_cast<std::streamsize>(4 * n)))
    return Status::Error(path + ": truncated parameters");
  for (size_t i = 0; i < n; ++i)
    if (!std::isfinite(c.params[i]))
      return Status::Error(path + ": parameter " + std::to_string(i) + " is not finite");
  return c;
}

}  // namespace fedcarbon::server
