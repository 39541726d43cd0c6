#!/usr/bin/env bash
# Runs each fuzz target for a bounded time from the seed corpus in fuzz/corpus/<name>.
# New interesting inputs go to a scratch folder; a crash leaves its input in fuzz/crashes/ and fails.
# Usage: fuzz/run.sh <build-dir> [seconds-per-target]
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1
seconds=${2:-60}
mkdir -p fuzz/crashes
status=0
for name in checkpoint csv; do
  scratch=$(mktemp -d)
  echo "fuzzing $name for ${seconds}s"
  if ! "$build/fuzz/fuzz_$name" "$scratch" "fuzz/corpus/$name" -max_total_time="$seconds" -max_len=4096 \
        -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -artifact_prefix="fuzz/crashes/${name}-" \
        -print_final_stats=1 2> "$scratch.log"; then
    tail -40 "$scratch.log"
    status=1
  else
    grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$scratch.log" | sed "s/^/  $name: /"
  fi
  rm -rf "$scratch" "$scratch.log"
done
exit $status
