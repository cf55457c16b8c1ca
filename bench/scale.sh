#!/usr/bin/env bash
# bench/scale.sh N   (default 100000): how time, peak memory and the store grow with the
# registry, N generated sources beside N/10 (see bench/scale.py). Needs nginx-light.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
command -v /usr/sbin/nginx >/dev/null || { echo "needs nginx (apt-get install nginx-light)" >&2; exit 2; }
(cd "$HERE/.." && cargo build --release --locked -q)
python3 "$HERE/scale.py" "${1:-100000}" "${@:2}"
