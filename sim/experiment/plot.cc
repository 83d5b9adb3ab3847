// gnuplot as a child process, and the files of one plot (see plot.h).
#include "fedcarbon/experiment/plot.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/fmt/fmt.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <thread>

#include "fedcarbon/common/file.h"

extern char** environ;

namespace fedcarbon::experiment {
namespace {

using Clock = std::chrono::steady_clock;
constexpr size_t kMaxStderr = 4096;

// Closes a file descriptor when it goes out of scope.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// Owns posix_spawn_file_actions_t.
struct FileActions {
  posix_spawn_file_actions_t a;
  FileActions() { posix_spawn_file_actions_init(&a); }
  ~FileActions() { posix_spawn_file_actions_destroy(&a); }
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
};

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
  return s;
}

bool ValidName(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '.' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// Runs argv in dir; returns the exit status, stderr in *err. Never leaves the child behind.
Status Spawn(const std::vector<std::string>& args, const std::string& dir, double timeout_s,
             std::string* err) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) return Status::Error(std::string("pipe: ") + strerror(errno));
  Fd rd{p[0]}, wr{p[1]};
  FileActions fa;
  posix_spawn_file_actions_addopen(&fa.a, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa.a, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&fa.a, wr.fd, 2);
  if (!dir.empty()) posix_spawn_file_actions_addchdir_np(&fa.a, dir.c_str());
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0], &fa.a, nullptr, argv.data(), environ);
  if (rc != 0) return Status::Error("cannot run '" + args[0] + "': " + strerror(rc));
  ::close(wr.fd);
  wr.fd = -1;

  const Clock::time_point deadline =
      Clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  bool killed = false;
  char buf[1024];
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) {
      ::kill(pid, SIGKILL);
      killed = true;
      break;
    }
    pollfd pfd{rd.fd, POLLIN, 0};
    const int n = ::poll(&pfd, 1, static_cast<int>(std::min<int64_t>(left, 200)));
    if (n < 0 && errno != EINTR) break;
    if (n <= 0) continue;
    const ssize_t got = ::read(rd.fd, buf, sizeof(buf));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // EOF: the child closed stderr (exited)
    if (err->size() < kMaxStderr) {
      err->append(buf, std::min(static_cast<size_t>(got), kMaxStderr - err->size()));
    }
  }
  int status = 0;
  for (;;) {
    const pid_t r = ::waitpid(pid, &status, killed ? 0 : WNOHANG);
    if (r == pid) break;
    if (r < 0 && errno != EINTR) return Status::Error(std::string("waitpid: ") + strerror(errno));
    if (!killed && Clock::now() >= deadline) {
      ::kill(pid, SIGKILL);
      killed = true;
      continue;
    }
    if (r == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (killed) {
    return Status::Error(fmt::format("'{}' timed out after {} s", args[0], timeout_s));
  }
  if (WIFSIGNALED(status)) {
    return Status::Error(fmt::format("'{}' killed by signal {}", args[0], WTERMSIG(status)));
  }
  if (WEXITSTATUS(status) != 0) {
    return Status::Error(fmt::format("'{}' exited with status {}", args[0], WEXITSTATUS(status)));
  }
  return Status::OK();
}

}  // namespace

bool GnuplotAvailable(const PlotOptions& options) {
  std::string err;
  return Spawn({options.gnuplot, "--version"}, "", std::min(options.timeout_s, 10.0), &err).ok();
}

std::string GnuplotMissingWarning(const PlotOptions& options) {
  return "gnuplot not found ('" + options.gnuplot +
         "'): wrote the plots' .dat and .gp files but no PNG/SVG; install gnuplot-nox "
         "(scripts/install-deps) and run `gnuplot NAME.gp` beside them";
}

std::string GnuplotQuote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string DatString(const std::string& text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') {
      out += '\'';
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string DatNumber(double v) {
  if (!std::isfinite(v)) return "NaN";
  return fmt::format("{:.9g}", v);
}

std::string GnuplotScript(const PlotSpec& spec) {
  const std::string font = "font 'Sans,11'";
  std::string s = fmt::format(
      "# {0}.gp, written by fedcarbon. Reads {0}.dat; to restyle, edit this file and run\n"
      "#   gnuplot {0}.gp\n"
      "# in this folder: it redraws {0}.png and {0}.svg.\n"
      "set terminal pngcairo size {1},{2} noenhanced {3}\n"
      "set output {4}\n",
      spec.name, spec.width, spec.height, font, GnuplotQuote(spec.name + ".png"));
  s += spec.commands;
  if (!s.empty() && s.back() != '\n') s += '\n';
  s += fmt::format(
      "set terminal svg size {0},{1} noenhanced {2} background '#ffffff'\n"
      "set output {3}\n"
      "replot\n"
      "unset output\n",
      spec.width, spec.height, font, GnuplotQuote(spec.name + ".svg"));
  return s;
}

Status RunGnuplot(const PlotOptions& options, const std::string& dir, const std::string& script) {
  std::string err;
  Status st = Spawn({options.gnuplot, script}, dir, options.timeout_s, &err);
  if (st.ok()) return st;
  err = Trim(err);
  return Status::Error(dir + "/" + script + ": " + st.message() + (err.empty() ? "" : ": " + err));
}

Status WritePlot(const std::string& dir, const PlotSpec& spec, const PlotOptions& options,
                 bool render, PlotReport* report) {
  if (!ValidName(spec.name)) return Status::Error("plot name '" + spec.name + "': not a file stem");
  if (spec.width < 200 || spec.height < 200) {
    return Status::Error(
        fmt::format("plot {}: size {}x{} below 200x200", spec.name, spec.width, spec.height));
  }
  const std::string base = dir + "/" + spec.name;
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(base + ".dat", spec.data));
  report->files.push_back(base + ".dat");
  FEDCARBON_RETURN_IF_ERROR(WriteFileAtomic(base + ".gp", GnuplotScript(spec)));
  report->files.push_back(base + ".gp");
  if (!render) return Status::OK();
  FEDCARBON_RETURN_IF_ERROR(RunGnuplot(options, dir, spec.name + ".gp"));
  report->files.push_back(base + ".png");
  report->files.push_back(base + ".svg");
  return Status::OK();
}

}  // namespace fedcarbon::experiment
