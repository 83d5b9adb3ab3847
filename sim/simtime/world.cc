// World (see include/fedcarbon/simtime/world.h).
#include "fedcarbon/simtime/world.h"

#include <algorithm>
#include <cmath>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/common/seed.h"
#include "fedcarbon/common/utc_time.h"

namespace fedcarbon::simtime {
namespace {

constexpr double kPi = 3.14159265358979323846;

// A standard normal draw (Box-Muller on two uniforms).
double Normal(uint64_t seed_a, uint64_t seed_b) {
  const double u1 = 1.0 - UniformFromSeed(seed_a);  // (0, 1]
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * kPi * UniformFromSeed(seed_b));
}

double TransferSeconds(uint64_t bytes, double mbps) {
  return mbps > 0.0 ? 8.0 * static_cast<double>(bytes) / (mbps * 1e6) : 0.0;
}

}  // namespace

Result<World> World::Create(const config::ExperimentConfig& cfg, const energy::RunTargets* targets,
                            const energy::GridIntensity* grid) {
  World w;
  w.cfg_ = &cfg;
  w.targets_ = targets;
  w.grid_ = grid;
  auto start = ParseUtcTime(cfg.time.start);
  if (!start.ok()) return start.status().WithContext("time.start");
  w.start_ = *start;
  auto mode = energy::ParseIntensityMode(cfg.time.intensity);
  if (!mode.ok()) return mode.status().WithContext("time.intensity");
  w.mode_ = *mode;
  const int n = targets->num_clients();
  const auto& k = cfg.clients;
  w.traits_.resize(static_cast<size_t>(n));
  for (int c = 0; c < n; ++c) {
    const auto s = [&](uint64_t part) {
      return DeriveSeed(
          cfg.seed, {static_cast<uint64_t>(Stream::kSimTraits), static_cast<uint64_t>(c), part});
    };
    ClientTraits& t = w.traits_[c];
    t.speed_factor = std::exp(k.speed_sigma * Normal(s(1), s(2)));
    t.link_factor = std::exp(k.link_sigma * Normal(s(3), s(4)));
    t.window_shift_h = k.jitter_h * (2.0 * UniformFromSeed(s(5)) - 1.0);
    const energy::Zone* zone = targets->client_zone(c);
    t.utc_offset_h = zone ? zone->utc_offset_h : targets->client(c).country.utc_offset_h;
  }
  if (k.availability == "trace") {
    auto trace = ReadAvailabilityTrace(k.availability_trace, n);
    if (!trace.ok()) return trace.status().WithContext("clients.availability_trace");
    w.trace_ = std::move(*trace);
  }
  return w;
}

bool World::Online(int c, double t) const {
  const auto& k = cfg_->clients;
  if (k.availability == "always") return true;
  if (k.availability == "trace") {
    const double h = (t - start_) / 3600.0;
    for (const OnlineInterval& i : trace_.at(c))
      if (h >= i.start_h && h < i.end_h) return true;
    return false;
  }
  // diurnal: the local hour of day against the client's shifted window (which may wrap midnight).
  const ClientTraits& tr = traits_.at(c);
  const double local = std::fmod(t / 3600.0 + tr.utc_offset_h - tr.window_shift_h, 24.0);
  const double hour = local < 0.0 ? local + 24.0 : local;
  const double from = k.online_from_h, to = k.online_to_h;
  return from < to ? (hour >= from && hour < to) : (hour >= from || hour < to);
}

double World::IntensityAt(int c, double t) const {
  const energy::ResolvedTarget& target = targets_->client(c);
  return energy::IntensityOver(target, targets_->client_zone(c), t, t,
                               energy::IntensityMode::kHourly, grid_)
      .g_per_kwh;
}

energy::IntervalIntensity World::ClientIntensity(int c, double t0, double t1) const {
  return energy::IntensityOver(targets_->client(c), targets_->client_zone(c), t0, t1, mode_, grid_);
}

