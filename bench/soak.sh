#!/usr/bin/env bash
# The soak of issue 12 (outside `make test`: it runs for minutes). experiments/soak.json (MLP,
# 100 clients, 30 per round, 2 local epochs, 200 rounds) with a coordinator and 3 workers started here as
# separate processes on loopback; about every 20 rounds a random worker is killed with SIGKILL
# and a new one started (any worker but the first, whose memory is sampled first against last). Prints: the run's exit, how many workers were killed, the coordinator's
# and the workers' resident memory (first sample against last), and the rounds' wall seconds
# (median, max, max/median) from rounds.csv.
#   bench/soak.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
BUILD=${1:-build}
OUT=${2:-$(mktemp -d /tmp/fedcarbon-soak.XXXXXX)}
BIN=$BUILD/bin
CONFIG=$(dirname "$0")/../experiments/soak.json
PORT=$((20000 + RANDOM % 20000))
EP=tcp://127.0.0.1:$PORT
pids=()
cleanup() { for p in "${pids[@]:-}" ${server:-}; do kill -9 "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0; }

rm -rf "$OUT"; mkdir -p "$OUT"
"$BIN/fedcarbon-server" "$CONFIG" --bind "$EP" --out "$OUT/run" > "$OUT/server.log" 2>&1 &
server=$!
start_worker() {
  "$BIN/fedcarbon-client" --connect "$EP" --capacity 0 --threads 1 >> "$OUT/workers.log" 2>&1 &
  pids+=($!)
}
for _ in 1 2 3; do start_worker; done
sleep 5
server_rss_first=$(rss $server)
worker_rss_first=$(rss "${pids[0]}")
kills=0
next_kill=20
while kill -0 $server 2>/dev/null; do
  done_rounds=$(( $(wc -l < "$OUT/run/rounds.csv" 2>/dev/null || echo 1) - 1 ))
  if (( done_rounds >= next_kill && done_rounds < 195 )); then
    i=$((1 + RANDOM % (${#pids[@]} - 1)))  # never the first: its memory is watched throughout
    kill -9 "${pids[$i]}" 2>/dev/null || true
    wait "${pids[$i]}" 2>/dev/null || true
    pids=("${pids[@]:0:$i}" "${pids[@]:$((i + 1))}")
    kills=$((kills + 1))
    start_worker
    next_kill=$((next_kill + 20))
  fi
  server_rss_last=$(rss $server)
  worker_rss_last=$(rss "${pids[0]}")
  sleep 0.5
done
set +e
wait $server
rc=$?
set -e
python3 - "$OUT/run/rounds.csv" "$rc" "$kills" "$server_rss_first" "$server_rss_last" \
  "$worker_rss_first" "$worker_rss_last" <<'PY'
import csv, statistics, sys
path, rc, kills, s0, s1, w0, w1 = sys.argv[1:]
rows = list(csv.DictReader(open(path)))
walls = [float(r["wall_s"]) for r in rows]
med = statistics.median(walls)
print(f"soak: exit {rc}, {len(rows)} rounds, {kills} workers killed and restarted")
print(f"  coordinator RSS {int(s0)/1024:.1f} MiB first, {int(s1)/1024:.1f} MiB last")
print(f"  worker RSS      {int(w0)/1024:.1f} MiB first (the never-killed worker), {int(w1)/1024:.1f} MiB last")
print(f"  round wall s: median {med:.3f}, max {max(walls):.3f} (round {walls.index(max(walls)) + 1}), max/median {max(walls)/med:.2f}")
print(f"  rounds over 2x the median: {sum(w > 2 * med for w in walls)}")
PY
echo "files: $OUT"
