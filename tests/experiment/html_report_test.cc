#include "fedcarbon/experiment/html_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "experiment/scratch.h"
#include "fedcarbon/experiment/sweep_results.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

// A gnuplot-like SVG: XML prolog, namespaces, a definition used by reference.
constexpr const char* kSvg =
    "<?xml version=\"1.0\" encoding=\"utf-8\" standalone=\"no\"?>\n"
    "<!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" "
    "\"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd\">\n"
    "<svg width=\"200\" height=\"100\" viewBox=\"0 0 200 100\"\n"
    " xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\">\n"
    "<defs>\n\t<circle id='gpPt0' r='1'/>\n</defs>\n"
    "<g id=\"gnuplot_canvas\"><use xlink:href='#gpPt0' x='10' y='20' fill='#ff0000'/>"
    "<text x='5' y='90'>accuracy</text></g>\n</svg>\n";

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
}

ReportOptions NoDrawing() {
  ReportOptions o;
  o.draw_missing_plots = false;
  return o;
}

// The page as a string, or the test fails.
std::string Page(const fs::path& dir, ReportResult* result = nullptr) {
  ReportResult r;
  Result<std::string> page = BuildHtmlReport(dir.string(), NoDrawing(), result ? result : &r);
  EXPECT_TRUE(page.ok()) << page.status().ToString();
  return page.ok() ? *page : "";
}

void ExpectSelfContained(const std::string& page) {
  EXPECT_THAT(page, HasSubstr("<svg"));
  EXPECT_THAT(page, Not(HasSubstr("<img")));
  EXPECT_THAT(page, Not(HasSubstr("http")));
  EXPECT_THAT(page, Not(HasSubstr("<?xml")));
  EXPECT_THAT(page, Not(HasSubstr("<!DOCTYPE svg")));
  EXPECT_THAT(page, Not(HasSubstr("<script")));
  EXPECT_THAT(page, Not(HasSubstr("<link")));
}

TEST(HtmlBlocksTest, EscapesEveryMarkupCharacter) {
  EXPECT_EQ(HtmlEscape("a<b & \"c\" > 'd'"), "a&lt;b &amp; &quot;c&quot; &gt; &#39;d&#39;");
  EXPECT_EQ(HtmlEscape("plain"), "plain");
}

TEST(HtmlBlocksTest, MarkdownTablesHeadingsListsAndParagraphs) {
  const std::string md =
      "# Sweep <results>\n\nMean over **2** seeds,\nstd in `()`.\n\n"
      "| alpha | gCO2e |\n|---|---:|\n| 0.1 | 12.5 (0.3) |\n| a\\|b | 7 |\n\n- one\n- two\n";
  EXPECT_EQ(MarkdownToHtml(md, 1),
            "<h2>Sweep &lt;results&gt;</h2>\n"
            "<p>Mean over <strong>2</strong> seeds, std in <code>()</code>.</p>\n"
            "<table>\n<thead><tr><th>alpha</th><th>gCO2e</th></tr></thead>\n<tbody>\n"
            "<tr><td class=\"num\">0.1</td><td>12.5 (0.3)</td></tr>\n"
            "<tr><td>a|b</td><td class=\"num\">7</td></tr>\n</tbody>\n</table>\n"
            "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n");
}

TEST(HtmlBlocksTest, InlineSvgDropsPrologAndNamespacesAndPrefixesIds) {
  Result<std::string> svg = InlineSvg(kSvg, "p7-");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_EQ(svg->rfind("<svg", 0), 0u);
  EXPECT_EQ(svg->substr(svg->size() - 6), "</svg>");
  EXPECT_THAT(*svg, Not(HasSubstr("http")));
  EXPECT_THAT(*svg, HasSubstr("id='p7-gpPt0'"));
  EXPECT_THAT(*svg, HasSubstr("id=\"p7-gnuplot_canvas\""));
  EXPECT_THAT(*svg, HasSubstr("xlink:href='#p7-gpPt0'"));
  EXPECT_THAT(*svg, HasSubstr("fill='#ff0000'"));  // a colour is not an id
  EXPECT_FALSE(InlineSvg("<html></html>", "p1-").ok());
  Result<std::string> scripted =
      InlineSvg("<svg><script type='text/javascript'>alert(1)</script><g/></svg>", "p1-");
  ASSERT_TRUE(scripted.ok());
  EXPECT_EQ(*scripted, "<svg><g/></svg>");
}

