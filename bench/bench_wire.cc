// The runtime's costs, next to the ceilings they are judged against, measured in the same run:
//  * BM_MessagePath: encode + send + receive + decode of the CNN's 1,663,370 weights, a
//    TrainResult from a DEALER (a worker) to a ROUTER (the coordinator): inproc, tcp loopback,
//    and tcp loopback with CURVE; fp32, fp16, int8; through protobuf's bytes field (EncodeWeights
//    + ToFrame, ParseFrame + DecodeWeights) and in place (wire/frame.h: EncodeFrame, InFrame +
//    DecodeWeights of the bytes left in the frame; the frames are the same bytes). Over tcp the
//    two sockets have a context (and ZeroMQ I/O thread) each, as in their separate processes,
//    and the options fedcarbon-server and fedcarbon-client give theirs (ZMQ_MAXMSGSIZE, and
//    wire::SetSendBuffer's loopback send buffer). Every iteration times one message and then one
//    memcpy of the same 6.65 MB (the weights into another buffer), alternating, so that both see
//    the same machine (others may share its 2 cores). "GB/s" counts model bytes (4 per weight) over
//    the median message time, "memcpy_GB/s" the same bytes over the median memcpy time,
//    "pct_memcpy" the first over the second, "fastest_GB/s" the fastest single message. The summary
//    after the table prints them as "message path X GB/s = Y% of memcpy" and whether the plain tcp
//    fp32 path in place (EncodeFrame as a worker sends its result, InFrame as a worker receives
//    its request) meets the 2 GB/s target.
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
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
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
#include "fedcarbon/wire/curve.h"
#include "fedcarbon/wire/frame.h"
#include "fedcarbon/wire/messages.h"

namespace fs = std::filesystem;
namespace wire = fedcarbon::wire;

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kTargetGBps = 2.0;  // the plain tcp fp32 message path

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0.0 : v[v.size() / 2];
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

enum Transport { kInproc = 0, kTcp = 1, kTcpCurve = 2 };
enum Path { kProtobuf = 0, kInPlace = 1 };

// A ROUTER (the coordinator's socket) and a DEALER (a worker's) connected to it.
struct SocketPair {
  explicit SocketPair(Transport t) {
    if (t != kInproc) dealer_ctx = std::make_unique<zmq::context_t>(1);
    zmq::context_t& dctx = dealer_ctx ? *dealer_ctx : router_ctx;
    router = zmq::socket_t(router_ctx, zmq::socket_type::router);
    dealer = zmq::socket_t(dctx, zmq::socket_type::dealer);
    for (zmq::socket_t* s : {&router, &dealer}) s->set(zmq::sockopt::linger, 0);
    router.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(wire::MaxFrameBytesForModel(
                                             1663370, 8)));  // as fedcarbon-server for the CNN
    dealer.set(zmq::sockopt::maxmsgsize,
               static_cast<int64_t>(wire::MaxWorkerFrameBytes(1663370, 8)));
    const std::string endpoint = t == kInproc ? "inproc://bench-wire" : "tcp://127.0.0.1:*";
    wire::SetSendBuffer(router, endpoint);
    wire::SetSendBuffer(dealer, endpoint);  // connects to the same loopback address
    if (t == kTcpCurve) {
      auto server = wire::GenerateCurveKeyPair(), client = wire::GenerateCurveKeyPair();
      router.set(zmq::sockopt::curve_server, 1);
      router.set(zmq::sockopt::curve_secretkey, server->secret_key);
      dealer.set(zmq::sockopt::curve_serverkey, server->public_key);
      dealer.set(zmq::sockopt::curve_publickey, client->public_key);
      dealer.set(zmq::sockopt::curve_secretkey, client->secret_key);
    }
    router.bind(endpoint);
    dealer.connect(router.get(zmq::sockopt::last_endpoint));
  }
  zmq::context_t router_ctx{1};
  std::unique_ptr<zmq::context_t> dealer_ctx;  // tcp: the worker's own context
  zmq::socket_t router, dealer;
};

