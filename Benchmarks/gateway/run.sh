#!/usr/bin/env bash
# Supervision gateway benchmark (SPEC §6): one run on loopback, nginx serving a 1 KiB file, side by side
#   plain HTTP, wrk -t2 -c32:   direct | squid | tinyproxy | Patrol gateway (every request recorded)
#   intercepted HTTPS, loadgen: direct TLS to nginx (loadgen's ceiling) | mitmproxy | Patrol gateway
# and prints one Markdown table (requests/s, p50, p99, errors, the proxy's peak and sampled RSS and CPU)
# plus the machine and tool versions.
#
#   Benchmarks/gateway/run.sh                       # everything, 20 s per case
#   DURATION=5 CASES="direct squid" Benchmarks/gateway/run.sh
#   PATROL_BIN=/path/to/release/patrol Benchmarks/gateway/run.sh
#   MODE=equal-load ROUNDS=3 Benchmarks/gateway/run.sh   # latency at equal load, below
#
# MODE=equal-load: latency judged at the same offered load, not at saturation. Plain HTTP, all with
# the loadgen (--forward: absolute-URI GETs, keep-alive): (1) squid's and Patrol's maximum rate,
# closed loop, both recording; (2) ROUNDS rounds of squid and Patrol (the order alternating from one
# round to the next) at each of LOAD_PERCENTS of squid's maximum, open model (--rate: a fixed
# timetable, latency from each request's due time, HdrHistogram); (3) intercepted HTTPS, mitmproxy
# and Patrol, closed loop; then one table of medians (p50, p99, p99.9, errors, late and unsent
# requests per proxy per rate), every round, the throughput ratios and peak RSS.
#   LOAD_PERCENTS ["50 90"]  RATE_CONNECTIONS [CONNECTIONS]  EQUAL_CASES ["direct max rates intercept"]
#
# Environment (defaults in brackets):
#   DURATION [20] seconds per case   CONNECTIONS [32]   THREADS [2] (wrk -t and loadgen threads)
#   CASES ["direct squid tinyproxy patrol tls-direct mitmproxy patrol-tls"]; also "loadgen-plain"
#     (loadgen straight to nginx over plain HTTP, to compare the load generator with wrk)
#   PATROL_BIN [<repo>/.build/release/patrol]; the Patrol cases are skipped when it is missing
#   PATROL_GATEWAY_RATE [100000] PATROL_GATEWAY_BURST [1000000]: the per-team rate limit, lifted so
#     that it does not cap the benchmark (defaults are 200/s, burst 400)
#   MITM_VENV [~/.cache/patrol-bench/venv]: virtualenv that gets `pip install mitmproxy`
#   TINYPROXY_LOGLEVEL [Warning]
#   ROUNDS [1]: with squid and patrol among the CASES, run those two ROUNDS times in all, alternating
#     (squid, then Patrol), and add a table of every round with the median p99 ratio: on a small
#     shared machine one pair of runs differs by ±20 % from the next, more than the gap in question
#   RESULT_FILE: also write the table there      KEEP_TMP=1: keep the temp dir (configs, logs, sqlite)
#   NO_INSTALL=1: never call apt-get/pip (fail if a tool is missing)
#
# Setup, all on 127.0.0.1:
#   nginx 1 worker, HTTP :18080 and HTTPS :18443 (self-signed P-256 cert with IP SAN 127.0.0.1),
#     /1k.bin = 1024 random bytes, keep-alive (keepalive_requests 1e6), access_log OFF
#   squid :13128, `workers 1` and run with -N (one process), access log ON, `cache deny all`
#   tinyproxy :18888, LogLevel Warning = no per-request log (TINYPROXY_LOGLEVEL=Info for its default
#     per-request log, which fsyncs every line and costs it ~8x); it closes the client connection
#     after every response (while answering HTTP/1.1 without Connection: close), so wrk reconnects
#     for every request and counts one read error each time
#   mitmdump :18890, regular mode, its CA trusted only by the load generator (--ca), --ssl-insecure
#     toward nginx, quiet (-q), plus a 5-line addon that counts decrypted responses
#   Patrol gateway :18889, its own sqlite database in the temp dir, every request recorded
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
DURATION=${DURATION:-20}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
CASES=${CASES:-"direct squid tinyproxy patrol tls-direct mitmproxy patrol-tls"}
ROUNDS=${ROUNDS:-1}
MODE=${MODE:-benchmark}
[[ "$MODE" == benchmark || "$MODE" == equal-load ]] || { echo "MODE must be benchmark or equal-load, not '$MODE'" >&2; exit 2; }
LOAD_PERCENTS=${LOAD_PERCENTS:-"50 90"}
RATE_CONNECTIONS=${RATE_CONNECTIONS:-$CONNECTIONS}
EQUAL_CASES=${EQUAL_CASES:-"direct max rates intercept"}
[[ "$MODE" == equal-load ]] && CASES="squid patrol mitmproxy patrol-tls"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a whole number from 1, not '$ROUNDS'" >&2; exit 2; }
PATROL_BIN=${PATROL_BIN:-$REPO/.build/release/patrol}
MITM_VENV=${MITM_VENV:-$HOME/.cache/patrol-bench/venv}
LOADGEN_DIR=$HERE/loadgen
LOADGEN=$LOADGEN_DIR/.build/release/gateway-loadgen
export PATROL_GATEWAY_RATE=${PATROL_GATEWAY_RATE:-100000}
export PATROL_GATEWAY_BURST=${PATROL_GATEWAY_BURST:-1000000}

# File descriptors: the servers may raise their soft limit only up to the hard one.
NOFILE=$(ulimit -Hn); [[ "$NOFILE" == unlimited || "$NOFILE" -gt 65536 ]] && NOFILE=65536
ulimit -Sn "$NOFILE" 2>/dev/null || true

P_HTTP=18080 P_HTTPS=18443 P_SQUID=13128 P_TINY=18888 P_PATROL=18889 P_MITM=18890
ORIGIN_HTTP="http://127.0.0.1:$P_HTTP/1k.bin"

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- processes and cleanup
PIDS=()
TMP=""
SAMPLER=""
cleanup() {
    set +e
    local pid
    [[ -n "$SAMPLER" ]] && kill "$SAMPLER" 2>/dev/null
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "kept $TMP"; else rm -rf "$TMP"; fi
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Stops one process started here (TERM, up to SECONDS [15], then KILL) and forgets it.
stop_pid() {
    local pid=$1 limit=$(( ${2:-15} * 10 )) keep=() p
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 "$limit"); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid still running ${2:-15} s after SIGTERM: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
    PIDS=("${keep[@]}")
}

