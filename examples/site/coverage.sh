#!/usr/bin/env bash
# The seed page against the bundled registry, offline: serves examples/site (a local copy of
# the site's route page for the IT-specialist route) on 127.0.0.1, runs
# `check --route kz-pr-it-specialists` on a copy of sources.toml whose route points at it, and
# prints the route's coverage and the figures no fact watches. The official source is fetched
# too (offline: unreachable, which flags the facts but not the page).
#
#   bash examples/site/coverage.sh [path/to/sourcewatch]   (default: target/release/sourcewatch)
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${1:-target/release/sourcewatch}"
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -u -m http.server --bind 127.0.0.1 --directory examples/site 0 >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "${port:-}" ] || { echo "the local server did not start" >&2; exit 2; }
page="http://127.0.0.1:$port/kz-pr-it-specialists.html"
python3 - "$page" sources.toml "$work/sources.toml" <<'PY'
import sys
page, src, dst = sys.argv[1:]
text = open(src, encoding="utf-8").read()
old = 'title = "Kazakhstan · Permanent residence for foreign IT specialists"\n'
assert old in text, "the route's title moved"
text = text.replace(old, old + f'page = "{page}"\n', 1)
text = text.replace('snapshots_dir = "snapshots"', f'snapshots_dir = "{dst}.snapshots"')
open(dst, "w", encoding="utf-8").write(text)
PY
"$bin" --config "$work/sources.toml" check --route kz-pr-it-specialists --format json \
  >"$work/report.json" || true
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for route in r["routes"]:
    print(f'{route["id"]}: {route["monitored"]} of {route["claims"]} claims on the page are watched '
          f'(coverage {route["coverage"]:.0%}); page last verified {route["published_last_verified"]}, '
          f'facts {route["expected_last_verified"]}, dates match: {route["date_matches"]}')
    for line in route["unmonitored"]:
        print(f"  not watched: {line}")
    stated = [f for f in r["facts"] if f["route"] == route["id"]]
    differs = [f["id"] for f in stated if f["published"] is False]
    print(f"  facts the page states: {sum(1 for f in stated if f['published'])} of {len(stated)}"
          + (f"; not stated: {', '.join(differs)}" if differs else ""))
PY
