// README's result blocks are what `fedcarbon readme` makes from results/ and the shipped
// catalog (readme_results.h), so a constant cannot change without README's numbers following:
// the README-drift test. A deliberately changed constant must make it fail.
#include "fedcarbon/experiment/readme_results.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/common/file.h"

namespace fedcarbon::experiment {
namespace {

ReadmeOptions SourceTreeResults() {
  ReadmeOptions o;
  o.results_dir = std::string(FEDCARBON_SOURCE_DIR) + "/results";
  o.gpu_power_dir = std::string(FEDCARBON_SOURCE_DIR) + "/sim/energy/data/gpu_power";
  return o;
}

class ReadmeDriftTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::string> text = ReadFile(std::string(FEDCARBON_SOURCE_DIR) + "/README.md");
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    readme_ = *text;
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok()) << cat.status().ToString();
    catalog_ = std::move(cat).value();
  }
  std::string readme_;
  energy::Catalog catalog_;
};

TEST_F(ReadmeDriftTest, ReadmeBlocksAreWhatTheResultsAndTheCatalogGive) {
  Result<std::vector<ReadmeBlock>> blocks = MakeReadmeBlocks(SourceTreeResults(), catalog_);
  ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
  ASSERT_EQ(blocks->size(), 4u);
  for (const ReadmeBlock& b : *blocks) {
    Result<std::string> text = ReadmeBlockText(readme_, b.name);
    ASSERT_TRUE(text.ok()) << text.status().ToString();
    EXPECT_EQ(*text, b.text)
        << "README block '" << b.name
        << "' is stale: run `make readme` (build/bin/fedcarbon readme --write)";
  }
}

TEST_F(ReadmeDriftTest, AChangedConstantMakesTheBlocksDiffer) {
  // The V100's fitted floor power moved from 36.8 W to 37.5 W (inside its range).
  Result<energy::Catalog> changed = catalog_.WithValue("devices[v100].idle_w", 37.5);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  ReadmeOptions o = SourceTreeResults();
  o.draws = 100;  // the table block is enough to see it
  Result<std::vector<ReadmeBlock>> blocks = MakeReadmeBlocks(o, *changed);
  ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
  Result<std::string> text = ReadmeBlockText(readme_, "table4");
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(blocks->at(1).name, "table4");
  EXPECT_NE(*text, blocks->at(1).text);
}

TEST(ReadmeBlocksTest, ReplacingKeepsEverythingOutsideTheMarkers) {
  const std::string readme =
      "intro 1.5 g\n<!-- BEGIN fedcarbon readme a -->\nold\n<!-- END fedcarbon readme a -->\n"
      "outro\n";
  Result<std::string> out = ReplaceReadmeBlocks(readme, {{"a", "new\nlines\n"}});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out,
            "intro 1.5 g\n<!-- BEGIN fedcarbon readme a -->\nnew\nlines\n"
            "<!-- END fedcarbon readme a -->\noutro\n");
  EXPECT_EQ(*ReadmeBlockText(*out, "a"), "new\nlines\n");
  Result<std::string> missing = ReplaceReadmeBlocks(readme, {{"b", "x\n"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_THAT(missing.status().message(), ::testing::HasSubstr("'b'"));
}

}  // namespace
}  // namespace fedcarbon::experiment