wait_port() { # port [seconds]
    local port=$1 limit=$(( ${2:-30} * 10 ))
    for _ in $(seq 1 "$limit"); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    return 1
}

# ---------------------------------------------------------------- installation
apt_install() {
    [[ $# -eq 0 ]] && return 0
    [[ "${NO_INSTALL:-0}" == 1 ]] && die "missing: $* (NO_INSTALL=1)"
    log "apt-get install $*"
    # Debian starts a package's service on install; a temporary policy-rc.d prevents that, and a
    # policy-rc.d that was already there is left as it is.
    local own_policy=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && own_policy=1
    fi
    local rc=0
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"; } >&2 || rc=$?
    [[ $own_policy == 1 ]] && rm -f /usr/sbin/policy-rc.d
    [[ $rc == 0 ]] || die "apt-get install $* failed"
}

install_tools() {
    local need=()
    command -v nginx >/dev/null || need+=(nginx-light)
    command -v wrk >/dev/null || need+=(wrk)
    command -v squid >/dev/null || need+=(squid)
    command -v tinyproxy >/dev/null || need+=(tinyproxy)
    command -v openssl >/dev/null || need+=(openssl)
    command -v sqlite3 >/dev/null || need+=(sqlite3)
    command -v curl >/dev/null || need+=(curl)
    apt_install "${need[@]}"
    if [[ " $CASES " == *" mitmproxy "* && ! -x "$MITM_VENV/bin/mitmdump" ]]; then
        [[ "${NO_INSTALL:-0}" == 1 ]] && die "missing: mitmproxy in $MITM_VENV (NO_INSTALL=1)"
        log "pip install mitmproxy into $MITM_VENV"
        python3 -m venv "$MITM_VENV" >&2 || die "python3 -m venv failed (apt-get install python3-venv?)"
        "$MITM_VENV/bin/pip" install -q mitmproxy >&2 || die "pip install mitmproxy failed"
    fi
    if [[ ! -x "$LOADGEN" || -n "$(find "$LOADGEN_DIR/Sources" "$LOADGEN_DIR/Package.swift" -newer "$LOADGEN" -print -quit)" ]]; then
        local swift=swift
        command -v swift >/dev/null || swift=/opt/swift/usr/bin/swift
        log "building gateway-loadgen ($swift build -c release in $LOADGEN_DIR)"
        (cd "$LOADGEN_DIR" && "$swift" build -c release --product gateway-loadgen >&2) || die "loadgen build failed"
    fi
}

# ---------------------------------------------------------------- measurement helpers
# Samples VmRSS of PID every 0.2 s until told to stop; writes the maximum (kB) to FILE.
start_rss_sampler() { # pid file
    local pid=$1 file=$2
    (
        max=0
        while kill -0 "$pid" 2>/dev/null; do
            v=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
            if [[ -n "$v" && "$v" -gt "$max" ]]; then max=$v; echo "$max" > "$file"; fi
            sleep 0.2
        done
    ) &
    SAMPLER=$!
}
stop_rss_sampler() { kill "$SAMPLER" 2>/dev/null || true; wait "$SAMPLER" 2>/dev/null || true; }
hwm_kb() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status" 2>/dev/null || echo ""; }
# utime+stime of PID and its threads, in clock ticks (field 14, 15 after the command name).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | awk '{print $12 + $13}' || echo 0; }
mib() { [[ -n "${1:-}" ]] && awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }' || echo "—"; }

to_ms() { # "244.00us" | "1.20ms" | "1.02s" -> milliseconds
    awk -v v="$1" 'BEGIN {
        if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
        else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
        else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
        else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
        else print "nan" }'
}
kv() { awk -v k="$1" '$1 == k { print $2; exit }' "$2"; }

ROWS=()
NOTES=()
# Adds a table row. name how rps p50 p99 requests errors pid(or "") cpu_before
#   (pid given: peak RSS = VmHWM of that process; max sampled VmRSS from $RSSFILE; CPU from the tick delta)
add_row() {
    local name=$1 how=$2 rps=$3 p50=$4 p99=$5 reqs=$6 errs=$7 pid=${8:-} cpu0=${9:-0} hwm="—" samp="—" cpu="—"
    if [[ -n "$pid" ]]; then
        hwm=$(mib "$(hwm_kb "$pid")")
        samp=$(mib "$(cat "$RSSFILE" 2>/dev/null || true)")
        local cpu1; cpu1=$(cpu_ticks "$pid")
        cpu=$(awk -v a="$cpu0" -v b="$cpu1" -v hz="$(getconf CLK_TCK)" -v d="$DURATION" \
            'BEGIN { printf "%.0f %%", (b - a) / hz / d * 100 }')
    fi
    ROWS+=("| $name | $how | $rps | $p50 | $p99 | $reqs | $errs | $hwm | $samp | $cpu |")
}
add_failed_row() { ROWS+=("| $1 | $2 | failed: $3 | | | | | | | |"); }

# wrk through TARGET_URL with optional Lua script; fills W_* from its output.
run_wrk() { # name url script out
    local out=$4
    local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency --timeout 10s)
    [[ -n "$3" ]] && args+=(-s "$3")
    log "wrk ${args[*]} $2"
    wrk "${args[@]}" "$2" > "$out" 2>&1 || true
    cat "$out" >&2
    W_RPS=$(awk '/^Requests\/sec:/ {print $2}' "$out")
    W_P50=$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")
    W_P99=$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")
    W_REQS=$(awk '/requests in/ {print $1}' "$out")
    # "0", or the non-zero parts: "non-2xx 12, read 345" (wrk counts a server's close of a
    # keep-alive connection it was about to reuse as a read error).
    W_ERRS=$(awk '/Socket errors:/ { gsub(",", ""); for (i = 3; i <= 9; i += 2) if ($(i+1) > 0) e = e sep $i " " $(i+1); sep = ", " }
                  /Non-2xx or 3xx responses:/ { e = "non-2xx " $5 (e == "" ? "" : ", " e) }
                  END { print (e == "" ? "0" : e) }' "$out")
    [[ -n "$W_RPS" ]]
}

run_loadgen() { # out args...   (LG_CONNECTIONS overrides CONNECTIONS)
    local out=$1; shift
    local args=(-c "${LG_CONNECTIONS:-$CONNECTIONS}" -t "$THREADS" -d "$DURATION" "$@")
    log "gateway-loadgen ${args[*]}"
    "$LOADGEN" "${args[@]}" > "$out" 2>&1 || true
    cat "$out" >&2
    L_RPS=$(kv requests_per_sec "$out")
    L_P50=$(kv latency_p50_ms "$out")
    L_P99=$(kv latency_p99_ms "$out")
    L_P90=$(kv latency_p90_ms "$out")
    L_P999=$(kv latency_p999_ms "$out")
    L_MAX=$(kv latency_max_ms "$out")
    L_LATE=$(kv sends_late "$out")
    L_UNSENT=$(kv unsent_at_end "$out")
    L_UNANSWERED=$(kv unanswered_at_end "$out")
    L_ERRTOTAL=$(kv errors_total "$out")
    L_REQS=$(kv requests "$out")
    L_ERRS=$(awk '$1 ~ /^errors_/ && $1 != "errors_total" && $2 > 0 { sub(/^errors_/, "", $1); e = e sep $1 " " $2; sep = ", " }
                  END { print (e == "" ? "0" : e) }' "$out")
    [[ -n "$L_RPS" && "${L_REQS:-0}" -gt 0 ]]
}

# Checks one request through a proxy with curl before loading it. Prints "code size".
probe() { curl -s -o /dev/null -w '%{http_code} %{size_download}' --max-time 10 "$@" || true; }

# ---------------------------------------------------------------- servers
start_nginx() {
    mkdir -p "$TMP/nginx/www" "$TMP/nginx/tmp"
    head -c 1024 /dev/urandom > "$TMP/nginx/www/1k.bin"
    cat > "$TMP/nginx/nginx.conf" <<EOF
worker_processes 1;
daemon off;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx/error.log warn;
worker_rlimit_nofile $NOFILE;
events { worker_connections 16384; }
http {
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 300s;
    keepalive_requests 1000000;
    default_type application/octet-stream;
    client_body_temp_path $TMP/nginx/tmp/body;
    proxy_temp_path $TMP/nginx/tmp/proxy;
    fastcgi_temp_path $TMP/nginx/tmp/fastcgi;
    uwsgi_temp_path $TMP/nginx/tmp/uwsgi;
    scgi_temp_path $TMP/nginx/tmp/scgi;
    server {
        listen 127.0.0.1:$P_HTTP;
        listen 127.0.0.1:$P_HTTPS ssl;
        ssl_certificate $TMP/origin.pem;
        ssl_certificate_key $TMP/origin.key;
        ssl_protocols TLSv1.2 TLSv1.3;
        root $TMP/nginx/www;
    }
}
EOF
    nginx -t -q -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" || die "nginx config test failed"
    nginx -c "$TMP/nginx/nginx.conf" -e "$TMP/nginx/error.log" 2>>"$TMP/nginx/error.log" &
    PIDS+=($!)
    wait_port $P_HTTP && wait_port $P_HTTPS || die "nginx did not start: $(tail -5 "$TMP/nginx/error.log")"
    local got; got=$(probe "$ORIGIN_HTTP")
    [[ "$got" == "200 1024" ]] || die "nginx answers $got"
    got=$(probe --cacert "$TMP/origin.pem" "https://127.0.0.1:$P_HTTPS/1k.bin")
    [[ "$got" == "200 1024" ]] || die "nginx HTTPS answers $got"
}

start_squid() {
    mkdir -p "$TMP/squid"
    cat > "$TMP/squid/squid.conf" <<EOF
# One worker, access log on, no cache.
workers 1
http_port 127.0.0.1:$P_SQUID
cache deny all
access_log stdio:$TMP/squid/access.log squid
cache_log $TMP/squid/cache.log
cache_store_log none
pid_filename $TMP/squid/squid.pid
coredump_dir $TMP/squid
cache_effective_user proxy
max_filedescriptors $NOFILE
logfile_rotate 0
shutdown_lifetime 1 seconds
pinger_enable off
http_access allow localhost
http_access deny all
EOF
    chown -R proxy: "$TMP/squid" 2>/dev/null || true
    squid -k parse -f "$TMP/squid/squid.conf" >"$TMP/squid/parse.log" 2>&1 || die "squid config: $(tail -5 "$TMP/squid/parse.log")"
    # -N: no daemon, so with `workers 1` the one process that serves is the one we started.
    squid -N -f "$TMP/squid/squid.conf" >"$TMP/squid/stdout.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_port $P_SQUID || die "squid did not start: $(tail -5 "$TMP/squid/cache.log")"
    sleep 1
    SQUID_PROCS=$(( 1 + $(pgrep -c -P "$PROXY_PID" || true) ))
    log "squid config: $(grep -E '^(workers|cache deny|access_log)' "$TMP/squid/squid.conf" | paste -sd';'); processes: $SQUID_PROCS ($(ps -o pid=,comm= -p "$PROXY_PID" --ppid "$PROXY_PID" | tr -s ' \n' ' '))"
}

start_tinyproxy() {
    mkdir -p "$TMP/tinyproxy"
    chmod 777 "$TMP/tinyproxy"
    cat > "$TMP/tinyproxy/tinyproxy.conf" <<EOF
User nobody
Group nogroup
Port $P_TINY
Listen 127.0.0.1
Timeout 600
LogFile "$TMP/tinyproxy/tinyproxy.log"
LogLevel ${TINYPROXY_LOGLEVEL:-Warning}
MaxClients 1024
Allow 127.0.0.1
ConnectPort $P_HTTPS
EOF
    tinyproxy -d -c "$TMP/tinyproxy/tinyproxy.conf" >"$TMP/tinyproxy/stdout.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_port $P_TINY || die "tinyproxy did not start: $(tail -5 "$TMP/tinyproxy/stdout.log")"
}

start_mitmproxy() {
    mkdir -p "$TMP/mitm"
    cat > "$TMP/mitm/count.py" <<EOF
# Counts the responses mitmproxy decrypted and saw, written to a file every 1000 and at exit.
class Count:
    def __init__(self): self.n = 0
    def response(self, flow):
        self.n += 1
        if self.n % 1000 == 0: self.write()
    def done(self): self.write()
    def write(self):
        with open("$TMP/mitm/responses.txt", "w") as f: f.write(str(self.n))
addons = [Count()]
EOF
    "$MITM_VENV/bin/mitmdump" --mode regular --listen-host 127.0.0.1 --listen-port $P_MITM \
        --set confdir="$TMP/mitm" --ssl-insecure -q -s "$TMP/mitm/count.py" >"$TMP/mitm/stdout.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_port $P_MITM 60 || die "mitmdump did not start: $(tail -5 "$TMP/mitm/stdout.log")"
    for _ in $(seq 1 100); do [[ -s "$TMP/mitm/mitmproxy-ca-cert.pem" ]] && break; sleep 0.1; done
    [[ -s "$TMP/mitm/mitmproxy-ca-cert.pem" ]] || die "no mitmproxy CA in $TMP/mitm"
}

# ---------------------------------------------------------------- Patrol
patrol_setup() {
    export PATROL_DATABASE_URL="sqlite:$TMP/patrol/bench.sqlite" PATROL_DATA_DIR="$TMP/patrol/data"
    mkdir -p "$TMP/patrol/data"
    local starts ends
    starts=$(TZ=Asia/Shanghai date -d '-1 day' +%Y-%m-%dT%H:%M:%S%:z)
    ends=$(TZ=Asia/Shanghai date -d '+4 days' +%Y-%m-%dT%H:%M:%S%:z)
    cat > "$TMP/patrol/bundle.json" <<EOF
{"format": "patrol.campaign.v1",
 "campaign": {"code": "BENCH", "name": "网关基准测试", "timeZone": "Asia/Shanghai",
              "startsAt": "$starts", "endsAt": "$ends", "state": "running"},
 "units": [{"code": "U1", "name": "基准单位", "category": "市直单位", "group": "department",
            "liaisons": [{"name": "基准联络员", "phone": "13900000001"}]}],
 "assets": [{"code": "B-IP", "unit": "U1", "kind": "ip", "target": "127.0.0.1", "ports": "$P_HTTP,$P_HTTPS", "origin": "declared"}],
 "teams": [{"code": "T01", "name": "基准测试队"}],
 "findings": []}
EOF
    "$PATROL_BIN" import "$TMP/patrol/bundle.json" >&2 || { log "patrol import failed"; return 1; }
    local pw
    pw="Bn-$(openssl rand -hex 8)-Xq!"
    printf '%s\n' "$pw" | "$PATROL_BIN" user add --username bench --role tester --team T01 --password-stdin >&2 \
        || { log "patrol user add failed"; return 1; }
    TOKEN=$("$PATROL_BIN" gateway token --username bench) || { log "patrol gateway token failed"; return 1; }
    TOKEN=$(printf '%s' "$TOKEN" | tail -n 1 | tr -d '[:space:]')
    [[ -n "$TOKEN" ]] || { log "empty gateway token"; return 1; }
}

start_patrol() {
    "$PATROL_BIN" gateway --listen "127.0.0.1:$P_PATROL" >>"$TMP/patrol/gateway.log" 2>&1 &
    PROXY_PID=$!
    PIDS+=("$PROXY_PID")
    wait_port $P_PATROL 60 || { log "gateway did not start: $(tail -5 "$TMP/patrol/gateway.log")"; return 1; }
}

patrol_records() { sqlite3 "$TMP/patrol/bench.sqlite" "select count(*) from gateway_records" 2>/dev/null || echo "?"; }
patrol_breakdown() {
    { sqlite3 -separator ' ' "$TMP/patrol/bench.sqlite" \
        "select kind, method, decision, status, tls is not null, count(*) from gateway_records group by 1,2,3,4,5" 2>&1 \
        | sed 's/^/    records by kind method decision status tls: /' >&2; } || true
}
grew() { [[ "$1" =~ ^[0-9]+$ && "$2" =~ ^[0-9]+$ ]] && echo $(( $2 - $1 )) || echo "?"; }

# ---------------------------------------------------------------- cases
case_direct() {
    run_wrk direct "$ORIGIN_HTTP" "" "$TMP/wrk-direct.txt" || { add_failed_row direct "wrk → nginx" "see log"; return; }
    add_row direct "wrk → nginx :$P_HTTP" "$W_RPS" "$W_P50" "$W_P99" "$W_REQS" "$W_ERRS"
}

write_proxy_lua() { # file [basic-credentials]
    {
        echo "-- wrk through a forward proxy: absolute-URI request target and the origin's Host."
        echo "wrk.path = \"$ORIGIN_HTTP\""
        echo "wrk.headers[\"Host\"] = \"127.0.0.1:$P_HTTP\""
        if [[ -n "${2:-}" ]]; then
            echo "wrk.headers[\"Proxy-Authorization\"] = \"Basic $(printf '%s' "$2" | base64 -w0)\""
        fi
    } > "$1"
}

# name port label [basic-credentials]
wrk_through_proxy() {
    local name=$1 port=$2 label=$3 creds=${4:-}
    local lua="$TMP/$name.lua"
    write_proxy_lua "$lua" "$creds"
    local got
    if [[ -n "$creds" ]]; then got=$(probe -x "http://127.0.0.1:$port" -U "$creds" "$ORIGIN_HTTP")
    else got=$(probe -x "http://127.0.0.1:$port" "$ORIGIN_HTTP"); fi
    if [[ "$got" != "200 1024" ]]; then log "$name: curl through the proxy answers '$got'"; add_failed_row "$name" "$label" "probe $got"; return 1; fi
    RSSFILE="$TMP/$name.rss"; rm -f "$RSSFILE"
    start_rss_sampler "$PROXY_PID" "$RSSFILE"
    local cpu0; cpu0=$(cpu_ticks "$PROXY_PID")
    if run_wrk "$name" "http://127.0.0.1:$port/" "$lua" "$TMP/wrk-$name.txt"; then
        stop_rss_sampler
        add_row "$name" "$label" "$W_RPS" "$W_P50" "$W_P99" "$W_REQS" "$W_ERRS" "$PROXY_PID" "$cpu0"
    else
        stop_rss_sampler
        add_failed_row "$name" "$label" "wrk gave no result"
        return 1
    fi
}

case_squid() {
    start_squid
    wrk_through_proxy squid $P_SQUID "wrk → squid $(squid -v | awk 'NR==1 {print $4}') → nginx" || true
    stop_pid "$PROXY_PID"
    local lines; lines=$(wc -l < "$TMP/squid/access.log" 2>/dev/null || echo 0)
    NOTES+=("squid: $SQUID_PROCS process(es); access.log has $lines lines for ${W_REQS:-?} wrk requests (+ 1 port probe, 1 curl probe, up to $CONNECTIONS in flight at wrk's stop); config: $(grep -E '^(workers|cache deny|access_log)' "$TMP/squid/squid.conf" | sed "s|$TMP|\$TMP|" | paste -sd';' | sed 's/;/; /g')")
    log "squid access.log: $lines lines; last: $(tail -1 "$TMP/squid/access.log" 2>/dev/null)"
}

case_tinyproxy() {
    start_tinyproxy
    wrk_through_proxy tinyproxy $P_TINY "wrk → tinyproxy $(tinyproxy -v | awk '{print $2}') → nginx" || true
    stop_pid "$PROXY_PID"
    NOTES+=("tinyproxy: LogLevel ${TINYPROXY_LOGLEVEL:-Warning}; it closes the client connection after every response without saying Connection: close, so wrk reconnects for each request and counts a read error each time (these are not failed requests)")
}

case_patrol() {
    start_patrol || { add_failed_row patrol "wrk → Patrol gateway" "gateway did not start"; return; }
    local before after
    before=$(patrol_records)
    W_REQS=""
    wrk_through_proxy patrol $P_PATROL "wrk → Patrol gateway (recording) → nginx" "bench:$TOKEN" || true
    stop_pid "$PROXY_PID" 120   # SIGTERM: the gateway writes its last records before exiting
    after=$(patrol_records)
    log "gateway_records: before $before, after $after"
    patrol_breakdown
    NOTES+=("Patrol plain HTTP: wrk completed ${W_REQS:-?} requests; gateway_records grew by $(grew "$before" "$after") (before $before, after $after; 1 is the curl probe; in-flight at stop up to $CONNECTIONS)")
}

case_tls_direct() {
    if run_loadgen "$TMP/lg-tls-direct.txt" --no-proxy --target "127.0.0.1:$P_HTTPS" --ca "$TMP/origin.pem"; then
        add_row tls-direct "loadgen → nginx :$P_HTTPS (TLS, no proxy)" "$L_RPS" "$L_P50" "$L_P99" "$L_REQS" "$L_ERRS"
    else add_failed_row tls-direct "loadgen → nginx (TLS)" "see log"; fi
}

case_loadgen_plain() {
    if run_loadgen "$TMP/lg-plain.txt" --no-proxy --no-tls --target "127.0.0.1:$P_HTTP"; then
        add_row loadgen-plain "loadgen → nginx :$P_HTTP (plain, no proxy)" "$L_RPS" "$L_P50" "$L_P99" "$L_REQS" "$L_ERRS"
    else add_failed_row loadgen-plain "loadgen → nginx (plain)" "see log"; fi
}

# name port label ca [proxy-auth]
loadgen_through_proxy() {
    local name=$1 port=$2 label=$3 ca=$4 auth=${5:-}
    local got args=(--proxy "127.0.0.1:$port" --target "127.0.0.1:$P_HTTPS" --ca "$ca")
    if [[ -n "$auth" ]]; then
        got=$(probe -x "http://127.0.0.1:$port" -U "$auth" --cacert "$ca" "https://127.0.0.1:$P_HTTPS/1k.bin")
        args+=(--proxy-auth "$auth")
    else
        got=$(probe -x "http://127.0.0.1:$port" --cacert "$ca" "https://127.0.0.1:$P_HTTPS/1k.bin")
    fi
    if [[ "$got" != "200 1024" ]]; then log "$name: curl through the proxy answers '$got'"; add_failed_row "$name" "$label" "probe $got"; return 1; fi
    RSSFILE="$TMP/$name.rss"; rm -f "$RSSFILE"
    start_rss_sampler "$PROXY_PID" "$RSSFILE"
    local cpu0; cpu0=$(cpu_ticks "$PROXY_PID")
    if run_loadgen "$TMP/lg-$name.txt" "${args[@]}"; then
        stop_rss_sampler
        add_row "$name" "$label" "$L_RPS" "$L_P50" "$L_P99" "$L_REQS" "$L_ERRS" "$PROXY_PID" "$cpu0"
    else
        stop_rss_sampler
        add_failed_row "$name" "$label" "loadgen: $(grep -m1 error_sample "$TMP/lg-$name.txt" || echo 'no result')"
        return 1
    fi
}

case_mitmproxy() {
    start_mitmproxy
    L_REQS=""
    loadgen_through_proxy mitmproxy $P_MITM \
        "loadgen → mitmdump $("$MITM_VENV/bin/mitmdump" --version 2>/dev/null | awk '/^Mitmproxy:/ {print $2}') (intercepting) → nginx" \
        "$TMP/mitm/mitmproxy-ca-cert.pem" || true
    stop_pid "$PROXY_PID"   # SIGTERM: the addon writes its final count
    local seen; seen=$(cat "$TMP/mitm/responses.txt" 2>/dev/null || echo 0)
    log "mitmproxy decrypted responses: $seen (loadgen completed ${L_REQS:-?})"
    NOTES+=("mitmproxy: its addon counted $seen decrypted responses for ${L_REQS:-?} completed loadgen requests (+ 1 curl probe); the loadgen verified every leaf against mitmproxy's CA and the IP SAN 127.0.0.1")
}

case_patrol_tls() {
    "$PATROL_BIN" gateway intercept --campaign BENCH --team T01 --on >&2 \
        || { add_failed_row patrol-tls "loadgen → Patrol" "gateway intercept --on failed"; return; }
    "$PATROL_BIN" gateway ca --campaign BENCH > "$TMP/patrol/ca.pem" \
        || { add_failed_row patrol-tls "loadgen → Patrol" "gateway ca failed"; return; }
    start_patrol || { add_failed_row patrol-tls "loadgen → Patrol" "gateway did not start"; return; }
    local before after
    before=$(patrol_records)
    L_REQS=""
    loadgen_through_proxy patrol-tls $P_PATROL "loadgen → Patrol gateway (intercepting, recording) → nginx" \
        "$TMP/patrol/ca.pem" "bench:$TOKEN" || true
    stop_pid "$PROXY_PID" 120
    after=$(patrol_records)
    log "gateway_records: before $before, after $after"
    patrol_breakdown
    NOTES+=("Patrol intercepted HTTPS: loadgen completed ${L_REQS:-?} requests; gateway_records grew by $(grew "$before" "$after") (before $before, after $after; 1 is the curl probe; in-flight at stop up to $CONNECTIONS)")
}


# ---------------------------------------------------------------- MODE=equal-load
# One loadgen run through a forward proxy (plain HTTP, absolute URIs); rate "" = closed loop.
# Fills L_* and E_CPU (the proxy's CPU over the run's wall time), E_HWM (its VmHWM, MiB).
# name port auth rate
forward_run() {
    local name=$1 port=$2 auth=$3 rate=$4
    local args=(--proxy "127.0.0.1:$port" --forward --target "127.0.0.1:$P_HTTP")
    [[ -n "$auth" ]] && args+=(--proxy-auth "$auth")
    [[ -n "$rate" ]] && args+=(--rate "$rate")
    local got
    if [[ -n "$auth" ]]; then got=$(probe -x "http://127.0.0.1:$port" -U "$auth" "$ORIGIN_HTTP")
    else got=$(probe -x "http://127.0.0.1:$port" "$ORIGIN_HTTP"); fi
    [[ "$got" == "200 1024" ]] || { log "$name: curl through the proxy answers '$got'"; return 1; }
    local cpu0 t0 t1; cpu0=$(cpu_ticks "$PROXY_PID"); t0=$(date +%s.%N)
    LG_CONNECTIONS=$([[ -n "$rate" ]] && echo "$RATE_CONNECTIONS" || echo "$CONNECTIONS") \
        run_loadgen "$TMP/lg-$name.txt" "${args[@]}" || return 1
    t1=$(date +%s.%N)
    E_CPU=$(awk -v a="$cpu0" -v b="$(cpu_ticks "$PROXY_PID")" -v hz="$(getconf CLK_TCK)" -v t0="$t0" -v t1="$t1" \
        'BEGIN { printf "%.0f", (b - a) / hz / (t1 - t0) * 100 }')
    E_HWM=$(awk -v k="$(hwm_kb "$PROXY_PID")" 'BEGIN { printf "%.0f", k / 1024 }')
}

# proxy(squid|patrol) name rate(""=closed loop); starts the proxy, runs, stops it (Patrol: writes its last records).
equal_run() {
    local proxy=$1 name=$2 rate=$3 before after
    E_OK=0
    if [[ $proxy == squid ]]; then
        start_squid
        forward_run "$name" $P_SQUID "" "$rate" && E_OK=1
        stop_pid "$PROXY_PID"
    else
        start_patrol || { log "gateway did not start"; return; }
        before=$(patrol_records)
        forward_run "$name" $P_PATROL "bench:$TOKEN" "$rate" && E_OK=1
        stop_pid "$PROXY_PID" 120
        after=$(patrol_records)
        E_RECORDED=$(grew "$before" "$after")
        log "gateway_records: before $before, after $after (grew $E_RECORDED for ${L_REQS:-?} completed)"
    fi
}

equal_load() {
    NOTES_TLS=()
    local results="$TMP/equal-load.txt" summary=() notes=() squid_max="" patrol_max="" mitm_rps="" ptls_rps="" ptls_hwm="" p_hwm_max=0
    : > "$results"
    if [[ " $EQUAL_CASES " == *" direct "* ]]; then
        LG_CONNECTIONS=$CONNECTIONS run_loadgen "$TMP/lg-direct.txt" --no-proxy --no-tls --target "127.0.0.1:$P_HTTP" \
            && summary+=("| direct | loadgen → nginx :$P_HTTP, closed loop | $L_RPS | $L_P50 | $L_P99 | $L_P999 | $L_ERRTOTAL | — | — |")
    fi
    log "=== maximum rates (closed loop, ${DURATION}s, $CONNECTIONS connections)"
    equal_run squid squid-max ""
    [[ $E_OK == 1 ]] || die "squid's maximum rate could not be measured"
    squid_max=$L_RPS
    local squid_lines; squid_lines=$(wc -l < "$TMP/squid/access.log" 2>/dev/null || echo 0)
    summary+=("| squid max | loadgen → squid (access log on), closed loop | $L_RPS | $L_P50 | $L_P99 | $L_P999 | $L_ERRTOTAL | $E_CPU % | $E_HWM MiB |")
    notes+=("squid's maximum: $L_REQS requests; access.log has $squid_lines lines (+ 1 port probe, 1 curl probe, up to $CONNECTIONS in flight at the stop)")
    if [[ $HAVE_PATROL == 1 && " $EQUAL_CASES " == *" max "* ]]; then
        equal_run patrol patrol-max ""
        if [[ $E_OK == 1 ]]; then
            patrol_max=$L_RPS; (( E_HWM > p_hwm_max )) && p_hwm_max=$E_HWM
            summary+=("| Patrol max | loadgen → Patrol gateway (every request recorded), closed loop | $L_RPS | $L_P50 | $L_P99 | $L_P999 | $L_ERRTOTAL | $E_CPU % | $E_HWM MiB |")
            notes+=("Patrol's maximum: $L_REQS requests completed; gateway_records grew by $E_RECORDED (1 is the curl probe; up to $CONNECTIONS in flight at the stop)")
        fi
    fi

    if [[ " $EQUAL_CASES " == *" rates "* && $HAVE_PATROL == 1 ]]; then
        local round pct rate order proxy
        for ((round = 1; round <= ROUNDS; round++)); do
            # The order alternates, so neither proxy always runs on the machine the other just warmed.
            if (( round % 2 )); then order="squid patrol"; else order="patrol squid"; fi
            for pct in $LOAD_PERCENTS; do
                rate=$(awk -v m="$squid_max" -v p="$pct" 'BEGIN { printf "%.0f", m * p / 100 }')
                for proxy in $order; do
                    log "=== round $round of $ROUNDS: $proxy at $pct % of squid's maximum ($rate req/s, $RATE_CONNECTIONS connections, ${DURATION}s)"
                    E_RECORDED="—"
                    equal_run "$proxy" "$proxy-$pct-$round" "$rate"
                    if [[ $E_OK == 1 ]]; then
                        [[ $proxy == patrol ]] && (( E_HWM > p_hwm_max )) && p_hwm_max=$E_HWM
                        echo "$round $proxy $pct $rate $L_RPS $L_P50 $L_P90 $L_P99 $L_P999 $L_MAX $L_ERRTOTAL ${L_LATE:-0} ${L_UNSENT:-0} ${L_UNANSWERED:-0} $E_CPU $L_REQS $E_RECORDED" >> "$results"
                    else
                        echo "$round $proxy $pct $rate failed" >> "$results"
                    fi
                    sleep 1
                done
            done
        done
    fi

    if [[ " $EQUAL_CASES " == *" intercept "* ]]; then
        ROWS=()
        log "=== intercepted HTTPS (closed loop, ${DURATION}s)"
        case_mitmproxy
        [[ -n "${L_REQS:-}" ]] && mitm_rps=$L_RPS
        if [[ $HAVE_PATROL == 1 ]]; then
            L_RPS=""
            case_patrol_tls
            ptls_rps=$L_RPS
        fi
        NOTES_TLS=("${NOTES[@]}")
    fi

    {
        echo
        echo "Command: \`MODE=equal-load DURATION=$DURATION CONNECTIONS=$CONNECTIONS RATE_CONNECTIONS=$RATE_CONNECTIONS THREADS=$THREADS ROUNDS=$ROUNDS LOAD_PERCENTS=\"$LOAD_PERCENTS\" Benchmarks/gateway/run.sh\` ($(date -u +%Y-%m-%dT%H:%MZ); load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg))"
        echo
        echo "Maximum rates (closed loop, $CONNECTIONS connections):"
        echo
        echo "| case | path | requests/s | p50 ms | p99 ms | p99.9 ms | errors | proxy CPU | proxy peak RSS |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${summary[@]}"
        if [[ -s "$results" ]]; then
            echo
            echo "Equal load: squid's maximum $squid_max req/s; open model, $RATE_CONNECTIONS connections, latency from each request's due time (medians over $ROUNDS round(s); errors, late and unsent summed):"
            echo
            awk '
                $5 == "failed" { failed[$2 " " $3]++; next }
                { key = $2 " " $3; n[key]++; target[key] = $4
                  v["rps", key, n[key]] = $5; v["p50", key, n[key]] = $6; v["p99", key, n[key]] = $8; v["p999", key, n[key]] = $9; v["max", key, n[key]] = $10
                  err[key] += $11; late[key] += $12; unsent[key] += $13; cpu["cpu", key, n[key]] = $15
                  if (!(($3) in seenp)) { seenp[$3] = 1; pcts[++np] = $3 } }
                function median(name, key, arr,   m, i, j, t, a) {
                    m = n[key]; for (i = 1; i <= m; i++) a[i] = (name == "cpu" ? cpu[name, key, i] : v[name, key, i]) + 0
                    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
                    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
                }
                END {
                    print "| load | proxy | target req/s | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors | late sends (>1 ms) | unsent | proxy CPU | rounds |"
                    print "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
                    for (i = 1; i <= np; i++) for (k = 1; k <= 2; k++) {
                        proxy = k == 1 ? "squid" : "patrol"; key = proxy " " pcts[i]
                        if (!n[key]) { printf "| %s %% | %s | | failed | | | | | | | | | %d |\n", pcts[i], proxy, failed[key]; continue }
                        printf "| %s %% | %s | %s | %.0f | %.3f | %.3f | %.3f | %.3f | %d | %d | %d | %.0f %% | %d%s |\n", pcts[i], proxy == "patrol" ? "Patrol" : "squid", target[key],
                            median("rps", key), median("p50", key), median("p99", key), median("p999", key), median("max", key),
                            err[key], late[key], unsent[key], median("cpu", key), n[key], failed[key] ? " (+" failed[key] " failed)" : ""
                    }
                    for (i = 1; i <= np; i++) {
                        s = "squid " pcts[i]; p = "patrol " pcts[i]
                        if (n[s] && n[p]) printf "\nAt %s %%: Patrol p99 %.3f ms against squid'"'"'s %.3f (%.2f×), p99.9 %.3f against %.3f.", pcts[i], median("p99", p), median("p99", s), median("p99", p) / median("p99", s), median("p999", p), median("p999", s)
                        # Each round'"'"'s pair (run back to back) as a ratio: what the machine did meanwhile cancels out more.
                        m = 0; under = 0
                        for (r = 1; r <= n[s] && r <= n[p]; r++) { q[++m] = v["p99", p, r] / v["p99", s, r]; if (q[m] <= 1) under++ }
                        for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (q[b] < q[a]) { t = q[a]; q[a] = q[b]; q[b] = t }
                        if (m) printf " Round by round, Patrol p99 / squid p99: median %.2f (%.2f–%.2f), at or under 1 in %d of %d.", m % 2 ? q[(m + 1) / 2] : (q[m / 2] + q[m / 2 + 1]) / 2, q[1], q[m], under, m
                    }
                    print ""
                }' "$results"
            echo
            echo "Every round (order alternating; p50 / p99 / p99.9 ms, achieved req/s):"
            echo
            echo "| round | load | proxy | achieved req/s | p50 | p90 | p99 | p99.9 | max | errors | late | unsent | unanswered at end | proxy CPU | completed | records grew |"
            echo "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
            awk '$5 == "failed" { printf "| %s | %s %% | %s | failed | | | | | | | | | | | | |\n", $1, $3, $2; next }
                 { printf "| %s | %s %% | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s %% | %s | %s |\n", $1, $3, $2, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17 }' "$results"
        fi
        echo
        echo "Intercepted HTTPS (closed loop, $CONNECTIONS connections):"
        echo
        echo "| case | path | requests/s | p50 ms | p99 ms | requests | errors | proxy peak RSS (VmHWM) | proxy max sampled VmRSS | proxy CPU |"
        echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
        printf '%s\n' "${ROWS[@]}"
        echo
        [[ -n "$patrol_max" ]] && echo "- Maximum throughput, plain HTTP recording: Patrol $patrol_max against squid's $squid_max req/s ($(awk -v a="$patrol_max" -v b="$squid_max" 'BEGIN { printf "%.2f", a / b }')×; target ≥ 1.5×)"
        [[ -n "$ptls_rps" && -n "$mitm_rps" ]] && echo "- Intercepted HTTPS: Patrol $ptls_rps against mitmproxy's $mitm_rps req/s ($(awk -v a="$ptls_rps" -v b="$mitm_rps" 'BEGIN { printf "%.1f", a / b }')×; target ≥ 20×)"
        echo "- Patrol's peak RSS over the plain-HTTP runs: $p_hwm_max MiB (target < 150 MB)"
        for n in "${notes[@]}" "${NOTES_TLS[@]}"; do echo "- $n"; done
        echo
        echo "Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r); shared with other work (load averages above)"
        echo "Tools: $(nginx -v 2>&1 | sed 's/^nginx version: //'), squid $(squid -v | awk 'NR==1 {print $4}'), mitmproxy $("$MITM_VENV/bin/mitmdump" --version 2>/dev/null | awk '/^Mitmproxy:/ {print $2}' || echo '—'), $(swift --version 2>&1 | awk '/Swift version/ {print "Swift", $3; exit}')"
        echo "Load: gateway-loadgen -t $THREADS; closed loop -c $CONNECTIONS -d $DURATION; constant rate -c $RATE_CONNECTIONS -d $DURATION --rate R (1 s warm-up, 2 s grace); plain HTTP as --forward (absolute-URI GETs, keep-alive)"
        echo "Patrol: PATROL_GATEWAY_RATE=$PATROL_GATEWAY_RATE PATROL_GATEWAY_BURST=$PATROL_GATEWAY_BURST; binary $PATROL_BIN"
    } | tee "${RESULT_FILE:-/dev/null}"
}

# ---------------------------------------------------------------- main
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
install_tools
TMP=$(mktemp -d /tmp/patrol-gateway-bench.XXXXXX)
chmod 755 "$TMP"
log "temp dir $TMP"

# Throwaway origin certificate (P-256, CA:TRUE so it is its own trust anchor, IP SAN 127.0.0.1).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$TMP/origin.key" -out "$TMP/origin.pem" 2>/dev/null || die "openssl failed"
chmod 644 "$TMP/origin.key"

start_nginx
log "nginx up on :$P_HTTP and :$P_HTTPS"

HAVE_PATROL=0
if [[ " $CASES " == *" patrol"* ]]; then
    if [[ ! -x "$PATROL_BIN" ]]; then
        log "SKIPPING the Patrol cases: no release binary at PATROL_BIN=$PATROL_BIN (swift build -c release --product patrol)"
        NOTES+=("Patrol cases skipped: no binary at $PATROL_BIN")
    elif ! "$PATROL_BIN" --help 2>/dev/null | grep -qE '^ +gateway( |$)'; then
        log "SKIPPING the Patrol cases: $PATROL_BIN has no 'gateway' subcommand (an older build? rebuild it)"
        NOTES+=("Patrol cases skipped: $PATROL_BIN has no gateway subcommand")
    else
        HAVE_PATROL=1
        patrol_setup || { HAVE_PATROL=0; NOTES+=("Patrol setup failed (see the log above); its cases were skipped"); }
    fi
fi

if [[ "$MODE" == equal-load ]]; then
    equal_load
    exit 0
fi

# Plain-HTTP figures of squid and Patrol per round (ROUNDS), taken from run_wrk's W_* after each case.
R_SQUID_RPS=() R_SQUID_P99=() R_PATROL_RPS=() R_PATROL_P99=()
keep_round() { # case
    case "$1" in
        squid) R_SQUID_RPS+=("${W_RPS:-}"); R_SQUID_P99+=("${W_P99:-}") ;;
        patrol) R_PATROL_RPS+=("${W_RPS:-}"); R_PATROL_P99+=("${W_P99:-}") ;;
    esac
}

