#!/usr/bin/env bash
# logreg against scikit-learn, LIBLINEAR and Vowpal Wabbit: same data, same objective J. See bench/README.md.
#
#   bench/run.sh                     # all cases: 100k and 1M rows × 100, λ = 1e-4 and 1e-6
#   bench/run.sh --quick             # the 100k × 100 cases only
#   bench/run.sh --sparse            # sparse 500k × 50k @ 0.2%, λ = 1e-4 and 1e-6
#   bench/run.sh --dense             # the dense cases only
#   bench/run.sh --cases 20000x20:1e-4 --solvers gd --logreg-args "--max-iterations 20000 --learning-rate 1"
#
# Environment: BENCH_VENV (default bench/.venv, created from PyPI if missing), LOGREG_SOLVERS,
# LOGREG_ARGS, CARGO_BUILD_JOBS. Every other flag goes to bench/bench.py (--help lists them).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")
venv=${BENCH_VENV:-$here/.venv}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c "import sklearn, liblinear, pandas, scipy" 2>/dev/null; then
    echo "bench: creating $venv from PyPI" >&2
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet --upgrade pip
    # The versions the table in bench/README.md was measured with.
    "$venv/bin/python" -m pip install --quiet \
        "scikit-learn==1.9.1" "liblinear-official==2.50.0" "pandas==3.1.1" "numpy==2.4.6" "scipy==1.17.1"
fi

# LIBLINEAR's command-line train (end to end on the sparse cases) is not on PyPI; Debian has it.
if ! command -v liblinear-train >/dev/null && command -v apt-get >/dev/null && [ "$(id -u)" = 0 ]; then
    echo "bench: installing liblinear-tools (liblinear-train)" >&2
    apt-get install -y -qq liblinear-tools >/dev/null 2>&1 || echo "bench: liblinear-tools not installed; liblinear-cli is skipped" >&2
fi
# Vowpal Wabbit (sparse cases): its PyPI wheel; skipped cleanly if it cannot be installed.
"$venv/bin/python" -c "import vowpalwabbit" 2>/dev/null \
    || "$venv/bin/python" -m pip install --quiet "vowpalwabbit==9.11.9" \
    || echo "bench: vowpalwabbit not installed; vw is skipped" >&2

echo "bench: building logreg (release)" >&2
(cd "$root" && CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-1} cargo build --quiet --release --bin logreg --example bandwidth)

exec "$venv/bin/python" "$here/bench.py" \
    --logreg "$root/target/release/logreg" \
    --bandwidth "$root/target/release/examples/bandwidth" "$@"