energy::IntervalIntensity World::CoordinatorIntensity(double t0, double t1) const {
  return energy::IntensityOver(targets_->coordinator(), targets_->coordinator_zone(), t0, t1, mode_,
                               grid_);
}

JobTimes World::Times(int c, const energy::Activity& a) const {
  const energy::ResolvedTarget& target = targets_->client(c);
  const ClientTraits& tr = traits_.at(c);
  JobTimes j;
  j.compute_s = energy::PriceResolved(a, target).compute_s * tr.speed_factor;
  j.down_s = TransferSeconds(a.bytes_down, target.country.download_mbps) * tr.link_factor;
  j.up_s = TransferSeconds(a.bytes_up, target.country.upload_mbps) * tr.link_factor;
  return j;
}

std::optional<double> World::Dropout(int c, int round) const {
  const double p = cfg_->clients.dropout_p;
  if (p <= 0.0) return std::nullopt;
  const auto s = [&](uint64_t part) {
    return DeriveSeed(cfg_->seed, {static_cast<uint64_t>(Stream::kDropout),
                                   static_cast<uint64_t>(c), static_cast<uint64_t>(round), part});
  };
  if (UniformFromSeed(s(1)) >= p) return std::nullopt;
  return std::clamp(UniformFromSeed(s(2)), 1e-9, 1.0 - 1e-9);
}

energy::Activity DoneBy(const energy::Activity& a, const JobTimes& times, double tau_s) {
  const auto share = [](double done, double phase) {
    return phase > 0.0 ? std::clamp(done / phase, 0.0, 1.0) : (done >= 0.0 ? 1.0 : 0.0);
  };
  const double down = share(tau_s, times.down_s);
  const double compute = tau_s < times.down_s ? 0.0 : share(tau_s - times.down_s, times.compute_s);
  const double up = tau_s < times.down_s + times.compute_s
                        ? 0.0
                        : share(tau_s - times.down_s - times.compute_s, times.up_s);
  energy::Activity d = a;
  d.bytes_down = static_cast<uint64_t>(std::llround(down * static_cast<double>(a.bytes_down)));
  d.flops = static_cast<uint64_t>(std::llround(compute * static_cast<double>(a.flops)));
  d.samples = static_cast<int64_t>(std::llround(compute * static_cast<double>(a.samples)));
  d.steps = static_cast<int64_t>(std::llround(compute * static_cast<double>(a.steps)));
  d.compute_s = compute * a.compute_s;
  d.bytes_up = static_cast<uint64_t>(std::llround(up * static_cast<double>(a.bytes_up)));
  return d;
}

Result<std::vector<std::vector<OnlineInterval>>> ReadAvailabilityTrace(const std::string& path,
                                                                       int num_clients) {
  auto table = ReadCsv(path);
  if (!table.ok()) return table.status();
  auto id_col = table->Require("client_id", path);
  auto start_col = table->Require("start_h", path);
  auto end_col = table->Require("end_h", path);
  for (const auto* col : {&id_col, &start_col, &end_col})
    if (!col->ok()) return col->status();
  std::vector<std::vector<OnlineInterval>> out(static_cast<size_t>(num_clients));
  for (size_t r = 0; r < table->size(); ++r) {
    const auto& row = table->rows()[r];
    const std::string where = path + ":" + std::to_string(r + 2);
    auto id = ParseDouble(row[*id_col], where + ": client_id");
    auto from = ParseDouble(row[*start_col], where + ": start_h");
    auto to = ParseDouble(row[*end_col], where + ": end_h");
    for (const auto* v : {&id, &from, &to})
      if (!v->ok()) return v->status();
    if (*id < 0 || *id >= num_clients || *id != std::floor(*id))
      return Status::InvalidArgument(where + ": client_id must be an integer in [0, " +
                                     std::to_string(num_clients) + ")");
    if (!(*to > *from)) return Status::InvalidArgument(where + ": end_h must be > start_h");
    out[static_cast<size_t>(*id)].push_back({*from, *to});
  }
  return out;
}

}  // namespace fedcarbon::simtime
