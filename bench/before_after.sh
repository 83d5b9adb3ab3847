#!/usr/bin/env bash
# bench/before_after.sh OLD_FEDCARBON NEW_FEDCARBON: the side-by-side setting (bench/side_by_side.sh)
# for two builds of fedcarbon at once, so that a change's effect on the ratio against PyTorch is
# measured in one run: per repetition the three programs run in a rotating order (old, new, peer;
# new, peer, old; peer, old, new), so drift on a shared machine hits each alike. Prints the
# medians, each build's ratio against the peer, and new / old.
# Environment: REPS (default 5), STEPS (default 200), MODEL (cnn), SETTINGS ("10 1;32 1": batch
#   and threads), FEDCARBON_PEER, PYTHON (as side_by_side.sh).
set -euo pipefail

OLD=${1:?usage: bench/before_after.sh OLD_FEDCARBON NEW_FEDCARBON}
NEW=${2:?usage: bench/before_after.sh OLD_FEDCARBON NEW_FEDCARBON}
REPS=${REPS:-5}
STEPS=${STEPS:-200}
MODEL=${MODEL:-cnn}
SETTINGS=${SETTINGS:-10 1;32 1}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PEER=${FEDCARBON_PEER:-$ROOT/../shared/peers/torch_fmnist.py}
PY=${PYTHON:-/usr/bin/python3}

for f in "$OLD" "$NEW"; do
  [[ -x $f ]] || { echo "missing $f" >&2; exit 1; }
done
[[ -f $PEER ]] || { echo "missing peer $PEER (set FEDCARBON_PEER)" >&2; exit 1; }
"$PY" -c "import torch" 2>/dev/null || {
  echo "$PY cannot import torch: run scripts/install-deps --bench" >&2; exit 1; }

field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p"; }
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "# before/after on $(hostname), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%M:%SZ), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# old:  $OLD bench-train --model $MODEL --batch B --threads T --steps $STEPS"
echo "# new:  $NEW (same arguments)"
echo "# peer: $PY $PEER (same arguments)"

run() {  # run WHO BATCH THREADS -> samples/s
  case $1 in
    old) "$OLD" bench-train --model "$MODEL" --batch "$2" --threads "$3" --steps "$STEPS" ;;
    new) "$NEW" bench-train --model "$MODEL" --batch "$2" --threads "$3" --steps "$STEPS" ;;
    peer) "$PY" "$PEER" --model "$MODEL" --batch "$2" --threads "$3" --steps "$STEPS" ;;
  esac | field samples_per_s
}

ORDERS=("old new peer" "new peer old" "peer old new")
printf '%-5s %-7s %9s %9s %9s %9s %9s %8s\n' batch threads old/s new/s pytorch/s \
  old_ratio new_ratio new/old
IFS=';' read -ra rows <<<"$SETTINGS"
for setting in "${rows[@]}"; do
  read -r b t <<<"$setting"
  declare -A got=([old]="" [new]="" [peer]="")
  for r in $(seq "$REPS"); do
    for who in ${ORDERS[$(((r - 1) % 3))]}; do
      v=$(run "$who" "$b" "$t")
      got[$who]="${got[$who]} $v"
      echo "  rep $r $who batch $b threads $t: $v samples/s" >&2
    done
  done
  o=$(echo "${got[old]}" | median); n=$(echo "${got[new]}" | median)
  p=$(echo "${got[peer]}" | median)
  awk -v b="$b" -v t="$t" -v o="$o" -v n="$n" -v p="$p" 'BEGIN {
    printf "%-5s %-7s %9.1f %9.1f %9.1f %8.2fx %8.2fx %8.3f\n", b, t, o, n, p, o / p, n / p, n / o }'
  unset got
done
echo "# medians of $REPS runs each; load at the end $(cut -d' ' -f1-3 /proc/loadavg)"
