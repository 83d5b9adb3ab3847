// Train / Evaluate: mini-batch loops over a DataView.
//
// TrainStats.flops = samples * FlopsPerSample().total()
//                  + steps * (optimizer FlopsPerParam * num_params + RegularizationFlops
//                             + FedProx 6 per parameter when active: 3 for the gradient
//                               mu*(w - c), 3 for the loss term).
#include "fedcarbon/models/train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"

namespace fedcarbon::models {
namespace {

constexpr uint64_t kProxFlopsPerParam = 6;

uint64_t WorkFlops(const Sequential& model, const Optimizer& opt, int64_t samples, int64_t steps,
                   bool prox) {
  const uint64_t params = static_cast<uint64_t>(model.num_params());
  const uint64_t per_step = static_cast<uint64_t>(opt.FlopsPerParam()) * params +
                            model.RegularizationFlops() + (prox ? kProxFlopsPerParam * params : 0);
  return static_cast<uint64_t>(samples) * model.FlopsPerSample().total() +
         static_cast<uint64_t>(steps) * per_step;
}

constexpr int kMaxEvalChunk = 128;  // bounds activation memory during evaluation

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

// Unbiased integer in [0, bound) from raw 64-bit draws (portable, unlike
// std::uniform_int_distribution whose algorithm is implementation-defined).
uint64_t Below(std::mt19937_64& rng, uint64_t bound) {
  const uint64_t limit = ~uint64_t{0} - (~uint64_t{0} % bound);
  uint64_t r;
  do r = rng();
  while (r >= limit);
  return r % bound;
}

Status CheckView(const Sequential& model, const DataView& data) {
  FEDCARBON_RETURN_IF_ERROR(model.valid());
  if (data.images == nullptr || data.labels == nullptr) return Status::Error("data: null arrays");
  if (data.dim != model.input_dim()) {
    return Status::Error("data: dim " + std::to_string(data.dim) + " != model input " +
                         std::to_string(model.input_dim()));
  }
  if (data.n < 1 || data.size() < 1) return Status::Error("data: no samples");
  for (int64_t i = 0; i < data.size(); ++i) {
    const int64_t idx = data.at(i);
    if (idx < 0 || idx >= data.n) {
      return Status::Error("data: index " + std::to_string(idx) + " outside [0, " +
                           std::to_string(data.n) + ")");
    }
    if (data.labels[idx] >= model.num_classes()) {
      return Status::Error("data: label " + std::to_string(data.labels[idx]) + " of sample " +
                           std::to_string(idx) + " out of range");
    }
  }
  return Status::OK();
}

// Copies samples order[begin, begin+b) into x/y.
void Gather(const DataView& data, const int64_t* order, int64_t b, float* x, uint8_t* y) {
  for (int64_t i = 0; i < b; ++i) {
    std::memcpy(x + i * data.dim, data.images + order[i] * data.dim, sizeof(float) * data.dim);
    y[i] = data.labels[order[i]];
  }
}

// FedProx: loss mu/2 ||w - c||^2 (returned) and grads += mu (w - c).
double AddProx(Sequential& model, float mu, std::span<const float> center) {
  double sq = 0.0;
  size_t off = 0;
  for (auto& l : model.layers()) {
    auto w = l->params();
    auto g = l->grads();
    for (size_t i = 0; i < w.size(); ++i) {
      const float d = w[i] - center[off + i];
      sq += static_cast<double>(d) * d;
      g[i] += mu * d;
    }
    off += w.size();
  }
  return 0.5 * mu * sq;
}

}  // namespace

void Shuffle(std::span<int64_t> order, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[Below(rng, i)]);
}

TrainWork ExpectedTrainWork(const Sequential& model, const Optimizer& opt, int64_t shard_size,
                            int batch_size, int epochs, bool prox) {
  TrainWork w;
  if (shard_size <= 0 || batch_size < 1 || epochs < 1) return w;
  w.samples = shard_size * epochs;
  w.steps = (shard_size + batch_size - 1) / batch_size * epochs;
  w.flops = WorkFlops(model, opt, w.samples, w.steps, prox);
  return w;
}

