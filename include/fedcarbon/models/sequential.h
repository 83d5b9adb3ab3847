// Sequential: an ordered stack of layers with flat parameter get/set (what travels on the wire
// and what FedAvg averages), forward/backward, and exact FLOP counts.
//
// Ownership: owns its layers. Threading: one caller at a time.
// NOTE(contract): the methods below are what server/, client/ and sim/experiment rely on; the
// layer machinery behind them is free to change.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::models {

class Layer;

// FLOPs per sample (a multiply-add = 2 FLOPs), counted from the shapes.
struct FlopCount {
  uint64_t forward = 0;
  uint64_t backward = 0;  // gradients w.r.t. inputs and parameters
  uint64_t total() const { return forward + backward; }
};

class Sequential {
 public:
  Sequential(std::string name, std::vector<std::unique_ptr<Layer>> layers, int64_t input_dim);
  ~Sequential();
  Sequential(const Sequential&) = delete;
  Sequential& operator=(const Sequential&) = delete;

  const std::string& name() const { return name_; }
  int64_t input_dim() const { return input_dim_; }  // 784 for both named models
  int64_t num_classes() const;                       // 10
  int64_t num_params() const;

  // Flat parameter vector, layer by layer (weights then bias). out.size() must be num_params().
  void GetParams(std::span<float> out) const;
  std::vector<float> GetParams() const;
  // Error when in.size() != num_params() or a value is not finite.
  Status SetParams(std::span<const float> in);

  FlopCount FlopsPerSample() const;

  // Access for the trainer and tests.
  std::vector<std::unique_ptr<Layer>>& layers() { return layers_; }
  const std::vector<std::unique_ptr<Layer>>& layers() const { return layers_; }

 private:
  std::string name_;
  std::vector<std::unique_ptr<Layer>> layers_;
  int64_t input_dim_;
};

}  // namespace fedcarbon::models
