#!/usr/bin/env bash
# Run every benchmark against the running test stack's settings (or RFL_ENV_FILE).
# d20 is the dice benchmark's baseline only; it is installed without its dependencies because it
# pins lark-parser 0.9, which would overwrite the `lark` package our parser uses (d20 runs on 1.x).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps d20==1.1.2 cachetools==8.0.2
# wrk (a C load generator) drives the REST benchmark without starving the server of CPU.
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null
for bench in bench/bench_*.py; do
  echo "==> $bench"
  .venv/bin/python "$bench"
done