for c in $CASES; do
    log "=== case $c (${DURATION}s, $CONNECTIONS connections)"
    W_RPS="" W_P99=""
    case "$c" in
        direct) case_direct ;;
        squid) case_squid ;;
        tinyproxy) case_tinyproxy ;;
        patrol) [[ $HAVE_PATROL == 1 ]] && case_patrol ;;
        tls-direct) case_tls_direct ;;
        loadgen-plain) case_loadgen_plain ;;
        mitmproxy) case_mitmproxy ;;
        patrol-tls) [[ $HAVE_PATROL == 1 ]] && case_patrol_tls ;;
        *) die "unknown case $c" ;;
    esac
    keep_round "$c"
    sleep 1
done

# More rounds of squid and Patrol only; their rows and notes stay out of the main table.
ROUND_TABLE=()
if (( ROUNDS > 1 )) && [[ " $CASES " == *" squid "* && " $CASES " == *" patrol "* && $HAVE_PATROL == 1 ]]; then
    for ((round = 2; round <= ROUNDS; round++)); do
        kept_rows=("${ROWS[@]}") kept_notes=("${NOTES[@]}")
        for c in squid patrol; do
            log "=== round $round of $ROUNDS: $c"
            W_RPS="" W_P99=""
            "case_$c"
            keep_round "$c"
            sleep 1
        done
        ROWS=("${kept_rows[@]}") NOTES=("${kept_notes[@]}")
    done
    for ((i = 0; i < ROUNDS; i++)); do
        ROUND_TABLE+=("${R_SQUID_RPS[i]:-} ${R_SQUID_P99[i]:-} ${R_PATROL_RPS[i]:-} ${R_PATROL_P99[i]:-}")
    done
