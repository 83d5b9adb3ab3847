// Ledger files: the append-only writer, the validating reader and totals (see ledger.h).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>

#include "fedcarbon/energy/ledger.h"

#include "fedcarbon/common/file.h"
#include "fedcarbon/energy/pricing.h"

namespace fedcarbon::energy {
namespace {

constexpr off_t kMaxLedgerBytes = off_t{1} << 30;  // 1 GiB: far above any run's ledger

std::string Errno(const std::string& path) { return path + ": " + std::strerror(errno); }

// Writes all of `data` with one write(2) (retrying only on EINTR with nothing written).
Status WriteAll(int fd, const std::string& data, const std::string& path) {
  while (true) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n == static_cast<ssize_t>(data.size())) return Status::OK();
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::IOError(Errno(path));
    return Status::IOError(path + ": short write (" + std::to_string(n) + " of " +
                           std::to_string(data.size()) + " bytes)");
  }
}

}  // namespace

Result<LedgerWriter> LedgerWriter::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError(Errno(path));
  LedgerWriter w(fd, path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::IOError(Errno(path));
  const std::string header = LedgerHeader();
  if (st.st_size == 0) {
    FEDCARBON_RETURN_IF_ERROR(WriteAll(fd, header + "\n", path));
    return w;
  }
  // An existing ledger: same header, and no partial last line.
  std::string head(header.size() + 1, '\0');
  const ssize_t n = ::pread(fd, head.data(), head.size(), 0);
  if (n != static_cast<ssize_t>(head.size()) || head != header + "\n") {
    return Status::Corruption(path +
                              ": exists with a different header (not a fedcarbon ledger of "
                              "this version)");
  }
  char last = '\0';
  if (::pread(fd, &last, 1, st.st_size - 1) != 1 || last != '\n') {
    return Status::Corruption(path + ": ends with a partial row");
  }
  return w;
}

LedgerWriter::LedgerWriter(LedgerWriter&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

LedgerWriter& LedgerWriter::operator=(LedgerWriter&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

LedgerWriter::~LedgerWriter() {
  if (fd_ >= 0) ::close(fd_);
}

Status LedgerWriter::Append(const LedgerRow& row) {
  if (fd_ < 0) return Status::Error("ledger writer is closed");  // a bug of the caller
  Status valid = ValidateRow(row);
  if (!valid.ok()) return valid.WithContext(path_);
  return WriteAll(fd_, FormatLedgerRow(row) + "\n", path_);
}

Result<std::vector<LedgerRow>> ReadLedger(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return errno == ENOENT ? Status::NotFound(Errno(path)) : Status::IOError(Errno(path));
  }
  if (st.st_size > kMaxLedgerBytes) return Status::Corruption(path + ": larger than 1 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IOError(path + ": cannot open");
  std::ostringstream os;
  os << in.rdbuf();
  const std::string text = os.str();
  if (text.empty()) return Status::Corruption(path + ":1: empty file (no header)");
  std::vector<LedgerRow> rows;
  std::optional<LedgerLayout> layout;
  size_t pos = 0;
  int line_no = 0;
  while (pos < text.size()) {
    ++line_no;
    const size_t nl = text.find('\n', pos);
    const std::string where = path + ":" + std::to_string(line_no);
    if (nl == std::string::npos) {
      return Status::Corruption(where + ": truncated row (no newline at end of file)");
    }
    const std::string line = text.substr(pos, nl - pos);
    pos = nl + 1;
    if (line_no == 1) {
      Result<LedgerLayout> l = LedgerLayout::FromHeader(line);
      if (!l.ok()) return l.status().WithContext(where);
      layout = std::move(l).value();
      continue;
    }
    Result<LedgerRow> row = layout->Parse(line);
    if (!row.ok()) return row.status().WithContext(where);
    rows.push_back(std::move(row).value());
  }
  return rows;
}

Status WriteLedger(const std::string& path, const std::vector<LedgerRow>& rows) {
  std::string text = LedgerHeader() + "\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    Status valid = ValidateRow(rows[i]);
    if (!valid.ok()) return valid.WithContext(path + ": row " + std::to_string(i + 1));
    text += FormatLedgerRow(rows[i]) + "\n";
  }
  return WriteFileAtomic(path, text);
}

LedgerTotals Sum(const std::vector<LedgerRow>& rows) {
  LedgerTotals t;
  for (const LedgerRow& r : rows) {
    ++t.rows;
    t.activity += r.activity;
    t.cost += r.cost;
    if (r.role == "client") {
      t.clients += r.cost;
    } else if (r.role == "coordinator") {
      t.coordinator += r.cost;
    } else {
      t.centralized += r.cost;
    }
    if (IsWasted(r)) t.wasted += r.cost;
    if (t.rows == 1) {
      t.catalog = r.catalog;
    } else if (t.catalog != r.catalog) {
      t.catalog = "mixed";
    }
  }
  t.embodied_kg = t.cost.embodied_kg;
  t.compute_energy_kwh = t.cost.compute_energy_kwh;
  t.comm_energy_kwh = t.cost.comm_energy_kwh;
  t.energy_kwh = t.cost.energy_kwh;
  t.emissions_kg = t.cost.emissions_kg;
  t.comm_share = t.energy_kwh > 0 ? t.comm_energy_kwh / t.energy_kwh : 0.0;
  return t;
}

}  // namespace fedcarbon::energy
