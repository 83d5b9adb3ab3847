// Reading a reproduction folder for `fedcarbon uncertainty` (see uncertainty.h): its spec, the
// recorded ledgers of every seed, and the catalog's parameters to draw.
#include <spdlog/fmt/fmt.h>

#include <algorithm>
#include <filesystem>

#include "fedcarbon/experiment/uncertainty.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRuns[3] = {"centralized", "fl_iid", "fl_noniid"};

// The seeds S of DIR/<name>-seed<S> holding a ledger, ascending.
std::vector<uint64_t> OtherSeeds(const std::string& dir, const std::string& name) {
  std::vector<uint64_t> out;
  std::error_code ec;
  const std::string prefix = name + "-seed";
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string f = e.path().filename().string();
    if (f.rfind(prefix, 0) != 0 || f.size() == prefix.size()) continue;
    const std::string s = f.substr(prefix.size());
    if (!std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) continue;
    if (s.size() > 19 || !fs::exists(e.path() / "ledger.csv", ec)) continue;
    out.push_back(std::stoull(s));
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<RecordedReproduction> ReadRecordedReproduction(const std::string& dir,
                                                      const std::string& spec_path,
                                                      const energy::Catalog& catalog) {
  std::error_code ec;
  if (!fs::exists(dir + "/centralized/ledger.csv", ec)) {
    return Status::InvalidArgument(dir + ": not a reproduction folder (no centralized/ledger.csv)");
  }
  std::string path = dir + "/" + kReproduceSpecFile;
  if (!fs::exists(path, ec)) path = spec_path;
  if (path.empty()) {
    return Status::InvalidArgument(dir + " has no " + kReproduceSpecFile +
                                   " (made before it was saved): pass --spec with the reproduce "
                                   "file it was made with, e.g. experiments/table4.json");
  }
  Result<ReproduceSpec> spec = LoadReproduceSpec(path, catalog);
  if (!spec.ok()) return spec.status();
  if (spec->centralized.empty() || spec->countries.empty()) {
    return Status::InvalidArgument(path + ": needs a centralized setting and a country");
  }
  RecordedReproduction rec;
  rec.spec = *spec;
  std::vector<uint64_t> others[3];
  for (int i = 0; i < 3; ++i) others[i] = OtherSeeds(dir, kRuns[i]);
  if (others[1].size() != others[0].size() || others[2].size() != others[0].size()) {
    return Status::InvalidArgument(fmt::format(
        "{}: the seeds' run folders do not pair up ({} centralized-seed*, {} fl_iid-seed*, {} "
        "fl_noniid-seed*)",
        dir, others[0].size(), others[1].size(), others[2].size()));
  }
  for (size_t k = 0; k <= others[0].size(); ++k) {
    RecordedReproduction::Seed s;
    s.label = k == 0 ? "" : fmt::format("seed{}", others[1][k - 1]);
    std::vector<energy::LedgerRow>* to[3] = {&s.centralized, &s.fl_iid, &s.fl_noniid};
    for (int i = 0; i < 3; ++i) {
      const std::string run = k == 0 ? dir + "/" + kRuns[i]
                                     : fmt::format("{}/{}-seed{}", dir, kRuns[i], others[i][k - 1]);
      Result<std::vector<energy::LedgerRow>> rows = energy::ReadLedger(run + "/ledger.csv");
      if (!rows.ok()) return rows.status();
      *to[i] = std::move(rows).value();
    }
    rec.seeds.push_back(std::move(s));
  }
  return rec;
}

std::vector<McParameter> CatalogParameters(const energy::Catalog& catalog,
                                           std::vector<std::string>* fixed) {
  std::vector<McParameter> out;
  for (const energy::RangedValue& r : catalog.ranged()) {
    if (r.lo == r.hi) {
      if (fixed) fixed->push_back(r.name);
      continue;
    }
    McParameter p;
    p.name = r.name;
    p.unit = r.unit;
    p.lo = std::min(r.lo, r.hi);
    p.hi = std::max(r.lo, r.hi);
    p.base = r.value;
    p.distribution = r.distribution == "log-uniform" && p.lo > 0 ? Distribution::kLogUniform
                                                                 : Distribution::kUniform;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace fedcarbon::experiment
