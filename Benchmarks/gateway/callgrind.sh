#!/usr/bin/env bash
# Instructions per proxied request of the gateway, by thread, under callgrind (BENCHMARKS.md,
# issue 18 item 5): a repeatable count on a noisy shared machine, where timings are not.
#
#   Benchmarks/gateway/callgrind.sh [PATROL_BIN] [OUT_DIR]
#   RATE [50] LOAD_SECONDS [20] CONNECTIONS [4]: the fixed load, RATE × SECONDS requests in all
#
# A release binary with its debug info stripped (valgrind 3.19 cannot read Swift 6.3's DWARF), an
# nginx origin and a fresh database on loopback as in run.sh, a 5 s warm-up, then the counters are
# zeroed, the load runs on the loadgen's timetable (plain HTTP, --forward, every request recorded)
# and the counters are dumped; the same length of idle time is dumped after it, for the threads that
# work when idle (the directory refresh). Annotate with
#   callgrind_annotate --inclusive=yes OUT_DIR/callgrind.out.1-NN | swift demangle --simplified
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
BIN=${1:-$REPO/.build/release/patrol}
OUT=${2:-$(mktemp -d /tmp/patrol-callgrind.XXXXXX)}
RATE=${RATE:-50} LOAD_SECONDS=${LOAD_SECONDS:-20} CONNECTIONS=${CONNECTIONS:-4}
LOADGEN=$HERE/loadgen/.build/release/gateway-loadgen
P_HTTP=28080 P_PATROL=28889
for tool in valgrind callgrind_control objcopy gcc nginx openssl; do
    command -v $tool >/dev/null || { echo "missing: $tool (apt-get install valgrind binutils gcc nginx-light openssl)" >&2; exit 1; }
done
[[ -x "$LOADGEN" ]] || (cd "$HERE/loadgen" && swift build -c release --product gateway-loadgen >&2)
mkdir -p "$OUT/www" "$OUT/tmp" "$OUT/db/data"
rm -f "$OUT"/callgrind.out*
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# valgrind 3.19 writes into the mask it is given for rt_sigsuspend; libdispatch's main thread passes
# one in read-only memory and valgrind crashes. The shim copies the mask to the stack first.
cat > "$OUT/sigsuspend_copy.c" <<'C'
#define _GNU_SOURCE
#include <signal.h>
#include <unistd.h>
#include <sys/syscall.h>
int sigsuspend(const sigset_t *mask) { sigset_t copy = *mask; return (int)syscall(SYS_rt_sigsuspend, &copy, 8); }
C
gcc -shared -fPIC -O2 -o "$OUT/sigsuspend_copy.so" "$OUT/sigsuspend_copy.c"
objcopy --strip-debug "$BIN" "$OUT/patrol"

head -c 1024 /dev/urandom > "$OUT/www/1k.bin"
cat > "$OUT/nginx.conf" <<N
worker_processes 1; daemon off; pid $OUT/nginx.pid; error_log $OUT/nginx-error.log warn;
events { worker_connections 1024; }
http { access_log off; keepalive_timeout 300s; keepalive_requests 1000000; default_type application/octet-stream;
  client_body_temp_path $OUT/tmp/b; proxy_temp_path $OUT/tmp/p; fastcgi_temp_path $OUT/tmp/f; uwsgi_temp_path $OUT/tmp/u; scgi_temp_path $OUT/tmp/s;
  server { listen 127.0.0.1:$P_HTTP; root $OUT/www; } }
N
nginx -c "$OUT/nginx.conf" -e "$OUT/nginx-error.log" &
PIDS+=($!)

export PATROL_DATABASE_URL="sqlite:$OUT/db/bench.sqlite" PATROL_DATA_DIR="$OUT/db/data"
export PATROL_GATEWAY_RATE=100000 PATROL_GATEWAY_BURST=1000000
starts=$(TZ=Asia/Shanghai date -d '-1 day' +%Y-%m-%dT%H:%M:%S%:z)
ends=$(TZ=Asia/Shanghai date -d '+4 days' +%Y-%m-%dT%H:%M:%S%:z)
cat > "$OUT/db/bundle.json" <<J
{"format": "patrol.campaign.v1",
 "campaign": {"code": "BENCH", "name": "网关基准测试", "timeZone": "Asia/Shanghai", "startsAt": "$starts", "endsAt": "$ends", "state": "running"},
 "units": [{"code": "U1", "name": "基准单位", "category": "市直单位", "group": "department", "liaisons": [{"name": "基准联络员", "phone": "13900000001"}]}],
 "assets": [{"code": "B-IP", "unit": "U1", "kind": "ip", "target": "127.0.0.1", "ports": "$P_HTTP", "origin": "declared"}],
 "teams": [{"code": "T01", "name": "基准测试队"}], "findings": []}
J
"$BIN" import "$OUT/db/bundle.json" >/dev/null
printf '%s\n' "Bn-$(openssl rand -hex 8)-Xq!" | "$BIN" user add --username bench --role tester --team T01 --password-stdin >/dev/null
TOKEN=$("$BIN" gateway token --username bench | tail -n 1 | tr -d '[:space:]')

SWIFT_BACKTRACE=enable=no LD_PRELOAD="$OUT/sigsuspend_copy.so" \
    valgrind --tool=callgrind --separate-threads=yes --callgrind-out-file="$OUT/callgrind.out" \
    "$OUT/patrol" gateway --listen 127.0.0.1:$P_PATROL > "$OUT/gateway.log" 2>&1 &
VG=$!
PIDS+=($VG)
for _ in $(seq 1 600); do
    (exec 3<>/dev/tcp/127.0.0.1/$P_PATROL) 2>/dev/null && break
    kill -0 $VG 2>/dev/null || { tail -5 "$OUT/gateway.log" >&2; exit 1; }
    sleep 0.2
done
load() { "$LOADGEN" --proxy 127.0.0.1:$P_PATROL --forward --target 127.0.0.1:$P_HTTP --proxy-auth "bench:$TOKEN" -c "$CONNECTIONS" -t 1 "$@"; }
load -d 5 --rate "$RATE" > "$OUT/warm.txt"
sleep 1
callgrind_control -z $VG >/dev/null
t0=$(date +%s.%N)
load -d "$LOAD_SECONDS" --rate "$RATE" --grace 5 > "$OUT/load.txt"
sleep 0.5   # the last batch (200 ms flush interval)
callgrind_control -d load $VG >/dev/null
t1=$(date +%s.%N)
callgrind_control -z $VG >/dev/null
sleep "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
callgrind_control -d idle $VG >/dev/null
kill -TERM $VG; wait $VG 2>/dev/null || true

n=$(awk '$1 == "requests" { print $2 }' "$OUT/load.txt")
echo "requests $n (errors $(awk '$1 == "errors_total" { print $2 }' "$OUT/load.txt")); files in $OUT"
echo "thread  instructions/request under load  idle over the same time"
for f in "$OUT"/callgrind.out.1-*; do
    t=${f##*-}
    awk -v t="$t" -v n="$n" -v idle="$(awk '/^summary:/ { print $2 }' "$OUT/callgrind.out.2-$t" 2>/dev/null)" \
        '/^summary:/ && $2 > 0 { printf "%s  %12.0f  %12.0f\n", t, $2 / n, idle / n }' "$f"
done
