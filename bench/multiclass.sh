#!/usr/bin/env bash
# K classes (issue 12): logreg multinomial vs scikit-learn, logreg one-vs-rest vs LIBLINEAR.
# See the docstring of bench/multiclass.py.
#
#   bench/multiclass.sh                       # dense 1M × 100 K=10 and sparse 500k × 50k K=20, λ = 1e-4
#   bench/multiclass.sh --dense 200000x100x10:1e-4 --sparse 100000x20000x20@0.002:1e-4
#   bench/multiclass.sh --dense 20000x20x5:1e-4 --sparse 20000x2000x5@0.01:1e-4 --repeat 1   # smoke
#
# Environment: BENCH_VENV (default bench/.venv; run.sh creates it). LIBLINEAR's multi-core build
# goes into $BENCH_VENV/liblinear-multicore (its module is also called `liblinear`, so it
# cannot be installed next to liblinear-official); without a C++ compiler it is skipped and
# the table uses the official single-threaded build (pass --liblinear-threads 1).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
venv=${BENCH_VENV:-$here/.venv}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sklearn, liblinear, pandas, scipy" 2>/dev/null; then
    echo "multiclass: creating $venv from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    "$venv/bin/python" -m pip install --quiet \
        "scikit-learn==1.9.1" "liblinear-official==2.50.0" "pandas==3.1.1" "numpy==2.4.6" "scipy==1.17.1"
fi
if [ ! -d "$venv/liblinear-multicore/liblinear" ]; then
    echo "multiclass: building liblinear-multicore into $venv/liblinear-multicore" >&2
    "$venv/bin/python" -m pip install --quiet --no-deps --target "$venv/liblinear-multicore" \
        "liblinear-multicore==2.50.0" || echo "multiclass: liblinear-multicore not installed" >&2
fi

echo "multiclass: building logreg (release)" >&2
(cd "$root" && CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin logreg --example bandwidth)
target=${CARGO_TARGET_DIR:-$root/target}

if [ $# -eq 0 ]; then
    set -- --dense 1000000x100x10:1e-4 --sparse 500000x50000x20@0.002:1e-4
fi
exec "$venv/bin/python" "$here/multiclass.py" \
    --logreg "$target/release/logreg" --bandwidth "$target/release/examples/bandwidth" "$@"
