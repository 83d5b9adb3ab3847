// Aggregation and strategies (see include/fedcarbon/server/aggregation.h).
#include "fedcarbon/server/aggregation.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace fedcarbon::server {
namespace {

class FedAvg final : public Strategy {
 public:
  explicit FedAvg(const char* name) : name_(name) {}
  uint64_t Apply(std::span<float> global, std::span<const float> mean) override {
    std::copy(mean.begin(), mean.end(), global.begin());
    return 0;
  }
  const char* name() const override { return name_; }

 private:
  const char* name_;
};

class FedAdam final : public Strategy {
 public:
  FedAdam(const config::FederationConfig& cfg, int64_t n)
      : lr_(static_cast<float>(cfg.server_lr)),
        b1_(static_cast<float>(cfg.server_beta1)),
        b2_(static_cast<float>(cfg.server_beta2)),
        tau_(static_cast<float>(cfg.server_epsilon)),
        m_(static_cast<size_t>(n), 0.0f),
        v_(static_cast<size_t>(n), 0.0f) {}

  uint64_t Apply(std::span<float> global, std::span<const float> mean) override {
    for (size_t i = 0; i < global.size(); ++i) {
      const float delta = mean[i] - global[i];
      m_[i] = b1_ * m_[i] + (1.0f - b1_) * delta;
      v_[i] = b2_ * v_[i] + (1.0f - b2_) * delta * delta;
      global[i] += lr_ * m_[i] / (std::sqrt(v_[i]) + tau_);
    }
    return 12 * static_cast<uint64_t>(global.size());  // sub, 5 mul/add, 3 fma-ish, sqrt, div, add
  }
  const char* name() const override { return "fedadam"; }
  std::vector<std::vector<float>> State() const override { return {m_, v_}; }
  Status SetState(std::vector<std::vector<float>> state) override {
    if (state.size() != 2 || state[0].size() != m_.size() || state[1].size() != v_.size())
      return Status::InvalidArgument("fedadam: the saved state is not m and v of " +
                                     std::to_string(m_.size()) + " values each");
    m_ = std::move(state[0]);
    v_ = std::move(state[1]);
    return Status::OK();
  }

 private:
  float lr_, b1_, b2_, tau_;
  std::vector<float> m_, v_;
};

}  // namespace

Status Strategy::SetState(std::vector<std::vector<float>> state) {
  if (state.empty()) return Status::OK();
  return Status::InvalidArgument(std::string(name()) + ": has no state, the saved one has " +
                                 std::to_string(state.size()) + " vectors");
}

void WeightedMean::Add(std::span<const float> w, double weight) {
  for (size_t i = 0; i < sum_.size(); ++i) sum_[i] += weight * static_cast<double>(w[i]);
  total_ += weight;
  ++count_;
  flops_ += 2 * sum_.size();
}

void WeightedMean::Clear() {
  std::fill(sum_.begin(), sum_.end(), 0.0);
  total_ = 0.0;
  count_ = 0;
}

void WeightedMean::Mean(std::span<float> out) const {
  const double inv = 1.0 / total_;
  for (size_t i = 0; i < sum_.size(); ++i) out[i] = static_cast<float>(sum_[i] * inv);
  flops_ += sum_.size();
}

Result<std::unique_ptr<Strategy>> MakeStrategy(const config::FederationConfig& cfg,
                                               int64_t num_params) {
  if (cfg.strategy == "fedavg") return std::unique_ptr<Strategy>(new FedAvg("fedavg"));
  if (cfg.strategy == "fedprox") return std::unique_ptr<Strategy>(new FedAvg("fedprox"));
  if (cfg.strategy == "fedadam") return std::unique_ptr<Strategy>(new FedAdam(cfg, num_params));
  return Status::Error("federation.strategy: unknown strategy '" + cfg.strategy +
                       "' (known: fedavg, fedprox, fedadam)");
}

}  // namespace fedcarbon::server
