// curve.csv (see include/fedcarbon/records/curve.h).
#include "fedcarbon/records/curve.h"

#include <array>
#include <cstdio>

#include "fedcarbon/common/file.h"
#include "fields.h"

namespace fedcarbon::records {
namespace {

using internal::Field;

const std::array<Field<CurvePoint>, 8> kCurveColumns = {{
    {"epoch", &CurvePoint::epoch},
    {"steps", &CurvePoint::steps},
    {"samples", &CurvePoint::samples},
    {"train_loss", &CurvePoint::train_loss},
    {"test_accuracy", &CurvePoint::test_accuracy},
    {"test_loss", &CurvePoint::test_loss},
    {"train_flops", &CurvePoint::train_flops},
    {"train_s", &CurvePoint::train_s},
}};

}  // namespace

const std::vector<std::string>& CurveCsvColumns() {
  static const std::vector<std::string> kNames = internal::ColumnNames<CurvePoint>(kCurveColumns);
  return kNames;
}

std::string CurveCsvHeader() {
  std::string line;
  for (const std::string& name : CurveCsvColumns()) line += (line.empty() ? "" : ",") + name;
  return line;
}

std::string FormatCurveRow(const CurvePoint& p) {
  char line[256];
  std::snprintf(line, sizeof(line), "%d,%lld,%lld,%.6f,%.4f,%.6f,%llu,%.3f", p.epoch,
                static_cast<long long>(p.steps), static_cast<long long>(p.samples), p.train_loss,
                p.test_accuracy, p.test_loss, static_cast<unsigned long long>(p.train_flops),
                p.train_s);
  return line;
}

Result<CurvePoint> ParseCurveRow(const std::vector<std::string>& header,
                                 const std::vector<std::string>& cells, const std::string& what) {
  CurvePoint p;
  FEDCARBON_RETURN_IF_ERROR(internal::ParseRow<CurvePoint>(kCurveColumns, header, cells, what,
                                                           /*all_required=*/true, "epoch", &p));
  return p;
}

std::string FormatCurve(const std::vector<CurvePoint>& points) {
  std::string text = CurveCsvHeader() + "\n";
  for (const CurvePoint& p : points) text += FormatCurveRow(p) + "\n";
  return text;
}

Status WriteCurve(const std::string& path, const std::vector<CurvePoint>& points) {
  return WriteFileAtomic(path, FormatCurve(points));
}

Result<std::vector<CurvePoint>> ReadCurve(const std::string& path) {
  return internal::ReadRows<CurvePoint>(path, ParseCurveRow);
}

}  // namespace fedcarbon::records
