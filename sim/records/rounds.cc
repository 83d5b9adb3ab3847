// rounds.csv (see include/fedcarbon/records/rounds.h).
#include "fedcarbon/records/rounds.h"

#include <array>
#include <cstdio>

#include "fields.h"

namespace fedcarbon::records {
namespace {

using internal::Field;

const std::array<Field<RoundRecord>, 16> kRoundColumns = {{
    {"round", &RoundRecord::round},
    {"selected", &RoundRecord::selected},
    {"completed", &RoundRecord::completed},
    {"dropped", &RoundRecord::dropped},
    {"accuracy", &RoundRecord::accuracy},
    {"loss", &RoundRecord::loss},
    {"bytes_down", &RoundRecord::bytes_down},
    {"bytes_up", &RoundRecord::bytes_up},
    {"wall_s", &RoundRecord::wall_s},
    {"collect_s", &RoundRecord::collect_s},
    {"eval_s", &RoundRecord::eval_s},
    {"late", &RoundRecord::late},
    {"offline", &RoundRecord::offline},
    {"sim_start", &RoundRecord::sim_start},
    {"sim_end", &RoundRecord::sim_end},
    {"shift_h", &RoundRecord::shift_h},
}};

// std::to_string of an evaluated value ("%f"), or an empty cell.
std::string Optional(const std::optional<double>& v) { return v ? std::to_string(*v) : ""; }

}  // namespace

const std::vector<std::string>& RoundsCsvColumns() {
  static const std::vector<std::string> kNames = internal::ColumnNames<RoundRecord>(kRoundColumns);
  return kNames;
}

std::string RoundsCsvHeader() {
  std::string line;
  for (const std::string& name : RoundsCsvColumns()) line += (line.empty() ? "" : ",") + name;
  return line;
}

std::string FormatRoundRow(const RoundRecord& r) {
  char line[512];
  std::snprintf(line, sizeof(line),
                "%d,%d,%d,%d,%s,%s,%llu,%llu,%.6f,%.6f,%.6f,%d,%d,%.3f,%.3f,%.6f", r.round,
                r.selected, r.completed, r.dropped, Optional(r.accuracy).c_str(),
                Optional(r.loss).c_str(), static_cast<unsigned long long>(r.bytes_down),
                static_cast<unsigned long long>(r.bytes_up), r.wall_s, r.collect_s, r.eval_s,
                r.late, r.offline, r.sim_start, r.sim_end, r.shift_h);
  return line;
}

Result<RoundRecord> ParseRoundRow(const std::vector<std::string>& header,
                                  const std::vector<std::string>& cells, const std::string& what,
                                  RoundColumns columns) {
  RoundRecord r;
  FEDCARBON_RETURN_IF_ERROR(internal::ParseRow<RoundRecord>(
      kRoundColumns, header, cells, what, columns == RoundColumns::kAll, "round", &r));
  return r;
}

Result<std::vector<RoundRecord>> ReadRounds(const std::string& path) {
  return internal::ReadRows<RoundRecord>(
      path, [](const std::vector<std::string>& header, const std::vector<std::string>& cells,
               const std::string& what) { return ParseRoundRow(header, cells, what); });
}

}  // namespace fedcarbon::records
