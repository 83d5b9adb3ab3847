// Table 4 over several seeds: medians and ranges (see CombineSeeds in reproduce.h).
#include <algorithm>

#include <spdlog/fmt/fmt.h>

#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The median of field `get` over the seeds' tables.
template <typename Get>
double MedianOf(const std::vector<Table4>& t, Get get) {
  std::vector<double> v;
  for (const Table4& x : t) v.push_back(get(x));
  return Median(std::move(v));
}

}  // namespace

Result<Table4> CombineSeeds(const std::vector<Table4>& per_seed) {
  if (per_seed.empty()) return Status::InvalidArgument("CombineSeeds: no table");
  const Table4& first = per_seed.front();
  for (const Table4& t : per_seed) {
    bool same = t.columns == first.columns && t.rows.size() == first.rows.size() &&
                t.breakdown.size() == first.breakdown.size() &&
                t.embodied_g.size() == first.embodied_g.size();
    for (size_t r = 0; same && r < t.rows.size(); ++r) {
      same = t.rows[r].country == first.rows[r].country &&
             t.rows[r].grams.size() == first.rows[r].grams.size();
    }
    for (size_t b = 0; same && b < t.breakdown.size(); ++b) {
      same = t.breakdown[b].run == first.breakdown[b].run &&
             t.breakdown[b].country == first.breakdown[b].country;
    }
    if (!same) return Status::InvalidArgument("CombineSeeds: the seeds' tables differ in shape");
  }
  Table4 out = first;
  out.runs.clear();
  out.seeds.clear();
  out.ranges.assign(first.rows.size(), {});
  for (size_t r = 0; r < first.rows.size(); ++r) {
    for (size_t c = 0; c < first.columns.size(); ++c) {
      std::vector<double> v;
      for (const Table4& t : per_seed) v.push_back(t.rows[r].grams[c]);
      out.rows[r].grams[c] = Median(v);
      out.ranges[r].low.push_back(*std::min_element(v.begin(), v.end()));
      out.ranges[r].high.push_back(*std::max_element(v.begin(), v.end()));
    }
  }
  for (size_t c = 0; c < first.embodied_g.size(); ++c) {
    out.embodied_g[c] = MedianOf(per_seed, [c](const Table4& t) { return t.embodied_g[c]; });
  }
  for (size_t b = 0; b < first.breakdown.size(); ++b) {
    Table4::Breakdown& o = out.breakdown[b];
    o.compute_g = MedianOf(per_seed, [b](const Table4& t) { return t.breakdown[b].compute_g; });
    o.comm_g = MedianOf(per_seed, [b](const Table4& t) { return t.breakdown[b].comm_g; });
    o.coordinator_g =
        MedianOf(per_seed, [b](const Table4& t) { return t.breakdown[b].coordinator_g; });
    o.comm_share = MedianOf(per_seed, [b](const Table4& t) { return t.breakdown[b].comm_share; });
  }
  for (const Table4& t : per_seed) {
    out.runs.insert(out.runs.end(), t.runs.begin(), t.runs.end());
    out.seeds.insert(out.seeds.end(), t.seeds.begin(), t.seeds.end());
  }
  return out;
}

std::vector<RoundsSpread> SpreadOfRounds(const Table4& table) {
  std::vector<RoundsSpread> out;
  for (const Table4::RunInfo& r : table.runs) {
    if (std::none_of(out.begin(), out.end(),
                     [&](const RoundsSpread& s) { return s.name == r.name; }))
      out.push_back({r.name});
  }
  for (RoundsSpread& s : out) {
    std::vector<double> v;
    for (const Table4::RunInfo& r : table.runs) {
      if (r.name != s.name) continue;
      v.push_back(r.rounds_or_epochs);
      s.reached += r.reached_target ? 1 : 0;
    }
    s.seeds = static_cast<int>(v.size());
    s.median = Median(v);
    s.low = static_cast<int>(*std::min_element(v.begin(), v.end()));
    s.high = static_cast<int>(*std::max_element(v.begin(), v.end()));
  }
  return out;
}

}  // namespace fedcarbon::experiment
