#!/usr/bin/env bash
# L1 / elastic-net logistic regression (issue 14): logreg against LIBLINEAR -s 6, glum, skglm and
# scikit-learn (saga, liblinear) on one objective. See the docstrings of bench/l1.py and
# bench/l1_peers.py.
#
#   bench/l1.sh                          # dense 1M × 100, sparse 500k × 50k @ 0.002, austen; two λ1 each
#   bench/l1.sh --quick                  # dense 100k × 100, sparse 50k × 5k @ 0.02, austen
#   bench/l1.sh --quick --datasets austen --tools "logreg skglm liblinear"
#   bench/l1.sh --datasets austen-x55    # the austen rows repeated 55 times (498,190 rows)
#   bench/l1.sh --l2 0 1e-4              # pure L1 and elastic net (LIBLINEAR rows need λ2 = 0)
#
# Environment: BENCH_VENV (default bench/.venv; bench/run.sh creates it), LOGREG (default
# $CARGO_TARGET_DIR/release/logreg or target/release/logreg; not built here unless
# L1_BUILD=1). logreg's row is skipped when its `train --help` has no --l1.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
venv=${BENCH_VENV:-$here/.venv}
target=${CARGO_TARGET_DIR:-$root/target}
logreg=${LOGREG:-$target/release/logreg}

if [ ! -x "$venv/bin/python" ]; then
    echo "l1: creating $venv from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
# The versions bench/README.md's other tables were measured with, plus skglm and its numba.
if ! "$venv/bin/python" -c "import sklearn, liblinear, pandas, scipy, glum, skglm" 2>/dev/null; then
    echo "l1: installing the peers into $venv" >&2
    "$venv/bin/python" -m pip install --quiet \
        "scikit-learn==1.9.1" "liblinear-official==2.50.0" "pandas==3.1.1" "numpy==2.4.6" \
        "scipy==1.17.1" "glum==3.4.1" "skglm==0.5" "numba==0.68.1" "llvmlite==0.50.0"
fi
# LIBLINEAR's multi-core build has the same module name as the official one: its own folder.
if [ ! -d "$venv/liblinear-multicore/liblinear" ]; then
    echo "l1: installing liblinear-multicore into $venv/liblinear-multicore" >&2
    "$venv/bin/python" -m pip install --quiet --no-deps --target "$venv/liblinear-multicore" \
        "liblinear-multicore==2.50.0" || echo "l1: liblinear-multicore not installed; LIBLINEAR runs single-threaded" >&2
fi
if [ "${L1_BUILD:-0}" = 1 ]; then
    echo "l1: building logreg (release)" >&2
    (cd "$root" && CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin logreg)
fi
exec "$venv/bin/python" "$here/l1.py" --logreg "$logreg" "$@"
