// Microbenchmarks of the training engine's kernels at the shapes of the paper's CNN, next to the
// SGEMM that bounds them. Each reports FLOPS (exact counts from Layer::Flops) so the fraction of
// the SGEMM ceiling can be read off directly. The CNN's convolutions run on the direct kernels
// (models/direct_conv.h), its 3136 -> 512 layer on the thin-batch kernels up to 12 samples per
// thread; the direct kernels can beat the Eigen SGEMM "ceiling", which packs its operands.
//   bench_kernels --benchmark_filter=Conv   (Google Benchmark flags)
#include <benchmark/benchmark.h>

#include <Eigen/Core>

#include <random>
#include <string>
#include <vector>

#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/loss.h"
#include "fedcarbon/models/optimizer.h"
#include "fedcarbon/models/train.h"

namespace fm = fedcarbon::models;

namespace {

std::vector<float> Random(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (auto& x : v) x = u(rng);
  return v;
}

void SetFlops(benchmark::State& state, double flops_per_iter) {
  state.counters["FLOPS"] =
      benchmark::Counter(flops_per_iter, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Sgemm(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n), b = Eigen::MatrixXf::Random(n, n), c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
  }
  SetFlops(state, 2.0 * n * n * n);
}
BENCHMARK(BM_Sgemm)->Arg(1024)->Unit(benchmark::kMillisecond);

// One layer's forward (range(2) == 0) or backward (1) at batch range(0) with range(1) threads.
void RunLayer(benchmark::State& state, fm::Layer& layer, bool input_grad) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const bool backward = state.range(2) != 0;
  layer.Initialize(1);
  const auto x = Random(n * layer.in_shape().size(), 2);
  const auto dy = Random(n * layer.out_shape().size(), 3);
  std::vector<float> y(n * layer.out_shape().size()), dx(n * layer.in_shape().size());
  layer.Forward(x.data(), n, y.data(), threads);
  for (auto _ : state) {
    if (backward) {
      layer.Backward(x.data(), y.data(), dy.data(), n, input_grad ? dx.data() : nullptr, threads);
    } else {
      layer.Forward(x.data(), n, y.data(), threads);
    }
    benchmark::ClobberMemory();
  }
  const fm::FlopCount f = layer.Flops(input_grad);
  SetFlops(state, static_cast<double>(backward ? f.backward : f.forward) * n);
  state.counters["samples"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}

fm::Conv2dOptions ConvOptions(int64_t filters) {
  fm::Conv2dOptions o;
  o.filters = filters;
  o.kernel = 5;
  o.padding = fm::Padding::kSame;
  return o;
}

// The CNN's conv1 (28x28x1 -> 32, first layer: no input gradient) and conv2 (14x14x32 -> 64).
void BM_Conv1(benchmark::State& state) {
  auto layer = fm::MakeConv2d(fm::Shape{28, 28, 1}, ConvOptions(32)).value();
  RunLayer(state, *layer, /*input_grad=*/false);
}
void BM_Conv2(benchmark::State& state) {
  auto layer = fm::MakeConv2d(fm::Shape{14, 14, 32}, ConvOptions(64)).value();
  RunLayer(state, *layer, /*input_grad=*/true);
}
// The CNN's first dense layer, 3136 -> 512.
void BM_Dense(benchmark::State& state) {
  auto layer = fm::MakeDense(fm::Shape{1, 1, 3136}, 512).value();
  RunLayer(state, *layer, /*input_grad=*/true);
}

// Args: batch, threads, backward.
void LayerArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "threads", "bwd"})->Unit(benchmark::kMillisecond)->UseRealTime();
  for (int bwd : {0, 1}) {
    for (auto [batch, threads] : {std::pair{32, 1}, std::pair{10, 1}, std::pair{32, 2}}) {
      b->Args({batch, threads, bwd});
    }
  }
}
BENCHMARK(BM_Conv1)->Apply(LayerArgs);
BENCHMARK(BM_Conv2)->Apply(LayerArgs);
BENCHMARK(BM_Dense)->Apply(LayerArgs);

// A whole training step of a named model as Train runs it: forward, loss, backward, the update
// with the L2 terms and the L2 loss in one pass (SGD as bench-train and the PyTorch peer; Adam
// lr 1e-3 as the Table 4 runs).
void BM_TrainStep(benchmark::State& state, const char* name, const char* optimizer) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  auto model = fm::MakeModel(name, 1).value();
  fm::OptimizerOptions oo;
  oo.name = optimizer;
  oo.lr = std::string(optimizer) == "adam" ? 1e-3f : 0.01f;
  auto opt = fm::MakeOptimizer(oo).value();
  auto x = Random(n * 784, 4);
  for (auto& v : x) v = 0.5f * (v + 1.0f);
  std::vector<uint8_t> labels(n);
  for (int64_t i = 0; i < n; ++i) labels[i] = static_cast<uint8_t>(i % 10);
  std::vector<float> dlogits(n * 10);
  for (auto _ : state) {
    auto logits = model->Forward(x, n, threads).value();
    benchmark::DoNotOptimize(
        fm::SoftmaxCrossEntropy(logits, labels, 10, 1.0f / static_cast<float>(n), dlogits));
    benchmark::DoNotOptimize(model->Backward(dlogits));
    benchmark::DoNotOptimize(opt->StepWithRegularizationLoss(*model, threads));
  }
  const double per_step = static_cast<double>(model->FlopsPerSample().total()) * n +
                          static_cast<double>(opt->FlopsPerParam()) * model->num_params() +
                          static_cast<double>(model->RegularizationFlops());
  SetFlops(state, per_step);
  state.counters["samples"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
void StepArgs(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "threads"})->Unit(benchmark::kMillisecond)->UseRealTime();
  for (auto [batch, threads] : {std::pair{32, 1}, std::pair{10, 1}, std::pair{32, 2}}) {
    b->Args({batch, threads});
  }
}
BENCHMARK_CAPTURE(BM_TrainStep, cnn, "cnn", "sgd")->Apply(StepArgs);
BENCHMARK_CAPTURE(BM_TrainStep, cnn_adam, "cnn", "adam")->Apply(StepArgs);
BENCHMARK_CAPTURE(BM_TrainStep, mlp, "mlp", "sgd")->Apply(StepArgs);

// Evaluation: forward passes only, in Evaluate's chunks of 128 samples.
void BM_Forward(benchmark::State& state, const char* name) {
  const int64_t n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  auto model = fm::MakeModel(name, 1).value();
  auto x = Random(n * 784, 5);
  for (auto& v : x) v = 0.5f * (v + 1.0f);
  for (auto _ : state) benchmark::DoNotOptimize(model->Forward(x, n, threads).value().data());
  SetFlops(state, static_cast<double>(model->FlopsPerSample().forward) * n);
  state.counters["samples"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK_CAPTURE(BM_Forward, cnn, "cnn")
    ->ArgNames({"batch", "threads"})
    ->Args({128, 1})
    ->Args({128, 2})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
