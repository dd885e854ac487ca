#!/usr/bin/env bash
# The test suite, from a fresh clone: installs the stack into .venv if missing (tools/install.sh), then pytest on
# MMJFT_TEST_WORKERS pytest-xdist workers (default 2, one per core; 0: in this process). The transfer tests share one
# worker (xdist_group), which builds their shared pretraining once.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "${MMJFT_VENV:-$ROOT/.venv}/bin/python" -m pytest tests -n "${MMJFT_TEST_WORKERS:-2}" --dist loadgroup "$@"
