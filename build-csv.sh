#!/usr/bin/env bash
# candlestore build --csv — export wrapper; every argument is passed on, e.g.
#   ./build-csv.sh --root DIR --select 'EUR-USD/1h,1d' --output eurusd.csv
#   ./build-csv.sh --root DIR --select '*/1d' --output-dir mt4 --mt4
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/bin/candlestore.js" build --csv "$@"
