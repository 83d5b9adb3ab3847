// FromJson / ToJson / Load: defaults, unknown keys, types, ranges, enums, cross-field checks.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/config/config.h"

namespace fedcarbon::config {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// The error message of FromJson(j); fails the test when it succeeds.
std::string ErrorOf(const json& j) {
  Result<ExperimentConfig> r = FromJson(j);
  EXPECT_FALSE(r.ok()) << "expected an error for " << j.dump();
  return r.ok() ? std::string() : r.status().message();
}

TEST(ConfigTest, EmptyObjectGivesDefaults) {
  Result<ExperimentConfig> r = FromJson(json::object());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->seed, 2020u);
  EXPECT_EQ(r->federation.num_clients, 10);
  EXPECT_EQ(r->federation.clients_per_round, 5);
  EXPECT_EQ(r->partition.scheme, "iid");
  EXPECT_EQ(r->clients.device.proportions.at("jetson_tx2"), 1.0);
}

TEST(ConfigTest, IssueSchemaExampleParses) {
  const json j = json::parse(R"({"name": "fl-iid", "seed": 2020,
   "data": {"dataset": "fashion-mnist", "path": "/usr/share/datasets/fashion-mnist"},
   "model": {"name": "cnn"},
   "train": {"optimizer": "adam", "lr": 0.001, "batch_size": 10, "local_epochs": 1},
   "federation": {"num_clients": 10, "clients_per_round": 5, "rounds": 100,
                  "target_accuracy": 0.90, "strategy": "fedavg"},
   "partition": {"scheme": "iid"},
   "clients": {"device": "jetson_tx2", "countries": {"USA": 1.0}},
   "runtime": {"workers": 2}})");
  Result<ExperimentConfig> r = FromJson(j);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->name, "fl-iid");
  EXPECT_EQ(r->data.path, "/usr/share/datasets/fashion-mnist");
  EXPECT_DOUBLE_EQ(r->federation.target_accuracy, 0.90);
}

TEST(ConfigTest, ToJsonRoundTripsEveryField) {
  ExperimentConfig c;
  c.name = "rt";
  c.seed = 18446744073709551615ull;  // max uint64 survives
  c.train.optimizer = "sgd";
  c.train.lr = 0.05;
  c.train.momentum = 0.9;
  c.federation.num_clients = 3;
  c.federation.clients_per_round = 2;
  c.federation.strategy = "fedadam";
  c.partition.scheme = "label_groups";
  c.partition.iid_fraction = 0.3;
  c.clients.device.proportions = {{"jetson_tx2", 0.25}, {"rpi4", 0.75}};
  c.clients.countries.proportions.clear();
  c.clients.countries.list = {"USA", "FRA", "CHN"};
  c.energy.measure_rapl = false;
  const json j = ToJson(c);
  Result<ExperimentConfig> back = FromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(ToJson(*back), j);
  EXPECT_EQ(back->seed, c.seed);
  EXPECT_EQ(back->clients.countries.list, c.clients.countries.list);
  EXPECT_DOUBLE_EQ(back->clients.device.proportions.at("rpi4"), 0.75);
  // Every section and field is present.
  EXPECT_TRUE(j.at("train").contains("keep_optimizer_state"));
  EXPECT_TRUE(j.at("energy").contains("coordinator_pue"));
  EXPECT_TRUE(ToJson(ExperimentConfig{}).at("data").contains("path"));
}

TEST(ConfigTest, UnknownKeysNameTheFullKey) {
  EXPECT_THAT(ErrorOf({{"sede", 1}}), HasSubstr("unknown key 'sede'"));
  EXPECT_THAT(ErrorOf({{"federation", {{"clients_per_rond", 3}}}}),
              HasSubstr("unknown key 'federation.clients_per_rond' (did you mean "
                        "'clients_per_round'?)"));
  EXPECT_THAT(ErrorOf({{"partition", {{"zzz", 3}}}}), HasSubstr("unknown key 'partition.zzz'"));
  // A dotted name is a key of --set, never of a file.
  EXPECT_THAT(ErrorOf({{"train.lr", 0.1}}), HasSubstr("unknown key 'train.lr'"));
  EXPECT_THAT(ErrorOf({{"", 1}}), HasSubstr("unknown key ''"));
  EXPECT_THAT(ErrorOf({{"train", 3}}), HasSubstr("train must be a JSON object"));
  EXPECT_THAT(ErrorOf(json::array()), HasSubstr("must be a JSON object"));
}

TEST(ConfigTest, TypeErrorsNameTheKey) {
  EXPECT_THAT(ErrorOf({{"train", {{"lr", "fast"}}}}), HasSubstr("train.lr must be a number"));
  EXPECT_THAT(ErrorOf({{"train", {{"batch_size", 2.5}}}}),
              HasSubstr("train.batch_size must be an integer"));
  EXPECT_THAT(ErrorOf({{"name", 7}}), HasSubstr("name must be a string"));
  EXPECT_THAT(ErrorOf({{"energy", {{"measure_rapl", 1}}}}),
              HasSubstr("energy.measure_rapl must be true or false"));
  EXPECT_THAT(ErrorOf({{"seed", -1}}), HasSubstr("seed must be a non-negative integer"));
  EXPECT_THAT(ErrorOf({{"seed", 1.5}}), HasSubstr("seed must be a non-negative integer"));
  // An integral float is accepted where an integer is expected.
  EXPECT_TRUE(FromJson({{"train", {{"batch_size", 32.0}}}}).ok());
}

