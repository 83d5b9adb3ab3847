#!/usr/bin/env bash
# fedcarbon on a real single-node Slurm (slurm_cluster.sh: munged, slurmctld, slurmd on
# 127.0.0.1, everything in a temporary folder):
#   1. `fedcarbon run --emit slurm` with 2 workers: the job runs one coordinator task and two
#      worker tasks; the run folder has 2 rounds and client rows in the ledger.
#   2. tests/slurm/sweep4.json (4 points) run locally, then emitted as a job array, submitted,
#      collected: both results.csv have 4 rows, status done, and equal columns except wall_s.
# Usage: slurm_test.sh BIN_DIR SOURCE_DIR. Exit 77 (ctest SKIP_RETURN_CODE) with the reason when
# it cannot run here (not root, no Slurm or munge, no Fashion-MNIST). Every daemon and job it
# started is stopped on exit; the daemons' logs are printed when it fails.
set -uo pipefail
BIN=$(cd "${1:?usage: slurm_test.sh BIN_DIR SOURCE_DIR}" && pwd)
SRC=$(cd "${2:?usage: slurm_test.sh BIN_DIR SOURCE_DIR}" && pwd)
HERE=$SRC/tests/slurm
export PATH=$PATH:/usr/sbin:/sbin
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (SlurmUser=root, munged as the munge user)"
for c in slurmctld slurmd sbatch srun squeue sinfo scontrol scancel munged munge unmunge \
         runuser ss; do
  command -v "$c" >/dev/null || skip "$c is not installed (scripts/install-deps)"
done
id munge >/dev/null 2>&1 || skip "no munge user (the munge package)"
DATA=${FEDCARBON_DATA:-/usr/share/datasets/fashion-mnist}
[ -r "$DATA/train-images-idx3-ubyte.gz" ] || skip "Fashion-MNIST is not installed in $DATA"
for exe in fedcarbon fedcarbon-server fedcarbon-client; do
  [ -x "$BIN/$exe" ] || { echo "FAIL: $BIN/$exe is not built"; exit 1; }
done
FC=$BIN/fedcarbon

