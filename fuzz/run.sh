#!/usr/bin/env bash
# The long fuzz run: fuzz/run.sh [SECONDS-PER-TARGET] [TARGET...]
#
# Builds the targets with cargo-fuzz on stable (`cargo install cargo-fuzz`; `-s none`: no
# sanitizer, which needs nightly), then runs each target (default: all five) for SECONDS
# (default 600) under libFuzzer with a 2 GiB limit on resident memory and on any one
# allocation. The working corpus and the crashes live outside the repository, in
# ${FUZZ_WORK:-/tmp/logreg-fuzz}/{corpus,artifacts,logs}/TARGET, seeded from fuzz/corpus/ and
# fuzz/regressions/ (so a later run goes on from where this one stopped). libFuzzer stops at a
# crash; the run then starts it again on the grown corpus until the time is used up. Prints the
# executions and the crashes of each target; exits 1 if any target crashed.
#
# A crash reproduces with: $CARGO_TARGET_DIR/x86_64-unknown-linux-gnu/release/TARGET FILE
# (or `cargo fuzz run -s none TARGET FILE` in fuzz/); minimise it with `cargo fuzz tmin -s none
# TARGET FILE`, then add it to fuzz/regressions/TARGET/ (fixed) or fuzz/pending/TARGET/ (not yet).
set -euo pipefail
cd "$(dirname "$0")"
fuzz_dir=$(pwd)

seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(csv libsvm gzip parquet model)
work=${FUZZ_WORK:-/tmp/logreg-fuzz}
limits=(-rss_limit_mb=2048 -malloc_limit_mb=2048 -timeout=20 -max_len=8192)

for t in "${targets[@]}"; do
  case $t in
    csv | libsvm | gzip | parquet | model) ;;
    *) echo "unknown target $t (csv, libsvm, gzip, parquet, model)" >&2; exit 2 ;;
  esac
done

command -v cargo-fuzz >/dev/null || { echo "needs cargo-fuzz: cargo install cargo-fuzz" >&2; exit 2; }
# One build for every target, the Parquet reader included: building some targets without the
# feature would rebuild logreg and its dependencies each time the set changes.
cargo fuzz build -s none --release --features parquet
target_dir=${CARGO_TARGET_DIR:-$fuzz_dir/target}
host=$(rustc -vV | sed -n 's/^host: //p')
bin_dir=$target_dir/$host/release

any_crash=0
summary=()
for t in "${targets[@]}"; do
  corpus=$work/corpus/$t
  artifacts=$work/artifacts/$t
  logs=$work/logs/$t
  mkdir -p "$corpus" "$artifacts" "$logs"
  for seeds in "$fuzz_dir/corpus/$t" "$fuzz_dir/regressions/$t"; do
    [ -d "$seeds" ] && cp -n "$seeds"/* "$corpus"/ 2>/dev/null || true
  done
  before=$(ls "$artifacts" | sort)
  executions=0
  runs=0
  end=$((SECONDS + seconds))
  while [ $SECONDS -lt $end ]; do
    runs=$((runs + 1))
    log=$logs/run-$(date +%Y%m%d-%H%M%S)-$runs.log
    echo "== $t: run $runs, $((end - SECONDS)) s left, log $log"
    status=0
    "$bin_dir/$t" "$corpus" "${limits[@]}" -max_total_time=$((end - SECONDS)) \
      -print_final_stats=1 -artifact_prefix="$artifacts/" >"$log" 2>&1 &
    pid=$!
    wait $pid || status=$?
    # The target's scratch files (fuzz/targets.rs names them after the process).
    rm -f /dev/shm/logreg-fuzz-"$pid"-* "${TMPDIR:-/tmp}"/logreg-fuzz-"$pid"-*
    n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    executions=$((executions + ${n:-0}))
    if [ "$status" -ne 0 ]; then
      grep -m1 -E "^==[0-9]+== ERROR|panicked at|out-of-memory|Timeout|deadly signal" "$log" || true
    fi
    # A run that ends without executing anything (a broken build, a bad flag) would loop.
    [ -n "$n" ] || { echo "no statistics in $log:"; tail -20 "$log"; break; }
  done
  new=$(comm -13 <(echo "$before") <(ls "$artifacts" | sort) | grep -E '^(crash|oom|timeout|leak)-' || true)
  crashes=$(printf '%s' "$new" | grep -c . || true)
  [ "$crashes" -eq 0 ] || any_crash=1
  summary+=("$(printf '%-8s %14s executions  %3s crashes  (%s runs)' "$t" "$executions" "$crashes" "$runs")")
  for f in $new; do summary+=("           $artifacts/$f"); done
done

echo
echo "fuzzed ${seconds} s per target; corpus and crashes in $work"
printf '%s\n' "${summary[@]}"
exit $any_crash