TEST(ConfigTest, RangeErrorsNameTheKey) {
  struct Case {
    json j;
    const char* expected;
  };
  const Case cases[] = {
      {{{"train", {{"lr", 0}}}}, "train.lr must be > 0, got 0"},
      {{{"train", {{"momentum", 1.0}}}}, "train.momentum must be in [0, 1), got 1.0"},
      {{{"train", {{"weight_decay", -1e-5}}}}, "train.weight_decay must be >= 0"},
      {{{"train", {{"batch_size", 0}}}}, "train.batch_size must be in [1, "},
      {{{"train", {{"local_epochs", 0}}}}, "train.local_epochs must be in [1, "},
      {{{"train", {{"threads", 0}}}}, "train.threads must be in [1, "},
      {{{"train", {{"max_epochs", 0}}}}, "train.max_epochs must be in [1, "},
      {{{"train", {{"eval_every_steps", -1}}}}, "train.eval_every_steps must be >= 0"},
      {{{"federation", {{"num_clients", 0}}}}, "federation.num_clients must be in [1, "},
      {{{"federation", {{"clients_per_round", 0}}}}, "federation.clients_per_round must be >= 1"},
      {{{"federation", {{"rounds", 0}}}}, "federation.rounds must be in [1, "},
      {{{"federation", {{"target_accuracy", 0}}}}, "federation.target_accuracy must be in (0, 1]"},
      {{{"federation", {{"target_accuracy", 1.5}}}},
       "federation.target_accuracy must be in (0, 1]"},
      {{{"federation", {{"fedprox_mu", -1}}}}, "federation.fedprox_mu must be >= 0"},
      {{{"federation", {{"server_lr", 0}}}}, "federation.server_lr must be > 0"},
      {{{"federation", {{"server_beta2", 1}}}}, "federation.server_beta2 must be in [0, 1)"},
      {{{"federation", {{"round_timeout_s", -2}}}}, "federation.round_timeout_s must be > 0"},
      {{{"federation", {{"eval_every_rounds", 0}}}}, "federation.eval_every_rounds must be >= 1"},
      {{{"partition", {{"alpha", 0}}}}, "partition.alpha must be > 0"},
      {{{"partition", {{"min_partition_size", -1}}}}, "partition.min_partition_size must be >= 0"},
      {{{"partition", {{"shards_per_client", 0}}}}, "partition.shards_per_client must be in [1, "},
      {{{"partition", {{"num_groups", 11}}}}, "partition.num_groups must be in [1, 10]"},
      {{{"partition", {{"iid_fraction", 1.01}}}}, "partition.iid_fraction must be in [0, 1]"},
      {{{"partition", {{"power_law_exponent", 0}}}}, "partition.power_law_exponent must be > 0"},
      {{{"runtime", {{"workers", 0}}}}, "runtime.workers must be in [1, "},
      {{{"runtime", {{"heartbeat_s", 0}}}}, "runtime.heartbeat_s must be > 0"},
      {{{"energy", {{"coordinator_pue", 0.9}}}}, "energy.coordinator_pue must be >= 1"},
      {{{"energy", {{"coordinator_device", ""}}}}, "energy.coordinator_device must not be empty"},
      {json{{"name", ""}}, "name must not be empty"},
  };
  for (const Case& c : cases) EXPECT_THAT(ErrorOf(c.j), HasSubstr(c.expected)) << c.j.dump();
}

TEST(ConfigTest, EnumErrorsListTheChoices) {
  EXPECT_THAT(ErrorOf({{"partition", {{"scheme", "foo"}}}}),
              HasSubstr("partition.scheme must be one of iid, dirichlet, shards, label_groups, "
                        "power_law, got 'foo'"));
  EXPECT_THAT(ErrorOf({{"model", {{"name", "resnet"}}}}),
              HasSubstr("model.name must be one of cnn, mlp, got 'resnet'"));
  EXPECT_THAT(ErrorOf({{"train", {{"optimizer", "rmsprop"}}}}), HasSubstr("train.optimizer"));
  EXPECT_THAT(ErrorOf({{"federation", {{"strategy", "scaffold"}}}}),
              HasSubstr("federation.strategy"));
  EXPECT_THAT(ErrorOf({{"federation", {{"compression", "int4"}}}}),
              HasSubstr("federation.compression"));
  EXPECT_THAT(ErrorOf({{"energy", {{"network", "5g"}}}}), HasSubstr("energy.network"));
}

