// Internal to Table 4 (report_table4.cc builds and checks the table, report_table4_format.cc
// formats, charts and writes it): the helpers both halves use.
#pragma once

#include <string>

namespace fedcarbon::experiment::table4 {

// `v` printed with a printf `format` holding one double conversion ("%.3g").
std::string Fmt(const char* format, double v);

// The paper's grams for (country, column); NaN when the paper has no such cell.
double PaperValue(const std::string& iso3, const std::string& column);

// Human label of a column: "V100, PUE 1.67", "FL IID".
std::string ColumnLabel(const std::string& column);

}  // namespace fedcarbon::experiment::table4
