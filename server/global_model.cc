// GlobalModel (see global_model.h).
#include "global_model.h"

#include <spdlog/spdlog.h>

#include <cmath>

#include "fedcarbon/common/seed.h"
#include "fedcarbon/models/tensors.h"

namespace fedcarbon::server {

Result<std::unique_ptr<GlobalModel>> GlobalModel::Create(const config::ExperimentConfig& cfg) {
  std::unique_ptr<GlobalModel> g(new GlobalModel());
  auto enc = wire::ParseEncoding(cfg.federation.compression);
  if (!enc.ok()) return enc.status().WithContext("federation.compression");
  g->encoding_ = *enc;
  auto model = models::MakeModel(cfg.model.name,
                                 DeriveSeed(cfg.seed, {static_cast<uint64_t>(Stream::kInit)}));
  if (!model.ok()) return model.status().WithContext("model.name");
  g->model_ = std::move(*model);
  g->global_ = g->model_->GetParams();
  g->tensor_sizes_ = models::TensorSizes(*g->model_);
  g->scratch_.resize(g->global_.size());
  g->mean_ = std::make_unique<WeightedMean>(g->model_->num_params());
  auto strategy = MakeStrategy(cfg.federation, g->model_->num_params());
  if (!strategy.ok()) return strategy.status();
  g->strategy_ = std::move(*strategy);

  auto test = data::LoadFashionMnist(config::ResolveDataPath(cfg), data::Split::kTest);
  if (!test.ok()) return test.status().WithContext("test set");
  g->test_ = std::move(*test);
  if (g->test_.dim() != g->model_->input_dim())
    return Status::InvalidArgument("test set has " + std::to_string(g->test_.dim()) +
                                   " features per sample, the model expects " +
                                   std::to_string(g->model_->input_dim()));
  return g;
}

Status GlobalModel::EncodeForRound(wire::proto::Weights* out,
                                   std::vector<float>* as_decoded) const {
  FEDCARBON_RETURN_IF_ERROR(wire::EncodeWeights(global_, tensor_sizes_, encoding_, false, out));
  if (encoding_ == wire::Encoding::kFp32) {
    *as_decoded = global_;
    return Status::OK();
  }
  // The clients train from the decoded (lossy) model; their deltas are relative to it.
  auto sent = wire::DecodeWeights(*out, model_->num_params());
  if (!sent.ok()) return sent.status();
  *as_decoded = std::move(*sent);
  return Status::OK();
}

Status GlobalModel::DecodeUpdate(const wire::proto::Weights& w, const std::vector<float>& sent,
                                 std::vector<float>* out) const {
  out->resize(static_cast<size_t>(model_->num_params()));
  FEDCARBON_RETURN_IF_ERROR(wire::DecodeWeights(w, model_->num_params(), *out));
  if (w.is_delta()) {
    bool finite = true;
    std::vector<float>& u = *out;
    for (size_t i = 0; i < u.size(); ++i) {
      u[i] += sent[i];
      finite &= std::isfinite(u[i]);
    }
    if (!finite) return Status::InvalidArgument("update overflows the model");
  }
  return Status::OK();
}

Result<uint64_t> GlobalModel::Aggregate() {
  if (mean_->count() == 0) return uint64_t{0};
  const uint64_t before = mean_->flops();
  mean_->Mean(scratch_);
  std::vector<float> previous = global_;
  const uint64_t flops = mean_->flops() - before + strategy_->Apply(global_, scratch_);
  mean_->Clear();
  if (Status st = model_->SetParams(global_); !st.ok()) {  // cannot happen with valid inputs
    spdlog::error("aggregated model rejected ({}); keeping the previous one", st.message());
    global_ = std::move(previous);
    FEDCARBON_RETURN_IF_ERROR(model_->SetParams(global_));
  }
  return flops;
}

Status GlobalModel::Restore(std::vector<float> weights,
                            std::vector<std::vector<float>> strategy_state) {
  if (weights.size() != global_.size())
    return Status::InvalidArgument(std::to_string(weights.size()) + " weights, the model has " +
                                   std::to_string(global_.size()));
  // SetState checks everything before changing anything; SetParams then cannot fail on size.
  FEDCARBON_RETURN_IF_ERROR(strategy_->SetState(std::move(strategy_state)));
  FEDCARBON_RETURN_IF_ERROR(model_->SetParams(weights));
  global_ = std::move(weights);
  mean_->Clear();
  return Status::OK();
}

Result<models::EvalStats> GlobalModel::Evaluate(int threads) {
  models::DataView view{test_.images.data(), test_.labels.data(), test_.n, test_.dim(), {}};
  auto es = models::Evaluate(*model_, view, threads);
  if (!es.ok()) return es.status().WithContext("evaluation");
  return es;
}

}  // namespace fedcarbon::server