TEST(HtmlBlocksTest, JsonTablesWalkNestedObjects) {
  const nlohmann::ordered_json j = {{"rounds", 3}, {"energy", {{"energy_kwh", 0.000123456789}}}};
  const std::string html = JsonToHtmlTables(j);
  EXPECT_THAT(html, HasSubstr("<td>rounds</td><td class=\"num\">3</td>"));
  EXPECT_THAT(html, HasSubstr("<h4>energy</h4>"));
  EXPECT_THAT(html, HasSubstr("<td class=\"num\">0.000123457</td>"));
  const auto flat = FlattenJson({{"federation", {{"rounds", 30}, {"strategy", "fedavg"}}}});
  ASSERT_EQ(flat.size(), 2u);
  EXPECT_EQ(flat[0], (std::vector<std::string>{"federation.rounds", "30"}));
  EXPECT_EQ(flat[1], (std::vector<std::string>{"federation.strategy", "fedavg"}));
}

class HtmlReportTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::ScratchDir("fedcarbon_html"); }
  void TearDown() override { fs::remove_all(dir_); }

  // An FL run folder whose name holds markup.
  fs::path MakeRun(const fs::path& run) {
    Write(run / "config.json",
          R"({"name": "a<b", "federation": {"rounds": 3, "clients_per_round": 10}})");
    Write(run / "summary.json",
          R"({"name": "a<b", "rounds": 3, "final_accuracy": 0.8123, "reached_target": false,)"
          R"( "energy": {"energy_kwh": 0.0042, "emissions_kg": 0.00155}})");
    Write(run / "rounds.csv",
          "round,selected,completed,dropped,accuracy,loss,bytes_down,bytes_up,wall_s,collect_s,"
          "eval_s,late,offline,sim_start,sim_end,shift_h\n"
          "1,10,10,0,0.7011,0.9,100,100,1.5,1.2,0.2,0,0,0,0,0\n"
          "2,10,9,1,0.7788,0.7,100,90,1.4,1.1,0.2,0,0,0,0,0\n"
          "3,10,10,0,0.8123,0.6,100,100,1.3,1.0,0.2,0,0,0,0,0\n");
    Write(run / "accuracy_round.svg", kSvg);
    return run;
  }
  fs::path dir_;
};

TEST_F(HtmlReportTest, RunPageHasTheConfigSummaryRoundsAndInlinePlots) {
  const fs::path run = MakeRun(dir_ / "run");
  Result<ReportKind> kind = DetectReportKind(run.string());
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, ReportKind::kRun);
  ReportResult result;
  const std::string page = Page(run, &result);
  ExpectSelfContained(page);
  EXPECT_THAT(page, HasSubstr("<p class=\"headline\">3 rounds, final accuracy 0.8123, 4.2 Wh, "
                              "1.55 gCO2e</p>"));
  EXPECT_THAT(page, HasSubstr("<td>federation.rounds</td><td class=\"num\">3</td>"));
  EXPECT_THAT(page, HasSubstr("<td>name</td><td>a&lt;b</td>"));
  EXPECT_THAT(page, Not(HasSubstr("a<b")));
  EXPECT_THAT(page, HasSubstr("<td>final_accuracy</td><td class=\"num\">0.8123</td>"));
  EXPECT_THAT(page, HasSubstr("<h4>energy</h4>"));
  EXPECT_THAT(page, HasSubstr("<td>emissions_kg</td><td class=\"num\">0.00155</td>"));
  EXPECT_THAT(page, HasSubstr("<th>accuracy</th>"));
  EXPECT_THAT(page, HasSubstr("<td class=\"num\">0.7788</td>"));
  EXPECT_THAT(page, HasSubstr("xlink:href='#p1-gpPt0'"));
  EXPECT_THAT(page, HasSubstr("Test accuracy against round"));
  // The missing accuracy-vs-CO2 plot is named on the page and in the result.
  EXPECT_THAT(page, HasSubstr("accuracy_co2.svg"));
  ASSERT_EQ(result.notes.size(), 1u);
  EXPECT_THAT(result.notes[0], HasSubstr("accuracy_co2.svg"));

  ReportOptions o = NoDrawing();
  Result<ReportResult> written = WriteHtmlReport(run.string(), o);
  ASSERT_TRUE(written.ok()) << written.status().ToString();
  EXPECT_EQ(written->path, (run / "report.html").string());
  EXPECT_EQ(testing::Slurp(run / "report.html"), page);
}

