// IDX loading (LeCun's format, as shipped by Debian's dataset-fashion-mnist), gzipped or plain.
// Headers are validated before anything is allocated; every error names the file.
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "fedcarbon/data/dataset.h"

namespace fedcarbon::data {

namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // unsigned byte, 3 dims
constexpr uint32_t kLabelsMagic = 0x00000801;  // unsigned byte, 1 dim
constexpr uint32_t kMaxCount = 10'000'000;
constexpr uint32_t kMaxSide = 1024;
constexpr uint64_t kMaxPixels = uint64_t{1} << 31;  // 8 GiB of floats

// Owns a gzFile; gzopen reads plain files transparently.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (f_ != nullptr) gzbuffer(f_, 1 << 20);
  }
  ~GzReader() {
    if (f_ != nullptr) gzclose(f_);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;

  bool is_open() const { return f_ != nullptr; }

  // Reads up to n bytes into buf; *got is what arrived. Errors only on corrupt compressed data.
  Status Read(void* buf, size_t n, size_t* got) {
    *got = 0;
    auto* p = static_cast<unsigned char*>(buf);
    while (*got < n) {
      const unsigned chunk =
          static_cast<unsigned>(std::min<size_t>(n - *got, std::numeric_limits<int>::max()));
      const int r = gzread(f_, p + *got, chunk);
      if (r < 0) {
        int errnum = 0;
        const char* msg = gzerror(f_, &errnum);
        if (errnum == Z_BUF_ERROR) break;  // a cut-off gzip stream: report it as truncated
        const std::string why = msg != nullptr ? msg : "gzread failed";
        return Status::Corruption(path_ + ": corrupt data: " + why);
      }
      if (r == 0) break;
      *got += static_cast<size_t>(r);
    }
    return Status::OK();
  }

 private:
  std::string path_;
  gzFile f_;
};

// Reads up to `n` bytes into *out, growing it as the data arrives (kReadChunk at a time), so that
// a header that claims more than the file holds costs no more memory than the file: a 532-byte
// input claiming 400 images of 1024 x 1024 allocated 400 MiB up front (a fuzz finding,
// fuzz/regressions/idx/). out->size() is what arrived.
constexpr size_t kReadChunk = size_t{16} << 20;
Status ReadUpTo(GzReader& in, uint64_t n, std::vector<uint8_t>* out) {
  out->clear();
  size_t have = 0;
  while (have < n) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n - have, kReadChunk));
    out->resize(have + want);
    size_t got = 0;
    FEDCARBON_RETURN_IF_ERROR(in.Read(out->data() + have, want, &got));
    have += got;
    if (got < want) break;
  }
  out->resize(have);
  return Status::OK();
}

uint32_t BigEndian(const unsigned char* b) {
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

std::string Hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// Reads the magic and the `ndims` dimensions of an IDX header.
Status ReadHeader(GzReader& in, const std::string& path, uint32_t magic, const char* what,
                  std::vector<uint32_t>* dims) {
  const size_t ndims = magic & 0xff;
  std::array<unsigned char, 4 * 4> buf{};
  const size_t want = 4 * (1 + ndims);
  size_t got = 0;
  FEDCARBON_RETURN_IF_ERROR(in.Read(buf.data(), want, &got));
  if (got < 4) return Status::Corruption(path + ": truncated: no IDX header");
  const uint32_t m = BigEndian(buf.data());
  if (m != magic) {
    return Status::Corruption(path + ": bad magic number " + Hex(m) + ", expected " + Hex(magic) +
                              " (" + what + ")");
  }
  if (got < want) {
    return Status::Corruption(path + ": truncated: header needs " + std::to_string(want) +
                              " bytes, got " + std::to_string(got));
  }
  dims->clear();
  for (size_t d = 0; d < ndims; ++d) dims->push_back(BigEndian(buf.data() + 4 * (1 + d)));
  return Status::OK();
}

Status CheckCount(const std::string& path, uint32_t count) {
  if (count == 0 || count > kMaxCount) {
    return Status::Corruption(path + ": sample count " + std::to_string(count) +
                              " out of range [1, " + std::to_string(kMaxCount) + "]");
  }
  return Status::OK();
}

// A missing file is NotFound; any other failure to open it (permissions) an IOError.
Status OpenError(const std::string& path) {
  const bool missing = errno == ENOENT;
  std::string why = errno != 0 ? std::strerror(errno) : "unknown error";
  why = path + ": cannot open (" + why + ")";
  return missing ? Status::NotFound(why) : Status::IOError(why);
}

// Reads `n` labels (after the header) and checks each is a class.
Status ReadLabels(GzReader& in, const std::string& path, uint64_t n, std::vector<uint8_t>* out) {
  FEDCARBON_RETURN_IF_ERROR(ReadUpTo(in, n, out));
  if (out->size() != n) {
    return Status::Corruption(path + ": truncated: expected " + std::to_string(n) +
                              " bytes of labels, got " + std::to_string(out->size()));
  }
  for (uint64_t i = 0; i < n; ++i) {
    if ((*out)[i] >= Dataset::kNumClasses) {
      return Status::Corruption(path + ": label " + std::to_string((*out)[i]) + " at index " +
                                std::to_string(i) + " is not in 0..9");
    }
  }
  return Status::OK();
}

// "DIR/train-STEM.gz" (or the decompressed file when only that exists).
std::string SplitPath(const std::string& dir, Split split, const std::string& stem) {
  const std::string prefix = split == Split::kTrain ? "train" : "t10k";
  const std::filesystem::path base = std::filesystem::path(dir) / (prefix + stem);
  std::filesystem::path gz = base;
  gz += ".gz";
  std::error_code ec;
  if (!std::filesystem::exists(gz, ec) && std::filesystem::exists(base, ec)) return base.string();
  return gz.string();
}

}  // namespace

