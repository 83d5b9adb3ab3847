// Human- and machine-readable views of a partition: per client, its sample count, its label
// histogram and the number of classes it holds, then a totals line.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "fedcarbon/data/partition.h"

namespace fedcarbon::data {

// Aligned text table, one line per client, a "total" line and a one-line size summary:
//   client  samples   c0   c1 ...   c9  classes
//        0     6000  600  600 ...  600       10
//    total    60000 6000 6000 ... 6000       10
//   samples per client: min 6000, max 6000, mean 6000.0
std::string FormatPartitionTable(std::span<const uint8_t> labels, const Partition& p);

// The same as CSV: header "client,samples,class_0,...,class_9,classes", one row per client, then
// a row whose client column is "total".
std::string FormatPartitionCsv(std::span<const uint8_t> labels, const Partition& p);

}  // namespace fedcarbon::data
