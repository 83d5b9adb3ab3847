// World: the simulated federation a run's clock moves through. Every client's fixed traits (a
// compute-speed and a link-speed factor, its diurnal window's shift, its time zone, its zone's
// hourly trace) are drawn once from the run seed, so the same config gives the same world on
// every host. It answers: is client c online at time t, how long does a job take it (download,
// compute, upload), at what grid intensity is its work priced, and does it go offline mid-job.
//
// Units: times are unix seconds (UTC); durations seconds; intensities gCO2e/kWh.
// Ownership: holds pointers to the RunTargets and GridIntensity it was made with (not owned: they
// must outlive it). Thread safety: immutable after Create.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fedcarbon/common/status.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/energy/activity.h"
#include "fedcarbon/energy/grid.h"
#include "fedcarbon/energy/interval_pricing.h"
#include "fedcarbon/energy/run_targets.h"

namespace fedcarbon::simtime {

// A job's simulated phases, in order: the request's download, local training, the upload.
struct JobTimes {
  double down_s = 0.0;
  double compute_s = 0.0;
  double up_s = 0.0;
  double total() const { return down_s + compute_s + up_s; }
};

struct ClientTraits {
  double speed_factor = 1.0;    // x the device's compute time (lognormal, median 1)
  double link_factor = 1.0;     // x the transfer times at the country's median speeds
  double window_shift_h = 0.0;  // diurnal: the window's shift, uniform in [-jitter_h, jitter_h]
  double utc_offset_h = 0.0;    // the zone's, else the country's (standard time)
};

// An interval of a trace file, in hours since time.start.
struct OnlineInterval {
  double start_h = 0.0;
  double end_h = 0.0;
};

class World {
 public:
  // Errors: a bad time.start, an unreadable or malformed trace file (naming file, line, column).
  // `grid` may be null: then no client has an hourly trace.
  static Result<World> Create(const config::ExperimentConfig& cfg,
                              const energy::RunTargets* targets, const energy::GridIntensity* grid);

  double start() const { return start_; }  // time.start, unix seconds
  int num_clients() const { return static_cast<int>(traits_.size()); }
  const ClientTraits& traits(int c) const { return traits_.at(c); }

  // Whether client c can be selected at time t (clients.availability).
  bool Online(int c, double t) const;
  // The grid intensity client c would draw at time t: its zone's hour (LCA) when it has a trace,
  // else its country's annual figure. What carbon-aware selection and time shifting compare.
  double IntensityAt(int c, double t) const;
  // The intensity client c's work over [t0, t1) is priced at (time.intensity).
  energy::IntervalIntensity ClientIntensity(int c, double t0, double t1) const;
  energy::IntervalIntensity CoordinatorIntensity(double t0, double t1) const;
  // How long client c takes for a job with this activity: compute = the device's modelled
  // seconds (energy::PriceResolved's compute_s) x speed factor; transfers = bytes at the
  // country's median speeds x link factor.
  JobTimes Times(int c, const energy::Activity& a) const;
  // Whether client c goes offline during its job of `round` (clients.dropout_p), and if so the
  // share of the job's simulated time it got through, in (0, 1).
  std::optional<double> Dropout(int c, int round) const;

 private:
  const config::ExperimentConfig* cfg_ = nullptr;  // the run's; outlives the world
  const energy::RunTargets* targets_ = nullptr;
  const energy::GridIntensity* grid_ = nullptr;
  energy::IntensityMode mode_ = energy::IntensityMode::kAnnual;
  double start_ = 0.0;
  std::vector<ClientTraits> traits_;
  std::vector<std::vector<OnlineInterval>> trace_;  // availability "trace": per client
};

// The activity of a job cut short `tau_s` seconds into it: bytes down, FLOPs and samples, bytes
// up each scaled by the share of their phase done by then. Measured seconds scale with FLOPs.
energy::Activity DoneBy(const energy::Activity& a, const JobTimes& times, double tau_s);

// Reads an availability trace: a CSV with columns client_id,start_h,end_h (others ignored), one
// row per online interval. Errors name the file, line and column; ids must be < num_clients and
// intervals non-empty.
Result<std::vector<std::vector<OnlineInterval>>> ReadAvailabilityTrace(const std::string& path,
                                                                       int num_clients);

}  // namespace fedcarbon::simtime
