// CSV files read and written by column name (RFC 4180 quoting: a field holding a comma, a quote
// or a line break is quoted, quotes doubled). One reader and one writer for every CSV the
// project writes that is not the ledger (which has its own exact-round-trip format).
//
// Thread safety: values; no shared state.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon {

// A whole CSV file in memory: the header and the rows, each row as long as the header.
class CsvTable {
 public:
  CsvTable() = default;
  explicit CsvTable(std::vector<std::string> header) : header_(std::move(header)) {}

  const std::vector<std::string>& header() const { return header_; }
  const std::vector<std::vector<std::string>>& rows() const { return rows_; }
  size_t size() const { return rows_.size(); }

  // Index of `column` in the header, or nullopt.
  std::optional<size_t> Find(const std::string& column) const;
  // Index of `column`, or an error naming the column and `what` (the file).
  Result<size_t> Require(const std::string& column, const std::string& what) const;

  // Appends a row; it must have header().size() fields (else an error).
  Status Add(std::vector<std::string> row);

  // The whole file's text: header, rows, "\n" after each line.
  std::string Format() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// One field, quoted when it needs to be.
std::string CsvField(const std::string& value);

// Parses CSV text. Errors name `what` (a file name) and the line: a row whose field count
// differs from the header's, an unterminated quote, an empty text (no header).
Result<CsvTable> ParseCsv(const std::string& text, const std::string& what);
// Reads and parses a file; errors name the path.
Result<CsvTable> ReadCsv(const std::string& path);
// Writes atomically (WriteFileAtomic).
Status WriteCsv(const std::string& path, const CsvTable& table);

// Number parsing for CSV and JSON cells: the whole text must be a finite number.
Result<double> ParseDouble(const std::string& text, const std::string& what);

}  // namespace fedcarbon
