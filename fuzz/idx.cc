// FuzzIdx (see entry.h): an image file and a label file in IDX format, as the loaders read them.
#include <sys/mman.h>
#include <unistd.h>

#include <string>

#include "entry.h"
#include "fedcarbon/data/dataset.h"

namespace fedcarbon::fuzz {
namespace {

// A file in memory (memfd) with `size` bytes, named by its /proc/self/fd path; closed on scope
// exit. The loaders open it by path as they open a file on disk.
class MemFile {
 public:
  MemFile(const uint8_t* data, size_t size) : fd_(memfd_create("fedcarbon-fuzz", MFD_CLOEXEC)) {
    for (size_t done = 0; fd_ >= 0 && done < size;) {
      const ssize_t n = write(fd_, data + done, size - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
  }
  ~MemFile() {
    if (fd_ >= 0) close(fd_);
  }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  bool ok() const { return fd_ >= 0; }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

int FuzzIdx(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  const size_t split =
      (size_t{data[0]} << 24) | (size_t{data[1]} << 16) | (size_t{data[2]} << 8) | size_t{data[3]};
  const size_t images_size = std::min(split, size - 4);
  MemFile images(data + 4, images_size);
  MemFile labels(data + 4 + images_size, size - 4 - images_size);
  if (!images.ok() || !labels.ok()) return 0;

  Result<data::Dataset> ds = data::LoadIdx(images.path(), labels.path());
  if (ds.ok()) {
    FEDCARBON_FUZZ_CHECK(ds->n > 0 && ds->rows > 0 && ds->cols > 0, "a loaded set has samples");
    FEDCARBON_FUZZ_CHECK(ds->labels.size() == static_cast<size_t>(ds->n), "one label per sample");
    FEDCARBON_FUZZ_CHECK(ds->images.size() == static_cast<size_t>(ds->n * ds->dim()),
                         "dim() pixels per sample");
    for (uint8_t l : ds->labels)
      FEDCARBON_FUZZ_CHECK(l < data::Dataset::kNumClasses, "labels 0..9");
    for (float p : ds->images) FEDCARBON_FUZZ_CHECK(p >= 0.0f && p <= 1.0f, "pixels in [0, 1]");
  }
  Result<data::Dataset> first = data::LoadIdx(images.path(), labels.path(), /*max_samples=*/3);
  if (first.ok()) FEDCARBON_FUZZ_CHECK(first->n <= 3, "max_samples keeps at most that many");
  Result<std::vector<uint8_t>> only = data::LoadIdxLabels(labels.path());
  if (only.ok()) {
    FEDCARBON_FUZZ_CHECK(!only->empty(), "a label file has labels");
    for (uint8_t l : *only) FEDCARBON_FUZZ_CHECK(l < data::Dataset::kNumClasses, "labels 0..9");
  }
  return 0;
}

}  // namespace fedcarbon::fuzz