TEST(ConfigTest, ClientsPerRoundAtMostNumClients) {
  EXPECT_THAT(ErrorOf({{"federation", {{"num_clients", 4}, {"clients_per_round", 5}}}}),
              HasSubstr("federation.clients_per_round must be <= federation.num_clients"));
  EXPECT_TRUE(FromJson({{"federation", {{"num_clients", 5}, {"clients_per_round", 5}}}}).ok());
}

TEST(ConfigTest, AssignmentForms) {
  Result<ExperimentConfig> r =
      FromJson({{"clients", {{"device", "rpi4"}, {"countries", {{"USA", 1}, {"FRA", 3}}}}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->clients.device.proportions.size(), 1u);
  EXPECT_DOUBLE_EQ(r->clients.countries.proportions.at("FRA"), 0.75);  // normalised

  r = FromJson({{"federation", {{"num_clients", 2}, {"clients_per_round", 1}}},
                {"clients", {{"countries", {"USA", "CHN"}}}}});
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->clients.countries.list, (std::vector<std::string>{"USA", "CHN"}));

  EXPECT_THAT(ErrorOf({{"clients", {{"countries", {"USA", "CHN"}}}}}),
              HasSubstr("clients.countries lists 2 names but federation.num_clients is 10"));
  EXPECT_THAT(ErrorOf({{"clients", {{"countries", {{"USA", -1}}}}}}),
              HasSubstr("clients.countries.USA must be a number >= 0"));
  EXPECT_THAT(ErrorOf({{"clients", {{"countries", {{"USA", 0}}}}}}),
              HasSubstr("clients.countries proportions must sum to > 0"));
  EXPECT_THAT(ErrorOf({{"clients", {{"device", ""}}}}),
              HasSubstr("clients.device must not be empty"));
  EXPECT_THAT(ErrorOf({{"clients", {{"device", 3}}}}), HasSubstr("clients.device must be a name"));
  EXPECT_THAT(ErrorOf({{"clients", {{"device", {"a", ""}}}}}),
              HasSubstr("clients.device[1] must be a non-empty string"));
}

TEST(ConfigTest, ResolveDataPathPrecedence) {
  ExperimentConfig c;
  c.data.path = "/from/config";
  EXPECT_EQ(ResolveDataPath(c), "/from/config");
  c.data.path.clear();
  setenv("FEDCARBON_DATA", "/from/env", 1);
  EXPECT_EQ(ResolveDataPath(c), "/from/env");
  unsetenv("FEDCARBON_DATA");
  EXPECT_EQ(ResolveDataPath(c), "/usr/share/datasets/fashion-mnist");
}

// Every shipped example config must load.
TEST(ConfigTest, EveryExperimentConfigLoads) {
  const std::filesystem::path dir = std::filesystem::path(FEDCARBON_SOURCE_DIR) / "experiments";
  int loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".json") continue;
    // Reproduction specs ({"base": config, ...}, read by experiment::LoadReproduceSpec) are
    // checked by the reproduce tests, which validate every config they derive.
    std::ifstream in(entry.path());
    if (nlohmann::json::parse(in, nullptr, false).contains("base")) continue;
    Result<ExperimentConfig> r = Load(entry.path().string());
    EXPECT_TRUE(r.ok()) << r.status().message();
    ++loaded;
  }
  EXPECT_GE(loaded, 3) << "expected fl-iid, fl-dirichlet and mlp-iid in " << dir;
}

}  // namespace
}  // namespace fedcarbon::config

namespace fedcarbon::config {
namespace {

TEST(ConfigTest, SimulatedTimeKeysAreCheckedAndNamed) {
  EXPECT_THAT(ErrorOf({{"time", {{"start", "2023-06-05 00:00"}}}}), HasSubstr("time.start"));
  EXPECT_THAT(ErrorOf({{"time", {{"start", "2023-02-30T00:00:00Z"}}}}),
              HasSubstr("not a valid date"));
  EXPECT_THAT(ErrorOf({{"time", {{"intensity", "monthly"}}}}),
              HasSubstr("time.intensity must be one of annual, hourly"));
  EXPECT_THAT(ErrorOf({{"federation", {{"selection", "greedy"}}}}),
              HasSubstr("federation.selection"));
  EXPECT_THAT(ErrorOf({{"clients", {{"dropout_p", 1.0}}}}), HasSubstr("clients.dropout_p"));
  EXPECT_THAT(ErrorOf({{"clients", {{"availability", "trace"}}}}),
              HasSubstr("clients.availability_trace must name a CSV file"));
  EXPECT_THAT(ErrorOf({{"clients",
                        {{"availability", "diurnal"}, {"online_from_h", 8}, {"online_to_h", 8}}}}),
              HasSubstr("must differ"));
  Result<ExperimentConfig> ok = FromJson(
      {{"time", {{"start", "2023-01-09T12:00Z"}, {"intensity", "hourly"}, {"max_shift_h", 6}}},
       {"federation", {{"selection", "carbon_aware"}, {"overcommit", 0.3}}}});
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->time.start, "2023-01-09T12:00Z");
  EXPECT_EQ(ok->federation.selection, "carbon_aware");
}

}  // namespace
}  // namespace fedcarbon::config
