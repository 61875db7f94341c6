#!/usr/bin/env bash
# Runs CI (`CI=true bash .ci/run`, which installs and runs `npm test`) N times on a clean clone of
# HEAD, one run after another, and reports per run its result and jest's time, then every test
# that failed, with how many runs it failed in. A flaky test shows up here, not in a single run.
#   bash scripts/repeatSuite.sh [runs=10] [logs directory]
set -uo pipefail
runs=${1:-10}
logs=${2:-$(mktemp -d -t suite-runs-XXXXXX)}
mkdir -p "$logs"
root=$(git -C "$(dirname "$0")/.." rev-parse --show-toplevel)
clone=$(mktemp -d -t suite-clone-XXXXXX)
trap 'rm -rf "$clone"' EXIT
git clone --quiet "$root" "$clone"
echo "commit $(git -C "$clone" rev-parse --short HEAD), $runs runs, logs in $logs"

passed=0
for run in $(seq 1 "$runs"); do
  log="$logs/run-$run.log"
  started=$(date +%s)
  (cd "$clone" && CI=true bash .ci/run) >"$log" 2>&1
  status=$?
  seconds=$(( $(date +%s) - started ))
  # jest's own summary: "Time:        287.1 s"
  jest=$(grep -Eo '^Time: +[0-9.]+ s' "$log" | tail -1 | grep -Eo '[0-9.]+')
  tests=$(grep -E '^Tests: ' "$log" | tail -1)
  if [ "$status" -eq 0 ]; then passed=$((passed + 1)); result=passed; else result="FAILED ($status)"; fi
  printf 'run %2d: %-12s jest %6s s, whole CI %4d s; %s\n' "$run" "$result" "${jest:-?}" "$seconds" "${tests:-no summary}"
done

echo "passed $passed of $runs"
echo "failed tests (runs they failed in):"
# Each failure once per run (jest repeats them in its summary), then counted across runs.
for log in "$logs"/run-*.log; do grep '^  ● ' "$log" | grep -v '^  ● Console$' | sed 's/^  ● //' | sort -u; done | sort | uniq -c | sort -rn | sed 's/^/  /'
[ "$passed" -eq "$runs" ]