T=$(mktemp -d "${TMPDIR:-/tmp}/fedcarbon-slurm-XXXXXX")
chmod 0711 "$T"  # munged (the munge user) must reach its folder inside
CLUSTER=$T/cluster
mkdir -p "$CLUSTER"
START=$SECONDS
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  bash "$HERE/slurm_cluster.sh" stop "$CLUSTER"
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    echo "=== daemon logs"
    bash "$HERE/slurm_cluster.sh" logs "$CLUSTER"
    for f in "$T"/run/*.log "$T"/run/slurm-*.out "$T"/slurm/slurm-*.out; do
      [ -s "$f" ] && { echo "----- $f"; tail -n 30 "$f"; }
    done
  fi
  rm -rf "$T"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*"; exit 1; }
step() { echo "=== [$(( SECONDS - START )) s] $*"; }

free_port() {
  local p
  for _ in $(seq 200); do
    p=$(( 20000 + RANDOM % 30000 ))
    grep -qs "=$p\$" "$CLUSTER/ports" && continue
    ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return 0; }
  done
  return 1
}

# The JobState of job (or array task) $1 in the completion log (jobcomp/filetxt).
job_state() {
  grep -o "JobId=$1 .*JobState=[A-Z_]*" "$CLUSTER/log/jobcomp.txt" 2>/dev/null \
    | sed 's/.*JobState=//' | tail -n 1
}

# Waits until job $1 (with its array tasks) has left the queue; at most $2 seconds.
wait_job() {
  local deadline=$(( SECONDS + $2 ))
  while [ -n "$(squeue -h -j "$1" -o %i 2>/dev/null)" ]; do
    [ "$SECONDS" -lt "$deadline" ] || { squeue; fail "job $1 still queued after $2 s"; }
    sleep 1
  done
}

step "starting a single-node Slurm in $CLUSTER"
bash "$HERE/slurm_cluster.sh" start "$CLUSTER" || fail "the cluster did not start"
# shellcheck disable=SC1091
source "$CLUSTER/env"
sinfo
cd "$SRC" || fail "cannot cd to $SRC"

# ---- 1. a multi-host run: one coordinator task, two worker tasks ----
PORT=$(free_port) || fail "no free port"
step "fedcarbon run --emit slurm (2 workers, port $PORT)"
timeout 60 "$FC" run experiments/mlp-iid.json --set federation.rounds=2 \
  --set federation.target_accuracy=0.99 --emit slurm --out "$T/run" --workers 2 --port "$PORT" \
  --cpus-per-task 1 \
  || fail "fedcarbon run --emit slurm"
[ -s "$T/run/run.sbatch" ] && [ -s "$T/run/config.json" ] \
  || fail "run.sbatch or config.json is missing"
grep -n '^#SBATCH' "$T/run/run.sbatch"
# Loopback only: the workers connect to 127.0.0.1 and the coordinator binds it.
JOB=$(FEDCARBON_COORDINATOR_HOST=127.0.0.1 FEDCARBON_COORDINATOR_BIND=127.0.0.1 \
      sbatch --parsable --export=ALL "$T/run/run.sbatch") || fail "sbatch run.sbatch"
JOB=${JOB%%;*}
step "submitted job $JOB; waiting"
wait_job "$JOB" 150
STATE=$(job_state "$JOB")
echo "job $JOB: $STATE; $(grep -o "JobId=$JOB .*ProcCnt=[0-9]*" "$CLUSTER/log/jobcomp.txt" \
  | grep -o 'ProcCnt=[0-9]*')"
cat "$T/run/slurm-$JOB.out"
[ "$STATE" = COMPLETED ] || fail "job $JOB ended $STATE"
grep -q '"rounds": 2' "$T/run/summary.json" || fail "summary.json does not say 2 rounds"
grep -q '"workers": 2' "$T/run/summary.json" || fail "summary.json does not say 2 workers"
for i in 0 1; do
  grep -q 'worker done' "$T/run/worker-$i.log" || fail "worker task $((i + 1)) did not finish"
done
grep -q 'listening on tcp://127.0.0.1:'"$PORT" "$T/run/coordinator.log" \
  || fail "the coordinator task did not bind 127.0.0.1:$PORT"
JOINED=$(grep -c 'joined from' "$T/run/coordinator.log")
[ "$JOINED" = 2 ] || fail "$JOINED worker tasks joined the coordinator, expected 2"
CLIENT_ROWS=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "role") r = i; next }
                       r && $r == "client"' "$T/run/ledger.csv" | wc -l)
[ "$CLIENT_ROWS" -gt 0 ] || fail "ledger.csv has no client rows"
echo "PASS run: job $JOB COMPLETED, 1 coordinator + 2 worker tasks, 2 rounds," \
  "$CLIENT_ROWS client rows in the ledger"

# ---- 2. the 4-point sweep: locally, then as a job array ----
"$FC" sweep --help >/dev/null 2>&1 || fail "fedcarbon sweep is not available in $FC"
SWEEP=$HERE/sweep4.json
step "fedcarbon sweep (local, --parallel 2)"
timeout 150 "$FC" sweep "$SWEEP" --out "$T/local" --parallel 2 --no-plots --quiet \
  || fail "the local sweep"
step "fedcarbon sweep --emit slurm"
timeout 60 "$FC" sweep "$SWEEP" --out "$T/slurm" --emit slurm --cpus-per-task 1 --throttle 2 \
  --time 00:15:00 || fail "fedcarbon sweep --emit slurm"
grep -n '^#SBATCH' "$T/slurm/sweep.sbatch"
ARRAY=$(sbatch --parsable --export=ALL "$T/slurm/sweep.sbatch") || fail "sbatch sweep.sbatch"
ARRAY=${ARRAY%%;*}
step "submitted array job $ARRAY; waiting"
wait_job "$ARRAY" 200
for i in 0 1 2 3; do
  # jobcomp/filetxt records array task i under its own JobId, which scontrol maps (MinJobAge).
  TASK_ID=$(scontrol -o show job "${ARRAY}_$i" 2>/dev/null | grep -o "^JobId=[0-9]*" | cut -d= -f2)
  STATE=$(job_state "${TASK_ID:-none}")
  echo "array task ${ARRAY}_$i (JobId ${TASK_ID:-?}): $STATE"
  [ "$STATE" = COMPLETED ] || fail "array task ${ARRAY}_$i ended '$STATE'"
done
step "fedcarbon sweep --collect"
timeout 60 "$FC" sweep --collect "$T/slurm" --no-plots || fail "fedcarbon sweep --collect"

# ---- compare the two results.csv by column name ----
# Splits a CSV line (RFC 4180 quotes) into f[1..n]; prints "row<TAB>column<TAB>value" lines.
to_cells() {
  awk '
    function split_csv(line, f,    n, i, c, q, cell) {
      n = 0; cell = ""; q = 0
      for (i = 1; i <= length(line); i++) {
        c = substr(line, i, 1)
        if (q) {
          if (c != "\"") cell = cell c
          else if (substr(line, i + 1, 1) == "\"") { cell = cell c; i++ }
          else q = 0
        } else if (c == "\"") q = 1
        else if (c == ",") { f[++n] = cell; cell = "" }
        else cell = cell c
      }
      f[++n] = cell
      return n
    }
    { sub(/\r$/, "") }
    NR == 1 { nh = split_csv($0, h); next }
    { n = split_csv($0, f); for (i = 1; i <= nh; i++) print NR - 1 "\t" h[i] "\t" f[i] }
  ' "$1"
}
to_cells "$T/local/results.csv" > "$T/local.cells"
to_cells "$T/slurm/results.csv" > "$T/slurm.cells"
HEADER_L=$(head -n 1 "$T/local/results.csv")
HEADER_S=$(head -n 1 "$T/slurm/results.csv")
echo "columns: $HEADER_L"
[ "$HEADER_L" = "$HEADER_S" ] || fail "the headers differ: '$HEADER_S'"
ROWS_L=$(( $(wc -l < "$T/local/results.csv") - 1 ))
ROWS_S=$(( $(wc -l < "$T/slurm/results.csv") - 1 ))
[ "$ROWS_L" = 4 ] && [ "$ROWS_S" = 4 ] \
  || fail "expected 4 rows each, got $ROWS_L local and $ROWS_S from slurm"
NOT_DONE=$(awk -F'\t' '$2 == "status" && $3 != "done"' "$T/local.cells" "$T/slurm.cells")
[ -z "$NOT_DONE" ] || fail "points not done: $NOT_DONE"
# Rows are matched by id; every column but wall_s must be equal as text.
DIFF=$(awk -F'\t' '
  FNR == 1 { file++ }
  $2 == "id" { id[file, $1] = $3 }
  { v[file, $1, $2] = $3; if (file == 1) { cols[$2] = 1; rows[$1] = 1 } }
  END {
    for (r in rows) {
      for (s in rows) if (id[2, s] == id[1, r]) break
      if (id[2, s] != id[1, r]) { print "id " id[1, r] " is missing from the slurm run"; continue }
      for (c in cols) {
        if (c == "wall_s") continue
        compared++
        if (v[1, r, c] != v[2, s, c])
          print "point " id[1, r] " column " c ": local \"" v[1, r, c] "\" slurm \"" v[2, s, c] "\""
      }
    }
    print "compared " compared " cells" > "/dev/stderr"
  }' "$T/local.cells" "$T/slurm.cells")
[ -z "$DIFF" ] || { echo "$DIFF"; fail "results.csv differ"; }
COLS=$(tr ',' ' ' <<<"$HEADER_L")
echo "compared results.csv, local | slurm: 4 rows, every column but wall_s: ${COLS/ wall_s/}"
# What was compared, a few columns by name: local | slurm.
awk -F'\t' '
  FNR == 1 { file++ }
  { v[file, $1, $2] = $3; if (file == 1 && $2 == "id") n++ }
  END {
    printf "%-13s %-6s %-4s %-6s %-17s %-29s %s\n", "id", "alpha", "seed", "status",
           "final_accuracy", "co2e_kg", "wall_s"
    for (r = 1; r <= n; r++)
      printf "%-13s %-6s %-4s %-6s %-7s | %-7s %-13.6g | %-13.6g %.1f | %.1f\n", v[1, r, "id"],
             v[1, r, "partition.alpha"], v[1, r, "seed"], v[1, r, "status"],
             v[1, r, "final_accuracy"], v[2, r, "final_accuracy"], v[1, r, "co2e_kg"],
             v[2, r, "co2e_kg"], v[1, r, "wall_s"], v[2, r, "wall_s"]
  }' "$T/local.cells" "$T/slurm.cells"
echo "PASS sweep: job array $ARRAY, 4 tasks COMPLETED, results.csv equal to the local run"
step "done"
