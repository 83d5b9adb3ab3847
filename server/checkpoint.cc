// Checkpoints (see include/fedcarbon/server/checkpoint.h).
#include "fedcarbon/server/checkpoint.h"

#include <bit>
#include <cmath>
#include <cstring>
#include <fstream>
#include <type_traits>

#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/records/rounds.h"

namespace fedcarbon::server {
namespace {

static_assert(std::endian::native == std::endian::little, "checkpoints are little-endian");

constexpr char kMagic[4] = {'F', 'C', 'C', 'K'};
constexpr size_t kHeaderBytes = 4 + 4 + 8;
constexpr size_t kChecksumBytes = 8;

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : bytes) h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

class Writer {
 public:
  template <class T>
  void Put(T v) {
    static_assert(std::is_arithmetic_v<T>);
    out_.append(reinterpret_cast<const char*>(&v), sizeof(v));
  }
  void PutString(const std::string& s) {
    Put<uint32_t>(static_cast<uint32_t>(s.size()));
    out_ += s;
  }
  void PutFloats(const std::vector<float>& v) {
    Put<uint64_t>(v.size());
    out_.append(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float));
  }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

// Reads the payload front to back; every read checks the bytes left, so a bad length can neither
// read past the end nor allocate more than the file holds.
class Reader {
 public:
  Reader(std::string_view bytes, const std::string& what) : in_(bytes), what_(what) {}
  template <class T>
  bool Get(T* v, const char* field) {
    if (!Need(sizeof(T), field)) return false;
    std::memcpy(v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return true;
  }
  bool GetString(std::string* s, const char* field) {
    uint32_t n = 0;
    if (!Get(&n, field) || !Need(n, field)) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool GetFloats(std::vector<float>* v, const char* field) {
    uint64_t n = 0;
    if (!Get(&n, field)) return false;
    if (n > (in_.size() - pos_) / sizeof(float)) return Fail(field, "more values than bytes left");
    v->resize(n);
    std::memcpy(v->data(), in_.data() + pos_, n * sizeof(float));
    pos_ += n * sizeof(float);
    for (size_t i = 0; i < n; ++i)
      if (!std::isfinite((*v)[i]))
        return Fail(field, "value " + std::to_string(i) + " is not finite");
    return true;
  }
  bool Fail(const char* field, const std::string& why) {
    if (error_.ok()) error_ = Status::Corruption(what_ + ": " + field + ": " + why);
    return false;
  }
  bool at_end() const { return pos_ == in_.size(); }
  const Status& error() const { return error_; }

 private:
  bool Need(size_t n, const char* field) {
    return n <= in_.size() - pos_ || Fail(field, "runs past the end of the payload");
  }
  std::string_view in_;
  const std::string& what_;
  size_t pos_ = 0;
  Status error_;
};

Status CutFile(const std::string& path, const std::string& header, uint64_t rows, LinesCut* cut) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound(path + ": cannot open");
  std::string head;
  std::getline(in, head);
  if (head != header)
    return Status::Corruption(path + ": does not start with the header of this version");
  in.close();
  Result<LinesCut> c = TruncateToLines(path, static_cast<int64_t>(rows) + 1);
  if (!c.ok() && c.status().code() == StatusCode::kCorruption)
    return Status::Corruption(c.status().message() + "; checkpoint.bin counts " +
                              std::to_string(rows) + " rows after the header");
  if (!c.ok()) return c.status();
  *cut = *c;
  return Status::OK();
}

}  // namespace

std::string EncodeCheckpoint(const Checkpoint& c) {
  Writer w;
  w.bytes().append(kMagic, 4);
  w.Put<uint32_t>(kCheckpointVersion);
  w.Put<uint64_t>(0);  // payload bytes, set below
  w.Put<uint32_t>(static_cast<uint32_t>(c.round));
  w.PutString(c.config_json);
  const CoordinatorResult& t = c.totals;
  w.PutString(t.run_id);
  w.Put<uint32_t>(static_cast<uint32_t>(t.rounds));
  w.Put<double>(t.final_accuracy);
  w.Put<double>(t.best_accuracy);
  w.Put<uint8_t>(t.reached_target ? 1 : 0);
  w.Put<uint32_t>(static_cast<uint32_t>(t.rounds_to_target));
  w.Put<uint32_t>(static_cast<uint32_t>(t.dropped));
  w.Put<uint32_t>(static_cast<uint32_t>(t.late));
  w.Put<uint32_t>(static_cast<uint32_t>(t.offline));
  w.Put<double>(t.sim_start);
  w.Put<double>(t.sim_end);
  w.Put<double>(t.sim_to_target);
  w.Put<uint32_t>(static_cast<uint32_t>(t.rejected));
  w.Put<uint64_t>(t.bytes_down);
  w.Put<uint64_t>(t.bytes_up);
  w.Put<double>(t.wall_s);
  w.Put<double>(c.initial.accuracy);
  w.Put<double>(c.initial.loss);
  w.Put<uint64_t>(c.initial.flops);
  w.Put<uint64_t>(c.initial.samples);
  w.Put<double>(c.initial.wall_s);
  w.Put<double>(c.clock.now);
  w.Put<double>(c.clock.last_start);
  w.Put<uint8_t>(c.clock.has_started ? 1 : 0);
  w.Put<uint64_t>(c.last_seq);
  w.Put<uint64_t>(c.ledger_rows);
  w.Put<uint64_t>(c.rounds_rows);
  w.Put<double>(c.measured_kwh);
  w.PutFloats(c.params);
  w.Put<uint32_t>(static_cast<uint32_t>(c.strategy_state.size()));
  for (const std::vector<float>& s : c.strategy_state) w.PutFloats(s);
  std::string& bytes = w.bytes();
  const uint64_t payload = bytes.size() - kHeaderBytes;
  std::memcpy(bytes.data() + 8, &payload, 8);
  w.Put<uint64_t>(Fnv1a64(std::string_view(bytes).substr(kHeaderBytes)));
  return std::move(bytes);
}

Result<Checkpoint> DecodeCheckpoint(std::string_view bytes, const std::string& what) {
  if (bytes.size() < kHeaderBytes + kChecksumBytes)
    return Status::Corruption(what + ": truncated (" + std::to_string(bytes.size()) +
                              " bytes, not even a header)");
  if (std::memcmp(bytes.data(), kMagic, 4) != 0)
    return Status::Corruption(what + ": not a fedcarbon checkpoint");
  uint32_t version = 0;
  uint64_t payload = 0;
  std::memcpy(&version, bytes.data() + 4, 4);
  std::memcpy(&payload, bytes.data() + 8, 8);
  if (version == 1)
    return Status::Corruption(what +
                              ": format version 1 (the weights only) cannot be resumed; this "
                              "fedcarbon writes and reads version " +
                              std::to_string(kCheckpointVersion));
  if (version != kCheckpointVersion)
    return Status::Corruption(what + ": format version " + std::to_string(version) +
                              ", this fedcarbon reads version " +
                              std::to_string(kCheckpointVersion));
  if (payload != bytes.size() - kHeaderBytes - kChecksumBytes)
    return Status::Corruption(
        what + ": " + std::to_string(bytes.size()) + " bytes, the header says " +
        std::to_string(payload + kHeaderBytes + kChecksumBytes) + " (a truncated or torn file)");
  const std::string_view body = bytes.substr(kHeaderBytes, payload);
  uint64_t checksum = 0;
  std::memcpy(&checksum, bytes.data() + kHeaderBytes + payload, 8);
  if (checksum != Fnv1a64(body))
    return Status::Corruption(what + ": checksum mismatch (the file is corrupt)");

  Checkpoint c;
  Reader r(body, what);
  CoordinatorResult& t = c.totals;
  uint32_t round = 0, rounds = 0, rounds_to_target = 0, dropped = 0, late = 0, offline = 0,
           rejected = 0, states = 0;
  uint8_t reached = 0, started = 0;
  const bool ok =
      r.Get(&round, "round") && r.GetString(&c.config_json, "config") &&
      r.GetString(&t.run_id, "run_id") && r.Get(&rounds, "rounds") &&
      r.Get(&t.final_accuracy, "final_accuracy") && r.Get(&t.best_accuracy, "best_accuracy") &&
      r.Get(&reached, "reached_target") && r.Get(&rounds_to_target, "rounds_to_target") &&
      r.Get(&dropped, "dropped") && r.Get(&late, "late") && r.Get(&offline, "offline") &&
      r.Get(&t.sim_start, "sim_start") && r.Get(&t.sim_end, "sim_end") &&
      r.Get(&t.sim_to_target, "sim_to_target") && r.Get(&rejected, "rejected") &&
      r.Get(&t.bytes_down, "bytes_down") && r.Get(&t.bytes_up, "bytes_up") &&
      r.Get(&t.wall_s, "wall_s") && r.Get(&c.initial.accuracy, "initial accuracy") &&
      r.Get(&c.initial.loss, "initial loss") && r.Get(&c.initial.flops, "initial flops") &&
      r.Get(&c.initial.samples, "initial samples") && r.Get(&c.initial.wall_s, "initial wall_s") &&
      r.Get(&c.clock.now, "clock") && r.Get(&c.clock.last_start, "clock") &&
      r.Get(&started, "clock") && r.Get(&c.last_seq, "last_seq") &&
      r.Get(&c.ledger_rows, "ledger_rows") && r.Get(&c.rounds_rows, "rounds_rows") &&
      r.Get(&c.measured_kwh, "measured_kwh") && r.GetFloats(&c.params, "params") &&
      r.Get(&states, "strategy state count");
  if (!ok) return r.error();
  if (states > 16)
    return Status::Corruption(what + ": " + std::to_string(states) +
                              " strategy state vectors (at most 16)");
  c.strategy_state.resize(states);
  for (std::vector<float>& s : c.strategy_state)
    if (!r.GetFloats(&s, "strategy state")) return r.error();
  if (!r.at_end()) return Status::Corruption(what + ": bytes after the last field");
  c.round = static_cast<int>(round);
  t.rounds = static_cast<int>(rounds);
  t.reached_target = reached != 0;
  t.rounds_to_target = static_cast<int>(rounds_to_target);
  t.dropped = static_cast<int>(dropped);
  t.late = static_cast<int>(late);
  t.offline = static_cast<int>(offline);
  t.rejected = static_cast<int>(rejected);
  c.clock.has_started = started != 0;
  if (round < 1 || round > 10'000'000 || rounds != round)
    return Status::Corruption(what + ": round " + std::to_string(round) + " with " +
                              std::to_string(rounds) + " rounds completed");
  if (c.rounds_rows != round)
    return Status::Corruption(what + ": counts " + std::to_string(c.rounds_rows) +
                              " rounds.csv rows after round " + std::to_string(round));
  for (double x : {t.final_accuracy, t.best_accuracy, t.sim_start, t.sim_end, t.sim_to_target,
                   t.wall_s, c.initial.accuracy, c.initial.loss, c.initial.wall_s, c.clock.now,
                   c.clock.last_start, c.measured_kwh})
    if (!std::isfinite(x)) return Status::Corruption(what + ": a counter is not finite");
  for (const std::vector<float>& s : c.strategy_state)
    if (s.size() != c.params.size())
      return Status::Corruption(what + ": a strategy state of " + std::to_string(s.size()) +
                                " values for " + std::to_string(c.params.size()) + " weights");
  return c;
}

Status WriteCheckpoint(const std::string& path, const Checkpoint& c) {
  return WriteFileDurable(path, EncodeCheckpoint(c));
}

Result<Checkpoint> ReadCheckpoint(const std::string& path) {
  Result<std::string> bytes = ReadFile(path);
  if (!bytes.ok()) return bytes.status();
  return DecodeCheckpoint(*bytes, path);
}

Result<RunFilesCut> CutToCheckpoint(const std::string& out_dir, const Checkpoint& c) {
  RunFilesCut cut;
  FEDCARBON_RETURN_IF_ERROR(
      CutFile(out_dir + "/ledger.csv", energy::LedgerHeader(), c.ledger_rows, &cut.ledger));
  FEDCARBON_RETURN_IF_ERROR(
      CutFile(out_dir + "/rounds.csv", records::RoundsCsvHeader(), c.rounds_rows, &cut.rounds));
  return cut;
}

}  // namespace fedcarbon::server
