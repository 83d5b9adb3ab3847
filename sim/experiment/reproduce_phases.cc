// Where a reproduction's time went (see reproduce_phases.h).
#include "fedcarbon/experiment/phases.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <thread>

#include <spdlog/fmt/fmt.h>
#include <nlohmann/json.hpp>

#include "fedcarbon/common/file.h"
#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"
#include "fedcarbon/records/launch.h"
#include "fedcarbon/records/summary.h"

namespace fedcarbon::experiment {
namespace {}  // namespace

double MachineBusySeconds() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  // cpu  user nice system idle iowait irq softirq steal ...
  double v[8] = {};
  if (!(in >> cpu) || cpu != "cpu") return std::nan("");
  for (double& x : v)
    if (!(in >> x)) return std::nan("");
  const double hz = static_cast<double>(sysconf(_SC_CLK_TCK));
  return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / (hz > 0 ? hz : 100.0);
}

PhaseBreakdown ComputePhases(const std::vector<RunCpu>& runs, double self_cpu_s, double wall_s,
                             int cores, double machine_busy_s) {
  PhaseBreakdown p;
  p.wall_s = wall_s;
  p.cores = cores;
  double total = self_cpu_s;
  p.other_s = self_cpu_s;
  for (const RunCpu& r : runs) {
    const double messaging = r.centralized ? 0.0 : std::max(0.0, r.coordinator_s - r.evaluation_s);
    p.training_s += r.training_s;
    p.evaluation_s += r.evaluation_s;
    p.messaging_s += messaging;
    p.other_s += std::max(0.0, r.job_s - r.training_s - r.evaluation_s - messaging);
    total += std::max(r.job_s, r.training_s + r.evaluation_s + messaging);
  }
  if (machine_busy_s >= 0) p.others_s = std::max(0.0, machine_busy_s - total);
  p.idle_s = std::max(0.0, cores * wall_s - total - p.others_s);
  return p;
}

Result<RunCpu> ReadRunCpu(const std::string& dir, bool centralized, double job_cpu_s) {
  RunCpu r;
  r.job_s = job_cpu_s;
  r.centralized = centralized;
  const std::string summary = dir + "/summary.json";
  if (r.centralized) {
    Result<records::CentralizedSummary> s = records::ReadCentralizedSummary(summary);
    if (!s.ok()) return s.status();
    if (!s->cpu) return Status::Corruption(summary + ": no \"cpu\" block (written before it?)");
    r.training_s = s->cpu->train_s;
    r.evaluation_s = s->cpu->evaluation_s;
    return r;
  }
  Result<records::FlRunSummary> s = records::ReadFlRunSummary(summary);
  if (!s.ok()) return s.status();
  if (!s->cpu) return Status::Corruption(summary + ": no \"cpu\" block (written before it?)");
  Result<records::LaunchRecord> launch =
      records::ReadLaunchRecord(dir + "/" + records::kLaunchRecordFile);
  if (!launch.ok()) return launch.status();
  r.training_s = launch->workers_cpu_s;
  r.evaluation_s = s->cpu->evaluation_s;
  r.coordinator_s = launch->coordinator_cpu_s;
  return r;
}

Result<PhaseBreakdown> MeasurePhases(const std::vector<JobRun>& jobs, double wall_s,
                                     double machine_busy_s) {
  std::vector<RunCpu> runs;
  for (const JobRun& j : jobs) {
    Result<RunCpu> r = ReadRunCpu(j.dir, j.centralized, j.cpu_s);
    if (!r.ok()) return r.status();
    runs.push_back(*r);
  }
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return ComputePhases(runs, SelfCpuSeconds(), wall_s, cores, machine_busy_s);
}

std::string FormatPhases(const PhaseBreakdown& p) {
  const double all = p.cores * p.wall_s;
  auto share = [all](double s) { return all > 0 ? 100.0 * s / all : 0.0; };
  return fmt::format(
      "{} wall on {} cores = {:.0f} core-s: training {:.0f} s ({:.0f}%), evaluation {:.0f} s "
      "({:.0f}%), messaging {:.0f} s ({:.0f}%), other {:.0f} s ({:.0f}%), other programs "
      "{:.0f} s ({:.0f}%), idle {:.0f} s ({:.0f}%)",
      FormatDuration(p.wall_s), p.cores, all, p.training_s, share(p.training_s), p.evaluation_s,
      share(p.evaluation_s), p.messaging_s, share(p.messaging_s), p.other_s, share(p.other_s),
      p.others_s, share(p.others_s), p.idle_s, share(p.idle_s));
}

Status WriteReproduceSummary(const std::string& path, const PhaseBreakdown& p,
                             const Table4& table) {
  nlohmann::ordered_json j;
  j["wall_s"] = p.wall_s;
  j["cores"] = p.cores;
  j["phases_cpu_s"] = {{"training", p.training_s},     {"evaluation", p.evaluation_s},
                       {"messaging", p.messaging_s},   {"other", p.other_s},
                       {"other_programs", p.others_s}, {"idle", p.idle_s}};
  j["seeds"] = table.seeds;
  j["runs"] = nlohmann::ordered_json::array();
  for (const Table4::RunInfo& r : table.runs) {
    j["runs"].push_back({{"name", r.name},
                         {"seed", r.seed},
                         {"reached_target", r.reached_target},
                         {"rounds_or_epochs", r.rounds_or_epochs},
                         {"final_accuracy", r.final_accuracy},
                         {"wall_s", r.wall_s}});
  }
  return WriteFileAtomic(path, j.dump(2) + "\n");
}

}  // namespace fedcarbon::experiment
