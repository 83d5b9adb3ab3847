// Dirichlet label skew, as Flower's DirichletPartitioner (without self-balancing): for every
// class, client proportions ~ Dir(alpha) split the class's shuffled indices; the whole draw is
// repeated (bounded) until every client holds at least min_partition_size samples.
#include <algorithm>
#include <cmath>
#include <string>

#include "partition_internal.h"

namespace fedcarbon::data::internal {

namespace {

constexpr int kMaxTries = 10;

// One draw of Dir(alpha) over k components. Tiny alphas can underflow every gamma sample to 0;
// the limit of Dir(alpha -> 0) is all mass on one uniformly chosen component, used then.
std::vector<double> SampleDirichlet(double alpha, int k, Rng& rng) {
  std::gamma_distribution<double> gamma(alpha, 1.0);
  std::vector<double> p(k);
  double sum = 0.0;
  for (double& x : p) sum += (x = gamma(rng));
  if (!(sum > 0.0) || !std::isfinite(sum)) {
    std::fill(p.begin(), p.end(), 0.0);
    p[std::uniform_int_distribution<int>(0, k - 1)(rng)] = 1.0;
    return p;
  }
  for (double& x : p) x /= sum;
  return p;
}

}  // namespace

Result<Partition> Dirichlet(std::span<const uint8_t> labels, int num_clients,
                            const config::PartitionConfig& cfg, Rng& rng) {
  if (!(cfg.alpha > 0.0) || !std::isfinite(cfg.alpha)) {
    return Status::InvalidArgument("partition.alpha must be > 0");
  }
  // min_partition_size x num_clients <= samples: CheckPartitionFeasible (MakePartition).
  int64_t smallest = 0;
  for (int attempt = 0; attempt < kMaxTries; ++attempt) {
    Partition p(num_clients);
    for (const std::vector<int64_t>& cls : ShuffledByClass(labels, rng)) {
      if (cls.empty()) continue;
      const std::vector<double> share = SampleDirichlet(cfg.alpha, num_clients, rng);
      const int64_t m = static_cast<int64_t>(cls.size());
      double cum = 0.0;
      int64_t begin = 0;
      for (int c = 0; c < num_clients; ++c) {
        cum += share[c];
        const int64_t end =
            c + 1 == num_clients
                ? m
                : std::clamp(static_cast<int64_t>(cum * static_cast<double>(m)), begin, m);
        p[c].insert(p[c].end(), cls.begin() + begin, cls.begin() + end);
        begin = end;
      }
    }
    smallest =
        static_cast<int64_t>(std::min_element(p.begin(), p.end(), [](const auto& a, const auto& b) {
                               return a.size() < b.size();
                             })->size());
    if (smallest >= cfg.min_partition_size) return p;
  }
  return Status::InvalidArgument(
      "partition.min_partition_size: after " + std::to_string(kMaxTries) +
      " draws some client still held fewer than " + std::to_string(cfg.min_partition_size) +
      " samples (last draw's smallest: " + std::to_string(smallest) +
      "); lower partition.min_partition_size or raise partition.alpha");
}

}  // namespace fedcarbon::data::internal
