// results.csv: the one writer and the one reader (see
// include/fedcarbon/experiment/sweep_results.h).
#include "fedcarbon/experiment/sweep_results.h"

#include <spdlog/fmt/fmt.h>

#include <cstdlib>

#include "fedcarbon/common/csv.h"

namespace fedcarbon::experiment {
namespace {

// The columns after the swept keys, in order; one accessor pair per column keeps the writer and
// the reader from drifting apart.
struct Column {
  const char* name;
  std::string (*get)(const SweepRow&);
  Status (*set)(SweepRow&, const std::string&, const std::string& where);
};

std::string Num(double v) { return fmt::format("{}", v); }  // shortest text that reads back exactly

template <class T>
Status SetNumber(T* field, const std::string& text, const std::string& where) {
  if (text.empty()) {
    *field = T{};
    return Status::OK();
  }
  Result<double> v = ParseDouble(text, where);
  if (!v.ok()) return v.status();
  *field = static_cast<T>(*v);
  return Status::OK();
}

#define FC_TEXT(col, field)                                         \
  Column {                                                          \
    col, [](const SweepRow& r) { return r.field; },                 \
        [](SweepRow& r, const std::string& t, const std::string&) { \
          r.field = t;                                              \
          return Status::OK();                                      \
        }                                                           \
  }
// Numbers are written only for done rows (a pending row's zeros would read as results).
#define FC_NUM(col, field)                                                                    \
  Column {                                                                                    \
    col, [](const SweepRow& r) { return r.status == "done" ? Num(r.field) : std::string(); }, \
        [](SweepRow& r, const std::string& t, const std::string& w) {                         \
          return SetNumber(&r.field, t, w);                                                   \
        }                                                                                     \
  }

const std::vector<Column>& Columns() {
  static const std::vector<Column> kColumns = {
      Column{"seed", [](const SweepRow& r) { return std::to_string(r.seed); },
             [](SweepRow& r, const std::string& t, const std::string& w) {
               return SetNumber(&r.seed, t, w);
             }},
      FC_TEXT("kind", kind),
      FC_TEXT("status", status),
      Column{"reached_target",
             [](const SweepRow& r) {
               return r.status == "done" ? std::string(r.reached_target ? "true" : "false")
                                         : std::string();
             },
             [](SweepRow& r, const std::string& t, const std::string& w) {
               if (t != "true" && t != "false" && !t.empty())
                 return Status::Error(w + ": expected true or false, got '" + t + "'");
               r.reached_target = t == "true";
               return Status::OK();
             }},
      FC_NUM("rounds", rounds),
      FC_NUM("flops", flops),
      FC_NUM("final_accuracy", final_accuracy),
      FC_NUM("best_accuracy", best_accuracy),
      FC_NUM("client_compute_kwh", client_compute_kwh),
      FC_NUM("client_comm_kwh", client_comm_kwh),
      FC_NUM("coordinator_kwh", coordinator_kwh),
      FC_NUM("centralized_kwh", centralized_kwh),
      FC_NUM("energy_kwh", energy_kwh),
      FC_NUM("co2e_kg", co2e_kg),
      FC_NUM("wasted_co2e_kg", wasted_co2e_kg),
      FC_NUM("accuracy_per_kwh", accuracy_per_kwh),
      FC_NUM("accuracy_gain_per_kwh", accuracy_gain_per_kwh),
      FC_NUM("accuracy_per_g", accuracy_per_g),
      FC_NUM("sim_hours", sim_hours),
      FC_NUM("wall_s", wall_s),
      FC_TEXT("dir", dir),
      FC_TEXT("error", error),
  };
  return kColumns;
}

#undef FC_TEXT
#undef FC_NUM

}  // namespace

Status WriteSweepResults(const std::string& path, const SweepTable& table) {
  std::vector<std::string> header = {"id"};
  header.insert(header.end(), table.keys.begin(), table.keys.end());
  for (const Column& c : Columns()) header.emplace_back(c.name);
  CsvTable csv(header);
  for (const SweepRow& r : table.rows) {
    if (r.values.size() != table.keys.size()) {
      return Status::Error(fmt::format("{}: point {} has {} values for {} keys", path, r.id,
                                       r.values.size(), table.keys.size()));
    }
    std::vector<std::string> row = {r.id};
    row.insert(row.end(), r.values.begin(), r.values.end());
    for (const Column& c : Columns()) row.push_back(c.get(r));
    FEDCARBON_RETURN_IF_ERROR(csv.Add(std::move(row)));
  }
  return WriteCsv(path, csv);
}

Result<SweepTable> ReadSweepResults(const std::string& path) {
  Result<CsvTable> csv = ReadCsv(path);
  if (!csv.ok()) return csv.status();
  const std::vector<std::string>& h = csv->header();
  if (h.empty() || h[0] != "id") return Status::Error(path + ": the first column must be 'id'");
  Result<size_t> seed_col = csv->Require("seed", path);
  if (!seed_col.ok()) return seed_col.status();
  SweepTable table;
  table.keys.assign(h.begin() + 1, h.begin() + static_cast<std::ptrdiff_t>(*seed_col));
  std::vector<size_t> cols;
  for (const Column& c : Columns()) {
    Result<size_t> i = csv->Require(c.name, path);
    if (!i.ok()) return i.status();
    cols.push_back(*i);
  }
  for (size_t line = 0; line < csv->size(); ++line) {
    const std::vector<std::string>& cells = csv->rows()[line];
    SweepRow r;
    r.id = cells[0];
    r.values.assign(cells.begin() + 1, cells.begin() + static_cast<std::ptrdiff_t>(*seed_col));
    for (size_t k = 0; k < Columns().size(); ++k) {
      const Column& c = Columns()[k];
      const std::string where = fmt::format("{}:{}: column '{}'", path, line + 2, c.name);
      FEDCARBON_RETURN_IF_ERROR(c.set(r, cells[cols[k]], where));
    }
    table.rows.push_back(std::move(r));
  }
  return table;
}

}  // namespace fedcarbon::experiment
