// Whole-file writes that never leave a half-written file behind.
#pragma once

#include <string>
#include <string_view>

#include "fedcarbon/common/status.h"

namespace fedcarbon {

// Writes `contents` to a temporary file of its own beside `path` (mkstemp: path.tmp.XXXXXX),
// then renames it over `path`, so a reader sees the old file or the new one, never part of one,
// and processes writing the same path at once never clash (the last rename wins). On failure
// the temporary file is removed and the error names the file.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

// The whole file: NotFound when it does not exist, IOError when it cannot be opened or read.
// The error names the file.
Result<std::string> ReadFile(const std::string& path);

}  // namespace fedcarbon
