// Fashion-MNIST in memory, loaded from the gzipped IDX files of Debian's dataset-fashion-mnist.
//
// Ownership: a Dataset owns its pixels and labels. Shards are index lists into it, so a virtual
// client costs only its indices while idle.
// Thread safety: immutable after load; share const references freely.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::data {

struct Dataset {
  int64_t n = 0;  // number of samples
  int rows = 0;   // 28
  int cols = 0;   // 28
  int64_t dim() const { return int64_t{rows} * cols; }
  std::vector<float> images;    // [n, rows*cols], row-major, pixels scaled to [0, 1]
  std::vector<uint8_t> labels;  // [n], each in 0..9
  static constexpr int kNumClasses = 10;

  const float* image(int64_t i) const { return images.data() + i * dim(); }
};

enum class Split { kTrain, kTest };

// Reads an IDX image file (magic 0x00000803) and its label file (magic 0x00000801), gzipped or
// not. Validates magic numbers, dimensions, counts, that the two counts agree and that every label
// is in 0..9; allocates only for the bytes that arrive, so a header that claims more than its
// file holds costs no more memory than the file. Errors name the file and what is wrong.
// `max_samples` > 0 keeps only the first max_samples samples.
Result<Dataset> LoadIdx(const std::string& images_path, const std::string& labels_path,
                        int64_t max_samples = 0);

// Loads "train-*" or "t10k-*" from directory `dir` (e.g. config::ResolveDataPath(cfg)).
Result<Dataset> LoadFashionMnist(const std::string& dir, Split split, int64_t max_samples = 0);

// The labels alone (60 KB for the training set instead of 188 MB of pixels): what the
// coordinator needs to recompute the deterministic partition. Same checks as LoadIdx.
Result<std::vector<uint8_t>> LoadIdxLabels(const std::string& labels_path);
Result<std::vector<uint8_t>> LoadFashionMnistLabels(const std::string& dir, Split split);

}  // namespace fedcarbon::data
