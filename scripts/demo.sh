#!/usr/bin/env bash
# Walks the whole pipeline on a generated sample drop. Run with `make demo`.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "phoneload demo: nothing to show yet"
