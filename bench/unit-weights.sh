#!/usr/bin/env bash
# What row weights cost: a stand-in "binary" for bench/compare.sh that trains on a copy of the
# file with every row weighted 1.0, so compare.sh sets the same fit unweighted and weighted side
# by side (same J, same optimum: a weight of 1 changes nothing but the work).
#
#   bench/unit-weights.sh prepare FILE...     # FILE.csv -> FILE_w.csv (a `w` column of 1, last)
#                                             # FILE.svm -> FILE.svm.weights (one 1 per row)
#   LOGREG=target/release/logreg bench/compare.sh target/release/logreg bench/unit-weights.sh \
#       --repeat 5 --args "--no-standardize" FILE...
#
# As a binary it is called `unit-weights.sh train FILE ARGS...` and runs
# `$LOGREG train FILE_w.csv --sample-weight w ARGS...` (CSV) or
# `$LOGREG train FILE --sample-weight-file FILE.weights ARGS...` (LIBSVM).
set -euo pipefail
case ${1:-} in
  prepare)
    shift
    for file in "$@"; do
      case $file in
        *.csv) [ -e "${file%.csv}_w.csv" ] || sed '1s/$/,w/; 2,$s/$/,1/' "$file" > "${file%.csv}_w.csv" ;;
        *) [ -e "$file.weights" ] || awk '{print 1}' "$file" > "$file.weights" ;;
      esac
    done
    ;;
  train)
    shift
    file=$1; shift
    logreg=${LOGREG:?set LOGREG to the logreg binary}
    case $file in
      *.csv)
        weighted=${file%.csv}_w.csv
        cat "$weighted" > /dev/null # into the page cache, as compare.sh does for FILE
        exec "$logreg" train "$weighted" --sample-weight w "$@" ;;
      *) exec "$logreg" train "$file" --sample-weight-file "$file.weights" "$@" ;;
    esac
    ;;
  *) echo "usage: $0 prepare FILE... | train FILE ARGS..." >&2; exit 2 ;;
esac