// range(0): Transport; range(1): encoding; range(2): Path.
void BM_MessagePath(benchmark::State& state) {
  wire::TuneAllocatorForLargeFrames();  // as fedcarbon-server and fedcarbon-client do
  const auto transport = static_cast<Transport>(state.range(0));
  const auto encoding = static_cast<wire::Encoding>(state.range(1));
  const auto path = static_cast<Path>(state.range(2));
  auto model = fedcarbon::models::MakeModel("cnn", 1);
  const std::vector<float> weights = (*model)->GetParams();
  const std::vector<int64_t> sizes = fedcarbon::models::TensorSizes(**model);
  const int64_t n = static_cast<int64_t>(weights.size());
  std::vector<float> out(weights.size()), copy(weights.size());
  SocketPair pair(transport);

  wire::MessageBuilder builder;
  builder.set_run_id("bench");
  wire::proto::Message m, received;
  wire::InFrame in;
  size_t wire_bytes = 0;
  std::vector<double> message_s, memcpy_s;
  // One message: encoded by the worker, received and decoded by the coordinator.
  auto one_message = [&]() -> bool {
    builder.Start(&m, 1);
    m.mutable_train_result()->set_client_id(7);
    zmq::message_t frame;
    if (path == kInPlace) {
      auto f = wire::EncodeFrame(&m, weights, sizes, encoding, false);
      if (!f.ok()) return false;
      frame = std::move(*f);
    } else {
      if (!wire::EncodeWeights(weights, sizes, encoding, false,
                               m.mutable_train_result()->mutable_weights())
               .ok())
        return false;
      frame = wire::ToFrame(m);
    }
    wire_bytes = frame.size();
    pair.dealer.send(frame, zmq::send_flags::none);
    zmq::message_t identity, body;
    if (!pair.router.recv(identity) || !identity.more() || !pair.router.recv(body) || body.more())
      return false;
    if (path == kInPlace)
      return in.Parse(std::move(body)).ok() &&
             wire::DecodeWeights(*wire::BodyWeights(in.message()), in.weights_data(), n, out).ok();
    return wire::ParseFrame(body.data(), body.size(), &received).ok() &&
           wire::DecodeWeights(received.train_result().weights(), n, out).ok();
  };
  for (auto _ : state) {
    const auto t0 = Clock::now();
    const bool ok = one_message();
    benchmark::DoNotOptimize(out.data());
    const auto t1 = Clock::now();
    std::memcpy(copy.data(), weights.data(), weights.size() * sizeof(float));
    benchmark::ClobberMemory();
    const auto t2 = Clock::now();
    if (!ok) return state.SkipWithError("message path failed");
    message_s.push_back(std::chrono::duration<double>(t1 - t0).count());
    memcpy_s.push_back(std::chrono::duration<double>(t2 - t1).count());
    state.SetIterationTime(message_s.back());
  }
  const double bytes = static_cast<double>(n) * 4;
  const double gbps = bytes / Median(message_s) / 1e9, memcpy_gbps = bytes / Median(memcpy_s) / 1e9;
  state.SetBytesProcessed(state.iterations() * n * 4);
  state.counters["GB/s"] = gbps;
  state.counters["memcpy_GB/s"] = memcpy_gbps;
  state.counters["pct_memcpy"] = 100.0 * gbps / memcpy_gbps;
  state.counters["fastest_GB/s"] =
      bytes / *std::min_element(message_s.begin(), message_s.end()) / 1e9;
  state.counters["wire_MB"] = static_cast<double>(wire_bytes) / 1e6;
  const char* names[] = {"inproc", "tcp", "tcp+curve"};
  state.SetLabel(std::string(names[transport]) + " " + wire::EncodingName(encoding) +
                 (path == kInPlace ? " in-place" : " protobuf"));
}
BENCHMARK(BM_MessagePath)
    ->ArgsProduct({{kInproc, kTcp, kTcpCurve}, {0, 1, 2}, {kInPlace, kProtobuf}})
    ->Unit(benchmark::kMillisecond)
    ->UseManualTime()  // the message alone; the tcp path runs partly on ZeroMQ's I/O threads
    ->MinTime(1.0);

// After the table: one line per message path, "message path X GB/s = Y% of memcpy", and whether
// the plain tcp fp32 path meets the target.
class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  using ConsoleReporter::ConsoleReporter;
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.run_name.function_name != "BM_MessagePath" || r.error_occurred) continue;
      const double gbps = r.counters.at("GB/s");
      char line[256];
      std::snprintf(line, sizeof(line),
                    "message path %-26s %6.2f GB/s = %5.1f%% of memcpy (%5.1f GB/s); fastest "
                    "message %5.2f GB/s",
                    r.report_label.c_str(), gbps, r.counters.at("pct_memcpy").value,
                    r.counters.at("memcpy_GB/s").value, r.counters.at("fastest_GB/s").value);
      lines_.push_back(line);
      if (r.report_label == "tcp fp32 in-place") target_ = gbps;
    }
  }
  void Finalize() override {
    ConsoleReporter::Finalize();
    if (lines_.empty()) return;
    std::ostream& out = GetOutputStream();
    out << "\nMessage path: encode + send + receive + decode of the CNN's 1,663,370 weights "
           "(6.65 MB as fp32), medians; memcpy of the same bytes alternating with the messages\n";
    for (const std::string& l : lines_) out << l << "\n";
    if (!target_) return;
    char line[160];
    std::snprintf(line, sizeof(line), "target: tcp fp32 in-place %.2f GB/s against %.1f GB/s: %s\n",
                  *target_, kTargetGBps, *target_ >= kTargetGBps ? "met" : "NOT met");
    out << line;
  }

 private:
  std::vector<std::string> lines_;
  std::optional<double> target_;
};

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

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  SummaryReporter reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_Color
                                                 : benchmark::ConsoleReporter::OO_None);
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  return 0;
}
