// The runtime's costs, next to the ceilings they are judged against, measured in the same run:
//  * BM_MessagePath: encode + send + receive + decode of the CNN's 1,663,370 weights between a
//    DEALER and a ROUTER (inproc and tcp loopback; fp32, fp16, int8). "GB/s" counts model bytes
//    (4 per weight); "x_memcpy" is the time per message over one memcpy of the same 6.65 MB,
//    timed in the same benchmark.
//  * BM_RoundOverhead: 100 virtual clients (MLP, IID, full Fashion-MNIST) on 2 worker processes,
//    every client every round. overhead_pct = collect time of a round / the busiest worker's
//    summed local training time - 1 (the ledger's compute_s; workers are dealt clients c % 2).
//  * BM_Scale: 1,000 virtual clients (MLP), 3 rounds of 100, then the same with 10 clients:
//    worker resident memory (VmRSS median while running, VmHWM peak) and the marginal RSS per
//    hosted virtual client (difference of the two runs over the difference of clients hosted).
// Run: bench_wire [--benchmark_filter=MessagePath]   (the runtime ones start real processes).
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/experiment/launcher.h"
#include "fedcarbon/models/tensors.h"
#include "fedcarbon/models/train.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/messages.h"

namespace fs = std::filesystem;
namespace wire = fedcarbon::wire;

