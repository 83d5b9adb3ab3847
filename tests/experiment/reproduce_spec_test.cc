#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "fedcarbon/experiment/reproduce.h"

namespace fedcarbon::experiment {
namespace {

using ::testing::HasSubstr;

nlohmann::json Spec() {
  return nlohmann::json::parse(R"({
    "base": {"model": {"name": "cnn"}, "federation": {"num_clients": 10, "clients_per_round": 5,
             "target_accuracy": 0.9}, "train": {"batch_size": 10}},
    "fl_iid": {"partition": {"scheme": "iid"}},
    "fl_noniid": {"partition": {"scheme": "label_groups", "num_groups": 2, "iid_fraction": 0.2}},
    "countries": ["USA", "china", "FR"],
    "centralized": [{"device": "v100", "pue": 1.67}, {"device": "k80", "pue": 1.11}],
    "quick": {"model": {"name": "mlp"}, "federation": {"target_accuracy": 0.8, "rounds": 5}},
    "notes": "test"
  })");
}

class ReproduceSpecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<energy::Catalog> cat = energy::Catalog::Default();
    ASSERT_TRUE(cat.ok());
    catalog_ = *cat;
  }
  energy::Catalog catalog_;
};

TEST_F(ReproduceSpecTest, ParsesAndDerivesTheThreeConfigs) {
  Result<ReproduceSpec> spec = ParseReproduceSpec(Spec(), catalog_);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->countries, (std::vector<std::string>{"USA", "CHN", "FRA"}));
  ASSERT_EQ(spec->centralized.size(), 2u);
  EXPECT_EQ(spec->centralized[1].device, "k80");
  Result<ReproduceConfigs> full = MakeConfigs(*spec, false);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->fl_iid.partition.scheme, "iid");
  EXPECT_EQ(full->fl_noniid.partition.scheme, "label_groups");
  EXPECT_DOUBLE_EQ(full->fl_noniid.partition.iid_fraction, 0.2);
  EXPECT_EQ(full->centralized.model.name, "cnn");
  EXPECT_EQ(full->fl_iid.federation.clients_per_round, 5);
  Result<ReproduceConfigs> quick = MakeConfigs(*spec, true);
  ASSERT_TRUE(quick.ok());
  EXPECT_EQ(quick->fl_noniid.model.name, "mlp");
  EXPECT_EQ(quick->fl_noniid.partition.scheme, "label_groups");  // run patch kept
  EXPECT_DOUBLE_EQ(quick->centralized.federation.target_accuracy, 0.8);
}

TEST_F(ReproduceSpecTest, ErrorsNameTheKey) {
  nlohmann::json j = Spec();
  j["colour"] = 1;
  EXPECT_THAT(ParseReproduceSpec(j, catalog_).status().message(),
              HasSubstr("unknown key 'colour'"));
  j = Spec();
  j.erase("base");
  EXPECT_THAT(ParseReproduceSpec(j, catalog_).status().message(), HasSubstr("'base'"));
  j = Spec();
  j["countries"] = {"USA", "Atlantis"};
  EXPECT_THAT(ParseReproduceSpec(j, catalog_).status().message(), HasSubstr("'Atlantis'"));
  j = Spec();
  j["centralized"][0]["device"] = "jetson_tx2";
  EXPECT_THAT(ParseReproduceSpec(j, catalog_).status().message(),
              HasSubstr("not a datacenter profile"));
  j = Spec();
  j["fl_noniid"]["partition"]["scheme"] = "zigzag";
  Result<ReproduceSpec> bad = ParseReproduceSpec(j, catalog_);
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("fl_noniid"));
}

}  // namespace
}  // namespace fedcarbon::experiment

namespace fedcarbon::experiment {
namespace {

TEST(ShippedReproduceFileTest, Table4JsonParses) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  Result<ReproduceSpec> spec =
      LoadReproduceSpec(std::string(FEDCARBON_SOURCE_DIR) + "/experiments/table4.json", *cat);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->countries, (std::vector<std::string>{"USA", "CHN", "FRA"}));
  EXPECT_EQ(spec->centralized.size(), 4u);
  // --quick is the paper's CNN and setting to a lower target: only the target differs.
  Result<ReproduceConfigs> full = MakeConfigs(*spec, false), quick = MakeConfigs(*spec, true);
  ASSERT_TRUE(full.ok() && quick.ok());
  for (auto [f, q] :
       {std::pair{&full->centralized, &quick->centralized},
        std::pair{&full->fl_iid, &quick->fl_iid}, std::pair{&full->fl_noniid, &quick->fl_noniid}}) {
    EXPECT_EQ(q->model.name, "cnn");
    EXPECT_LT(q->federation.target_accuracy, f->federation.target_accuracy);
    config::ExperimentConfig same = *q;
    same.federation.target_accuracy = f->federation.target_accuracy;
    same.name = f->name;
    EXPECT_EQ(config::ToJson(same), config::ToJson(*f));
  }
}

// The small-model variant is its own experiment: the MLP in the same setting.
TEST(ShippedReproduceFileTest, Table4MlpJsonIsTheSameSettingWithTheMlp) {
  Result<energy::Catalog> cat = energy::Catalog::Default();
  ASSERT_TRUE(cat.ok());
  Result<ReproduceSpec> spec =
      LoadReproduceSpec(std::string(FEDCARBON_SOURCE_DIR) + "/experiments/table4-mlp.json", *cat);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  Result<ReproduceConfigs> c = MakeConfigs(*spec, false);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->fl_iid.model.name, "mlp");
  EXPECT_EQ(c->fl_iid.train.batch_size, 10);
  EXPECT_EQ(c->fl_iid.federation.clients_per_round, 5);
}

}  // namespace
}  // namespace fedcarbon::experiment
