#include "fedcarbon/models/bench.h"

#include <cstdio>
#include <vector>

#include "fedcarbon/common/seed.h"

namespace fedcarbon::models {

Result<BenchResult> BenchTrain(const DataView& data, const BenchOptions& o) {
  if (o.batch_size < 1) return Status::Error("bench: batch must be >= 1");
  if (o.threads < 1) return Status::Error("bench: threads must be >= 1");
  if (o.steps < 1) return Status::Error("bench: steps must be >= 1");
  if (data.size() < 1) return Status::Error("bench: no data");
  auto model = MakeModel(o.model, o.seed);
  if (!model.ok()) return model.status();
  OptimizerOptions oo;
  oo.name = o.optimizer;
  oo.lr = o.lr;
  auto opt = MakeOptimizer(oo);
  if (!opt.ok()) return opt.status();

  // steps * batch sample indices, cycling over the view; Train shuffles them once.
  const int64_t total = static_cast<int64_t>(o.steps) * o.batch_size;
  std::vector<int64_t> idx(static_cast<size_t>(total));
  for (int64_t i = 0; i < total; ++i) idx[i] = data.at(i % data.size());
  DataView view = data;
  view.indices = idx;
  TrainOptions t;
  t.batch_size = o.batch_size;
  t.threads = o.threads;
  t.seed = DeriveSeed(o.seed, {static_cast<uint64_t>(Stream::kCentralized)});
  auto st = Train(**model, **opt, view, t);
  if (!st.ok()) return st.status();

  BenchResult r;
  r.model = o.model;
  r.params = (*model)->num_params();
  r.batch_size = o.batch_size;
  r.threads = o.threads;
  r.samples = st->samples;
  r.seconds = st->wall_s;
  r.samples_per_s = static_cast<double>(st->samples) / st->wall_s;
  r.flops = st->flops;
  r.gflops = static_cast<double>(st->flops) / st->wall_s / 1e9;
  return r;
}

std::string FormatBenchLine(const BenchResult& r) {
  char buf[256];
  std::snprintf(buf, sizeof(buf),
                "fedcarbon model=%s params=%lld batch=%d threads=%d samples=%lld seconds=%.2f "
                "samples_per_s=%.1f gflops=%.1f",
                r.model.c_str(), static_cast<long long>(r.params), r.batch_size, r.threads,
                static_cast<long long>(r.samples), r.seconds, r.samples_per_s, r.gflops);
  return buf;
}

}  // namespace fedcarbon::models
