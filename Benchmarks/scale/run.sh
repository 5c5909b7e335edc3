#!/usr/bin/env bash
# The province campaign on SQLite and a throwaway PostgreSQL (issue 20): generate it, import it,
# export it, import the export over it, export again, and compare. Each step's wall time and peak
# RSS come from /usr/bin/time. Then it serves the campaign and times its pages (pages.py).
# Release build:
#
#   swift build -c release --product patrol
#   bash Benchmarks/scale/run.sh [--units 2000 --assets 50000 --findings 200000]
#
# Arguments go to generate.py. PATROL_BIN overrides the binary (default .build/release/patrol).
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
BIN=${PATROL_BIN:-$ROOT/.build/release/patrol}
WORK=$(mktemp -d /tmp/patrol-scale.XXXXXX)
PGBIN=$(dirname "$(ls /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
cleanup() {
  if [ -n "${SERVE:-}" ]; then kill "$SERVE" 2>/dev/null || true; fi
  if [ -f "$WORK/pg/postmaster.pid" ]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
export PATROL_SCALE_PASSWORD="Scale-Admin-$(date +%s)-Pw"
[ -x "$BIN" ] || { echo "no $BIN: swift build -c release --product patrol" >&2; exit 1; }

python3 Benchmarks/scale/generate.py "$@" > "$WORK/bundle.json"
CODE=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["campaign"]["code"])' "$WORK/bundle.json")
echo "bundle: $(du -h "$WORK/bundle.json" | cut -f1), campaign $CODE ($*)"

id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
mkdir -p "$WORK/pg" && chown postgres "$WORK" "$WORK/pg"
runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w \
  -o "-p 55439 -k $WORK/pg -c listen_addresses=127.0.0.1" start >/dev/null

# step NAME COMMAND…: runs the command, prints wall seconds and peak RSS in MB.
step() {
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$WORK/time" "$@" >/dev/null
  read -r secs kb < "$WORK/time"
  printf '  %-28s %8.1f s %8.0f MB\n' "$name" "$secs" "$((kb / 1024))"
}

for db in sqlite postgres; do
  if [ $db = sqlite ]; then export PATROL_DATABASE_URL="sqlite:$WORK/scale.sqlite"
  else export PATROL_DATABASE_URL="postgres://postgres@127.0.0.1:55439/postgres"; fi
  export PATROL_DATA_DIR="$WORK/data-$db"
  echo "$db:"
  step "import" "$BIN" import "$WORK/bundle.json"
  step "export" "$BIN" export --campaign "$CODE" --output "$WORK/first-$db.json"
  [ $db = sqlite ] && python3 Benchmarks/scale/same.py "$WORK/bundle.json" "$WORK/first-$db.json" | sed 's/^/  /'
  step "import the export (replace)" "$BIN" import --replace "$WORK/first-$db.json"
  step "export again" "$BIN" export --campaign "$CODE" --output "$WORK/second-$db.json"
  if cmp -s "$WORK/first-$db.json" "$WORK/second-$db.json"; then echo "  export -> import -> export: identical"
  else echo "  export -> import -> export: DIFFERENT" >&2; exit 1; fi
  step "score" "$BIN" score --campaign "$CODE" --format csv
  # The pages and API lists of the loaded campaign, served by this build (pages.py).
  printf '%s\n' "$PATROL_SCALE_PASSWORD" | "$BIN" user add --username scaleadmin --role admin --password-stdin >/dev/null
  "$BIN" serve --port 8095 --gateway-listen 127.0.0.1:8894 >"$WORK/serve-$db.log" 2>&1 &
  SERVE=$!
  for _ in $(seq 1 120); do curl -fsS http://127.0.0.1:8095/healthz >/dev/null 2>&1 && break; sleep 0.5; done
  python3 Benchmarks/scale/pages.py --base http://127.0.0.1:8095 --user scaleadmin --password-env PATROL_SCALE_PASSWORD \
    --campaign "$CODE" | sed 's/^/  /' || echo "  (a page failed)"
  kill $SERVE; wait $SERVE 2>/dev/null || true
done
# Both databases give the same document.
cmp -s "$WORK/first-sqlite.json" "$WORK/first-postgres.json" && echo "SQLite and PostgreSQL exports: identical"
