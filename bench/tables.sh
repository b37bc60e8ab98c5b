#!/usr/bin/env bash
# Real tables (issue 13): logreg on a CSV with text columns and empty cells against a
# scikit-learn Pipeline (end to end) and glum (fit), on the same objective; CSV load
# throughput; streaming predict on a multi-GB file. See bench/README.md and bench/tables.py.
#
#   bench/tables.sh                                  # 1M rows, λ = 1e-4 and 1e-6, 3 repeats, 5 GB stream
#   bench/tables.sh --lambdas 1e-4 --big-gb 2        # every other flag goes to tables.py bench
#   TABLES_ROWS=20000 bench/tables.sh --repeat 1 --big-gb 0.05 --glum-tols 1e-4   # smoke
#
# Environment: BENCH_VENV (default bench/.venv, created from PyPI if it lacks glum),
# TABLES_ROWS (default 1000000), CARGO_TARGET_DIR, CARGO_BUILD_JOBS.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
venv=${BENCH_VENV:-$here/.venv}
rows=${TABLES_ROWS:-1000000}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sklearn, pandas, scipy, glum" 2>/dev/null; then
    echo "tables: creating $venv from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # The versions bench/README.md was measured with (glum brings tabmat 4.2.1 and pyarrow 26.0.1).
    "$venv/bin/python" -m pip install --quiet \
        "scikit-learn==1.9.1" "pandas==3.1.1" "numpy==2.4.6" "scipy==1.17.1" "glum==3.4.1"
fi

echo "tables: building logreg (release)" >&2
(cd "$root" && CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin logreg)
logreg=${CARGO_TARGET_DIR:-$root/target}/release/logreg

data=$here/data/tables_$([ "$rows" = 1000000 ] && echo 1m || echo "$rows").csv
if [ ! -f "$data" ]; then
    mkdir -p "$here/data"
    "$logreg" generate --rows "$rows" --features 10 --categorical 5:10-1000 --missing 0.05 \
        --seed 1 -o "$data"
fi

if [ $# -eq 0 ]; then
    set -- --lambdas 1e-4 1e-6
fi
exec "$venv/bin/python" "$here/tables.py" bench --logreg "$logreg" --data "$data" "$@"
