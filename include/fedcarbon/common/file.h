// Whole-file writes that never leave a half-written file behind, and the pieces of crash-safe
// append-only files: fsync, and cutting a file back to a number of lines.
//
// Thread safety: free functions; two of them on the same path at once are the caller's problem.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fedcarbon/common/status.h"

namespace fedcarbon {

// Writes `contents` to a temporary file of its own beside `path` (mkstemp: path.tmp.XXXXXX),
// then renames it over `path`, so a reader sees the old file or the new one, never part of one,
// and processes writing the same path at once never clash (the last rename wins). On failure
// the temporary file is removed and the error names the file.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

// WriteFileAtomic that also survives a power loss or an OS crash: the temporary file is fsync'ed
// before the rename and its folder after it (checkpoints: after a crash `path` holds the old or
// the new contents, and a file synced before it, e.g. the ledger, is not older than it).
Status WriteFileDurable(const std::string& path, std::string_view contents);

// fsync(2) of an existing file (its data reaches the disk), e.g. an append-only log before a
// checkpoint that counts its lines. IOError naming the file.
Status SyncFile(const std::string& path);

// What TruncateToLines removed.
struct LinesCut {
  int64_t lines = 0;   // complete (newline-terminated) lines after the kept ones
  bool torn = false;   // and a last line without its newline (a write cut short)
  uint64_t bytes = 0;  // bytes removed in all
};

// Keeps the first `keep` newline-terminated lines of `path` and removes everything after them
// (lines appended later, a torn last line), then fsyncs the file. A file of exactly `keep` lines
// is left untouched. Corruption naming the file when it holds fewer than `keep` complete lines
// (what should be kept is not there); NotFound when it does not exist.
Result<LinesCut> TruncateToLines(const std::string& path, int64_t keep);

// The whole file: NotFound when it does not exist, IOError when it cannot be opened or read.
// The error names the file.
Result<std::string> ReadFile(const std::string& path);

}  // namespace fedcarbon
