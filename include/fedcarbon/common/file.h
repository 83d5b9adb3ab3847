// Whole-file writes that never leave a half-written file behind.
#pragma once

#include <string>
#include <string_view>

#include "fedcarbon/common/status.h"

namespace fedcarbon {

// Writes `contents` to `path` + ".tmp", then renames it over `path`, so a reader sees the old
// file or the new one, never part of one. On failure the temporary file is removed and the
// error names the file.
Status WriteFileAtomic(const std::string& path, std::string_view contents);

}  // namespace fedcarbon
