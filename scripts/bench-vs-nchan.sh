#!/usr/bin/env bash
# Runs the load tool against pushstream and Nchan in one go, each server
# pinned to CPU 0 and the load to CPU 1, and prints one table.
# Needs: nginx and libnginx-mod-nchan (apt-get install nginx libnginx-mod-nchan).
set -euo pipefail
cd "$(dirname "$0")/.."
work=/tmp/pushstream-bench
mkdir -p "$work"
go build -o "$work/pushstream" ./cmd/pushstream
go build -o "$work/pushstream-bench" ./cmd/pushstream-bench
B="$work/pushstream-bench"

start_pushstream() {
  taskset -c 0 "$work/pushstream" -c bench/pushstream.conf 2>"$work/pushstream.log" &
  echo $! >"$work/ps.pid"
  for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:19080/channels-stats" && return; sleep 0.1; done
}
stop_pushstream() { kill "$(cat "$work/ps.pid")"; wait "$(cat "$work/ps.pid")" 2>/dev/null || true; }
start_nchan() {
  taskset -c 0 nginx -c "$PWD/bench/nchan.conf"
  for _ in $(seq 50); do [ -s "$work/nginx.pid" ] && curl -s -o /dev/null "http://127.0.0.1:19081/" && return; sleep 0.1; done
}
stop_nchan() { kill "$(cat "$work/nginx.pid")"; for _ in $(seq 50); do [ -e "$work/nginx.pid" ] || return 0; sleep 0.1; done; }

# scenario label and arguments (server-specific arguments appended below)
scenarios=(
  "idle ws 15000|idle -mode ws -n 15000 -channels 100 -timeout 30s"
  "idle sse 15000|idle -mode sse -n 15000 -channels 100 -timeout 30s"
  "idle stream 15000|idle -mode stream -n 15000 -channels 100 -timeout 30s"
  "idle long-poll 15000|idle -mode long-poll -n 15000 -channels 100 -timeout 30s"
  "fanout ws 1000x2000x100B|fanout -mode ws -subs 1000 -messages 2000 -size 100 -publishers 1 -timeout 30s -duration 30s"
  "fanout ws delayed-ack|fanout -mode ws -subs 1000 -messages 2000 -size 100 -publishers 1 -delayed-ack -timeout 30s -duration 30s"
  "channels 5000x2|channels -channels 5000 -messages 50000 -timeout 30s -duration 30s"
  "channels 5000x2 4 publishers|channels -channels 5000 -messages 50000 -publishers 4 -timeout 30s -duration 30s"
  "pubonly 4 publishers|pubonly -messages 200000 -publishers 4 -duration 30s"
)

run() { # server label args...
  local server=$1 label=$2; shift 2
  local url pidargs
  if [ "$server" = pushstream ]; then
    url=http://127.0.0.1:19080; pidargs=(-pidfile "$work/pushstream.pid")
  else
    url=http://127.0.0.1:19081; pidargs=(-pidfile "$work/nginx.pid" -children -pub '/pub?id=')
  fi
  "$B" "$@" -url "$url" "${pidargs[@]}" -cpu 1 -json >"$work/$server-${label// /_}.json" 2>/dev/null || true
}

# Scenario by scenario, both servers back to back: the VM's speed drifts
# over minutes, so each row compares runs made close together.
for s in "${scenarios[@]}"; do
  label=${s%%|*}; args=${s#*|}
  for server in pushstream nchan; do
    # A fresh server per scenario: idle RSS must not include earlier runs.
    "start_$server"
    # shellcheck disable=SC2086
    run "$server" "$label" $args
    "stop_$server"
  done
done

python3 - "$work" "${scenarios[@]}" <<'PY'
import json, sys, os
work, scen = sys.argv[1], [s.split('|')[0] for s in sys.argv[2:]]
def load(server, label):
    p = os.path.join(work, f"{server}-{label.replace(' ', '_')}.json")
    try:
        return json.load(open(p))
    except Exception:
        return None
def cell(r, label):
    if not r or r.get("first_error"):
        return "failed" + (f" ({r['first_error'][:60]})" if r and r.get("first_error") else "")
    check = r.get("check") or {}
    bad = check.get("lost", 0) + check.get("duplicate", 0) + check.get("reordered", 0)
    if label.startswith("idle"):
        return f"{r.get('rss_per_subscriber', 0)/1000:.2f} KB/sub, all got 1 msg in {r.get('all_delivered_ms', 0):.0f} ms"
    if label.startswith("pubonly"):
        return f"{r.get('publish_per_sec', 0)/1000:.1f} k req/s (tool CPU {r.get('load_cpu_percent', 0) - r.get('load_idle_poll_percent', 0):.0f} %)"
    lat = r.get("latency") or {}
    out = f"{r.get('deliveries_per_sec', 0)/1000:.0f} k deliveries/s, p99 {lat.get('p99_ms', 0):.1f} ms"
    if label.startswith("channels"):
        out = f"{r.get('publish_per_sec', 0)/1000:.1f} k pub/s, " + out
    out += f" (tool CPU {r.get('load_cpu_percent', 0) - r.get('load_idle_poll_percent', 0):.0f} %)"
    return out + ("" if bad == 0 else f", {bad} lost/dup/reordered")
print("| scenario | pushstream | Nchan |")
print("|---|---|---|")
for l in scen:
    print(f"| {l} | {cell(load('pushstream', l), l)} | {cell(load('nchan', l), l)} |")
PY
