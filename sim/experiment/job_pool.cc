// Jobs side by side (see include/fedcarbon/experiment/job_pool.h).
#include "fedcarbon/experiment/job_pool.h"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <thread>

#include <spdlog/fmt/fmt.h>

#include "fedcarbon/experiment/process.h"
#include "fedcarbon/experiment/progress.h"

namespace fedcarbon::experiment {
namespace {

using Clock = std::chrono::steady_clock;

double Since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

struct Running {
  size_t index = 0;
  Child child;
  Clock::time_point started;
  RunFollower follower;
};

// Share of a running job's work done: rounds done over the rounds it is projected to need; 0
// (the ETA unknown) until it has two accuracies to project from.
double Done(const Job& job, const RunFollower& f) {
  if (f.round() <= 0 || (job.target > 0 && f.history().size() < 2)) return 0.0;
  const int need =
      job.target > 0 ? ProjectRoundsToTarget(f.history(), job.target, job.limit) : job.limit;
  return std::min(1.0, static_cast<double>(f.round()) / std::max(1, need));
}

// Progress is read from the run folders once a second: the files change once a round.
constexpr auto kFollowEvery = std::chrono::seconds(1);
constexpr auto kPollEvery = std::chrono::milliseconds(200);

}  // namespace

Result<JobPoolOutcome> RunJobs(const std::vector<Job>& jobs, const JobPoolOptions& options) {
  const int parallel = std::max(1, options.parallel);
  JobPoolOutcome outcome;
  outcome.ends.resize(jobs.size());
  StopSignalGuard signals;
  ProgressLine line(stderr, ProgressLine::IsTerminal(stderr));
  if (options.show_progress && !options.title.empty()) line.Log(options.title);
  const auto t0 = Clock::now();
  std::vector<Running> running;
  size_t next = 0, finished = 0;
  double finished_s = 0;  // wall seconds of the jobs that finished
  auto last_follow = Clock::now() - kFollowEvery;
  auto end_job = [&](Running& r, bool stopped) {
    JobEnd& e = outcome.ends[r.index];
    e.ran = true;
    e.exit_code = r.child.exit_code;
    e.wall_s = Since(r.started);
    e.cpu_s = r.child.cpu_s;
    const std::string msg = options.on_end ? options.on_end(r.index, e, stopped) : "";
    if (options.show_progress && !msg.empty()) line.Log(msg);
  };
  while ((next < jobs.size() || !running.empty()) && signals.signal() == 0) {
    while (next < jobs.size() && static_cast<int>(running.size()) < parallel) {
      const Job& j = jobs[next];
      Result<pid_t> pid = Spawn(j.argv, j.log, 0);
      if (!pid.ok()) {
        for (Running& r : running) {
          std::vector<Child> one = {r.child};
          StopAll(one, r.child.pid, SIGTERM, std::chrono::milliseconds(15000));
        }
        return pid.status().WithContext(j.name);
      }
      running.push_back({next, Child{*pid, j.name, true, -1}, Clock::now(),
                         RunFollower(j.dir.empty() ? "/nonexistent" : j.dir)});
      ++next;
    }
    for (auto it = running.begin(); it != running.end();) {
      Poll(it->child);
      if (it->child.running) {
        ++it;
        continue;
      }
      end_job(*it, false);
      ++finished;
      finished_s += outcome.ends[it->index].wall_s;
      it = running.erase(it);
    }
    if (options.show_progress && !running.empty() && Clock::now() - last_follow >= kFollowEvery) {
      last_follow = Clock::now();
      std::vector<JobPace> paces;
      for (Running& r : running) {
        r.follower.Poll();
        paces.push_back({Since(r.started), Done(jobs[r.index], r.follower)});
      }
      // The line follows the job that is furthest from its end.
      size_t slow = 0;
      for (size_t i = 1; i < running.size(); ++i) {
        if (paces[i].done < paces[slow].done) slow = i;
      }
      const Running& r = running[slow];
      ProgressState st;
      st.label = jobs[r.index].name;
      if (running.size() > 1) st.label += fmt::format(" (+{} running)", running.size() - 1);
      st.point = static_cast<int>(finished) + 1;
      st.points = static_cast<int>(jobs.size());
      st.round = r.follower.round();
      st.rounds = jobs[r.index].limit;
      st.accuracy = r.follower.accuracy();
      st.gco2e = r.follower.gco2e();
      st.elapsed_s = Since(t0);
      double mean = finished > 0 ? finished_s / static_cast<double>(finished) : 0;
      if (finished == 0) {  // no job ended yet: the running ones' projected lengths
        double sum = 0;
        for (const JobPace& p : paces) sum += p.done > 0 ? p.elapsed_s / p.done : NAN;
        mean = sum / static_cast<double>(paces.size());
      }
      st.eta_s = EstimateJobsEta(paces, static_cast<int>(jobs.size() - next), mean, parallel);
      line.Update(st);
    }
    std::this_thread::sleep_for(kPollEvery);
  }
  if (options.show_progress) line.Finish();
  outcome.signal = signals.signal();
  for (Running& r : running) {  // interrupted: each job stops its own children on SIGTERM
    std::vector<Child> one = {r.child};
    StopAll(one, r.child.pid, SIGTERM, std::chrono::milliseconds(15000));
    r.child = one[0];
    end_job(r, true);
  }
  outcome.wall_s = Since(t0);
  return outcome;
}

}  // namespace fedcarbon::experiment
