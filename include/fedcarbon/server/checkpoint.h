// checkpoint.bin: the global model after a round, written with tmp + rename so that a crash never
// leaves a torn file. Layout (little-endian): "FCCK", uint32 version (1), uint32 round,
// uint64 num_params, then num_params float32.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "fedcarbon/common/file.h"  // WriteFileAtomic, used with checkpoints
#include "fedcarbon/common/status.h"

namespace fedcarbon::server {

struct Checkpoint {
  int round = 0;
  std::vector<float> params;
};

Status WriteCheckpoint(const std::string& path, int round, std::span<const float> params);
// Validates magic, version, the size against num_params (before allocating) and finiteness.
Result<Checkpoint> ReadCheckpoint(const std::string& path);

}  // namespace fedcarbon::server
