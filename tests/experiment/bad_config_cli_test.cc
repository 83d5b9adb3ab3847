// Bad input, one rule: every subcommand of `fedcarbon`, and fedcarbon-server and
// fedcarbon-client, checks its whole input (the config with its partition against the data, the
// names it uses, the files it reads) before it starts a process or writes a file. A bad value
// exits 2 with a message naming the key, and the output folder is not created (or left empty).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "experiment/scratch.h"

namespace fedcarbon::experiment {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::Ran;
using testing::RunProgram;

constexpr const char* kInstalledData = "/usr/share/datasets/fashion-mnist";

struct Case {
  std::string name;
  std::string program;  // fedcarbon, fedcarbon-server, fedcarbon-client
  std::string args;     // {dir} is the scratch folder, {out} the output folder
  std::string names;    // what the message must name (the key, option or file)
};

class BadConfigCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(std::string(FEDCARBON_BIN_DIR) + "/fedcarbon"))
      GTEST_SKIP() << "fedcarbon is not built in " << FEDCARBON_BIN_DIR;
    if (!fs::exists(std::string(kInstalledData) + "/train-labels-idx1-ubyte.gz"))
      GTEST_SKIP() << "Fashion-MNIST is not installed (dataset-fashion-mnist)";
    dir_ = testing::ScratchDir("fedcarbon_bad_config");
    const nlohmann::json good = {{"name", "bad-config"},
                                 {"model", {{"name", "mlp"}}},
                                 {"data", {{"path", kInstalledData}}},
                                 {"federation", {{"num_clients", 10}, {"clients_per_round", 5}}},
                                 {"runtime", {{"workers", 1}}}};
    // 10,000 clients of at least 10 samples each: 100,000 > the 60,000 training samples. Every
    // value is in its own range; only the combination with the data cannot be dealt.
    Write("too-many-clients.json",
          Patch(good, {{"federation", {{"num_clients", 10000}, {"clients_per_round", 10}}},
                       {"partition", {{"scheme", "dirichlet"}, {"min_partition_size", 10}}}}));
    Write("bad-lr.json", Patch(good, {{"train", {{"lr", 0}}}}));
    Write("bad-device.json", Patch(good, {{"clients", {{"device", "jetsn_tx2"}}}}));
    Write("no-data.json", Patch(good, {{"data", {{"path", (dir_ / "no-such-data").string()}}}}));
    Write("too-many-shards.json",
          Patch(good, {{"partition", {{"scheme", "shards"}, {"shards_per_client", 7000}}}}));
    std::ifstream table4(std::string(FEDCARBON_SOURCE_DIR) + "/experiments/table4.json");
    nlohmann::json reproduce = nlohmann::json::parse(table4);
    reproduce["fl_noniid"]["federation"] = {{"num_clients", 10000}, {"clients_per_round", 10}};
    reproduce["fl_noniid"]["partition"] = {{"scheme", "dirichlet"}, {"min_partition_size", 10}};
    Write("reproduce.json", reproduce);
    Write("sweep.json", {{"base", (dir_ / "too-many-clients.json").string()},
                         {"grid", {{"partition.alpha", {0.1, 1.0}}}}});
  }
  void TearDown() override {
    if (!dir_.empty()) fs::remove_all(dir_);
  }
  static nlohmann::json Patch(nlohmann::json j, const nlohmann::json& patch) {
    j.merge_patch(patch);
    return j;
  }
  void Write(const std::string& name, const nlohmann::json& j) {
    std::ofstream(dir_ / name) << j.dump(2);
  }
  std::string Expand(std::string s, const fs::path& out) const {
    for (const auto& [from, to] :
         {std::pair<std::string, std::string>{"{dir}", dir_.string()}, {"{out}", out.string()}}) {
      for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    }
    return s;
  }
  fs::path dir_;
};

TEST_F(BadConfigCliTest, EveryCommandExitsTwoNamingTheKeyBeforeWritingAnything) {
  const std::vector<Case> cases = {
      {"run: partition cannot be dealt", "fedcarbon",
       "run {dir}/too-many-clients.json --quiet --out {out}", "partition.min_partition_size"},
      {"run --emit slurm", "fedcarbon", "run {dir}/too-many-clients.json --emit slurm --out {out}",
       "partition.min_partition_size"},
      {"run: shards", "fedcarbon", "run {dir}/too-many-shards.json --quiet --out {out}",
       "partition.shards_per_client"},
      {"run: a value out of range", "fedcarbon", "run {dir}/bad-lr.json --quiet --out {out}",
       "train.lr"},
      {"run: an unknown device", "fedcarbon", "run {dir}/bad-device.json --quiet --out {out}",
       "jetsn_tx2"},
      {"run: no data set", "fedcarbon", "run {dir}/no-data.json --quiet --out {out}", "data.path"},
      {"run: --set", "fedcarbon",
       "run {dir}/bad-lr.json --quiet --out {out} --set train.lr=0.01 --set "
       "federation.num_clients=70000 --set federation.clients_per_round=5",
       "federation.num_clients"},
      {"centralized", "fedcarbon", "centralized {dir}/too-many-clients.json --out {out}",
       "partition.min_partition_size"},
      {"partition", "fedcarbon", "partition {dir}/too-many-clients.json --csv {out}/p.csv",
       "partition.min_partition_size"},
      {"reproduce", "fedcarbon", "reproduce {dir}/reproduce.json --quick --out {out}",
       "partition.min_partition_size"},
      {"sweep", "fedcarbon", "sweep {dir}/sweep.json --quiet --out {out}",
       "partition.min_partition_size"},
      {"sweep --emit slurm", "fedcarbon", "sweep {dir}/sweep.json --emit slurm --out {out}",
       "partition.min_partition_size"},
      {"price", "fedcarbon", "price {dir}/no-such-run --country FRA", "no-such-run"},
      {"report", "fedcarbon", "report {dir}/no-such-run --no-plots --out {out}/report.html",
       "no-such-run"},
      {"export", "fedcarbon",
       "export {dir}/no-such-run --format codecarbon --out {out}/emissions.csv", "no-such-run"},
      {"sensitivity", "fedcarbon", "sensitivity {dir}/no-such-run --no-plot", "no-such-run"},
      {"bench-train", "fedcarbon", "bench-train --model mlp --steps 1 --data {dir}/no-such-data",
       "no-such-data"},
      {"fedcarbon-server: partition", "fedcarbon-server",
       "{dir}/too-many-clients.json --bind tcp://127.0.0.1:* --out {out}",
       "partition.min_partition_size"},
      {"fedcarbon-server: a value out of range", "fedcarbon-server",
       "{dir}/bad-lr.json --out {out}", "train.lr"},
      {"fedcarbon-client: --connect", "fedcarbon-client",
       "--connect not-an-endpoint --hello-timeout 5", "--connect"},
      {"fedcarbon-client: --capacity", "fedcarbon-client",
       "--connect tcp://127.0.0.1:1 --capacity -1", "--capacity"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path out = dir_ / ("out-" + std::to_string(&c - cases.data()));
    const Ran r = RunProgram(c.program, Expand(c.args, out));
    EXPECT_EQ(r.exit_code, 2) << c.program << " " << Expand(c.args, out) << "\n" << r.output;
    EXPECT_THAT(r.output, HasSubstr(c.names)) << c.program << " " << Expand(c.args, out);
    EXPECT_TRUE(!fs::exists(out) || fs::is_empty(out))
        << out << " was written: nothing may be, on bad input";
  }
}

}  // namespace
}  // namespace fedcarbon::experiment
