// Helpers for the end-to-end tests (see e2e_util.h).
#include "e2e_util.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "fedcarbon/common/csv.h"

namespace fedcarbon::testing {
namespace {

uint32_t BigEndian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

void PutBigEndian(unsigned char* p, uint32_t v) {
  p[0] = static_cast<unsigned char>(v >> 24);
  p[1] = static_cast<unsigned char>(v >> 16);
  p[2] = static_cast<unsigned char>(v >> 8);
  p[3] = static_cast<unsigned char>(v);
}

// Copies the header (with the count replaced) and the first n records of an IDX file.
bool CopyIdx(const std::string& from, const std::string& to, int n) {
  gzFile in = gzopen(from.c_str(), "rb");
  if (!in) return false;
  unsigned char header[16];
  bool ok = gzread(in, header, 8) == 8;
  const uint32_t magic = ok ? BigEndian(header) : 0;
  const int dims = static_cast<int>(magic & 0xff);
  ok = ok && (dims == 1 || dims == 3) && BigEndian(header + 4) >= static_cast<uint32_t>(n);
  size_t record = 1;
  if (ok && dims == 3) {
    ok = gzread(in, header + 8, 8) == 8;
    record = size_t{BigEndian(header + 8)} * BigEndian(header + 12);
  }
  std::vector<unsigned char> body(record * static_cast<size_t>(n));
  ok = ok &&
       gzread(in, body.data(), static_cast<unsigned>(body.size())) == static_cast<int>(body.size());
  gzclose(in);
  if (!ok) return false;
  PutBigEndian(header + 4, static_cast<uint32_t>(n));
  gzFile out = gzopen(to.c_str(), "wb1");
  if (!out) return false;
  const unsigned header_bytes = dims == 3 ? 16 : 8;
  ok = gzwrite(out, header, header_bytes) == static_cast<int>(header_bytes) &&
       gzwrite(out, body.data(), static_cast<unsigned>(body.size())) ==
           static_cast<int>(body.size());
  return gzclose(out) == Z_OK && ok;
}

}  // namespace

bool WriteFashionMnistSubset(const std::string& dir, int n_train, int n_test) {
  const char* env = std::getenv("FEDCARBON_DATA");
  const std::string src = env && *env ? env : "/usr/share/datasets/fashion-mnist";
  std::filesystem::create_directories(dir);
  return CopyIdx(src + "/train-images-idx3-ubyte.gz", dir + "/train-images-idx3-ubyte.gz",
                 n_train) &&
         CopyIdx(src + "/train-labels-idx1-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz",
                 n_train) &&
         CopyIdx(src + "/t10k-images-idx3-ubyte.gz", dir + "/t10k-images-idx3-ubyte.gz", n_test) &&
         CopyIdx(src + "/t10k-labels-idx1-ubyte.gz", dir + "/t10k-labels-idx1-ubyte.gz", n_test);
}

std::string MakeTempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  const std::string base = tmp && *tmp ? tmp : "/tmp";
  std::error_code ec;
  std::filesystem::create_directories(base, ec);  // else mkdtemp fails
  std::string pattern = base + "/" + prefix + "-XXXXXX";
  std::vector<char> buf(pattern.begin(), pattern.end());
  buf.push_back('\0');
  return mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
}

Proc::Proc(const std::vector<std::string>& argv, const std::string& log) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  pid_ = fork();
  if (pid_ == 0) {
    if (fd >= 0) {
      dup2(fd, STDOUT_FILENO);
      dup2(fd, STDERR_FILENO);
    }
    execv(args[0], args.data());
    _exit(127);
  }
  if (fd >= 0) close(fd);
}

Proc::Proc(Proc&& o) noexcept : pid_(o.pid_), code_(o.code_) { o.pid_ = -1; }

Proc& Proc::operator=(Proc&& o) noexcept {
  if (this != &o) {
    Reap();
    pid_ = o.pid_;
    code_ = o.code_;
    o.pid_ = -1;
  }
  return *this;
}

Proc::~Proc() { Reap(); }

void Proc::Reap() {
  if (pid_ > 0 && !code_) {
    kill(pid_, SIGKILL);
    int status = 0;
    waitpid(pid_, &status, 0);
  }
  pid_ = -1;
}

bool Proc::Running() {
  if (pid_ <= 0 || code_) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return false;
  }
  return true;
}

void Proc::Signal(int sig) {
  if (Running()) kill(pid_, sig);
}

std::optional<int> Proc::Wait(std::chrono::milliseconds timeout) {
  WaitUntil([&] { return !Running(); }, timeout);
  return code_;
}

bool WaitUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

nlohmann::json ReadJson(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}

bool WriteFile(const std::string& path, const std::string& contents) {
  std::ofstream out(path);
  out << contents;
  return static_cast<bool>(out);
}

std::vector<records::RoundRecord> RoundsSoFar(const std::string& path) {
  std::vector<records::RoundRecord> rounds;
  std::string text = ReadFile(path);
  const size_t last_newline = text.rfind('\n');
  if (last_newline == std::string::npos) return rounds;
  text.resize(last_newline + 1);
  Result<CsvTable> table = ParseCsv(text, path);
  if (!table.ok()) return rounds;
  for (size_t i = 0; i < table->size(); ++i) {
    Result<records::RoundRecord> r = records::ParseRoundRow(
        table->header(), table->rows()[i], path + " line " + std::to_string(i + 2));
    if (!r.ok()) break;
    rounds.push_back(*r);
  }
  return rounds;
}

}  // namespace fedcarbon::testing