Result<TrainStats> Train(Sequential& model, Optimizer& opt, const DataView& data,
                         const TrainOptions& opts) {
  const auto t0 = std::chrono::steady_clock::now();
  FEDCARBON_RETURN_IF_ERROR(CheckView(model, data));
  if (opts.batch_size < 1) return Status::Error("train: batch_size must be >= 1");
  if (opts.epochs < 1) return Status::Error("train: epochs must be >= 1");
  if (opts.threads < 1) return Status::Error("train: threads must be >= 1");
  const bool prox = opts.prox_mu > 0.0f && !opts.prox_center.empty();
  if (!(opts.prox_mu >= 0.0f) || !std::isfinite(opts.prox_mu)) {
    return Status::Error("train: prox_mu must be finite and >= 0");
  }
  if (prox && static_cast<int64_t>(opts.prox_center.size()) != model.num_params()) {
    return Status::Error("train: prox_center has " + std::to_string(opts.prox_center.size()) +
                         " values, model has " + std::to_string(model.num_params()));
  }

  const int64_t size = data.size(), classes = model.num_classes();
  const int64_t batch = std::min<int64_t>(opts.batch_size, size);
  std::vector<int64_t> order(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) order[i] = data.at(i);
  std::vector<float> x(static_cast<size_t>(batch * data.dim));
  std::vector<uint8_t> y(static_cast<size_t>(batch));
  std::vector<float> dlogits(static_cast<size_t>(batch * classes));

  TrainStats st;
  double loss_sum = 0.0;
  for (int epoch = 0; epoch < opts.epochs; ++epoch) {
    if (opts.shuffle) Shuffle(order, DeriveSeed(opts.seed, {static_cast<uint64_t>(epoch)}));
    for (int64_t start = 0; start < size; start += batch) {
      const int64_t b = std::min(batch, size - start);
      Gather(data, order.data() + start, b, x.data(), y.data());
      auto logits = model.Forward(std::span<const float>(x.data(), b * data.dim), b, opts.threads);
      if (!logits.ok()) return logits.status();
      auto loss = SoftmaxCrossEntropy(*logits, std::span<const uint8_t>(y.data(), b), classes,
                                      1.0f / static_cast<float>(b),
                                      std::span<float>(dlogits.data(), b * classes));
      if (!loss.ok()) return loss.status();
      FEDCARBON_RETURN_IF_ERROR(
          model.Backward(std::span<const float>(dlogits.data(), b * classes)));
      const double prox_loss = prox ? AddProx(model, opts.prox_mu, opts.prox_center) : 0.0;
      // The L2 loss of the weights before the update, summed in the update's pass (which also
      // adds the L2 gradient); the same value as model.RegularizationLoss(opts.threads).
      double extra = opt.StepWithRegularizationLoss(model, opts.threads);
      if (prox) extra += prox_loss;
      loss_sum += loss->sum_loss + static_cast<double>(b) * extra;
      st.samples += b;
      st.steps += 1;
    }
  }
  st.flops = WorkFlops(model, opt, st.samples, st.steps, prox);
  st.mean_loss = loss_sum / static_cast<double>(st.samples);
  st.wall_s = Seconds(t0);
  return st;
}

Result<EvalStats> Evaluate(Sequential& model, const DataView& data, int threads, int batch_size) {
  const auto t0 = std::chrono::steady_clock::now();
  FEDCARBON_RETURN_IF_ERROR(CheckView(model, data));
  if (threads < 1) return Status::Error("evaluate: threads must be >= 1");
  if (batch_size < 1) return Status::Error("evaluate: batch_size must be >= 1");
  const int64_t size = data.size(), classes = model.num_classes();
  const int64_t chunk = std::min<int64_t>({batch_size, kMaxEvalChunk, size});
  std::vector<int64_t> order(static_cast<size_t>(size));
  for (int64_t i = 0; i < size; ++i) order[i] = data.at(i);
  std::vector<float> x(static_cast<size_t>(chunk * data.dim));
  std::vector<uint8_t> y(static_cast<size_t>(chunk));

  EvalStats st;
  double loss_sum = 0.0;
  int64_t correct = 0;
  for (int64_t start = 0; start < size; start += chunk) {
    const int64_t b = std::min(chunk, size - start);
    Gather(data, order.data() + start, b, x.data(), y.data());
    auto logits = model.Forward(std::span<const float>(x.data(), b * data.dim), b, threads);
    if (!logits.ok()) return logits.status();
    auto loss =
        SoftmaxCrossEntropy(*logits, std::span<const uint8_t>(y.data(), b), classes, 1.0f, {});
    if (!loss.ok()) return loss.status();
    loss_sum += loss->sum_loss;
    correct += loss->correct;
  }
  st.samples = size;
  st.accuracy = static_cast<double>(correct) / static_cast<double>(size);
  st.loss = loss_sum / static_cast<double>(size);
  st.flops = static_cast<uint64_t>(size) * model.FlopsPerSample().forward;
  // Batches of the requested size (the chunk cap is this implementation's memory bound, not the
  // evaluation's shape on the device that pricing models).
  const int64_t priced_batch = std::min<int64_t>(batch_size, size);
  st.batches = (size + priced_batch - 1) / priced_batch;
  st.wall_s = Seconds(t0);
  return st;
}

}  // namespace fedcarbon::models
