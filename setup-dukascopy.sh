#!/usr/bin/env bash
# Switch a root to MT4-style Dukascopy server time (GMT+2/+3 with New York DST) by copying
# config.dukascopy-mt4.yaml to config.user.yaml, which is merged over config.yaml.
# Usage: ./setup-dukascopy.sh [ROOT]   (default: this folder). If the root already holds data made with
# another time shift, the next run stops (exit 2) and names the rebuild: `./rebuild-full.sh`, or
# `./run.sh --rebuild-on-change`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="${1:-$here}"
if [ -e "$root/config.user.yaml" ] && ! cmp -s "$here/config.dukascopy-mt4.yaml" "$root/config.user.yaml"; then
  echo "setup-dukascopy: $root/config.user.yaml exists and differs; move it away first" >&2
  exit 2
fi
cp "$here/config.dukascopy-mt4.yaml" "$root/config.user.yaml"
echo "setup-dukascopy: wrote $root/config.user.yaml (MT4 server time)"
if [ -d "$root/data/aggregate" ]; then
  echo "setup-dukascopy: $root already has stores; if they were made with another time shift, the next run names the rebuild (./rebuild-full.sh --root $root, or ./run.sh --root $root --rebuild-on-change)"
fi
