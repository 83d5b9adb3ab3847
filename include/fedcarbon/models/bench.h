// Training throughput measurement: what `fedcarbon bench-train` prints and what calibrates the
// host profile. Mirrors the PyTorch peer (bench/side_by_side.sh): same model, batch, threads and
// optimizer, timing from the first step to the last, no warm-up excluded.
//
// Threading: runs on the calling thread with `threads` OpenMP threads.
#pragma once

#include <cstdint>
#include <string>

#include "fedcarbon/common/status.h"
#include "fedcarbon/models/train.h"

namespace fedcarbon::models {

struct BenchOptions {
  std::string model = "cnn";      // "cnn" or "mlp"
  int batch_size = 32;            // >= 1
  int threads = 1;                // >= 1
  int steps = 200;                // timed optimizer steps, >= 1
  std::string optimizer = "sgd";  // the peer's default
  float lr = 0.05f;               // the peer's default for sgd
  uint64_t seed = 0;              // model init and shuffling
};

struct BenchResult {
  std::string model;
  int64_t params = 0;
  int batch_size = 0;
  int threads = 0;
  int64_t samples = 0;   // steps * batch_size
  double seconds = 0.0;  // wall seconds of the timed training
  double samples_per_s = 0.0;
  uint64_t flops = 0;   // exact FLOPs of the timed training (TrainStats.flops)
  double gflops = 0.0;  // flops / seconds / 1e9
};

// Trains a fresh model for `steps` steps on samples of `data` (cycling when it holds fewer than
// steps * batch_size). Errors on bad options or data.
Result<BenchResult> BenchTrain(const DataView& data, const BenchOptions& options);

// "fedcarbon model=cnn params=1663370 batch=32 threads=1 samples=6400 seconds=9.80
//  samples_per_s=653.1 gflops=47.4"
std::string FormatBenchLine(const BenchResult& r);

}  // namespace fedcarbon::models
