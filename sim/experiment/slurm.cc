// sbatch scripts for sweeps and multi-host runs (see include/fedcarbon/experiment/slurm.h).
//
// Quoting: the bash part of a script quotes every value with single quotes ('it'\''s'), which
// bash never expands. #SBATCH lines are parsed by sbatch itself, which splits on blanks but keeps
// a "double-quoted" value whole; values that need more than that are rejected.
#include "fedcarbon/experiment/slurm.h"

#include <sys/stat.h>

#include <string_view>

#include "fedcarbon/common/file.h"

namespace fedcarbon::experiment {
namespace {

// Seconds a worker keeps resending its Hello while the coordinator starts (it loads the test set
// before binding) and the other tasks are being launched.
constexpr int kWorkerHelloTimeoutS = 300;

std::string ShellQuote(std::string_view s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'')
      q += "'\\''";
    else
      q += c;
  }
  return q + "'";
}

bool HasControl(std::string_view s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return true;
  return false;
}

// A value for a bash line: anything printable (it is single-quoted).
Status CheckValue(std::string_view what, std::string_view value) {
  if (value.empty()) return Status::InvalidArgument(std::string(what) + " is empty");
  if (HasControl(value))
    return Status::InvalidArgument(std::string(what) +
                                   " contains a control character (newline, tab, ...)");
  return Status::OK();
}

// A value for an #SBATCH line: printable, without the characters sbatch's parser treats specially.
Status CheckSbatchValue(std::string_view what, std::string_view value) {
  FEDCARBON_RETURN_IF_ERROR(CheckValue(what, value));
  if (value.find_first_of("\"\\") != std::string_view::npos)
    return Status::InvalidArgument(std::string(what) + " contains a double quote or backslash: \"" +
                                   std::string(value) + "\"");
  return Status::OK();
}

std::string SbatchLine(std::string_view option, std::string_view value) {
  const bool blank = value.find_first_of(" \t") != std::string_view::npos;
  return "#SBATCH --" + std::string(option) + "=" + (blank ? "\"" : "") + std::string(value) +
         (blank ? "\"" : "") + "\n";
}

// The header lines both scripts share. `output` is the --output pattern's file name.
Result<std::string> Header(const SlurmOptions& o, const std::string& out_dir,
                           const std::string& output) {
  if (o.cpus_per_task < 1) return Status::InvalidArgument("cpus_per_task must be >= 1");
  FEDCARBON_RETURN_IF_ERROR(CheckSbatchValue("job_name", o.job_name));
  FEDCARBON_RETURN_IF_ERROR(CheckSbatchValue("time", o.time));
  if (!o.partition.empty()) FEDCARBON_RETURN_IF_ERROR(CheckSbatchValue("partition", o.partition));
  const std::string& log_dir = o.log_dir.empty() ? out_dir : o.log_dir;
  FEDCARBON_RETURN_IF_ERROR(CheckSbatchValue(o.log_dir.empty() ? "out_dir" : "log_dir", log_dir));
  std::string h = "#!/bin/bash\n";
  h += SbatchLine("job-name", o.job_name);
  if (!o.partition.empty()) h += SbatchLine("partition", o.partition);
  h += SbatchLine("time", o.time);
  h += SbatchLine("cpus-per-task", std::to_string(o.cpus_per_task));
  h += SbatchLine("output", log_dir + "/" + output);
  return h;
}

}  // namespace

Result<std::string> SweepSbatch(const std::string& fedcarbon_exe, const std::string& sweep_file,
                                const std::string& out_dir,
                                const std::vector<std::string>& point_ids,
                                const SlurmOptions& options) {
  if (point_ids.empty())
    return Status::InvalidArgument("no points to run: the job array would be empty");
  if (options.throttle < 0) return Status::InvalidArgument("throttle must be >= 0");
  FEDCARBON_RETURN_IF_ERROR(CheckValue("fedcarbon executable", fedcarbon_exe));
  FEDCARBON_RETURN_IF_ERROR(CheckValue("sweep file", sweep_file));
  FEDCARBON_RETURN_IF_ERROR(CheckValue("output folder", out_dir));
  for (size_t i = 0; i < point_ids.size(); ++i)
    FEDCARBON_RETURN_IF_ERROR(CheckValue("point id " + std::to_string(i), point_ids[i]));
  auto header = Header(options, out_dir, "slurm-%A_%a.out");
  if (!header.ok()) return header.status();

  std::string array = "0-" + std::to_string(point_ids.size() - 1);
  if (options.throttle > 0) array += "%" + std::to_string(options.throttle);
  std::string s = *header;
  s += SbatchLine("array", array);
  s += "# fedcarbon sweep: one array task per point; task i runs point ${points[i]}.\n";
  s += "set -euo pipefail\n\n";
  s += "points=(\n";
  for (const std::string& id : point_ids) s += "  " + ShellQuote(id) + "\n";
  s += ")\n";
  s += "task=${SLURM_ARRAY_TASK_ID:?submit this script with sbatch: it is a job array}\n";
  s += "if (( task < 0 || task >= ${#points[@]} )); then\n";
  s += "  echo \"array task $task: no such point (0..$(( ${#points[@]} - 1 )))\" >&2\n";
  s += "  exit 2\n";
  s += "fi\n";
  s += "echo \"fedcarbon sweep: array task $task, point ${points[task]}, on $(hostname)\"\n";
  s += "exec " + ShellQuote(fedcarbon_exe) + " sweep " + ShellQuote(sweep_file) + " --out " +
       ShellQuote(out_dir) + " --point \"${points[task]}\"\n";
  return s;
}

