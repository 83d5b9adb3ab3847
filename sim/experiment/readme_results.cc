// The README's result blocks from the committed run folders (readme_results.h).
#include "fedcarbon/experiment/readme_results.h"

#include <spdlog/fmt/fmt.h>

#include <cmath>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/energy/gpu_fit.h"
#include "fedcarbon/experiment/reproduce.h"
#include "fedcarbon/experiment/uncertainty.h"
#include "report_table4.h"

namespace fedcarbon::experiment {
namespace {

using table4::ColumnLabel;
using table4::PaperValue;

const std::vector<energy::PowerMethod> kMethods = {energy::PowerMethod::kFitted,
                                                   energy::PowerMethod::kNameplate};

std::string G(double v) { return fmt::format("{:.3g}", v); }

// A reproduction folder priced under each method: one Table4 per method, seeds combined, with
// each seed's run facts from its summary.json.
struct Priced {
  RecordedReproduction recorded;
  std::vector<Table4> tables;  // kMethods' order
};

Result<Priced> PriceFolder(const std::string& dir, const energy::Catalog& catalog) {
  Priced p;
  Result<RecordedReproduction> rec = ReadRecordedReproduction(dir, "", catalog);
  if (!rec.ok()) return rec.status();
  p.recorded = std::move(rec).value();
  std::vector<Table4::RunInfo> runs;
  for (const RecordedReproduction::Seed& s : p.recorded.seeds) {
    for (const char* name : {"centralized", "fl_iid", "fl_noniid"}) {
      const std::string run = dir + "/" + name + (s.label.empty() ? "" : "-" + s.label);
      Result<Table4::RunInfo> info = ReadRunInfo(name, run);
      if (!info.ok()) return info.status();
      runs.push_back(*info);
    }
  }
  Result<ReproduceConfigs> configs = MakeConfigs(p.recorded.spec, false);
  if (!configs.ok()) return configs.status();
  for (energy::PowerMethod m : kMethods) {
    Result<energy::Catalog> priced = catalog.WithMethod(m);
    if (!priced.ok()) return priced.status();
    std::vector<Table4> per_seed;
    for (const RecordedReproduction::Seed& s : p.recorded.seeds) {
      Result<Table4> t =
          BuildTable4(p.recorded.spec, *priced, s.centralized, s.fl_iid, s.fl_noniid);
      if (!t.ok()) return t.status().WithContext(dir);
      t->seeds = {0};
      per_seed.push_back(std::move(*t));
    }
    Result<Table4> combined = CombineSeeds(per_seed);
    if (!combined.ok()) return combined.status();
    combined->runs = runs;
    combined->method = energy::PowerMethodName(m);
    combined->target_accuracy = configs->fl_iid.federation.target_accuracy;
    p.tables.push_back(std::move(*combined));
  }
  return p;
}

std::string Header(const Table4& t) {
  std::string out = "| country |";
  for (const std::string& c : t.columns) out += " " + ColumnLabel(c) + " |";
  out += "\n|---|";
  for (size_t i = 0; i < t.columns.size(); ++i) out += "---|";
  return out + "\n";
}

// Median [lowest-highest] over the seeds, the paper's value in parentheses when `paper`.
std::string CellsTable(const Table4& t, bool paper) {
  std::string out = Header(t);
  for (size_t r = 0; r < t.rows.size(); ++r) {
    out += "| " + t.rows[r].country_name + " |";
    for (size_t c = 0; c < t.columns.size(); ++c) {
      out += " " + G(t.rows[r].grams[c]);
      if (t.seeds.size() > 1) {
        out += " [" + G(t.ranges[r].low[c]) + "-" + G(t.ranges[r].high[c]) + "]";
      }
      const double p = PaperValue(t.rows[r].country, t.columns[c]);
      if (paper && !std::isnan(p)) out += fmt::format(" ({:.1f})", p);
      out += " |";
    }
    out += "\n";
  }
  return out;
}

std::string RoundsLine(const Table4& t) {
  std::string out;
  for (const RoundsSpread& s : SpreadOfRounds(t)) {
    out += fmt::format("{}{} {:g} [{}-{}] {} ({} of {} reached)", out.empty() ? "" : "; ", s.name,
                       s.median, s.low, s.high, s.name == "centralized" ? "evaluations" : "rounds",
                       s.reached, s.seeds);
  }
  return out;
}

std::string Checks(const Table4& t) {
  std::string out;
  for (const std::string& line : CheckTable4Structure(t)) {
    if (line.rfind("INFO", 0) == 0) continue;
    out += "- " + line + "\n";
  }
  return out;
}

// The fitted table over the one README showed before issue 20.
Result<std::string> MovedFrom(const Table4& fitted, const std::string& path) {
  Result<CsvTable> before = ReadCsv(path);
  if (!before.ok()) return before.status();
  Result<size_t> country = before->Require("country", path);
  if (!country.ok()) return country.status();
  std::string out = Header(fitted);
  for (const Table4::Row& r : fitted.rows) {
    const std::vector<std::string>* old = nullptr;
    for (const auto& row : before->rows())
      if (row[*country] == r.country) old = &row;
    if (!old) return Status::Corruption(path + ": no row for " + r.country);
    out += "| " + r.country_name + " |";
    for (size_t c = 0; c < fitted.columns.size(); ++c) {
      Result<size_t> col = before->Require(fitted.columns[c], path);
      if (!col.ok()) return col.status();
      Result<double> v = ParseDouble((*old)[*col], path);
      if (!v.ok()) return v.status();
      out += fmt::format(" {:.2f}x |", r.grams[c] / *v);
    }
    out += "\n";
  }
  return out;
}

Result<std::string> Table4Block(const Priced& p, const std::string& before_path) {
  const Table4& fitted = p.tables[0];
  std::string out = fmt::format(
      "Seeds {}: each cell the median [lowest-highest] over the seeds, grams CO2e to {:.2f} test "
      "accuracy, the paper's value in parentheses. Rounds (evaluations) to the target, median "
      "[range]: {}.\n\n",
      p.recorded.seeds.size(), fitted.target_accuracy, RoundsLine(fitted));
  for (const Table4& t : p.tables) {
    out += fmt::format("**Power method {}**\n\n", t.method) + CellsTable(t, true);
    if (t.embodied_g.size() == t.columns.size()) {
      out += "| embodied (scope 3), any country |";
      for (double g : t.embodied_g) out += " " + G(g) + " |";
      out += "\n";
    }
    out += "\nChecks on the medians:\n\n" + Checks(t) + "\n";
  }
  const std::string cmp = FormatMethodComparison(p.tables);
  const size_t from = cmp.find("Distance to the paper");
  if (from != std::string::npos) out += cmp.substr(from) + "\n";
  Result<std::string> moved = MovedFrom(fitted, before_path);
  if (!moved.ok()) return moved.status();
  out +=
      "The fitted cells over the 3-seed medians README showed before this model (issue 19's "
      "code and catalog, `results/issue19-table4.csv`):\n\n" +
      *moved;
  return out;
}

Result<std::string> UncertaintyBlock(const Priced& p, const energy::Catalog& catalog,
                                     const ReadmeOptions& o) {
  McOptions mc;
  mc.draws = o.draws;
  mc.seed = o.seed;
  mc.threads = o.threads;
  Result<Table4Uncertainty> u = AnalyseTable4Uncertainty(p.recorded, catalog, kMethods, mc);
  if (!u.ok()) return u.status();
  std::string out = fmt::format(
      "`fedcarbon uncertainty results/table4 --draws {} --seed {}`: {} ranged catalog values "
      "drawn at once ({} with no range are not), and the recorded seed (one of {}); each cell "
      "median [5%-95%] in g CO2e, each conclusion the share of draws where it holds.\n\n",
      o.draws, o.seed, u->parameters.size(), u->fixed.size(), u->seeds);
  for (const Table4Uncertainty::Method& m : u->methods) {
    out += fmt::format("**Power method {}**\n\n", m.method) + Header(m.base);
    size_t k = 0;
    for (const Table4::Row& r : m.base.rows) {
      out += "| " + r.country_name + " |";
      for (size_t c = 0; c < r.grams.size(); ++c, ++k) {
        const RealSummary& s = m.result.reals[k];
        out += fmt::format(" {} [{}-{}] |", G(s.median), G(s.p05), G(s.p95));
      }
      out += "\n";
    }
    out += "\n| conclusion | probability | drivers (first-order Sobol index) |\n|---|---|---|\n";
    for (size_t c = 0; c < m.result.flags.size(); ++c) {
      const FlagSummary& f = m.result.flags[c];
      std::string drivers;
      for (size_t i = 0; i < f.drivers.size() && i < 3; ++i) {
        if (f.drivers[i].first_order < 0.05) break;
        drivers += fmt::format("{}{} {:.2f}", drivers.empty() ? "" : ", ", f.drivers[i].input,
                               f.drivers[i].first_order);
      }
      out += fmt::format("| {} | {:.2f} | {} |\n",
                         c < m.conclusions.size() ? m.conclusions[c].text : f.name, f.probability,
                         drivers.empty() ? "none above 0.05" : drivers);
    }
    out += "\n";
  }
  out.pop_back();
  return out;
}

std::string MlpBlock(const Priced& p) {
  std::string out = fmt::format(
      "Seeds {}; rounds (evaluations) to {:.2f}, median [range]: {}. Grams CO2e, median "
      "[lowest-highest]:\n\n",
      p.recorded.seeds.size(), p.tables[0].target_accuracy, RoundsLine(p.tables[0]));
  for (const Table4& t : p.tables) {
    out += fmt::format("**Power method {}**\n\n", t.method) + CellsTable(t, false) +
           "\nCommunication's share of the FL IID clients' energy:";
    for (const Table4::Breakdown& b : t.breakdown) {
      if (b.run != "fl_iid") continue;
      out += fmt::format("{} {} {:.0f}%", b.country == t.rows.front().country ? "" : ",", b.country,
                         100 * b.comm_share);
    }
    out += ".\n\n";
  }
  out.pop_back();
  return out;
}

Result<std::string> GpuFitBlock(const ReadmeOptions& o) {
  Result<energy::GpuFitReport> r = energy::RunGpuFitFromDir(o.gpu_power_dir, {});
  if (!r.ok()) return r.status();
  const auto ranged = [](const energy::Ranged& v, double scale, const char* format) {
    return fmt::format(fmt::runtime(format), v.value * scale, v.lo * scale, v.hi * scale);
  };
  std::string out = fmt::format(
      "`fedcarbon fit-gpu` ({} bootstrap resamples, seed {}; docs/gpu_fit.md): {} V100 rows at "
      "the 250 W limit fitted, energy per sample off by {:.1f}% (median) and {:.1f}% (worst); "
      "the P100 held out: {:.1f}% (median), {:.1f}% (worst).\n\n"
      "| fitted (V100 PCIe) | value [5%-95%] |\n|---|---|\n",
      r->options.resamples, r->options.seed, r->v100.size(), 100 * r->v100_median,
      100 * r->v100_worst, 100 * r->p100_median, 100 * r->p100_worst);
  out += "| seconds per kernel launch | " +
         ranged(r->seconds_per_kernel, 1e6, "{:.2f} [{:.2f}-{:.2f}] us") + " |\n";
  out += "| board power at u = 0 (P_floor) | " +
         ranged(r->p_floor_w, 1, "{:.1f} [{:.1f}-{:.1f}] W") + " |\n";
  out += "| board power at u = 1 (P_full) | " + ranged(r->p_full_w, 1, "{:.1f} [{:.1f}-{:.1f}] W") +
         " |\n";
  for (size_t i = 0; i < r->fit.networks.size() && i < r->efficiency.size(); ++i) {
    out += "| efficiency, " + r->fit.networks[i] + " | " +
           ranged(r->efficiency[i], 1, "{:.3f} [{:.3f}-{:.3f}]") + " |\n";
  }
  out += fmt::format(
      "\nThe Table 4 CNN's batch-10 step on the V100 ({:.0f} kernel launches, the efficiency of "
      "{}): {}, busy {}, {}, {} per step.\n",
      r->cnn_kernels, r->catalog.cnn_efficiency_from,
      ranged(r->cnn_step_s, 1e3, "{:.3f} ms [{:.3f}-{:.3f}]"),
      ranged(r->cnn_utilisation, 1, "{:.2f} [{:.2f}-{:.2f}]"),
      ranged(r->cnn_power_w, 1, "{:.0f} W [{:.0f}-{:.0f}]"),
      ranged(r->cnn_energy_j, 1, "{:.3f} J [{:.3f}-{:.3f}]"));
  return out;
}

std::string Begin(const std::string& name) {
  return "<!-- BEGIN fedcarbon readme " + name + " -->\n";
}
std::string End(const std::string& name) { return "<!-- END fedcarbon readme " + name + " -->"; }

}  // namespace

Result<std::vector<ReadmeBlock>> MakeReadmeBlocks(const ReadmeOptions& o,
                                                  const energy::Catalog& catalog) {
  Result<Priced> cnn = PriceFolder(o.results_dir + "/table4", catalog);
  if (!cnn.ok()) return cnn.status();
  Result<Priced> mlp = PriceFolder(o.results_dir + "/table4-mlp", catalog);
  if (!mlp.ok()) return mlp.status();
  std::vector<ReadmeBlock> blocks;
  Result<std::string> fit = GpuFitBlock(o);
  if (!fit.ok()) return fit.status();
  blocks.push_back({"gpu-fit", *fit});
  Result<std::string> table = Table4Block(*cnn, o.results_dir + "/issue19-table4.csv");
  if (!table.ok()) return table.status();
  blocks.push_back({"table4", *table});
  Result<std::string> uncertainty = UncertaintyBlock(*cnn, catalog, o);
  if (!uncertainty.ok()) return uncertainty.status();
  blocks.push_back({"table4-uncertainty", *uncertainty});
  blocks.push_back({"mlp", MlpBlock(*mlp)});
  for (ReadmeBlock& b : blocks) {
    if (b.text.empty() || b.text.back() != '\n') b.text += "\n";
  }
  return blocks;
}

Result<std::string> ReadmeBlockText(const std::string& readme, const std::string& name) {
  const size_t begin = readme.find(Begin(name));
  const size_t end = readme.find(End(name));
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    return Status::NotFound("README has no block '" + name + "' (" + Begin(name).substr(0, 40) +
                            "... and its END marker)");
  }
  const size_t from = begin + Begin(name).size();
  return readme.substr(from, end - from);
}

Result<std::string> ReplaceReadmeBlocks(const std::string& readme,
                                        const std::vector<ReadmeBlock>& blocks) {
  std::string out = readme;
  for (const ReadmeBlock& b : blocks) {
    Result<std::string> old = ReadmeBlockText(out, b.name);
    if (!old.ok()) return old.status();
    const size_t from = out.find(Begin(b.name)) + Begin(b.name).size();
    out.replace(from, old->size(), b.text);
  }
  return out;
}

}  // namespace fedcarbon::experiment
