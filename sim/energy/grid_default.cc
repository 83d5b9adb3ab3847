// GridIntensity::Default: the hourly traces and zones.json embedded at build time (a generated
// assembler file, grid_data.S, .incbin's both files; see sim/energy/CMakeLists.txt), the traces
// gunzipped with zlib, then GridIntensity::Parse.
#include <zlib.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "fedcarbon/energy/grid.h"

// Defined in the generated grid_data.S: [begin, end) of each embedded file.
extern "C" {
extern const unsigned char fedcarbon_grid_csv_gz_begin[];
extern const unsigned char fedcarbon_grid_csv_gz_end[];
extern const unsigned char fedcarbon_grid_zones_json_begin[];
extern const unsigned char fedcarbon_grid_zones_json_end[];
}

namespace fedcarbon::energy {
namespace {

constexpr size_t kMaxCsvBytes = size_t{64} << 20;  // the CSV is about 3.7 MB

// Gunzips [data, data + size) (one gzip member) into a string.
Result<std::string> Gunzip(const unsigned char* data, size_t size, const std::string& what) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) {  // 15: max window; +16: gzip header only
    return Status::Error(what + ": inflateInit2 failed");
  }
  zs.next_in = const_cast<unsigned char*>(data);  // zlib does not write through next_in
  zs.avail_in = static_cast<uInt>(size);
  std::string out;
  int rc = Z_OK;
  while (rc == Z_OK) {
    if (out.size() >= kMaxCsvBytes) {
      inflateEnd(&zs);
      return Status::Corruption(what + ": inflates to more than " + std::to_string(kMaxCsvBytes) +
                                " bytes");
    }
    const size_t old = out.size();
    out.resize(old + (size_t{1} << 20));
    zs.next_out = reinterpret_cast<unsigned char*>(out.data() + old);
    zs.avail_out = static_cast<uInt>(out.size() - old);
    rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(out.size() - zs.avail_out);  // Z_BUF_ERROR: the input ended before the stream
  }
  const std::string msg = zs.msg != nullptr ? zs.msg : "";
  inflateEnd(&zs);
  if (rc != Z_STREAM_END) {
    return Status::Corruption(what + ": not a complete gzip stream (zlib " + std::to_string(rc) +
                              (msg.empty() ? "" : ": " + msg) + ")");
  }
  return out;
}

}  // namespace

Result<GridIntensity> GridIntensity::Default() {
  const std::string what = "embedded electricitymaps-2023-hourly.csv.gz";
  Result<std::string> csv =
      Gunzip(fedcarbon_grid_csv_gz_begin,
             static_cast<size_t>(fedcarbon_grid_csv_gz_end - fedcarbon_grid_csv_gz_begin), what);
  if (!csv.ok()) return csv.status();
  const std::string_view zones(
      reinterpret_cast<const char*>(fedcarbon_grid_zones_json_begin),
      static_cast<size_t>(fedcarbon_grid_zones_json_end - fedcarbon_grid_zones_json_begin));
  Result<GridIntensity> g = Parse(*csv, zones);
  if (!g.ok()) return g.status().WithContext("embedded grid intensity");
  return g;
}

}  // namespace fedcarbon::energy
