// Progress of long runs, sweeps and reproductions: one status line that redraws itself on a
// terminal, plain log lines when the output is a file or a pipe.
//
//   point 3/8 alpha=0.1 seed=1 | round 4/30 | acc 0.8123 | 1.23 gCO2e | 00:42 elapsed | ETA 03:10
//   centralized-cnn | epoch 2/30 | step 6000 | acc 0.8512 | 03:12 elapsed
//
// Thread safety: FormatProgress, FormatDuration and EstimateEta are pure. A ProgressLine or a
// RunFollower is used from one thread at a time; a ProgressLine it does not own `out` (the caller
// keeps it open for its lifetime).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>
#include <vector>

namespace fedcarbon::experiment {

struct ProgressState {
  static constexpr double kNone = std::numeric_limits<double>::quiet_NaN();
  std::string label;        // "alpha=0.1 seed=1" or the run's name; "" shows nothing
  int point = 0;            // sweep: point `point` of `points` (1-based)
  int points = 0;           // 0: not a sweep (no "point i/N")
  int round = 0;            // FL round done (centralized: the epoch in progress); 0: none yet
  int rounds = 0;           // the round limit; 0: unknown ("round 4")
  double accuracy = kNone;  // latest test accuracy; NaN: none yet (not shown)
  double gco2e = kNone;     // grams CO2e so far; NaN: not known (not shown)
  double elapsed_s = 0.0;   // since the start of the whole job
  double eta_s = kNone;     // seconds left; NaN: unknown (not shown)

  // What round and rounds count: "round" (FL) or "epoch" (centralized).
  std::string unit = "round";
  int64_t steps = 0;  // optimizer steps done (centralized); 0: not shown
};

// "MM:SS" below an hour, "H:MM:SS" from an hour on; negative or NaN -> "--:--".
std::string FormatDuration(double seconds);

// Grams CO2e as shown on the line: "0.00421 gCO2e", "1.23 gCO2e", "123 gCO2e", "4.57 kgCO2e".
std::string FormatGrams(double grams);

// The status line: the parts that are known, separated by " | ".
std::string FormatProgress(const ProgressState& s);

// Seconds left, assuming the remaining work goes at the pace of the work done:
// elapsed_s * (total_units - done_units) / done_units. NaN when nothing is done yet (done_units
// <= 0) or total_units <= 0; 0 when done_units >= total_units.
double EstimateEta(double elapsed_s, double done_units, double total_units);

// The round (FL) or evaluation (centralized) at which a run is projected to reach `target`, from
// its accuracy history ((round, accuracy) pairs in order): the error 1 - accuracy is fitted as a
// power law of the round, err = a * round^-b, by least squares in log-log over the last `window`
// points. The projection is rounded up and clamped to [last round + 1, limit]. When the last
// accuracy already reaches the target: the last round. With fewer than 2 points, or an error that
// does not fall (b <= 0): `limit`. Pure; an estimate for an ETA, never a result.
int ProjectRoundsToTarget(const std::vector<std::pair<int, double>>& history, double target,
                          int limit, int window = 6);

// The pace of one job running side by side with others: seconds since it started and the share of
// its work done (0..1).
struct JobPace {
  double elapsed_s = 0;
  double done = 0;
};
// Seconds left for jobs that run side by side, `parallel` at a time, with `waiting` more to start:
// the slowest running job's own pace (EstimateEta(elapsed, done, 1)), plus the waiting jobs at
// `mean_job_s` each, `parallel` at a time. NaN when a running job has done nothing yet, or when
// jobs wait and mean_job_s is not known (NaN).
double EstimateJobsEta(const std::vector<JobPace>& running, int waiting, double mean_job_s,
                       int parallel);

struct ProgressLineOptions {
  double min_redraw_s = 0.1;  // interactive: redraws of the same round/point at most this often
};

// Writes progress to `out`.
//   interactive (a terminal): one line redrawn in place ('\r' + text + "\x1b[K"); a change of
//     round or point is drawn at once, other changes at most every min_redraw_s, an unchanged
//     text not again.
//   plain (file, pipe): one line per Update whose round or point changed; nothing else.
class ProgressLine {
 public:
  ProgressLine(std::FILE* out, bool interactive, ProgressLineOptions options = {});
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // isatty(fileno(out)), and TERM is not "dumb".
  static bool IsTerminal(std::FILE* out);

  void Update(const ProgressState& s);
  // A normal line (no trailing newline needed): clears the status line, prints `line`, redraws.
  void Log(const std::string& line);
  // Ends the status line with a newline (interactive, when one is shown; draws a pending update
  // first). Idempotent; the next Update starts a new line.
  void Finish();

  bool interactive() const { return interactive_; }

 private:
  void Draw();

  std::FILE* out_;
  bool interactive_;
  ProgressLineOptions options_;
  ProgressState last_;  // the latest state given to Update
  bool have_state_ = false;
  bool shown_ = false;    // interactive: a status line is on screen
  bool pending_ = false;  // interactive: last_ is newer than what is on screen
  int drawn_round_ = -1, drawn_point_ = -1;
  std::string drawn_text_;  // interactive: the text on screen
  std::chrono::steady_clock::time_point drawn_at_{};
};

// Follows a run folder while its coordinator writes it: RUN_DIR/rounds.csv (by column name:
// "round", "accuracy") and RUN_DIR/ledger.csv (the sum of emissions_kg); for a centralized run,
// RUN_DIR/curve.csv (rewritten after every evaluation): round() is then the number of
// evaluations and accuracy() the latest test_accuracy. Each Poll reads only
// what was appended since the last one, and only complete lines; files that do not exist yet, and
// lines that do not parse, are skipped. A file that shrank (rewritten) is read again from the
// start.
class RunFollower {
 public:
  explicit RunFollower(const std::string& run_dir);

  void Poll();

  int round() const { return round_; }  // latest round in rounds.csv; 0: none yet
  // (round, accuracy) of every round with an accuracy, in order (for ProjectRoundsToTarget).
  const std::vector<std::pair<int, double>>& history() const { return history_; }
  double accuracy() const { return accuracy_; }  // latest non-empty accuracy; NaN: none yet
  double gco2e() const { return gco2e_; }        // grams so far; NaN: no ledger row yet

 private:
  struct Tail {
    std::string path;
    uint64_t offset = 0;  // bytes consumed (complete lines)
    std::string header;   // the file's first line, once read
  };
  // The complete lines appended to `tail` since the last call (the header excluded).
  // *restarted (when given) is set when the file shrank and is read again from the start.
  static std::vector<std::string> NewLines(Tail& tail, bool* restarted = nullptr);

  Tail rounds_, ledger_, curve_;
  int round_ = 0;
  std::vector<std::pair<int, double>> history_;
  double accuracy_ = ProgressState::kNone;
  double gco2e_ = ProgressState::kNone;
};

}  // namespace fedcarbon::experiment
