#!/usr/bin/env bash
# Repeat the concurrent-runs convergence test (two `riverbed run` at once + the daily job fired
# the daemon's way during a CLI run's daily stage) N times; print how many converged.
#   scripts/concurrent_runs.sh [N]   (default 10; each repetition takes 30-120 s)
set -u
cd "$(dirname "$0")/.."
n="${1:-10}"
ok=0
for i in $(seq "$n"); do
  start=$(date +%s)
  if .venv/bin/pytest tests/concurrency/test_concurrent_runs.py -q -p no:cacheprovider \
      --durations=0 >"/tmp/riverbed-concurrent-$i.log" 2>&1; then
    ok=$((ok + 1)); verdict=converged
  else
    verdict="FAILED (see /tmp/riverbed-concurrent-$i.log)"
  fi
  echo "run $i: $verdict in $(( $(date +%s) - start )) s"
done
echo "converged: $ok/$n"
[ "$ok" -eq "$n" ]
