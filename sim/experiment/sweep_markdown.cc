// results.md: the sweep aggregated over seeds (see include/fedcarbon/experiment/sweep_results.h).
#include <spdlog/fmt/fmt.h>

#include <cmath>
#include <map>

#include "fedcarbon/experiment/sweep_results.h"

namespace fedcarbon::experiment {
namespace {

struct Stat {
  std::vector<double> xs;
  double Mean() const {
    double s = 0;
    for (double x : xs) s += x;
    return xs.empty() ? 0.0 : s / static_cast<double>(xs.size());
  }
  // Sample standard deviation (n - 1); 0 for a single value.
  double Sd() const {
    if (xs.size() < 2) return 0.0;
    const double m = Mean();
    double s = 0;
    for (double x : xs) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(xs.size() - 1));
  }
  std::string Text(const char* spec) const {
    if (xs.empty()) return "-";
    const std::string m = fmt::format(fmt::runtime(spec), Mean());
    return xs.size() < 2 ? m : fmt::format("{} ± {}", m, fmt::format(fmt::runtime(spec), Sd()));
  }
};

struct Group {
  std::vector<std::string> label;  // kind, then the swept values
  int points = 0;
  int reached = 0;
  Stat final_acc, best_acc, rounds, kwh, grams, wasted_grams, acc_per_kwh, gain_per_kwh, acc_per_g,
      sim_hours;
};

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

}  // namespace

std::string FormatSweepMarkdown(const SweepTable& table, const std::string& title,
                                const std::string& notes) {
  std::vector<Group> groups;
  std::map<std::vector<std::string>, size_t> index;
  for (const SweepRow& r : table.rows) {
    std::vector<std::string> label = {r.kind};
    label.insert(label.end(), r.values.begin(), r.values.end());
    auto [it, added] = index.emplace(label, groups.size());
    if (added) {
      groups.emplace_back();
      groups.back().label = label;
    }
    Group& g = groups[it->second];
    ++g.points;
    if (r.status != "done") continue;
    g.reached += r.reached_target ? 1 : 0;
    g.final_acc.xs.push_back(r.final_accuracy);
    g.best_acc.xs.push_back(r.best_accuracy);
    g.rounds.xs.push_back(r.rounds);
    g.kwh.xs.push_back(r.energy_kwh);
    g.grams.xs.push_back(r.co2e_kg * 1000.0);
    g.wasted_grams.xs.push_back(r.wasted_co2e_kg * 1000.0);
    g.acc_per_kwh.xs.push_back(r.accuracy_per_kwh);
    g.gain_per_kwh.xs.push_back(r.accuracy_gain_per_kwh);
    g.acc_per_g.xs.push_back(r.accuracy_per_g);
    g.sim_hours.xs.push_back(r.sim_hours);
  }

  std::string md = fmt::format("# Sweep {}\n\n", title);
  if (!notes.empty()) md += fmt::format("{}\n\n", Escape(notes));
  int done = 0, failed = 0;
  for (const SweepRow& r : table.rows) {
    done += r.status == "done";
    failed += r.status == "failed";
  }
  md += fmt::format(
      "{} points: {} done, {} failed, {} not finished. Mean ± standard deviation over the seeds "
      "of the done points; rounds are FL rounds (epochs for a centralized point) to the target or "
      "to the limit.\n\n",
      table.rows.size(), done, failed, table.rows.size() - done - failed);
  md += "| kind |";
  for (const std::string& k : table.keys) md += fmt::format(" {} |", Escape(k));
  md +=
      " done | reached target | final accuracy | best accuracy | rounds | kWh | g CO2e | "
      "wasted g CO2e | accuracy per kWh | accuracy gain per kWh | accuracy per g CO2e | "
      "simulated h |\n|---|";
  for (size_t i = 0; i < table.keys.size(); ++i) md += "---|";
  md += "---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const Group& g : groups) {
    md += "|";
    for (const std::string& v : g.label) md += fmt::format(" {} |", Escape(v));
    md +=
        fmt::format(" {}/{} | {}/{} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                    g.final_acc.xs.size(), g.points, g.reached, g.final_acc.xs.size(),
                    g.final_acc.Text("{:.4f}"), g.best_acc.Text("{:.4f}"), g.rounds.Text("{:.1f}"),
                    g.kwh.Text("{:.4g}"), g.grams.Text("{:.4g}"), g.wasted_grams.Text("{:.3g}"),
                    g.acc_per_kwh.Text("{:.4g}"), g.gain_per_kwh.Text("{:.4g}"),
                    g.acc_per_g.Text("{:.4g}"), g.sim_hours.Text("{:.2f}"));
  }
  if (failed > 0) {
    md += "\n## Failed points\n\n| id | values | seed | error |\n|---|---|---|---|\n";
    for (const SweepRow& r : table.rows) {
      if (r.status != "failed") continue;
      std::string values;
      for (size_t i = 0; i < table.keys.size(); ++i)
        values += fmt::format("{}{}={}", i ? ", " : "", table.keys[i], r.values[i]);
      md += fmt::format("| {} | {} | {} | {} |\n", r.id, Escape(values), r.seed, Escape(r.error));
    }
  }
  return md;
}

}  // namespace fedcarbon::experiment
