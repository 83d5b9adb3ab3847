#include "fedcarbon/data/partition_report.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "fedcarbon/data/dataset.h"

namespace fedcarbon::data {

namespace {

constexpr int kClasses = Dataset::kNumClasses;

// One row per client then the totals row: {samples, class counts..., classes held}.
struct Rows {
  std::vector<std::vector<int64_t>> values;  // [clients + 1][1 + kClasses + 1]
};

Rows Tabulate(std::span<const uint8_t> labels, const Partition& p) {
  const auto hist = LabelHistogram(labels, p, kClasses);
  Rows r;
  std::vector<int64_t> total(kClasses + 2, 0);
  for (size_t c = 0; c < p.size(); ++c) {
    std::vector<int64_t> row{static_cast<int64_t>(p[c].size())};
    int64_t held = 0;
    for (int k = 0; k < kClasses; ++k) {
      row.push_back(hist[c][k]);
      held += hist[c][k] > 0;
      total[1 + k] += hist[c][k];
    }
    row.push_back(held);
    total[0] += row[0];
    r.values.push_back(std::move(row));
  }
  for (int k = 0; k < kClasses; ++k) total[kClasses + 1] += total[1 + k] > 0;
  r.values.push_back(std::move(total));
  return r;
}

}  // namespace

std::string FormatPartitionTable(std::span<const uint8_t> labels, const Partition& p) {
  const Rows r = Tabulate(labels, p);
  std::vector<std::string> header{"samples"};
  for (int k = 0; k < kClasses; ++k) {
    std::string name(1, 'c');  // not "c" + ...: GCC 12 -Wrestrict false positive (PR 105329)
    name += std::to_string(k);
    header.push_back(std::move(name));
  }
  header.push_back("classes");
  // Column width: the widest of the header and every value (the totals row is the widest).
  std::vector<size_t> width(header.size());
  for (size_t j = 0; j < header.size(); ++j) {
    width[j] = header[j].size();
    for (const auto& row : r.values) width[j] = std::max(width[j], std::to_string(row[j]).size());
  }
  const size_t first = std::max<size_t>(6, std::to_string(p.size()).size());
  std::ostringstream out;
  auto cell = [&](const std::string& s, size_t w) {
    out << std::string(w - s.size() + 2, ' ') << s;
  };
  out << std::string(first - 6, ' ') << "client";
  for (size_t j = 0; j < header.size(); ++j) cell(header[j], width[j]);
  out << '\n';
  for (size_t i = 0; i < r.values.size(); ++i) {
    const std::string name = i + 1 == r.values.size() ? "total" : std::to_string(i);
    out << std::string(first - name.size(), ' ') << name;
    for (size_t j = 0; j < header.size(); ++j) cell(std::to_string(r.values[i][j]), width[j]);
    out << '\n';
  }
  if (!p.empty()) {
    int64_t lo = r.values[0][0], hi = lo;
    for (size_t c = 0; c < p.size(); ++c) {
      lo = std::min(lo, r.values[c][0]);
      hi = std::max(hi, r.values[c][0]);
    }
    char mean[32];
    std::snprintf(mean, sizeof mean, "%.1f",
                  static_cast<double>(r.values.back()[0]) / static_cast<double>(p.size()));
    out << "samples per client: min " << lo << ", max " << hi << ", mean " << mean << '\n';
  }
  return out.str();
}

std::string FormatPartitionCsv(std::span<const uint8_t> labels, const Partition& p) {
  const Rows r = Tabulate(labels, p);
  std::ostringstream out;
  out << "client,samples";
  for (int k = 0; k < kClasses; ++k) out << ",class_" << k;
  out << ",classes\n";
  for (size_t i = 0; i < r.values.size(); ++i) {
    out << (i + 1 == r.values.size() ? std::string("total") : std::to_string(i));
    for (int64_t v : r.values[i]) out << ',' << v;
    out << '\n';
  }
  return out.str();
}

}  // namespace fedcarbon::data
