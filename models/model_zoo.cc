// The named models: "mlp" and "cnn" (the Table 4 CNN of the published Flower baseline).
#include "fedcarbon/common/seed.h"
#include "fedcarbon/models/layer.h"
#include "fedcarbon/models/train.h"

namespace fedcarbon::models {
namespace {

// L2 coefficients of the published baseline's CNN (Keras kernel_regularizer).
constexpr float kCnnConvL2 = 1e-5f;
constexpr float kCnnDenseL2 = 1e-3f;

// Appends the layer made by `made`, whose input is the previous layer's output.
class Builder {
 public:
  explicit Builder(Shape in) : shape_(in) {}
  template <class F>
  Builder& Add(F&& make) {
    if (!status_.ok()) return *this;
    Result<std::unique_ptr<Layer>> r = make(shape_);
    if (!r.ok()) {
      status_ = r.status();
      return *this;
    }
    shape_ = r.value()->out_shape();
    layers_.push_back(std::move(r).value());
    return *this;
  }
  Status status() const { return status_; }
  std::vector<std::unique_ptr<Layer>> Take() { return std::move(layers_); }

 private:
  Shape shape_;
  Status status_;
  std::vector<std::unique_ptr<Layer>> layers_;
};

auto Dense(int64_t units, float l2) {
  return [=](Shape s) { return MakeDense(s, units, l2); };
}
auto Relu() {
  return [](Shape s) { return MakeRelu(s); };
}
auto Conv(int64_t filters, int64_t kernel, float l2) {
  return [=](Shape s) {
    Conv2dOptions o;
    o.filters = filters;
    o.kernel = kernel;
    o.padding = Padding::kSame;
    o.l2 = l2;
    return MakeConv2d(s, o);
  };
}
auto Pool() {
  return [](Shape s) { return MakeMaxPool2d(s); };
}
auto Flat() {
  return [](Shape s) { return MakeFlatten(s); };
}

}  // namespace

std::vector<std::string> ModelNames() { return {"mlp", "cnn"}; }

Result<std::unique_ptr<Sequential>> MakeModel(const std::string& name, uint64_t seed) {
  constexpr int64_t kSide = 28, kClasses = 10;
  std::unique_ptr<Builder> b;
  if (name == "mlp") {
    b = std::make_unique<Builder>(Shape{1, 1, kSide * kSide});
    b->Add(Dense(200, 0)).Add(Relu()).Add(Dense(200, 0)).Add(Relu()).Add(Dense(kClasses, 0));
  } else if (name == "cnn") {
    b = std::make_unique<Builder>(Shape{kSide, kSide, 1});
    b->Add(Conv(32, 5, kCnnConvL2)).Add(Relu()).Add(Pool());
    b->Add(Conv(64, 5, kCnnConvL2)).Add(Relu()).Add(Pool()).Add(Flat());
    b->Add(Dense(512, kCnnDenseL2)).Add(Relu()).Add(Dense(kClasses, kCnnDenseL2));
  } else {
    return Status::Error("unknown model '" + name + "' (expected \"mlp\" or \"cnn\")");
  }
  FEDCARBON_RETURN_IF_ERROR(b->status());
  auto model = Sequential::Create(name, b->Take(), kSide * kSide);
  if (!model.ok()) return model.status();
  auto& layers = model.value()->layers();
  for (size_t i = 0; i < layers.size(); ++i) {
    layers[i]->Initialize(DeriveSeed(seed, {static_cast<uint64_t>(Stream::kInit), i}));
  }
  return model;
}

}  // namespace fedcarbon::models
