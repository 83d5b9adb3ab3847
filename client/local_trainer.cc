// LocalTrainer (see include/fedcarbon/client/local_trainer.h).
#include "fedcarbon/client/local_trainer.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "fedcarbon.pb.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/data/partition.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/tensors.h"

namespace fedcarbon::client {
namespace {

constexpr uint32_t kMaxEpochs = 1000;
constexpr uint32_t kMaxBatch = 1 << 20;

models::OptimizerOptions OptimizerFor(const config::TrainConfig& t, float lr) {
  models::OptimizerOptions o;
  o.name = t.optimizer;
  o.lr = lr;
  o.momentum = static_cast<float>(t.momentum);
  o.weight_decay = static_cast<float>(t.weight_decay);
  return o;
}

}  // namespace

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
  t->tensor_sizes_ = wire::TensorSizes(*t->model_);
  auto opt = models::MakeOptimizer(OptimizerFor(cfg.train, static_cast<float>(cfg.train.lr)));
  if (!opt.ok()) return opt.status().WithContext("train.optimizer");
  t->shared_opt_ = std::move(*opt);
  t->shared_lr_ = static_cast<float>(cfg.train.lr);

  auto catalog = energy::Catalog::Default();
  if (!catalog.ok()) return catalog.status().WithContext("energy catalog");
  t->catalog_ = std::move(*catalog);
  const int n = cfg.federation.num_clients;
  // Separate streams, so that with proportions on both the device a client gets says nothing
  // about its country (one shared shuffle would pair them up).
  const uint64_t assignment = static_cast<uint64_t>(Stream::kAssignment);
  t->devices_ = cfg.clients.device.Resolve(n, DeriveSeed(cfg.seed, {assignment, 1}));
  t->countries_ = cfg.clients.countries.Resolve(n, DeriveSeed(cfg.seed, {assignment, 2}));
  if (static_cast<int>(t->devices_.size()) != n || static_cast<int>(t->countries_.size()) != n)
    return Status::Error("clients.device / clients.countries do not resolve to " +
                         std::to_string(n) + " clients");
  std::set<std::pair<std::string, std::string>> pairs;
  for (int c = 0; c < n; ++c) pairs.emplace(t->devices_[c], t->countries_[c]);
  for (const auto& [device, country] : pairs) {
    auto r = energy::Resolve(t->catalog_, {device, country, cfg.energy.network, 0.0});
    if (!r.ok()) return r.status().WithContext("clients");
  }

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
  targets_.clear();
  target_of_.clear();
  std::map<std::pair<std::string, std::string>, int> distinct;  // (device, country) -> index
  for (int c : client_ids) {
    shards_[c] = std::move((*partition)[c]);  // the other clients' lists are freed here
    auto [it, added] = distinct.emplace(std::make_pair(devices_[c], countries_[c]),
                                        static_cast<int>(targets_.size()));
    if (added) {
      auto r = energy::Resolve(catalog_, {devices_[c], countries_[c], cfg_.energy.network, 0.0});
      if (!r.ok()) return r.status();
      targets_.push_back(std::move(*r));
    }
    target_of_[c] = it->second;
  }
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
                           wire::proto::TrainResult* out, energy::Activity* activity) {
  const int client = static_cast<int>(req.client_id());
  const std::vector<int64_t>* shard = Shard(client);
  if (!shard) return Status::Error("client " + std::to_string(client) + " is not hosted here");
  if (shard->empty()) return Status::Error("client " + std::to_string(client) + " has no data");
  if (req.epochs() < 1 || req.epochs() > kMaxEpochs || req.batch_size() < 1 ||
      req.batch_size() > kMaxBatch || !(req.lr() > 0.0f) || !std::isfinite(req.lr()) ||
      !(req.prox_mu() >= 0.0f) || !std::isfinite(req.prox_mu()))
    return Status::Error("train request: epochs, batch_size, lr or prox_mu out of range");
  const auto encoding = static_cast<wire::Encoding>(req.result_encoding());
  if (req.result_encoding() < 0 || req.result_encoding() > 2)
    return Status::Error("train request: unknown result encoding");

  received_.resize(static_cast<size_t>(model_->num_params()));
  FEDCARBON_RETURN_IF_ERROR(wire::DecodeWeights(req.weights(), model_->num_params(), received_));
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
      auto made = models::MakeOptimizer(OptimizerFor(cfg_.train, req.lr()));
      if (!made.ok()) return made.status();
      own = std::move(*made);
    }
    opt = own.get();
  } else if (req.lr() == shared_lr_) {
    shared_opt_->Reset();  // fresh state per job, as the published baseline's fit()
  } else {
    auto made = models::MakeOptimizer(OptimizerFor(cfg_.train, req.lr()));
    if (!made.ok()) return made.status();
    shared_opt_ = std::move(*made);
    shared_lr_ = req.lr();
    opt = shared_opt_.get();
  }

  models::DataView view{train_->images.data(), train_->labels.data(), train_->n, train_->dim(),
                        *shard};
  models::TrainOptions opts;
  opts.batch_size = static_cast<int>(req.batch_size());
  opts.epochs = static_cast<int>(req.epochs());
  opts.threads = threads_;
  opts.seed = DeriveSeed(cfg_.seed, {static_cast<uint64_t>(Stream::kLocalTrain),
                                     static_cast<uint64_t>(client), static_cast<uint64_t>(round)});
  if (req.prox_mu() > 0.0f) {
    opts.prox_mu = req.prox_mu();
    opts.prox_center = received_;
  }
  auto stats = models::Train(*model_, *opt, view, opts);
  if (!stats.ok()) return stats.status().WithContext("client " + std::to_string(client));

  update_.resize(received_.size());
  model_->GetParams(update_);
  const bool delta = encoding != wire::Encoding::kFp32;
  if (delta)
    for (size_t i = 0; i < update_.size(); ++i) update_[i] -= received_[i];
  FEDCARBON_RETURN_IF_ERROR(
      wire::EncodeWeights(update_, tensor_sizes_, encoding, delta, out->mutable_weights()));
  out->set_num_samples(shard->size());
  out->set_train_loss(stats->mean_loss);
  activity->flops = stats->flops;
  activity->samples = stats->samples;
  activity->compute_s = stats->wall_s;
  return Status::OK();
}

Result<energy::Cost> LocalTrainer::Price(int client_id, const energy::Activity& activity) const {
  auto it = target_of_.find(client_id);
  if (it == target_of_.end())
    return Status::Error("client " + std::to_string(client_id) + " is not hosted here");
  return energy::PriceResolved(activity, targets_[it->second]);
}

}  // namespace fedcarbon::client
