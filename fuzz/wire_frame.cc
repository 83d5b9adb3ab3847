// FuzzWireFrame (see entry.h): one frame as a coordinator or a worker receives it.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "entry.h"
#include "fedcarbon.pb.h"
#include "fedcarbon/config/config.h"
#include "fedcarbon/server/round_engine.h"
#include "fedcarbon/wire/codec.h"
#include "fedcarbon/wire/messages.h"

namespace fedcarbon::fuzz {
namespace {

namespace wp = wire::proto;

// The run the frame arrives in: a 64-weight model, four clients on two workers,
// round 1, every request sent (client c's with sequence number 10 + c).
constexpr int64_t kParams = 64;
constexpr int kClients = 4;
constexpr const char* kRunId = "fuzz-run";

server::RoundEngine MakeRound() {
  server::RoundPlan plan;
  plan.round = 1;
  plan.start = server::Clock::time_point{};
  plan.in_flight_per_worker = 2;
  for (int c = 0; c < kClients; ++c) {
    plan.selected.emplace_back(c, c / 2);
    plan.expected.push_back({15, 15, 1000});
  }
  server::RoundEngine engine(std::move(plan));
  for (const server::SendRequest& r : engine.Start())
    engine.Sent(r.client, 10 + static_cast<uint64_t>(r.client), 100);
  return engine;
}

// Decodes as both sides do; a decode that succeeds gives finite values that encode again and
// decode to the same values (fp32 bit for bit).
void DecodeChecked(const wp::Weights& w) {
  std::vector<float> out(kParams);
  if (!wire::DecodeWeights(w, kParams, out).ok()) return;
  for (float v : out) FEDCARBON_FUZZ_CHECK(std::isfinite(v), "decoded weights are finite");
  const auto encoding = static_cast<wire::Encoding>(w.encoding());
  std::vector<int64_t> sizes;
  if (encoding == wire::Encoding::kInt8)
    for (uint64_t s : w.tensor_sizes()) sizes.push_back(static_cast<int64_t>(s));
  wp::Weights again;
  const Status st = wire::EncodeWeights(out, sizes, encoding, w.is_delta(), &again);
  FEDCARBON_FUZZ_CHECK(st.ok(), "decoded weights encode again");
  std::vector<float> back(kParams);
  FEDCARBON_FUZZ_CHECK(wire::DecodeWeights(again, kParams, back).ok(), "re-encoded weights decode");
  if (encoding == wire::Encoding::kFp32)
    FEDCARBON_FUZZ_CHECK(out == back, "fp32 weights round-trip exactly");
}

// The coordinator's checks of a TrainResult (server/round.cc, HandleResult).
void CheckResult(server::RoundEngine& engine, int worker, const wp::Message& m) {
  const wp::TrainResult& r = m.train_result();
  const wp::Activity& a = r.activity();
  const server::ResultClaim claim{
      worker,          m.header().round(), static_cast<int>(r.client_id()),
      r.request_seq(), r.num_samples(),    a.samples(),
      a.flops()};
  const Status checked = engine.Check(claim);
  // Decoded whether or not the claim holds: the decoder must stand any bytes on its own.
  DecodeChecked(r.weights());
  if (!checked.ok() || !std::isfinite(r.train_loss())) return;
  if (!std::isfinite(a.compute_s()) || a.compute_s() < 0 || !std::isfinite(a.wall_s()) ||
      a.wall_s() < 0)
    return;
  std::vector<float> update(kParams);
  if (!wire::DecodeWeights(r.weights(), kParams, update).ok()) return;
  for (const server::SendRequest& next : engine.Accept(claim.client, 200)) {
    FEDCARBON_FUZZ_CHECK(next.client >= 0 && next.client < kClients, "a next request is a client");
  }
  FEDCARBON_FUZZ_CHECK(!engine.Check(claim).ok(), "a result is accepted once");
}

}  // namespace

namespace internal {
void Fail(const char* file, int line, const char* cond, const char* what) {
  std::fprintf(stderr, "%s:%d: fuzz invariant broken: %s (%s)\n", file, line, what, cond);
  std::abort();
}
}  // namespace internal

int FuzzWireFrame(const uint8_t* data, size_t size) {
  wp::Message m;
  if (!wire::ParseFrame(data, size, &m).ok()) return 0;
  FEDCARBON_FUZZ_CHECK(m.has_header() && m.body_case() != wp::Message::BODY_NOT_SET,
                       "a parsed frame has a header and a body");
  (void)wire::BodyName(m);
  // What parses serializes and parses again.
  const std::string again = m.SerializeAsString();
  wp::Message m2;
  FEDCARBON_FUZZ_CHECK(wire::ParseFrame(again.data(), again.size(), &m2).ok(),
                       "a parsed message re-parses");

  server::RoundEngine engine = MakeRound();
  const int worker = static_cast<int>(m.header().seq() & 1);
  switch (m.body_case()) {
    case wp::Message::kTrainResult:  // coordinator
      if (m.header().run_id() == kRunId)
        CheckResult(engine, worker, m);
      else
        DecodeChecked(m.train_result().weights());
      break;
    case wp::Message::kError: {  // coordinator: a job that failed
      if (!m.error().has_client_id()) break;
      std::vector<server::SendRequest> next;
      server::Dropped dropped;
      if (engine.JobFailed(worker, static_cast<int>(m.error().client_id()), m.error().request_seq(),
                           &next, &dropped))
        FEDCARBON_FUZZ_CHECK(dropped.client >= 0 && dropped.client < kClients,
                             "a dropped client is one of the round's");
      break;
    }
    case wp::Message::kTrainRequest:  // worker
      DecodeChecked(m.train_request().weights());
      break;
    case wp::Message::kWelcome: {  // worker
      const nlohmann::json j = nlohmann::json::parse(m.welcome().config_json(), nullptr, false);
      if (!j.is_discarded()) (void)config::FromJson(j);
      break;
    }
    default:
      break;
  }
  (void)engine.Tick(server::Clock::time_point{} + std::chrono::hours(1));
  FEDCARBON_FUZZ_CHECK(engine.complete(), "a round past its deadline is complete");
  return 0;
}

}  // namespace fedcarbon::fuzz
