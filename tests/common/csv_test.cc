// CSV by column name: quoting round trips, field-count and quote errors name the line.
#include "fedcarbon/common/csv.h"

#include <gtest/gtest.h>

namespace fedcarbon {
namespace {

TEST(CsvTest, QuotedFieldsRoundTrip) {
  CsvTable t({"id", "value", "error"});
  ASSERT_TRUE(t.Add({"a", "{\"USA\":0.5,\"FRA\":0.5}", "line one\nline \"two\""}).ok());
  ASSERT_TRUE(t.Add({"b", "", ""}).ok());
  const std::string text = t.Format();
  EXPECT_EQ(text,
            "id,value,error\n"
            "a,\"{\"\"USA\"\":0.5,\"\"FRA\"\":0.5}\",\"line one\nline \"\"two\"\"\"\n"
            "b,,\n");
  Result<CsvTable> back = ParseCsv(text, "t.csv");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->header(), t.header());
  EXPECT_EQ(back->rows(), t.rows());
}

TEST(CsvTest, FindsColumnsByName) {
  Result<CsvTable> t = ParseCsv("round,accuracy\r\n1,0.5\r\n2,\r\n", "r.csv");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->Find("accuracy"), 1u);
  EXPECT_FALSE(t->Find("loss").has_value());
  Result<size_t> missing = t->Require("loss", "r.csv");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "r.csv: missing column 'loss'");
  EXPECT_EQ(t->rows()[1][1], "");
}

TEST(CsvTest, BadTextIsAnErrorNamingTheLine) {
  Result<CsvTable> short_row = ParseCsv("a,b\n1,2\n3\n", "x.csv");
  ASSERT_FALSE(short_row.ok());
  EXPECT_EQ(short_row.status().message(), "x.csv:3: 1 fields, the header has 2");
  Result<CsvTable> open_quote = ParseCsv("a,b\n1,\"2\n", "x.csv");
  ASSERT_FALSE(open_quote.ok());
  EXPECT_EQ(open_quote.status().message(), "x.csv:2: unterminated quote");
  EXPECT_FALSE(ParseCsv("", "x.csv").ok());
  CsvTable t({"a"});
  EXPECT_FALSE(t.Add({"1", "2"}).ok());
}

TEST(CsvTest, ParseDoubleNeedsTheWholeText) {
  EXPECT_EQ(*ParseDouble("1.5e3", "v"), 1500.0);
  EXPECT_FALSE(ParseDouble("12x", "v").ok());
  EXPECT_FALSE(ParseDouble("", "v").ok());
  EXPECT_FALSE(ParseDouble("nan", "v").ok());
  EXPECT_EQ(ParseDouble("abc", "col 'x'").status().message(),
            "col 'x': not a finite number: 'abc'");
}

}  // namespace
}  // namespace fedcarbon