Result<std::string> RunSbatch(const RunSlurmSpec& spec, const SlurmOptions& options) {
  if (spec.workers < 1) return Status::InvalidArgument("workers must be >= 1");
  if (spec.port < 1 || spec.port > 65535)
    return Status::InvalidArgument("port must be in 1..65535, got " + std::to_string(spec.port));
  if (spec.capacity < 0) return Status::InvalidArgument("capacity must be >= 0");
  if (spec.threads < 1) return Status::InvalidArgument("threads must be >= 1");
  FEDCARBON_RETURN_IF_ERROR(CheckValue("bin_dir", spec.bin_dir));
  FEDCARBON_RETURN_IF_ERROR(CheckValue("config_path", spec.config_path));
  FEDCARBON_RETURN_IF_ERROR(CheckValue("out_dir", spec.out_dir));
  if (spec.curve) FEDCARBON_RETURN_IF_ERROR(CheckValue("curve_dir", spec.curve_dir));
  auto header = Header(options, spec.out_dir, "slurm-%j.out");
  if (!header.ok()) return header.status();

  std::string s = *header;
  s += SbatchLine("ntasks", std::to_string(1 + spec.workers));
  s += "# fedcarbon run: task 0 runs the coordinator (fedcarbon-server) on the first node, tasks\n";
  s += "# 1.." + std::to_string(spec.workers) +
       " run fedcarbon-client workers that connect to it. Environment:\n";
  s += "#   FEDCARBON_COORDINATOR_HOST  the address workers connect to (default: the NodeAddr of\n";
  s += "#                               the job's first node, else its host name)\n";
  s += "#   FEDCARBON_COORDINATOR_BIND  the address the coordinator binds (default *: all)\n";
  s += "set -euo pipefail\n\n";
  s += "export FC_BIN=" + ShellQuote(spec.bin_dir) + "\n";
  s += "export FC_CONFIG=" + ShellQuote(spec.config_path) + "\n";
  s += "export FC_OUT=" + ShellQuote(spec.out_dir) + "\n";
  s += "export FC_PORT=" + std::to_string(spec.port) + "\n";
  if (spec.curve) s += "export FC_CURVE=" + ShellQuote(spec.curve_dir) + "\n";
  s += "mkdir -p \"$FC_OUT\"\n\n";
  s += "first=$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)\n";
  s += "host=${FEDCARBON_COORDINATOR_HOST:-}\n";
  s += "if [ -z \"$host\" ]; then\n";
  s += "  host=$(scontrol show node \"$first\" 2>/dev/null"
       " | sed -n 's/.*NodeAddr=\\([^ ]*\\).*/\\1/p' | head -n 1) || true\n";
  s += "fi\n";
  s += "export FC_HOST=${host:-$first}\n";
  s += "export FC_BIND=${FEDCARBON_COORDINATOR_BIND:-*}\n";
  s += "echo \"fedcarbon run: coordinator on $first, workers connect to "
       "tcp://$FC_HOST:$FC_PORT\"\n\n";

  // What each task runs; srun passes it to every node, so no file has to be shared but FC_OUT.
  // One option group per line: "exec CMD \\\n    --opt V \\\n    ... >LOG 2>&1".
  const std::string next = " \\\n    ";
  std::string server = "exec \"$FC_BIN/fedcarbon-server\" \"$FC_CONFIG\" --out \"$FC_OUT\"";
  server += next + "--bind \"tcp://$FC_BIND:$FC_PORT\"";
  if (spec.curve) {
    server += next + "--curve-key \"$FC_CURVE/" + kCurveServerPrefix +
              ".key\" --curve-allow \"$FC_CURVE/" + kCurveAllowFile + "\"";
  }
  std::string client = "exec \"$FC_BIN/fedcarbon-client\" --connect \"tcp://$FC_HOST:$FC_PORT\"";
  client += next;
  if (spec.capacity > 0) client += "--capacity " + std::to_string(spec.capacity) + " ";
  client += "--threads " + std::to_string(spec.threads);
  client += " --hello-timeout " + std::to_string(kWorkerHelloTimeoutS);
  if (spec.curve) {
    client += next + "--curve-server-key \"$FC_CURVE/" + kCurveServerPrefix +
              ".pub\" --curve-key \"$FC_CURVE/" + kCurveWorkerPrefix + ".key\"";
  }
  s += "read -r -d '' task <<'TASK' || true\n";
  s += "if [ \"$SLURM_PROCID\" = 0 ]; then\n";
  s += "  " + server + next + ">\"$FC_OUT/coordinator.log\" 2>&1\n";
  s += "else\n";
  s += "  " + client + next + ">\"$FC_OUT/worker-$(( SLURM_PROCID - 1 )).log\" 2>&1\n";
  s += "fi\n";
  s += "TASK\n";
  s += "status=0\n";
  s += "srun --ntasks=" + std::to_string(1 + spec.workers) +
       " --distribution=block bash -c \"$task\" || status=$?\n";
  s += "tail -n 3 \"$FC_OUT/coordinator.log\" || true\n";
  s += "exit \"$status\"\n";
  return s;
}

Status WriteSbatch(const std::string& path, const std::string& script) {
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(path, script));
  if (chmod(path.c_str(), 0755) != 0) return Status::IOError(path + ": cannot make it executable");
  return Status::OK();
}

}  // namespace fedcarbon::experiment
