#!/usr/bin/env bash
# Side-by-side passes and fit times of two logreg binaries on the same files, alternating runs.
#   bench/compare.sh OLD_BINARY NEW_BINARY [--repeat N] [--solvers "auto"] [--lambdas "1e-4 1e-6"]
#                    [--args "--no-standardize --tol 1e-6"] FILE...
# Prints one line per run (binary, file, solver, λ, termination, iterations, passes, fit seconds,
# J) and then the median fit time and passes of each binary per case.
set -euo pipefail
old=$1 new=$2; shift 2
repeat=3 solvers=auto lambdas="1e-4 1e-6" extra=""
files=()
while (($#)); do
  case $1 in
    --repeat) repeat=$2; shift 2 ;;
    --solvers) solvers=$2; shift 2 ;;
    --lambdas) lambdas=$2; shift 2 ;;
    --args) extra=$2; shift 2 ;;
    *) files+=("$1"); shift ;;
  esac
done
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for file in "${files[@]}"; do
  cat "$file" > /dev/null # into the page cache before either binary reads it
  for solver in $solvers; do
    for lambda in $lambdas; do
      for ((r = 0; r < repeat; r++)); do
        for which in old new; do
          bin=$old; [ "$which" = new ] && bin=$new
          # shellcheck disable=SC2086 # $extra is a list of options
          "$bin" train "$file" -o "$out/m.json" --solver "$solver" --l2 "$lambda" $extra --json --quiet \
            | python3 -c "
import json, sys
j = json.load(sys.stdin); r = j['report']
print('$which', '$(basename "$file")', '$solver', '$lambda', r['termination'], r['iterations'],
      r['evaluations']['passes'], '%.3f' % r['seconds'], '%.12f' % r['cost'])"
        done
      done
    done
  done
done | tee "$out/runs.txt"
python3 - "$out/runs.txt" <<'PY'
import statistics, sys
from collections import defaultdict
runs = defaultdict(list)
for line in open(sys.argv[1]):
    which, file, solver, lam, term, it, passes, secs, cost = line.split()
    runs[(file, solver, lam, which)].append((int(passes), float(secs)))
print("\ncase | old passes | new passes | old fit s (median) | new fit s (median) | new/old time")
for key in sorted({k[:3] for k in runs}):
    o, n = runs[key + ("old",)], runs[key + ("new",)]
    po, pn = statistics.median(p for p, _ in o), statistics.median(p for p, _ in n)
    to, tn = statistics.median(t for _, t in o), statistics.median(t for _, t in n)
    print(f"{' '.join(key)} | {po:g} | {pn:g} | {to:.3f} | {tn:.3f} | {tn / to:.2f}")
PY