Result<std::vector<uint8_t>> LoadIdxLabels(const std::string& labels_path) {
  errno = 0;
  GzReader labels(labels_path);
  if (!labels.is_open()) return OpenError(labels_path);
  std::vector<uint32_t> ldims;
  FEDCARBON_RETURN_IF_ERROR(
      ReadHeader(labels, labels_path, kLabelsMagic, "IDX labels: unsigned bytes, 1 dim", &ldims));
  FEDCARBON_RETURN_IF_ERROR(CheckCount(labels_path, ldims[0]));
  std::vector<uint8_t> out;
  FEDCARBON_RETURN_IF_ERROR(ReadLabels(labels, labels_path, ldims[0], &out));
  return out;
}

Result<std::vector<uint8_t>> LoadFashionMnistLabels(const std::string& dir, Split split) {
  return LoadIdxLabels(SplitPath(dir, split, "-labels-idx1-ubyte"));
}

Result<Dataset> LoadIdx(const std::string& images_path, const std::string& labels_path,
                        int64_t max_samples) {
  errno = 0;
  GzReader images(images_path);
  if (!images.is_open()) return OpenError(images_path);
  errno = 0;
  GzReader labels(labels_path);
  if (!labels.is_open()) return OpenError(labels_path);

  std::vector<uint32_t> idims, ldims;
  FEDCARBON_RETURN_IF_ERROR(
      ReadHeader(images, images_path, kImagesMagic, "IDX images: unsigned bytes, 3 dims", &idims));
  FEDCARBON_RETURN_IF_ERROR(
      ReadHeader(labels, labels_path, kLabelsMagic, "IDX labels: unsigned bytes, 1 dim", &ldims));
  FEDCARBON_RETURN_IF_ERROR(CheckCount(images_path, idims[0]));
  FEDCARBON_RETURN_IF_ERROR(CheckCount(labels_path, ldims[0]));
  for (int d : {1, 2}) {
    if (idims[d] == 0 || idims[d] > kMaxSide) {
      return Status::Corruption(images_path + ": image " + (d == 1 ? "rows " : "cols ") +
                                std::to_string(idims[d]) + " out of range [1, " +
                                std::to_string(kMaxSide) + "]");
    }
  }
  if (idims[0] != ldims[0]) {
    return Status::Corruption(images_path + " has " + std::to_string(idims[0]) + " images but " +
                              labels_path + " has " + std::to_string(ldims[0]) + " labels");
  }
  const uint64_t n = max_samples > 0 ? std::min<uint64_t>(idims[0], max_samples) : idims[0];
  const uint64_t dim = uint64_t{idims[1]} * idims[2];
  if (n * dim > kMaxPixels) {
    return Status::Corruption(images_path + ": " + std::to_string(n) + " x " + std::to_string(dim) +
                              " pixels exceed the limit of " + std::to_string(kMaxPixels));
  }

  // Sizes are validated: read the payloads, allocating only for what arrives.
  Dataset ds;
  ds.n = static_cast<int64_t>(n);
  ds.rows = static_cast<int>(idims[1]);
  ds.cols = static_cast<int>(idims[2]);
  FEDCARBON_RETURN_IF_ERROR(ReadLabels(labels, labels_path, n, &ds.labels));
  std::vector<uint8_t> raw;
  FEDCARBON_RETURN_IF_ERROR(ReadUpTo(images, n * dim, &raw));
  if (raw.size() != n * dim) {
    return Status::Corruption(images_path + ": truncated: expected " + std::to_string(n * dim) +
                              " bytes of pixels, got " + std::to_string(raw.size()));
  }
  ds.images.resize(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) ds.images[i] = static_cast<float>(raw[i]) / 255.0f;
  return ds;
}

Result<Dataset> LoadFashionMnist(const std::string& dir, Split split, int64_t max_samples) {
  // Debian ships the .gz files; decompressed copies are accepted too.
  return LoadIdx(SplitPath(dir, split, "-images-idx3-ubyte"),
                 SplitPath(dir, split, "-labels-idx1-ubyte"), max_samples);
}

}  // namespace fedcarbon::data
