// Projections behind the ETA of side-by-side jobs (see include/fedcarbon/experiment/progress.h).
#include <algorithm>
#include <cmath>

#include "fedcarbon/experiment/progress.h"

namespace fedcarbon::experiment {

int ProjectRoundsToTarget(const std::vector<std::pair<int, double>>& history, double target,
                          int limit, int window) {
  if (history.empty()) return limit;
  const int last = history.back().first;
  if (history.back().second >= target) return last;
  // Least squares of log(err) = log(a) - b log(round) over the last `window` usable points.
  double n = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  const size_t from = history.size() > static_cast<size_t>(std::max(2, window))
                          ? history.size() - static_cast<size_t>(std::max(2, window))
                          : 0;
  for (size_t i = from; i < history.size(); ++i) {
    const auto [round, accuracy] = history[i];
    if (round < 1 || !(accuracy < 1.0)) continue;
    const double x = std::log(static_cast<double>(round)), y = std::log(1.0 - accuracy);
    n += 1;
    sx += x;
    sy += y;
    sxx += x * x;
    sxy += x * y;
  }
  const double den = n * sxx - sx * sx;
  if (n < 2 || !(den > 0)) return limit;
  const double slope = (n * sxy - sx * sy) / den;  // = -b
  if (!(slope < 0)) return limit;
  const double intercept = (sy - slope * sx) / n;
  // err(round) = 1 - target  <=>  log(round) = (log(1 - target) - intercept) / slope
  const double at = std::exp((std::log(1.0 - target) - intercept) / slope);
  if (!std::isfinite(at) || at >= limit) return limit;
  return std::clamp(static_cast<int>(std::ceil(at)), std::min(last + 1, limit), limit);
}

double EstimateJobsEta(const std::vector<JobPace>& running, int waiting, double mean_job_s,
                       int parallel) {
  double left = 0;
  for (const JobPace& j : running) {
    const double eta = EstimateEta(j.elapsed_s, j.done, 1.0);
    if (std::isnan(eta)) return ProgressState::kNone;
    left = std::max(left, eta);
  }
  if (waiting > 0) {
    if (!(mean_job_s >= 0)) return ProgressState::kNone;
    left += mean_job_s * std::ceil(static_cast<double>(waiting) / std::max(1, parallel));
  }
  return left;
}

}  // namespace fedcarbon::experiment
