// UTC times as config values and output columns: ISO 8601 text <-> unix seconds.
//
// Thread safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "fedcarbon/common/status.h"

namespace fedcarbon {

// "2023-06-05T00:00:00Z" (seconds optional: "2023-06-05T00:00Z") -> unix seconds. Only UTC
// ("Z") is accepted, so that a config means the same instant on every host. InvalidArgument
// naming the text otherwise (bad format, month 13, Feb 30, ...).
Result<double> ParseUtcTime(std::string_view text);

// Unix seconds -> "2023-06-05T00:00:00Z" (whole seconds, rounded down).
std::string FormatUtcTime(double unix_s);

}  // namespace fedcarbon
