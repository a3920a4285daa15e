#!/usr/bin/env bash
# candlestore rebuild full — thin wrapper for cron jobs; extra arguments (e.g. --root DIR) are passed on.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/bin/candlestore.js" rebuild full "$@"
