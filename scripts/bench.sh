#!/usr/bin/env bash
# Run every benchmark against the running test stack's settings (or RFL_ENV_FILE), each with run
# lengths that keep the whole under 10 minutes on a 2-core machine (BENCH_FULL=1: each one's own
# defaults, longer), then list every verdict line and the time each benchmark took.
# d20 is the dice benchmark's baseline only; it is installed without its dependencies because it
# pins lark-parser 0.9, which would overwrite the `lark` package our parser uses (d20 runs on 1.x).
set -euo pipefail
cd "$(dirname "$0")/.."
# BENCH_NO_SETUP=1 skips `make setup` in a checkout already set up (it re-syncs the venv and the
# npm folders, which other work in the same checkout may be using).
[ "${BENCH_NO_SETUP:-0}" = 1 ] || scripts/bootstrap.sh
.venv/bin/uv pip install -q --python .venv/bin/python --no-deps d20==1.1.2 cachetools==8.0.2
# wrk (a C load generator) drives the REST benchmark without starving the server of CPU.
command -v wrk >/dev/null || apt-get install -y -q wrk >/dev/null

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The tree issue 19 measured REST on (its server and its own migrations): bench_rest serves it in
# the same run, the "2x today's figure" aim's yardstick. Skipped where git history is missing.
ISSUE_TREE=7ae0f46
rest_baseline=()
if git cat-file -e "$ISSUE_TREE^{commit}" 2>/dev/null; then
  mkdir "$out/baseline"
  git archive "$ISSUE_TREE" native_platform supabase sql | tar -x -C "$out/baseline"
  rest_baseline=(--baseline "$out/baseline")
fi

# The shortened runs (medians of 3 where a benchmark takes --runs); docs/performance.md.
short_args() {
  case "$1" in
    bench_rest) args=(--runs 3 --seconds 2 --workers 1,2 --scenarios "row by primary key") ;;
    bench_observability | bench_tracing) args=(--runs 3 --seconds 1) ;;
    bench_backup) args=(--mb 30) ;;
    bench_learning) args=(--requests 30) ;;
    bench_modules) args=(--rolls 150) ;;
    bench_storage) args=(--large-mb 10 --objects 1000) ;;
    *) args=() ;;
  esac
}

failed=()
start=$SECONDS
for bench in bench/bench_*.py; do
  name=$(basename "$bench" .py)
  args=()
  [ "${BENCH_FULL:-0}" = 1 ] || short_args "$name"
  [ "$name" != bench_rest ] || args+=("${rest_baseline[@]}")
  echo "==> $bench ${args[*]}"
  began=$SECONDS
  if ! .venv/bin/python "$bench" "${args[@]}" 2>&1 | tee "$out/$name.txt"; then
    failed+=("$name")
  fi
  echo "$name: $((SECONDS - began)) s" >>"$out/times"
done

echo
echo "== $((SECONDS - start)) s in all; load: $(uptime | sed 's/.*load average: //')"
cat "$out/times"
echo "== verdicts"
for file in "$out"/bench_*.txt; do
  name=$(basename "$file" .txt)
  grep -i '^verdict' "$file" | sed "s/^/$name: /" || echo "$name: (prints no verdict line)"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "failed: ${failed[*]}" >&2
  exit 1
fi
