// checkpoint.bin: everything a coordinator needs to continue a run bit-identically after the
// round it was written at (fedcarbon-server --resume): the global model, the server strategy's
// state, the counters of summary.json, the simulated clock, the message sequence, and how many
// lines ledger.csv and rounds.csv held at that round boundary. The run's random streams need no
// state: each is derived from the run seed and the round (common/seed.h: selection, dropout,
// local training), and the simulated world is fixed by the config.
//
// Written after every round with WriteFileDurable (tmp + fsync + rename + fsync of the folder),
// after ledger.csv and rounds.csv were fsync'ed, so the files on disk always hold at least the
// lines the checkpoint counts.
//
// Format version 2, little-endian:
//   "FCCK", uint32 version, uint64 payload bytes, the payload, uint64 FNV-1a 64 of the payload.
//   Payload, in order (str = uint32 length + bytes; floats = uint64 count + float32 values):
//     uint32 round; str config_json; str run_id;
//     totals: uint32 rounds, f64 final_accuracy, f64 best_accuracy, u8 reached_target,
//       uint32 rounds_to_target, uint32 dropped, uint32 late, uint32 offline, f64 sim_start,
//       f64 sim_end, f64 sim_to_target, uint32 rejected, uint64 bytes_down, uint64 bytes_up,
//       f64 wall_s;
//     initial evaluation: f64 accuracy, f64 loss, uint64 flops, uint64 samples, f64 wall_s;
//     clock: f64 now, f64 last_start, u8 has_started;
//     uint64 last_seq; uint64 ledger_rows; uint64 rounds_rows; f64 measured_kwh;
//     floats params; uint32 state count, then floats per state vector.
// Version 1 (weights only) is not resumable; reading it is an error that says so.
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fedcarbon/common/file.h"  // WriteFileDurable, LinesCut
#include "fedcarbon/common/status.h"
#include "fedcarbon/server/coordinator.h"

namespace fedcarbon::server {

inline constexpr uint32_t kCheckpointVersion = 2;

// The evaluation of the model before round 1 (summary.json's initial_accuracy; priced with
// round 1's coordinator row).
struct InitialEvaluation {
  double accuracy = 0.0;
  double loss = 0.0;
  uint64_t flops = 0;
  uint64_t samples = 0;
  double wall_s = 0.0;  // measured seconds
  bool operator==(const InitialEvaluation&) const = default;
};

// The simulated clock (simtime::Simulation): unix seconds.
struct ClockCheckpoint {
  double now = 0.0;
  double last_start = 0.0;  // the last round's simulated start
  bool has_started = false;
  bool operator==(const ClockCheckpoint&) const = default;
};

struct Checkpoint {
  int round = 0;            // rounds completed; the run continues with round + 1
  std::string config_json;  // config::ToJson(cfg).dump() of the run (a resume must match it)
  // The coordinator's result after `round`: run_id and every counter of summary.json; wall_s is
  // the measured seconds so far. `endpoint` and `interrupted` are not saved.
  CoordinatorResult totals;
  InitialEvaluation initial;
  ClockCheckpoint clock;
  uint64_t last_seq = 0;       // the last message sequence number sent (they keep increasing)
  uint64_t ledger_rows = 0;    // ledger.csv rows after its header at this round boundary
  uint64_t rounds_rows = 0;    // rounds.csv rows after its header
  double measured_kwh = -1.0;  // RAPL energy of the host so far; -1: not measured
  std::vector<float> params;   // the global model, [num_params]
  // The server strategy's state (Strategy::State(): fedadam's m and v; none for fedavg).
  std::vector<std::vector<float>> strategy_state;
};

// Encodes `c` (format above); pure.
std::string EncodeCheckpoint(const Checkpoint& c);
// Decodes and validates: magic, version, the size against the header (before allocating), the
// checksum, every length against the bytes left, finite weights and state. Errors are Corruption
// (a version 1 file, a torn or corrupt one) and begin with `what` (the file's path).
Result<Checkpoint> DecodeCheckpoint(std::string_view bytes, const std::string& what);

// WriteFileDurable(path, EncodeCheckpoint(c)).
Status WriteCheckpoint(const std::string& path, const Checkpoint& c);
// ReadFile + DecodeCheckpoint; NotFound when the file does not exist. Errors name the file.
Result<Checkpoint> ReadCheckpoint(const std::string& path);

// What CutToCheckpoint removed from each file.
struct RunFilesCut {
  LinesCut ledger;
  LinesCut rounds;
};

// Cuts out_dir/ledger.csv and out_dir/rounds.csv back to the lengths `c` counts (their header
// plus ledger_rows / rounds_rows lines): rows of rounds after the checkpoint, written before a
// crash, and a torn last line are removed (the resumed run writes them again). Corruption naming
// the file when it does not start with its header or holds fewer lines than `c` counts.
Result<RunFilesCut> CutToCheckpoint(const std::string& out_dir, const Checkpoint& c);

}  // namespace fedcarbon::server
