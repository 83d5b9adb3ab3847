// curve.csv, typed: the evaluation points of a centralized run (after every epoch, or every
// train.eval_every_steps steps). Written whole, atomically, by RunCentralized (WriteCurve)
// after every evaluation point and at the end (a running job's folder holds its points so far);
// read by the plots (ReadCurve).
//
// Columns, in this order:
//   epoch, steps, samples, train_loss, test_accuracy, test_loss, train_flops, train_s
// written as "%d,%lld,%lld,%.6f,%.4f,%.6f,%llu,%.3f" (the text RunCentralized has always
// written; a parse -> format round trip of such a line is exact).
//
// Thread safety: values and free functions; no shared state.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"

namespace fedcarbon::records {

struct CurvePoint {
  int epoch = 0;            // 1-based epoch during which the evaluation happened
  int64_t steps = 0;        // optimizer steps so far
  int64_t samples = 0;      // training samples processed so far
  double train_loss = 0.0;  // mean training loss since the previous point
  double test_accuracy = 0.0;
  double test_loss = 0.0;
  uint64_t train_flops = 0;  // cumulative training FLOPs
  double train_s = 0.0;      // cumulative training wall seconds (evaluation excluded)
  bool operator==(const CurvePoint&) const = default;
};

// The column names in file order; the header line and one row, without a newline.
const std::vector<std::string>& CurveCsvColumns();
std::string CurveCsvHeader();
std::string FormatCurveRow(const CurvePoint& p);

// One row of a curve.csv table by column NAME (every column required); errors (Corruption) name
// `what` and the column.
Result<CurvePoint> ParseCurveRow(const std::vector<std::string>& header,
                                 const std::vector<std::string>& cells, const std::string& what);

// The whole file (header + one line per point, "\n" after each), written atomically.
std::string FormatCurve(const std::vector<CurvePoint>& points);
Status WriteCurve(const std::string& path, const std::vector<CurvePoint>& points);
// NotFound when the file does not exist; Corruption naming the path, line and column.
Result<std::vector<CurvePoint>> ReadCurve(const std::string& path);

}  // namespace fedcarbon::records
