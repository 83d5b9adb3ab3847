// bench_sgemm [N] [THREADS]: the practical FLOP ceiling of this host for fedcarbon's kernels.
// Runs THREADS independent single-threaded Eigen SGEMMs of N x N x N at once (one per thread, as
// fedcarbon's threads each run their own GEMMs) and prints the aggregate GFLOP/s, the median of
// 7 timed repetitions:  "sgemm n=1024 threads=1 gflops=77.1"
#include <omp.h>

#include <Eigen/Core>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1024;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 1;
  if (n < 16 || n > 8192 || threads < 1 || threads > 256) {
    std::fprintf(stderr, "usage: bench_sgemm [N in 16..8192] [THREADS >= 1]\n");
    return 2;
  }
  using Mat = Eigen::MatrixXf;
  std::vector<Mat> a(threads), b(threads), c(threads);
  for (int t = 0; t < threads; ++t) {
    a[t] = Mat::Random(n, n);
    b[t] = Mat::Random(n, n);
    c[t] = Mat::Zero(n, n);
  }
  const int reps = 7;
  std::vector<double> rates;
  for (int r = 0; r < reps + 1; ++r) {  // the first run warms caches and page tables up
    const auto t0 = std::chrono::steady_clock::now();
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int t = 0; t < threads; ++t) c[t].noalias() = a[t] * b[t];
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (r > 0) rates.push_back(2.0 * n * n * static_cast<double>(n) * threads / s / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("sgemm n=%d threads=%d gflops=%.1f\n", n, threads, rates[rates.size() / 2]);
  return 0;
}
