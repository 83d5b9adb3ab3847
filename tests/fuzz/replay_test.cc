// Replays fuzz/corpus/<target>/ (the seeds) and fuzz/regressions/<target>/ (inputs that once
// crashed, hung or exhausted memory: each a bug fixed in the real code) through the fuzz entry
// points (fuzz/entry.h), so that `make test` guards every fix without clang or libFuzzer.
//
// Each input runs in a child process under the limits libFuzzer ran it with (`make fuzz`): at
// most 1 GiB of address space (an input that makes a loader allocate what the file does not
// hold dies of it) and 20 s (a hang). The child's stderr names the input.
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "entry.h"

namespace fedcarbon::fuzz {
namespace {

namespace fs = std::filesystem;

using Entry = int (*)(const uint8_t*, size_t);

constexpr rlim_t kAddressSpace = rlim_t{1} << 30;
constexpr unsigned kSecondsPerInput = 20;

std::vector<fs::path> Inputs(const std::string& kind, const std::string& target) {
  const fs::path dir = fs::path(FEDCARBON_SOURCE_DIR) / "fuzz" / kind / target;
  std::vector<fs::path> out;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_regular_file() && e.path().filename() != "README.md") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

// Runs `entry` on the bytes of `path` in a child under the limits; its exit status.
int RunLimited(Entry entry, const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
  const pid_t pid = fork();
  if (pid == 0) {
    const rlimit as{kAddressSpace, kAddressSpace};
    setrlimit(RLIMIT_AS, &as);
    alarm(kSecondsPerInput);
    const int r = entry(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    _exit(r == 0 ? 0 : 3);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

void Replay(const std::string& target, Entry entry) {
  const std::vector<fs::path> seeds = Inputs("corpus", target);
  EXPECT_FALSE(seeds.empty()) << "fuzz/corpus/" << target << " holds the target's seeds";
  std::vector<fs::path> all = seeds;
  for (const fs::path& p : Inputs("regressions", target)) all.push_back(p);
  for (const fs::path& p : all) {
    const int status = RunLimited(entry, p);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << p << ": "
        << (WIFSIGNALED(status) ? std::string("killed by signal ") + strsignal(WTERMSIG(status))
                                : "exit " + std::to_string(WEXITSTATUS(status)));
  }
}

TEST(FuzzReplayTest, WireFrame) { Replay("wire_frame", FuzzWireFrame); }
TEST(FuzzReplayTest, ConfigJson) { Replay("config_json", FuzzConfigJson); }
TEST(FuzzReplayTest, Idx) { Replay("idx", FuzzIdx); }

}  // namespace
}  // namespace fedcarbon::fuzz
