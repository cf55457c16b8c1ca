#!/usr/bin/env bash
# bench/run.sh [N ...]   (default: 100 1000)
#
# Side-by-side benchmark of `sourcewatch check` against urlwatch 2.29 (its best configuration) and
# a minimal Rust fetch+parse+hash floor, on one generated corpus of government-portal-like pages
# served by nginx on 127.0.0.1:18080, in one run. Reuses the shared harness (../shared/bench:
# corpus generator, nginx config, urlwatch driver, floor), copied to bench/work/harness because
# it keeps venvs, corpora and nginx state beside itself. Needs root for apt-get (nginx-light).
#
# Knobs: REPS=5 (medians of REPS runs per pass), SHARED=../shared/bench.
# Output: one table per N with ratios; raw numbers appended to bench/work/results.jsonl.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
SHARED="${SHARED:-$REPO/../shared/bench}"
WORK="$HERE/work"
HARNESS="$WORK/harness"
mkdir -p "$WORK"
if [[ ! -f "$HARNESS/peers.py" ]]; then
  cp -r "$SHARED" "$HARNESS"
  chmod -R u+w "$HARNESS"
fi
(cd "$HARNESS" && ./setup.sh)
(cd "$REPO" && cargo build --release --locked)
for n in "${@:-100 1000}"; do
  for N in $n; do
    CORPUS="$WORK/corpus-$N"
    python3 "$HARNESS/peers.py" prepare "$N" "$CORPUS" --seed 42 --fraction 0.05 >/dev/null
    "$HARNESS/start_nginx.sh" "$CORPUS/site" >/dev/null
    trap '"$HARNESS/stop_nginx.sh" >/dev/null 2>&1 || true' EXIT
    python3 "$HERE/compare.py" "$CORPUS" --reps "${REPS:-5}" --harness "$HARNESS" \
      --sourcewatch "$REPO/target/release/sourcewatch" --results "$WORK/results.jsonl"
    "$HARNESS/stop_nginx.sh" >/dev/null 2>&1 || true
    trap - EXIT
  done
done
