// LocalTrainer (see include/fedcarbon/client/local_trainer.h).
#include "fedcarbon/client/local_trainer.h"

#include <algorithm>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/models/from_config.h"
#include "fedcarbon/models/tensors.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/frame.h"

namespace fedcarbon::client {
LocalTrainer::~LocalTrainer() = default;

Result<std::unique_ptr<LocalTrainer>> LocalTrainer::Create(const config::ExperimentConfig& cfg,
                                                           int threads,
                                                           const data::Dataset* train_set) {
  std::unique_ptr<LocalTrainer> t(new LocalTrainer());
  t->cfg_ = cfg;
  t->threads_ = std::max(threads, 1);
  auto model = models::MakeModel(cfg.model.name,
                                 DeriveSeed(cfg.seed, {static_cast<uint64_t>(Stream::kInit)}));
  if (!model.ok()) return model.status().WithContext("model.name");
  t->model_ = std::move(*model);
  t->tensor_sizes_ = models::TensorSizes(*t->model_);
  auto opt = models::MakeOptimizer(models::OptimizerOptionsFor(cfg.train));
  if (!opt.ok()) return opt.status().WithContext("train.optimizer");
  t->shared_opt_ = std::move(*opt);

  auto encoding = wire::ParseEncoding(cfg.federation.compression);
  if (!encoding.ok()) return encoding.status().WithContext("federation.compression");
  t->encoding_ = *encoding;
  if (cfg.federation.strategy == "fedprox")
    t->prox_mu_ = static_cast<float>(cfg.federation.fedprox_mu);

  if (train_set) {
    t->train_ = train_set;
  } else {
    auto train = data::LoadFashionMnist(config::ResolveDataPath(cfg), data::Split::kTrain);
    if (!train.ok()) return train.status().WithContext("training set");
    t->owned_ = std::move(*train);
    t->train_ = &t->owned_;
  }
  if (t->train_->dim() != t->model_->input_dim())
    return Status::Error("training set has " + std::to_string(t->train_->dim()) +
                         " features per sample, the model expects " +
                         std::to_string(t->model_->input_dim()));
  return t;
}

Status LocalTrainer::SetClients(std::span<const int> client_ids) {
  const int n = cfg_.federation.num_clients;
  for (int c : client_ids)
    if (c < 0 || c >= n)
      return Status::Error("client id " + std::to_string(c) + " outside 0.." +
                           std::to_string(n - 1));
  auto partition = data::MakePartition(train_->labels, n, cfg_.partition, cfg_.seed);
  if (!partition.ok()) return partition.status().WithContext("partition");
  shards_.clear();
  for (int c : client_ids)
    shards_[c] = std::move((*partition)[c]);  // the other clients' lists are freed here
  for (auto it = client_opts_.begin(); it != client_opts_.end();)
    it = shards_.count(it->first) ? std::next(it) : client_opts_.erase(it);
  return Status::OK();
}

const std::vector<int64_t>* LocalTrainer::Shard(int client_id) const {
  auto it = shards_.find(client_id);
  return it == shards_.end() ? nullptr : &it->second;
}

std::vector<int> LocalTrainer::clients() const {
  std::vector<int> out;
  for (const auto& [c, shard] : shards_) out.push_back(c);
  return out;
}

Status LocalTrainer::Train(const wire::proto::TrainRequest& req, int round,
                           wire::proto::TrainResult* out) {
  FEDCARBON_RETURN_IF_ERROR(TrainInPlace(req, req.weights().data(), round, out));
  return wire::EncodeWeights(update_, tensor_sizes_, encoding_, encoding_ != wire::Encoding::kFp32,
                             out->mutable_weights());
}

Result<zmq::message_t> LocalTrainer::ResultFrame(wire::proto::Message* m) const {
  return wire::EncodeFrame(m, update_, tensor_sizes_, encoding_,
                           encoding_ != wire::Encoding::kFp32);
}

Status LocalTrainer::TrainInPlace(const wire::proto::TrainRequest& req,
                                  std::string_view weights_data, int round,
                                  wire::proto::TrainResult* out) {
  const int client = static_cast<int>(req.client_id());
  const std::vector<int64_t>* shard = Shard(client);
  if (!shard) return Status::Error("client " + std::to_string(client) + " is not hosted here");
  if (shard->empty()) return Status::Error("client " + std::to_string(client) + " has no data");

  received_.resize(static_cast<size_t>(model_->num_params()));
  FEDCARBON_RETURN_IF_ERROR(
      wire::DecodeWeights(req.weights(), weights_data, model_->num_params(), received_));
  // DecodeWeights has checked every value, so copy straight into the layers (the same layout as
  // Sequential::SetParams, which would scan the 1.66M values again one by one).
  size_t offset = 0;
  for (auto& layer : model_->layers()) {
    std::span<float> p = layer->params();
    std::copy_n(received_.data() + offset, p.size(), p.data());
    offset += p.size();
  }

  models::Optimizer* opt = shared_opt_.get();
  if (cfg_.train.keep_optimizer_state) {
    auto& own = client_opts_[client];
    if (!own) {
      auto made = models::MakeOptimizer(models::OptimizerOptionsFor(cfg_.train));
      if (!made.ok()) return made.status();
      own = std::move(*made);
    }
    opt = own.get();
  } else {
    shared_opt_->Reset();  // fresh state per job, as the published baseline's fit()
  }

  models::DataView view{train_->images.data(), train_->labels.data(), train_->n, train_->dim(),
                        *shard};
  models::TrainOptions opts;
  opts.batch_size = cfg_.train.batch_size;
  opts.epochs = cfg_.train.local_epochs;
  opts.threads = threads_;
  opts.seed = DeriveSeed(cfg_.seed, {static_cast<uint64_t>(Stream::kLocalTrain),
                                     static_cast<uint64_t>(client), static_cast<uint64_t>(round)});
  if (prox_mu_ > 0.0f) {
    opts.prox_mu = prox_mu_;
    opts.prox_center = received_;
  }
  auto stats = models::Train(*model_, *opt, view, opts);
  if (!stats.ok()) return stats.status().WithContext("client " + std::to_string(client));

  update_.resize(received_.size());
  model_->GetParams(update_);
  if (encoding_ != wire::Encoding::kFp32)  // the update relative to the received weights
    for (size_t i = 0; i < update_.size(); ++i) update_[i] -= received_[i];
  out->set_num_samples(shard->size());
  out->set_train_loss(stats->mean_loss);
  wire::proto::Activity* a = out->mutable_activity();
  a->set_flops(stats->flops);
  a->set_samples(static_cast<uint64_t>(stats->samples));
  a->set_compute_s(stats->wall_s);
  return Status::OK();
}

}  // namespace fedcarbon::client
