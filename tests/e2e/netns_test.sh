#!/usr/bin/env bash
# Multi-host run across two network namespaces joined by a veth pair: fedcarbon-server in one
# (bound to 10.200.N.1:5555), one fedcarbon-client in the other connecting over the veth link.
# Usage: netns_test.sh BIN_DIR. Exit 77 (ctest SKIP_RETURN_CODE) with the reason when it cannot
# run here (not root, no `ip netns`, no Fashion-MNIST). The namespaces are always deleted.
set -u
BIN=${1:?usage: netns_test.sh BIN_DIR}
skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
command -v ip >/dev/null || skip "iproute2 (ip) is not installed"
ip netns list >/dev/null 2>&1 || skip "ip netns is unavailable"
DATA=${FEDCARBON_DATA:-/usr/share/datasets/fashion-mnist}
[ -r "$DATA/train-images-idx3-ubyte.gz" ] || skip "Fashion-MNIST is not installed in $DATA"

TAG=$$
NET=$(( TAG % 250 + 1 ))          # 10.200.NET.0/24, only on the veth pair below
NS_S=fc-srv-$TAG NS_C=fc-cli-$TAG
VETH_S=fcs$TAG VETH_C=fcc$TAG     # interface names stay under 15 characters
WORK=$(mktemp -d "${TMPDIR:-/tmp}/fedcarbon-netns-XXXXXX")
cleanup() {
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null
  ip netns pids "$NS_S" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns pids "$NS_C" 2>/dev/null | xargs -r kill -9 2>/dev/null
  ip netns del "$NS_S" 2>/dev/null
  ip netns del "$NS_C" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add "$NS_S" || skip "cannot create a network namespace here"
ip netns add "$NS_C" || skip "cannot create a second network namespace"
ip link add "$VETH_S" netns "$NS_S" type veth peer name "$VETH_C" netns "$NS_C" \
  || skip "cannot create a veth pair"
ip -n "$NS_S" addr add "10.200.$NET.1/24" dev "$VETH_S"
ip -n "$NS_C" addr add "10.200.$NET.2/24" dev "$VETH_C"
for ns in "$NS_S" "$NS_C"; do ip -n "$ns" link set lo up; done
ip -n "$NS_S" link set "$VETH_S" up
ip -n "$NS_C" link set "$VETH_C" up

cat > "$WORK/config.json" <<JSON
{"name": "netns", "model": {"name": "mlp"}, "data": {"path": "$DATA"},
 "federation": {"num_clients": 4, "clients_per_round": 2, "rounds": 2, "round_timeout_s": 60,
                "target_accuracy": 1.0},
 "runtime": {"workers": 1, "join_timeout_s": 60}}
JSON
ENDPOINT="tcp://10.200.$NET.1:5555"
timeout 150 ip netns exec "$NS_S" "$BIN/fedcarbon-server" "$WORK/config.json" \
  --bind "tcp://10.200.$NET.1:5555" --out "$WORK/out" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
timeout 150 ip netns exec "$NS_C" "$BIN/fedcarbon-client" --connect "$ENDPOINT" \
  --hello-timeout 60 >"$WORK/client.log" 2>&1
CLIENT_RC=$?
wait "$SERVER_PID"
SERVER_RC=$?
SERVER_PID=
echo "--- server.log"; cat "$WORK/server.log"
echo "--- client.log"; tail -5 "$WORK/client.log"
echo "--- rounds.csv"; cat "$WORK/out/rounds.csv" 2>/dev/null
[ "$SERVER_RC" = 0 ] || { echo "FAIL: server exited with $SERVER_RC"; exit 1; }
[ "$CLIENT_RC" = 0 ] || { echo "FAIL: client exited with $CLIENT_RC"; exit 1; }
grep -q "listening on $ENDPOINT" "$WORK/server.log" \
  || { echo "FAIL: the server did not bind the veth address"; exit 1; }
ROWS=$(awk -F, 'NR > 1 && $3 == 2 && $4 == 0' "$WORK/out/rounds.csv" | wc -l)
[ "$ROWS" = 2 ] || { echo "FAIL: expected 2 rounds with 2 of 2 clients completed"; exit 1; }
grep -q '"rounds": 2' "$WORK/out/summary.json" || { echo "FAIL: summary.json"; exit 1; }
echo "PASS: 2 rounds across namespaces $NS_S and $NS_C"
