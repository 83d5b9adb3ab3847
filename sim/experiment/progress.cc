// The progress line (see include/fedcarbon/experiment/progress.h).
#include "fedcarbon/experiment/progress.h"

#include <spdlog/fmt/fmt.h>

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fedcarbon/common/csv.h"
#include "fedcarbon/energy/ledger.h"
#include "fedcarbon/records/curve.h"
#include "fedcarbon/records/rounds.h"

namespace fedcarbon::experiment {
namespace {}  // namespace

std::string FormatDuration(double seconds) {
  if (!(seconds >= 0) || !std::isfinite(seconds)) return "--:--";
  const long long s = std::llround(seconds);
  char buf[32];
  if (s < 3600) {
    std::snprintf(buf, sizeof(buf), "%02lld:%02lld", s / 60, s % 60);
  } else {
    std::snprintf(buf, sizeof(buf), "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  }
  return buf;
}

std::string FormatGrams(double g) {
  if (g >= 1000) return fmt::format("{:.2f}", g / 1000) + " kgCO2e";
  if (g >= 100) return fmt::format("{:.0f}", g) + " gCO2e";
  if (g >= 1) return fmt::format("{:.2f}", g) + " gCO2e";
  return fmt::format("{:.3g}", g) + " gCO2e";
}

std::string FormatProgress(const ProgressState& s) {
  std::string out;
  auto part = [&out](const std::string& p) {
    if (p.empty()) return;
    if (!out.empty()) out += " | ";
    out += p;
  };
  std::string head;
  if (s.points > 0) head = "point " + std::to_string(s.point) + "/" + std::to_string(s.points);
  if (!s.label.empty()) head += (head.empty() ? "" : " ") + s.label;
  part(head);
  if (s.rounds > 0)
    part(s.unit + " " + std::to_string(s.round) + "/" + std::to_string(s.rounds));
  else if (s.round > 0)
    part(s.unit + " " + std::to_string(s.round));
  if (s.steps > 0) part("step " + std::to_string(s.steps));
  if (!std::isnan(s.accuracy)) part("acc " + fmt::format("{:.4f}", s.accuracy));
  if (!std::isnan(s.gco2e)) part(FormatGrams(s.gco2e));
  part(FormatDuration(s.elapsed_s) + " elapsed");
  if (!std::isnan(s.eta_s)) part("ETA " + FormatDuration(s.eta_s));
  return out;
}

double EstimateEta(double elapsed_s, double done_units, double total_units) {
  if (!(done_units > 0) || !(total_units > 0) || !(elapsed_s >= 0)) return ProgressState::kNone;
  if (done_units >= total_units) return 0.0;
  return elapsed_s * (total_units - done_units) / done_units;
}

ProgressLine::ProgressLine(std::FILE* out, bool interactive, ProgressLineOptions options)
    : out_(out), interactive_(interactive), options_(options) {}

bool ProgressLine::IsTerminal(std::FILE* out) {
  if (out == nullptr || !isatty(fileno(out))) return false;
  const char* term = std::getenv("TERM");
  return term == nullptr || std::strcmp(term, "dumb") != 0;
}

void ProgressLine::Update(const ProgressState& s) {
  last_ = s;
  have_state_ = true;
  const bool moved = s.round != drawn_round_ || s.point != drawn_point_;
  if (!interactive_) {
    if (!moved) return;
    std::fprintf(out_, "%s\n", FormatProgress(s).c_str());
    std::fflush(out_);
    drawn_round_ = s.round;
    drawn_point_ = s.point;
    return;
  }
  if (shown_ && !moved && FormatProgress(s) == drawn_text_) return;  // nothing new to show
  pending_ = true;
  const double since =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - drawn_at_).count();
  if (moved || !shown_ || since >= options_.min_redraw_s) Draw();
}

void ProgressLine::Draw() {
  drawn_text_ = FormatProgress(last_);
  std::fprintf(out_, "\r%s\x1b[K", drawn_text_.c_str());
  std::fflush(out_);
  shown_ = true;
  pending_ = false;
  drawn_round_ = last_.round;
  drawn_point_ = last_.point;
  drawn_at_ = std::chrono::steady_clock::now();
}

void ProgressLine::Log(const std::string& line) {
  if (interactive_ && shown_) std::fputs("\r\x1b[K", out_);
  std::fputs(line.c_str(), out_);
  if (line.empty() || line.back() != '\n') std::fputc('\n', out_);
  if (interactive_ && have_state_ && shown_) Draw();
  std::fflush(out_);
}

void ProgressLine::Finish() {
  if (!interactive_) return;
  if (pending_) Draw();
  if (shown_) {
    std::fputc('\n', out_);
    std::fflush(out_);
  }
  shown_ = false;
  have_state_ = false;
}

RunFollower::RunFollower(const std::string& run_dir) {
  rounds_.path = run_dir + "/rounds.csv";
  ledger_.path = run_dir + "/ledger.csv";
  curve_.path = run_dir + "/curve.csv";
}

std::vector<std::string> RunFollower::NewLines(Tail& tail, bool* restarted) {
  std::vector<std::string> lines;
  std::ifstream in(tail.path, std::ios::binary | std::ios::ate);
  if (!in) return lines;
  const auto size = static_cast<uint64_t>(std::max<std::streamoff>(0, in.tellg()));
  if (size < tail.offset) {  // rewritten: start again
    tail = Tail{tail.path, 0, {}};
    if (restarted) *restarted = true;
  }
  if (size == tail.offset) return lines;
  in.seekg(static_cast<std::streamoff>(tail.offset));
  std::string text(size - tail.offset, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(std::max<std::streamsize>(0, in.gcount())));
  const size_t end = text.rfind('\n');
  if (end == std::string::npos) return lines;  // no complete line yet
  tail.offset += end + 1;
  std::istringstream ls(text.substr(0, end + 1));
  for (std::string line; std::getline(ls, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (tail.header.empty())
      tail.header = line;
    else if (!line.empty())
      lines.push_back(std::move(line));
  }
  return lines;
}

void RunFollower::Poll() {
  for (const std::string& line : NewLines(rounds_)) {
    Result<CsvTable> t = ParseCsv(rounds_.header + "\n" + line + "\n", rounds_.path);
    if (!t.ok() || t->size() != 1) continue;
    Result<records::RoundRecord> r = records::ParseRoundRow(t->header(), t->rows()[0], rounds_.path,
                                                            records::RoundColumns::kPresent);
    if (!r.ok()) continue;
    round_ = r->round;
    if (r->accuracy) {
      accuracy_ = *r->accuracy;
      history_.emplace_back(round_, accuracy_);
    }
  }
  // curve.csv is rewritten whole after each evaluation: NewLines starts again when it grows
  // from scratch, so count the points seen so far from its rows.
  bool restarted = false;
  std::vector<std::string> points = NewLines(curve_, &restarted);
  if (restarted) history_.clear();
  for (const std::string& line : points) {
    Result<CsvTable> t = ParseCsv(curve_.header + "\n" + line + "\n", curve_.path);
    if (!t.ok() || t->size() != 1) continue;
    Result<records::CurvePoint> p = records::ParseCurveRow(t->header(), t->rows()[0], curve_.path);
    if (!p.ok()) continue;
    accuracy_ = p->test_accuracy;
    round_ = static_cast<int>(history_.size()) + 1;
    history_.emplace_back(round_, accuracy_);
  }
  for (const std::string& line : NewLines(ledger_)) {
    Result<energy::LedgerRow> row = energy::ParseLedgerRow(line);
    if (!row.ok()) continue;
    gco2e_ = (std::isnan(gco2e_) ? 0.0 : gco2e_) + row->cost.emissions_kg * 1000.0;
  }
}

}  // namespace fedcarbon::experiment
