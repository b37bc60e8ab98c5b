#!/usr/bin/env bash
# Statistical inference (issue 16): logreg's fit + summary (coefficients and nonrobust
# standard errors of the unpenalised model) against statsmodels' Logit (Newton) + summary()
# and glum's fit + covariance_matrix, on dense 1,000,000 × 50 (and 100,000 × 50 as a sanity
# case). See bench/README.md ("Inference (issue 16)") and bench/inference.py.
#
#   bench/inference.sh                      # both cases, 3 interleaved rounds
#   bench/inference.sh --repeat 1           # every other flag goes to inference.py bench
#   INFERENCE_CASES="100000" bench/inference.sh --repeat 1 --glum-tols default   # smoke
#
# Environment: BENCH_VENV (default bench/.venv, created from PyPI if it lacks glum),
# SM_PYTHON (a Python with statsmodels; default: the venv's if it has it, else python3),
# INFERENCE_CASES (row counts, default "1000000 100000"; 50 features each),
# INFERENCE_KEEP_DATA=1 keeps the CSVs this run generated in bench/data/ (by default they are
# deleted at the end; a CSV that was already there is used and left alone),
# CARGO_TARGET_DIR, CARGO_BUILD_JOBS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
venv=${BENCH_VENV:-$here/.venv}
cases=${INFERENCE_CASES:-1000000 100000}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import pandas, scipy, glum" 2>/dev/null; then
    echo "inference: creating $venv from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # The versions of bench/README.md (glum brings tabmat 4.2.1).
    "$venv/bin/python" -m pip install --quiet \
        "scikit-learn==1.9.1" "pandas==3.1.1" "numpy==2.4.6" "scipy==1.17.1" "glum==3.4.1"
fi
if [ -z "${SM_PYTHON:-}" ]; then
    if "$venv/bin/python" -c "import statsmodels" 2>/dev/null; then
        SM_PYTHON=$venv/bin/python
    else
        SM_PYTHON=$(command -v python3)
    fi
fi
"$SM_PYTHON" -c "import statsmodels, pandas" || {
    echo "inference: $SM_PYTHON has no statsmodels (set SM_PYTHON, or pip install statsmodels into $venv)" >&2
    exit 1
}

echo "inference: building logreg (release)" >&2
(cd "$root" && CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin logreg)
logreg=${CARGO_TARGET_DIR:-$root/target}/release/logreg

mkdir -p "$here/data"
files=()
made=()
for rows in $cases; do
    name=$([ "$rows" = 1000000 ] && echo 1m || { [ "$rows" = 100000 ] && echo 100k || echo "$rows"; })
    data=$here/data/inference_${name}50.csv
    if [ ! -f "$data" ]; then
        "$logreg" generate --rows "$rows" --features 50 --seed 1 -o "$data"
        made+=("$data")
    fi
    files+=("$data")
done
cleanup() {
    if [ "${INFERENCE_KEEP_DATA:-0}" != 1 ]; then
        rm -f "${made[@]}"
    fi
}
trap cleanup EXIT

"$venv/bin/python" "$here/inference.py" bench --logreg "$logreg" --sm-python "$SM_PYTHON" \
    --data "${files[@]}" "$@"
