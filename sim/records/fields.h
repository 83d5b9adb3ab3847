// Field tables: one list of (name, member) per record drives both its writer and its reader, so
// a field cannot be written under one name and read under another. Internal to sim/records.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/status.h"

namespace fedcarbon::records::internal {

// One field of struct S: its key (JSON) or column (CSV) and the member it maps to.
template <class S>
struct Field {
  using Member = std::variant<int S::*, int64_t S::*, uint64_t S::*, double S::*, bool S::*,
                              std::string S::*, std::optional<double> S::*>;
  const char* name;
  Member member;
};

// ---- JSON ------------------------------------------------------------------------------------

// Typed reads of j[key]: a Corruption error naming `what` and prefix + key when the key is
// missing or its value has another JSON type (integers must be integers, in range).
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, int* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, int64_t* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, uint64_t* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, double* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, bool* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, std::string* out);
Status Get(const nlohmann::json& j, const char* key, const std::string& what,
           const std::string& prefix, std::optional<double>* out);  // JSON null: nullopt

// The object at j[key] (required), or an error naming it.
Result<const nlohmann::json*> GetObject(const nlohmann::json& j, const char* key,
                                        const std::string& what, const std::string& prefix);
// `j` must be an object: an error naming `what` otherwise.
Status RequireObject(const nlohmann::json& j, const std::string& what, const std::string& name);

template <class S>
void PutJson(const S& s, std::span<const Field<S>> fields, nlohmann::json& j) {
  for (const Field<S>& f : fields) {
    std::visit(
        [&](auto m) {
          if constexpr (std::is_same_v<decltype(m), std::optional<double> S::*>) {
            j[f.name] = (s.*m) ? nlohmann::json(*(s.*m)) : nlohmann::json(nullptr);
          } else {
            j[f.name] = s.*m;
          }
        },
        f.member);
  }
}

template <class S>
Status GetJson(const nlohmann::json& j, std::span<const Field<S>> fields, const std::string& what,
               const std::string& prefix, S* s) {
  for (const Field<S>& f : fields) {
    Status st = std::visit([&](auto m) { return Get(j, f.name, what, prefix, &(s->*m)); },
                           f.member);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

// ---- CSV -------------------------------------------------------------------------------------

// Typed reads of one cell; errors (Corruption) name `what` and the column.
Status ParseCell(const std::string& text, const std::string& what, int* out);
Status ParseCell(const std::string& text, const std::string& what, int64_t* out);
Status ParseCell(const std::string& text, const std::string& what, uint64_t* out);
Status ParseCell(const std::string& text, const std::string& what, double* out);
Status ParseCell(const std::string& text, const std::string& what, bool* out);
Status ParseCell(const std::string& text, const std::string& what, std::string* out);
Status ParseCell(const std::string& text, const std::string& what,
                 std::optional<double>* out);  // empty cell: nullopt

// The column names of a table, in order.
template <class S>
std::vector<std::string> ColumnNames(std::span<const Field<S>> fields) {
  std::vector<std::string> names;
  for (const Field<S>& f : fields) names.emplace_back(f.name);
  return names;
}

// Index of `column` in `header`, or nullopt.
std::optional<size_t> FindColumn(const std::vector<std::string>& header, const char* column);

// Fills *s from one CSV row by column name. Columns listed in `required` (all when
// `all_required`) must be in the header; others that are absent keep their defaults.
template <class S>
Status ParseRow(std::span<const Field<S>> fields, const std::vector<std::string>& header,
                const std::vector<std::string>& cells, const std::string& what, bool all_required,
                const char* always_required, S* s) {
  if (cells.size() != header.size()) {
    return Status::Corruption(what + ": " + std::to_string(cells.size()) +
                              " fields, the header has " + std::to_string(header.size()));
  }
  for (const Field<S>& f : fields) {
    const std::optional<size_t> col = FindColumn(header, f.name);
    if (!col) {
      if (!all_required && std::string(f.name) != always_required) continue;
      return Status::Corruption(what + ": missing column '" + f.name + "'");
    }
    const std::string cell_what = what + " column '" + f.name + "'";
    Status st = std::visit([&](auto m) { return ParseCell(cells[*col], cell_what, &(s->*m)); },
                           f.member);
    if (!st.ok()) return st;
  }
  return Status::OK();
}

// Reads a whole CSV file and parses every row with `parse_row(header, cells, what)` (returning
// Result<S>); errors name the path and line. NotFound when the file does not exist.
template <class S, class ParseFn>
Result<std::vector<S>> ReadRows(const std::string& path, ParseFn parse_row) {
  Result<CsvTable> t = ReadCsv(path);
  if (!t.ok()) return t.status();
  std::vector<S> out;
  out.reserve(t->size());
  for (size_t i = 0; i < t->size(); ++i) {
    Result<S> r = parse_row(t->header(), t->rows()[i], path + " line " + std::to_string(i + 2));
    if (!r.ok()) return r.status();
    out.push_back(std::move(r).value());
  }
  return out;
}

}  // namespace fedcarbon::records::internal