fi

{
    echo
    echo "Command: \`DURATION=$DURATION CONNECTIONS=$CONNECTIONS THREADS=$THREADS$( (( ROUNDS > 1 )) && echo " ROUNDS=$ROUNDS") Benchmarks/gateway/run.sh\` ($(date -u +%Y-%m-%dT%H:%MZ))"
    echo
    echo "| case | path | requests/s | p50 ms | p99 ms | requests | errors | proxy peak RSS (VmHWM) | proxy max sampled VmRSS | proxy CPU |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
    printf '%s\n' "${ROWS[@]}"
    if (( ${#ROUND_TABLE[@]} > 0 )); then
        echo
        echo "Plain HTTP in $ROUNDS alternating rounds (squid, then Patrol recording; the first round is the table's):"
        echo
        printf '%s\n' "${ROUND_TABLE[@]}" | awk '
            BEGIN { print "| round | squid req/s | squid p99 ms | Patrol req/s | Patrol p99 ms | Patrol p99 / squid p99 |"
                    print "|---:|---:|---:|---:|---:|---:|" }
            {
                r = ($2 > 0 && $4 > 0) ? $4 / $2 : -1
                printf "| %d | %s | %s | %s | %s | %s |\n", NR, $1, $2, $3, $4, r < 0 ? "—" : sprintf("%.2f", r)
                if (r >= 0) { ratio[++n] = r; if (r <= 1) under++; if ($3 >= $1) ahead++ }
            }
            END {
                if (n == 0) exit
                for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (ratio[j] < ratio[i]) { t = ratio[i]; ratio[i] = ratio[j]; ratio[j] = t }
                median = n % 2 ? ratio[(n + 1) / 2] : (ratio[n / 2] + ratio[n / 2 + 1]) / 2
                printf "\nMedian p99 ratio %.2f (%.2f–%.2f); Patrol p99 at or under squid'"'"'s in %d of %d rounds; Patrol ahead in throughput in %d.\n", median, ratio[1], ratio[n], under, n, ahead
            }'
    fi
    echo
    for n in "${NOTES[@]}"; do echo "- $n"; done
    echo
    echo "Machine: $(nproc) cores, $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME"), kernel $(uname -r)"
    echo "Tools: $(nginx -v 2>&1 | sed 's/^nginx version: //'), wrk $(wrk -v 2>&1 | awk 'NR==1 {print $2}'), squid $(squid -v | awk 'NR==1 {print $4}'), tinyproxy $(tinyproxy -v | awk '{print $2}'), mitmproxy $("$MITM_VENV/bin/mitmdump" --version 2>/dev/null | awk '/^Mitmproxy:/ {print $2}' || echo '—') (Python $("$MITM_VENV/bin/python" -c 'import platform; print(platform.python_version())' 2>/dev/null || echo '—')), $(openssl version | awk '{print $1, $2}'), $(swift --version 2>&1 | awk '/Swift version/ {print "Swift", $3; exit}')"
    echo "Load: wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s --latency (plain HTTP); gateway-loadgen -t $THREADS -c $CONNECTIONS -d $DURATION (HTTPS: CONNECT, TLS 1.3 to the proxy's leaf, keep-alive GETs); the proxy's CPU is utime+stime over the run (100 % = one core)."
    echo "Patrol: PATROL_GATEWAY_RATE=$PATROL_GATEWAY_RATE PATROL_GATEWAY_BURST=$PATROL_GATEWAY_BURST; binary $PATROL_BIN"
} | tee "${RESULT_FILE:-/dev/null}"