TEST_F(HtmlReportTest, SweepPageHasResultsPointsAndPlots) {
  SweepTable t;
  t.keys = {"partition.alpha"};
  SweepRow done;
  done.id = "p-0a1b";
  done.values = {"0.1"};
  done.seed = 1;
  done.status = "done";
  done.final_accuracy = 0.8123;
  done.rounds = 30;
  done.energy_kwh = 0.0042;
  done.co2e_kg = 0.00155;
  done.dir = "points/p-0a1b";
  SweepRow failed = done;
  failed.id = "p-9f9f";
  failed.values = {"-1"};
  failed.status = "failed";
  failed.error = "partition.alpha: must be > 0, got <-1>";
  t.rows = {done, failed};
  ASSERT_TRUE(WriteSweepResults((dir_ / "results.csv").string(), t).ok());
  Write(dir_ / "sweep.json", R"({"base": "experiments/mlp-iid.json", "seeds": [1]})");
  Write(dir_ / "results.md",
        "# Sweep\n\n| partition.alpha | gCO2e mean | sd |\n|---|---|---|\n"
        "| 0.1 | 1.55 | 0 |\n");
  Write(dir_ / "plots" / "co2_vs_partition_alpha.svg", kSvg);

  Result<ReportKind> kind = DetectReportKind(dir_.string());
  ASSERT_TRUE(kind.ok());
  EXPECT_EQ(*kind, ReportKind::kSweep);
  ReportResult result;
  const std::string page = Page(dir_, &result);
  ExpectSelfContained(page);
  EXPECT_THAT(page, HasSubstr("experiments/mlp-iid.json"));
  EXPECT_THAT(page, HasSubstr("<th>gCO2e mean</th>"));
  EXPECT_THAT(page, HasSubstr("<td class=\"num\">1.55</td>"));
  // Per-point table: id, swept value, seed, status, accuracy, kWh, gCO2e, error.
  EXPECT_THAT(page, HasSubstr("<th>partition.alpha</th>"));
  EXPECT_THAT(page, HasSubstr("<td>p-0a1b</td><td class=\"num\">0.1</td><td class=\"num\">1</td>"
                              "<td>fl</td><td>done</td><td class=\"num\">0.8123</td>"
                              "<td class=\"num\">30</td><td class=\"num\">0.0042</td>"
                              "<td class=\"num\">1.55</td><td></td>"));
  EXPECT_THAT(page, HasSubstr("must be &gt; 0, got &lt;-1&gt;"));
  EXPECT_THAT(page, HasSubstr("CO2e against partition.alpha"));
  EXPECT_THAT(page, HasSubstr("2 points: 1 done, 1 failed"));
  // The other expected sweep plots are named as missing.
  EXPECT_THAT(page, HasSubstr("accuracy_vs_co2.svg"));
  EXPECT_THAT(page, HasSubstr("energy_breakdown.svg"));
  EXPECT_EQ(result.kind, ReportKind::kSweep);
}

