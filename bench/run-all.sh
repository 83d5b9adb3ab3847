#!/usr/bin/env bash
# bench/run-all.sh BUILD_DIR: everything `make bench` runs. Kernel microbenchmarks first, then the
# side-by-side comparison with the PyTorch peer. Results are also written to BUILD_DIR/bench/.
set -euo pipefail
BUILD=${1:?usage: bench/run-all.sh BUILD_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=$BUILD/bench
mkdir -p "$OUT"

echo "== kernels (bench_kernels: conv/dense forward+backward, training steps, SGEMM ceiling)"
"$BUILD/bin/bench_kernels" --benchmark_min_time=0.5 --benchmark_out="$OUT/kernels.json" \
  --benchmark_out_format=json | tee "$OUT/kernels.txt"

echo
echo "== side by side with PyTorch (bench/side_by_side.sh)"
"$HERE/side_by_side.sh" "$BUILD" | tee "$OUT/side_by_side.txt"

echo
echo "== runtime (bench_wire: message path vs memcpy, round overhead, memory at 1,000 clients)"
"$BUILD/bin/bench_wire" --benchmark_out="$OUT/wire.json" --benchmark_out_format=json \
  | tee "$OUT/wire.txt"