namespace {

using Clock = std::chrono::steady_clock;

double BestMemcpySeconds(const std::vector<float>& src, std::vector<float>& dst) {
  double best = 1e9;
  for (int i = 0; i < 30; ++i) {
    const auto t0 = Clock::now();
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    benchmark::ClobberMemory();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best;
}

void BM_Memcpy(benchmark::State& state) {
  wire::TuneAllocatorForLargeFrames();  // as fedcarbon-server and fedcarbon-client do
  auto model = fedcarbon::models::MakeModel("cnn", 1);
  const std::vector<float> src = (*model)->GetParams();
  std::vector<float> dst(src.size());
  for (auto _ : state) {
    std::memcpy(dst.data(), src.data(), src.size() * sizeof(float));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(src.size() * 4));
}
BENCHMARK(BM_Memcpy)->Unit(benchmark::kMillisecond)->UseRealTime();

// range(0): 0 inproc, 1 tcp; range(1): encoding.
void BM_MessagePath(benchmark::State& state) {
  wire::TuneAllocatorForLargeFrames();  // as fedcarbon-server and fedcarbon-client do
  const bool tcp = state.range(0) == 1;
  const auto encoding = static_cast<wire::Encoding>(state.range(1));
  auto model = fedcarbon::models::MakeModel("cnn", 1);
  const std::vector<float> weights = (*model)->GetParams();
  const std::vector<int64_t> sizes = fedcarbon::models::TensorSizes(**model);
  const int64_t n = static_cast<int64_t>(weights.size());
  std::vector<float> out(weights.size());

  zmq::context_t ctx(1);
  zmq::socket_t router(ctx, zmq::socket_type::router), dealer(ctx, zmq::socket_type::dealer);
  for (zmq::socket_t* s : {&router, &dealer}) s->set(zmq::sockopt::linger, 0);
  router.bind(tcp ? "tcp://127.0.0.1:*" : "inproc://bench-wire");
  dealer.connect(router.get(zmq::sockopt::last_endpoint));

  wire::MessageBuilder builder;
  builder.set_run_id("bench");
  wire::proto::Message m, received;
  size_t wire_bytes = 0;
  const auto start = Clock::now();
  for (auto _ : state) {
    builder.Start(&m, 1);
    auto* r = m.mutable_train_result();
    if (!wire::EncodeWeights(weights, sizes, encoding, false, r->mutable_weights()).ok())
      state.SkipWithError("encode failed");
    zmq::message_t frame = wire::ToFrame(m);
    wire_bytes = frame.size();
    dealer.send(frame, zmq::send_flags::none);
    std::vector<zmq::message_t> parts;
    if (!zmq::recv_multipart(router, std::back_inserter(parts)) || parts.size() != 2 ||
        !wire::ParseFrame(parts[1].data(), parts[1].size(), &received).ok() ||
        !wire::DecodeWeights(received.train_result().weights(), n, out).ok())
      state.SkipWithError("receive/decode failed");
    benchmark::DoNotOptimize(out.data());
  }
  const double per_message_s =
      std::chrono::duration<double>(Clock::now() - start).count() / state.iterations();
  std::vector<float> dst(weights.size());
  const double memcpy_s = BestMemcpySeconds(weights, dst);
  state.SetBytesProcessed(state.iterations() * n * 4);
  state.counters["wire_MB"] = static_cast<double>(wire_bytes) / 1e6;
  state.counters["memcpy_GB/s"] = static_cast<double>(n) * 4 / memcpy_s / 1e9;
  state.counters["x_memcpy"] = per_message_s / memcpy_s;  // message time / memcpy time
  state.SetLabel(std::string(tcp ? "tcp " : "inproc ") + wire::EncodingName(encoding));
}
BENCHMARK(BM_MessagePath)
    ->ArgsProduct({{0, 1}, {0, 1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()  // the tcp path runs partly on ZeroMQ's I/O thread
    ->MinTime(1.0);

// Resident memory of the worker processes of one run (found by the endpoint in their cmdline).
class RssSampler {
 public:
  explicit RssSampler(std::string out_dir) : out_(std::move(out_dir)) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~RssSampler() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Per worker pid: median VmRSS and last VmHWM, in MB.
  std::map<int, std::pair<double, double>> Result() const {
    std::map<int, std::pair<double, double>> r;
    for (const auto& [pid, samples] : rss_) {
      std::vector<double> s = samples;
      std::sort(s.begin(), s.end());
      r[pid] = {s[s.size() / 2], hwm_.at(pid)};
    }
    return r;
  }

 private:
  static double StatusKb(const std::string& status, const char* key) {
    const size_t at = status.find(key);
    return at == std::string::npos ? 0.0 : std::atof(status.c_str() + at + std::strlen(key));
  }
  static std::string Slurp(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  void Loop() {
    std::string ep;
    while (!stop_) {
      if (ep.empty()) {
        ep = Slurp(out_ + "/endpoint");
        while (!ep.empty() && ep.back() == '\n') ep.pop_back();
      }
      if (!ep.empty()) {
        for (const auto& e : fs::directory_iterator("/proc")) {
          const std::string name = e.path().filename();
          if (name.find_first_not_of("0123456789") != std::string::npos) continue;
          const std::string cmd = Slurp(e.path() / "cmdline");
          if (cmd.find("fedcarbon-client") == std::string::npos ||
              cmd.find(ep) == std::string::npos)
            continue;
          const std::string status = Slurp(e.path() / "status");
          const double rss = StatusKb(status, "VmRSS:"), hwm = StatusKb(status, "VmHWM:");
          if (rss <= 0) continue;
          rss_[std::stoi(name)].push_back(rss / 1024.0);
          hwm_[std::stoi(name)] = hwm / 1024.0;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::string out_;
  std::atomic<bool> stop_{false};
  std::map<int, std::vector<double>> rss_;
  std::map<int, double> hwm_;
  std::thread thread_;
};

std::string ScratchDir(const std::string& name) {
  const fs::path p =
      fs::temp_directory_path() / ("fedcarbon-bench-" + name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  return p.string();
}

fedcarbon::Result<fedcarbon::config::ExperimentConfig> BenchConfig(const nlohmann::json& j) {
  return fedcarbon::config::FromJson(j);
}

void BM_RoundOverhead(benchmark::State& state) {
  const int per_round = static_cast<int>(state.range(0));
  auto cfg = BenchConfig({{"name", "bench-overhead"},
                          {"model", {{"name", "mlp"}}},
                          {"partition", {{"scheme", "iid"}}},
                          {"train", {{"threads", 2}}},
                          {"federation",
                           {{"num_clients", 100},
                            {"clients_per_round", per_round},
                            {"rounds", 4},
                            {"target_accuracy", 1.0}}},
                          {"runtime", {{"workers", 2}}}});
  if (!cfg.ok()) return state.SkipWithError(cfg.status().message().c_str());
  const std::string out = ScratchDir("overhead");
  double collect = 0, busiest = 0, sum = 0, wall = 0;
  int rounds = 0;
  for (auto _ : state) {
    fedcarbon::experiment::LaunchOptions options;
    options.show_progress = false;
    auto r = fedcarbon::experiment::RunLocal(*cfg, out, options);
    if (!r.ok()) return state.SkipWithError(r.status().message().c_str());
    auto ledger = fedcarbon::energy::ReadLedger(out + "/ledger.csv");
    if (!ledger.ok()) return state.SkipWithError(ledger.status().message().c_str());
    std::map<int, std::array<double, 2>> per_worker;  // round -> compute per worker (c % 2)
    for (const auto& row : *ledger)
      if (row.role == "client") per_worker[row.round][row.client_id % 2] += row.activity.compute_s;
    std::ifstream csv(out + "/rounds.csv");
    std::string line;
    std::getline(csv, line);
    while (std::getline(csv, line)) {
      std::vector<std::string> f;
      std::stringstream ls(line);
      for (std::string c; std::getline(ls, c, ',');) f.push_back(c);
      const int round = std::stoi(f[0]);
      if (round == 1) continue;  // the first round includes the workers' data loading queue
      const auto& w = per_worker[round];
      collect += std::stod(f[9]);
      wall += std::stod(f[8]);
      busiest += std::max(w[0], w[1]);
      sum += w[0] + w[1];
      ++rounds;
    }
  }
  state.counters["rounds"] = rounds;
  state.counters["collect_s"] = collect / rounds;
  state.counters["round_wall_s"] = wall / rounds;
  state.counters["busiest_worker_compute_s"] = busiest / rounds;
  state.counters["sum_compute_s"] = sum / rounds;
  state.counters["overhead_pct"] = (collect / busiest - 1.0) * 100.0;
  state.counters["overhead_vs_half_sum_pct"] = (collect / (sum / 2) - 1.0) * 100.0;
  fs::remove_all(out);
}
BENCHMARK(BM_RoundOverhead)->Arg(100)->Arg(10)->Iterations(1)->Unit(benchmark::kSecond);

void BM_Scale(benchmark::State& state) {
  std::map<int, double> median_rss, peak_rss;  // clients -> MB per worker (mean of workers)
  for (auto _ : state) {
    for (int clients : {1000, 10}) {
      auto cfg = BenchConfig({{"name", "bench-scale"},
                              {"model", {{"name", "mlp"}}},
                              {"train", {{"threads", 2}}},
                              {"federation",
                               {{"num_clients", clients},
                                {"clients_per_round", std::min(clients, 100)},
                                {"rounds", 3},
                                {"target_accuracy", 1.0}}},
                              {"runtime", {{"workers", 2}}}});
      if (!cfg.ok()) return state.SkipWithError(cfg.status().message().c_str());
      const std::string out = ScratchDir("scale");
      RssSampler sampler(out);
      fedcarbon::experiment::LaunchOptions options;
      options.show_progress = false;
      auto r = fedcarbon::experiment::RunLocal(*cfg, out, options);
      sampler.Stop();
      if (!r.ok()) return state.SkipWithError(r.status().message().c_str());
      const auto rss = sampler.Result();
      if (rss.empty()) return state.SkipWithError("no worker memory sampled");
      for (const auto& [pid, v] : rss) {
        median_rss[clients] += v.first / rss.size();
        peak_rss[clients] += v.second / rss.size();
      }
      if (clients == 1000) state.counters["wall_s_1000"] = r->wall_s;
      fs::remove_all(out);
    }
  }
  state.counters["worker_rss_MB_1000"] = median_rss[1000];
  state.counters["worker_peak_MB_1000"] = peak_rss[1000];
  state.counters["worker_rss_MB_10"] = median_rss[10];
  state.counters["worker_peak_MB_10"] = peak_rss[10];
  // 500 vs 5 clients per worker.
  state.counters["KB_per_idle_client"] = (median_rss[1000] - median_rss[10]) * 1024.0 / 495.0;
}
BENCHMARK(BM_Scale)->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace

BENCHMARK_MAIN();