TEST_F(HtmlReportTest, ReproductionPageHasTheTableAndEachRun) {
  Write(dir_ / "table4.csv", "country,fl_iid\nUSA,0.5\n");
  Write(dir_ / "table4.md",
        "# Table 4 reproduction\n\nEach cell: ours (the paper's value).\n\n"
        "| country | FL IID |\n|---|---|\n| USA | 0.48 (0.5) |\n");
  Write(dir_ / "table4.svg", kSvg);
  for (const char* run : {"centralized", "fl_iid", "fl_noniid"}) {
    Write(dir_ / run / "config.json", R"({"name": "t4"})");
    Write(dir_ / run / "accuracy_round.svg", kSvg);
    Write(dir_ / run / "accuracy_co2.svg", kSvg);
  }
  Write(dir_ / "fl_iid" / "summary.json", R"({"rounds": 5, "final_accuracy": 0.8466})");
  const std::string page = Page(dir_);
  ExpectSelfContained(page);
  EXPECT_THAT(page, HasSubstr("<h2>Table 4 reproduction</h2>"));
  EXPECT_THAT(page, HasSubstr("<h2>Run fl_iid</h2>\n<p class=\"headline\">5 rounds, final "
                              "accuracy 0.8466</p>"));
  EXPECT_THAT(page, HasSubstr("<p>Each cell: ours (the paper&#39;s value).</p>"));
  EXPECT_THAT(page, HasSubstr("<td>0.48 (0.5)</td>"));
  EXPECT_THAT(page, HasSubstr("<h2>Run fl_noniid</h2>"));
  // 1 chart + 2 plots x 3 runs, each with its own id prefix.
  EXPECT_THAT(page, HasSubstr("'#p7-gpPt0'"));
  EXPECT_THAT(page, Not(HasSubstr("'#p8-gpPt0'")));
}

TEST_F(HtmlReportTest, UnknownOrUnreadableFoldersAreErrorsNamingTheFile) {
  Result<ReportKind> kind = DetectReportKind(dir_.string());
  ASSERT_FALSE(kind.ok());
  EXPECT_THAT(kind.status().message(), HasSubstr(dir_.string()));
  Result<ReportResult> none = WriteHtmlReport(dir_.string(), NoDrawing());
  ASSERT_FALSE(none.ok());
  EXPECT_THAT(none.status().message(), HasSubstr(dir_.string()));
  EXPECT_FALSE(fs::exists(dir_ / "report.html"));

  const fs::path run = MakeRun(dir_ / "bad");
  Write(run / "summary.json", "{\"rounds\": ");
  Result<ReportResult> bad = WriteHtmlReport(run.string(), NoDrawing());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr((run / "summary.json").string()));

  MakeRun(run);
  Write(run / "accuracy_round.svg", "not an svg");
  bad = WriteHtmlReport(run.string(), NoDrawing());
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("accuracy_round.svg"));
}

// `fedcarbon report` as a process: exit 0 and the page; 2 (bad input) for a folder of no known
// kind, a missing folder and a malformed file; 1 for a page that cannot be written.
TEST_F(HtmlReportTest, CommandExitCodes) {
  const std::string bin = std::string(FEDCARBON_BIN_DIR) + "/fedcarbon";
  if (!fs::exists(bin)) GTEST_SKIP() << "fedcarbon is not built in " << FEDCARBON_BIN_DIR;
  auto run = [&](const fs::path& dir, const std::string& extra = "") {
    const std::string cmd = bin + " report " + dir.string() + extra + " --no-plots >/dev/null 2>&1";
    const int status = std::system(cmd.c_str());
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  };
  EXPECT_EQ(run(dir_), 2);
  EXPECT_EQ(run(dir_ / "no-such-folder"), 2);
  const fs::path run_dir = MakeRun(dir_ / "run");
  EXPECT_EQ(run(run_dir, " --out " + (dir_ / "page.html").string()), 0);
  EXPECT_THAT(testing::Slurp(dir_ / "page.html"), HasSubstr("<svg"));
  EXPECT_EQ(run(run_dir, " --out " + (dir_ / "no-such-folder" / "page.html").string()), 1);
  Write(run_dir / "rounds.csv", "round,accuracy\n1,\"0.5\n");  // unterminated quote
  EXPECT_EQ(run(run_dir), 2);
}

}  // namespace
}  // namespace fedcarbon::experiment
