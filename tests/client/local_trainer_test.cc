// LocalTrainer without sockets: hosted shards, one training job in each encoding reporting
// exactly the work the coordinator expects, and the worker's in-place form (the request's
// weights read from its frame, the result's written into its frame) giving the same frame.
#include <random>

#include <gtest/gtest.h>

#include "fedcarbon.pb.h"
#include "fedcarbon/client/local_trainer.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/models/from_config.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/frame.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::client {
namespace {

data::Dataset SyntheticDataset(int n, uint64_t seed) {
  data::Dataset d;
  d.n = n;
  d.rows = 28;
  d.cols = 28;
  d.images.resize(static_cast<size_t>(n) * 784);
  d.labels.resize(n);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  for (int i = 0; i < n; ++i) {
    d.labels[i] = static_cast<uint8_t>(i % 10);
    for (int k = 0; k < 784; ++k)  // a learnable pattern: the label lights up a row band
      d.images[static_cast<size_t>(i) * 784 + k] = 0.2f * u(rng) + (k / 78 == i % 10 ? 0.8f : 0.0f);
  }
  return d;
}

config::ExperimentConfig SmallConfig(int clients) {
  config::ExperimentConfig cfg;
  cfg.model.name = "mlp";
  cfg.federation.num_clients = clients;
  cfg.federation.clients_per_round = 1;
  cfg.train.batch_size = 10;
  return cfg;
}

TEST(LocalTrainerTest, KeepsOnlyTheHostedShardsOfTheDeterministicPartition) {
  const data::Dataset d = SyntheticDataset(400, 1);
  config::ExperimentConfig cfg = SmallConfig(8);
  auto t = LocalTrainer::Create(cfg, 1, &d);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  ASSERT_TRUE((*t)->SetClients(std::vector<int>{1, 6}).ok());
  EXPECT_EQ((*t)->clients(), (std::vector<int>{1, 6}));
  EXPECT_FALSE((*t)->Hosts(0));
  auto p = data::MakePartition(d.labels, 8, cfg.partition, cfg.seed);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*(*t)->Shard(1), (*p)[1]);
  EXPECT_EQ(*(*t)->Shard(6), (*p)[6]);
  EXPECT_FALSE((*t)->SetClients(std::vector<int>{8}).ok()) << "ids are 0..num_clients-1";
}

TEST(LocalTrainerTest, TrainsAJobInEachEncodingAndReportsItsWork) {
  const data::Dataset d = SyntheticDataset(300, 4);
  auto model = models::MakeModel("mlp", 5);
  ASSERT_TRUE(model.ok());
  const std::vector<float> global = (*model)->GetParams();
  for (auto enc : {wire::Encoding::kFp32, wire::Encoding::kFp16, wire::Encoding::kInt8}) {
    SCOPED_TRACE(wire::EncodingName(enc));
    config::ExperimentConfig cfg = SmallConfig(3);
    cfg.federation.compression = wire::EncodingName(enc);
    auto t = LocalTrainer::Create(cfg, 1, &d);
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_TRUE((*t)->SetClients(std::vector<int>{2}).ok());
    wire::proto::TrainRequest req;
    req.set_client_id(2);
    ASSERT_TRUE(
        wire::EncodeWeights(global, {}, wire::Encoding::kFp32, false, req.mutable_weights()).ok());
    wire::proto::TrainResult out;
    ASSERT_TRUE((*t)->Train(req, 1, &out).ok());
    const auto shard = static_cast<int64_t>((*t)->Shard(2)->size());
    EXPECT_EQ(out.num_samples(), static_cast<uint64_t>(shard));
    // The work reported is exactly what the coordinator expects of this client's job.
    auto opt = models::MakeOptimizer(models::OptimizerOptionsFor(cfg.train));
    ASSERT_TRUE(opt.ok());
    const models::TrainWork expected = models::ExpectedTrainWork(
        **model, **opt, shard, cfg.train.batch_size, cfg.train.local_epochs, false);
    EXPECT_EQ(out.activity().samples(), static_cast<uint64_t>(expected.samples));
    EXPECT_EQ(out.activity().flops(), expected.flops);
    EXPECT_GT(expected.flops, 0u);
    EXPECT_EQ(out.weights().is_delta(), enc != wire::Encoding::kFp32);
    auto w = wire::DecodeWeights(out.weights(), static_cast<int64_t>(global.size()));
    ASSERT_TRUE(w.ok());
    double moved = 0;
    for (size_t i = 0; i < global.size(); ++i)
      moved += std::fabs(out.weights().is_delta() ? (*w)[i] : (*w)[i] - global[i]);
    EXPECT_GT(moved, 0.0) << "training changed the model";

    wire::proto::TrainRequest other;
    other.set_client_id(0);  // not hosted here
    EXPECT_FALSE((*t)->Train(other, 1, &out).ok());
  }
}

TEST(LocalTrainerTest, InPlaceJobsSendTheFramesOfProtobufJobs) {
  const data::Dataset d = SyntheticDataset(300, 4);
  auto model = models::MakeModel("mlp", 5);
  ASSERT_TRUE(model.ok());
  const std::vector<float> global = (*model)->GetParams();
  for (auto enc : {wire::Encoding::kFp32, wire::Encoding::kFp16, wire::Encoding::kInt8}) {
    SCOPED_TRACE(wire::EncodingName(enc));
    config::ExperimentConfig cfg = SmallConfig(3);
    cfg.federation.compression = wire::EncodingName(enc);
    // The request as a worker receives it: a frame, parsed in place.
    wire::MessageBuilder coordinator;
    coordinator.set_run_id("run");
    wire::proto::Message request;
    coordinator.Start(&request, 1);
    request.mutable_train_request()->set_client_id(2);
    ASSERT_TRUE(wire::EncodeWeights(global, {}, wire::Encoding::kFp32, false,
                                    request.mutable_train_request()->mutable_weights())
                    .ok());
    wire::InFrame in;
    ASSERT_TRUE(in.Parse(wire::ToFrame(request)).ok());
    ASSERT_TRUE(in.message().train_request().weights().data().empty()) << "left in the frame";

    // Two trainers alike: one job through protobuf's bytes field, one in place.
    std::string frames[2];
    for (int in_place = 0; in_place < 2; ++in_place) {
      auto t = LocalTrainer::Create(cfg, 1, &d);
      ASSERT_TRUE(t.ok()) << t.status().ToString();
      ASSERT_TRUE((*t)->SetClients(std::vector<int>{2}).ok());
      wire::MessageBuilder worker;
      worker.set_run_id("run");
      wire::proto::Message reply;
      worker.Start(&reply, 1);
      wire::proto::TrainResult* out = reply.mutable_train_result();
      out->set_client_id(2);
      if (in_place) {
        ASSERT_TRUE(
            (*t)->TrainInPlace(in.message().train_request(), in.weights_data(), 1, out).ok());
        EXPECT_FALSE(out->has_weights());
        out->mutable_activity()->set_compute_s(1.0);  // (a clock reading)
        auto frame = (*t)->ResultFrame(&reply);
        ASSERT_TRUE(frame.ok()) << frame.status().ToString();
        frames[1] = frame->to_string();
      } else {
        ASSERT_TRUE((*t)->Train(request.train_request(), 1, out).ok());
        out->mutable_activity()->set_compute_s(1.0);
        frames[0] = wire::ToFrame(reply).to_string();
      }
    }
    EXPECT_TRUE(frames[0] == frames[1])
        << "frames of " << frames[0].size() << " and " << frames[1].size() << " bytes differ";
  }
}

}  // namespace
}  // namespace fedcarbon::client
