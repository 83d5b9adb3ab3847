#include "fedcarbon/common/csv.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fedcarbon/common/file.h"

namespace fedcarbon {

std::optional<size_t> CsvTable::Find(const std::string& column) const {
  for (size_t i = 0; i < header_.size(); ++i) {
    if (header_[i] == column) return i;
  }
  return std::nullopt;
}

Result<size_t> CsvTable::Require(const std::string& column, const std::string& what) const {
  std::optional<size_t> i = Find(column);
  if (!i) return Status::Corruption(what + ": missing column '" + column + "'");
  return *i;
}

Status CsvTable::Add(std::vector<std::string> row) {
  if (row.size() != header_.size()) {
    return Status::Error("CSV row has " + std::to_string(row.size()) + " fields, the header " +
                         std::to_string(header_.size()));
  }
  rows_.push_back(std::move(row));
  return Status::OK();
}

std::string CsvField(const std::string& value) {
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

namespace {

void AppendLine(std::string& out, const std::vector<std::string>& fields) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += CsvField(fields[i]);
  }
  out += '\n';
}

}  // namespace

std::string CsvTable::Format() const {
  std::string out;
  AppendLine(out, header_);
  for (const auto& row : rows_) AppendLine(out, row);
  return out;
}

Result<CsvTable> ParseCsv(const std::string& text, const std::string& what) {
  std::vector<std::vector<std::string>> records;
  std::vector<int> record_lines;  // 1-based line where each record starts
  std::vector<std::string> record;
  std::string field;
  bool quoted = false;
  bool any = false;  // the current record has begun
  int line = 1;
  int record_line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"' && field.empty()) {
      quoted = true;
      any = true;
    } else if (c == ',') {
      record.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        record.push_back(std::move(field));
        records.push_back(std::move(record));
        record_lines.push_back(record_line);
      }
      field.clear();
      record.clear();
      any = false;
      ++line;
      record_line = line;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted)
    return Status::Corruption(what + ":" + std::to_string(record_line) + ": unterminated quote");
  if (any || !field.empty()) {
    record.push_back(std::move(field));
    records.push_back(std::move(record));
    record_lines.push_back(record_line);
  }
  if (records.empty()) return Status::Corruption(what + ": empty (no header line)");
  CsvTable table(records[0]);
  for (size_t r = 1; r < records.size(); ++r) {
    if (records[r].size() != table.header().size()) {
      return Status::Corruption(what + ":" + std::to_string(record_lines[r]) + ": " +
                                std::to_string(records[r].size()) + " fields, the header has " +
                                std::to_string(table.header().size()));
    }
    FEDCARBON_RETURN_IF_ERROR(table.Add(std::move(records[r])));
  }
  return table;
}

Result<CsvTable> ReadCsv(const std::string& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.status();
  return ParseCsv(*text, path);
}

Status WriteCsv(const std::string& path, const CsvTable& table) {
  return WriteFileAtomic(path, table.Format());
}

Result<double> ParseDouble(const std::string& text, const std::string& what) {
  if (text.empty()) return Status::Corruption(what + ": empty, expected a number");
  errno = 0;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || errno == ERANGE || !std::isfinite(v)) {
    return Status::Corruption(what + ": not a finite number: '" + text + "'");
  }
  return v;
}

}  // namespace fedcarbon
