// CheckExperiment: what a config that FromJson accepts can still get wrong, found before anything
// runs, as bad input naming the key and its range. The data set is a folder of IDX label files
// written here (the check reads labels only).
#include <filesystem>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/scratch.h"
#include "fedcarbon/check/experiment_check.h"
#include "fedcarbon/config/config.h"

namespace fedcarbon::check {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

void WriteLabels(const fs::path& path, int n) {
  std::ofstream f(path, std::ios::binary);
  const unsigned char header[8] = {0,
                                   0,
                                   8,
                                   1,
                                   static_cast<unsigned char>(n >> 24),
                                   static_cast<unsigned char>(n >> 16),
                                   static_cast<unsigned char>(n >> 8),
                                   static_cast<unsigned char>(n)};
  f.write(reinterpret_cast<const char*>(header), 8);
  for (int i = 0; i < n; ++i) f.put(static_cast<char>(i % 10));
}

class CheckExperimentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fedcarbon::testing::ScratchDir("fedcarbon_check");
    WriteLabels(dir_ / "train-labels-idx1-ubyte", 600);
    WriteLabels(dir_ / "t10k-labels-idx1-ubyte", 100);
    cfg_.data.path = dir_.string();
    cfg_.federation.num_clients = 10;
    cfg_.federation.clients_per_round = 5;
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  config::ExperimentConfig cfg_;
};

TEST_F(CheckExperimentTest, AConfigThatCanRunPasses) {
  for (const char* scheme : {"iid", "dirichlet", "shards", "label_groups", "power_law"}) {
    cfg_.partition.scheme = scheme;
    EXPECT_TRUE(CheckExperiment(cfg_).ok()) << scheme << ": " << CheckExperiment(cfg_).ToString();
  }
}

TEST_F(CheckExperimentTest, APartitionThatCannotBeDealtNamesTheKeyAndItsRange) {
  cfg_.partition.scheme = "dirichlet";
  cfg_.partition.min_partition_size = 10;
  cfg_.federation.num_clients = 100;  // 100 x 10 > 600 samples
  Status st = CheckExperiment(cfg_);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("partition.min_partition_size (10) x 100 clients"));
  EXPECT_THAT(st.message(), HasSubstr("it must be in [0, 6] with 100 clients"));

  cfg_.federation.num_clients = 700;
  st = CheckExperiment(cfg_);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("federation.num_clients (700)"));
  EXPECT_THAT(st.message(), HasSubstr("it must be in [1, 600]"));

  cfg_.federation.num_clients = 10;
  cfg_.partition.scheme = "shards";
  cfg_.partition.shards_per_client = 61;
  st = CheckExperiment(cfg_);
  EXPECT_THAT(st.message(), HasSubstr("partition.shards_per_client (61)"));
  EXPECT_THAT(st.message(), HasSubstr("[1, 60]"));

  // Feasible by its counts, but every Dirichlet draw leaves a client short: found by dealing it.
  cfg_.partition.scheme = "dirichlet";
  cfg_.partition.alpha = 0.001;
  cfg_.partition.min_partition_size = 50;
  st = CheckExperiment(cfg_);
  EXPECT_TRUE(st.IsBadInput()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("partition.min_partition_size"));
}

TEST_F(CheckExperimentTest, MissingDataIsBadInputUnlessTheDataLivesElsewhere) {
  cfg_.data.path = (dir_ / "no-such-data").string();
  Status st = CheckExperiment(cfg_);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);
  EXPECT_THAT(st.message(), HasSubstr("data.path"));
  EXPECT_THAT(st.message(), HasSubstr("no-such-data"));
  // --emit slurm: the cluster holds the data; the counts are checked against Fashion-MNIST.
  CheckOptions elsewhere;
  elsewhere.require_data = false;
  EXPECT_TRUE(CheckExperiment(cfg_, elsewhere).ok());
  cfg_.partition.scheme = "dirichlet";
  cfg_.federation.num_clients = 10000;
  cfg_.federation.clients_per_round = 10;
  st = CheckExperiment(cfg_, elsewhere);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("partition.min_partition_size (10) x 10000 clients"));
  EXPECT_THAT(st.message(), HasSubstr("60000"));
}

TEST_F(CheckExperimentTest, NamesTheCatalogDoesNotKnowAreBadInput) {
  cfg_.clients.device = {{{"jetsn_tx2", 1.0}}, {}};
  Status st = CheckExperiment(cfg_);
  EXPECT_TRUE(st.IsBadInput()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("jetsn_tx2"));
  cfg_.clients.device = {{{"jetson_tx2", 1.0}}, {}};
  cfg_.energy.coordinator_country = "Atlantis";
  st = CheckExperiment(cfg_);
  EXPECT_TRUE(st.IsBadInput()) << st.ToString();
  EXPECT_THAT(st.message(), HasSubstr("Atlantis"));
}

TEST_F(CheckExperimentTest, AConfigTooLargeForAWelcomeIsRejected) {
  cfg_.federation.num_clients = 1000000;
  cfg_.clients.device.list.assign(1000000, "raspberry_pi4_with_a_long_name");
  const Status st = CheckExperiment(cfg_);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(st.message(), HasSubstr("a Welcome may take"));
}

}  // namespace
}  // namespace fedcarbon::check
