#!/usr/bin/env bash
# candlestore build --parquet — export wrapper; every argument is passed on, e.g.
#   ./build-parquet.sh --root DIR --select '*/*' --output-dir lake --partition --incremental
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/bin/candlestore.js" build --parquet "$@"
