// The `fedcarbon partition` table and CSV on a tiny partition.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fedcarbon/data/partition_report.h"

namespace fedcarbon::data {
namespace {

TEST(PartitionReportTest, Table) {
  const std::vector<uint8_t> labels{0, 1, 1, 9, 9, 9};
  const Partition p{{0, 1}, {2, 3, 4, 5}};
  EXPECT_EQ(FormatPartitionTable(labels, p),
            "client  samples  c0  c1  c2  c3  c4  c5  c6  c7  c8  c9  classes\n"
            "     0        2   1   1   0   0   0   0   0   0   0   0        2\n"
            "     1        4   0   1   0   0   0   0   0   0   0   3        2\n"
            " total        6   1   2   0   0   0   0   0   0   0   3        3\n"
            "samples per client: min 2, max 4, mean 3.0\n");
}

TEST(PartitionReportTest, Csv) {
  const std::vector<uint8_t> labels{0, 1, 1, 9, 9, 9};
  const Partition p{{0, 1}, {2, 3, 4, 5}};
  EXPECT_EQ(FormatPartitionCsv(labels, p),
            "client,samples,class_0,class_1,class_2,class_3,class_4,class_5,class_6,class_7,"
            "class_8,class_9,classes\n"
            "0,2,1,1,0,0,0,0,0,0,0,0,2\n"
            "1,4,0,1,0,0,0,0,0,0,0,3,2\n"
            "total,6,1,2,0,0,0,0,0,0,0,3,3\n");
}

}  // namespace
}  // namespace fedcarbon::data
