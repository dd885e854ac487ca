#!/usr/bin/env bash
# The test suite, from a fresh clone: installs the stack into .venv if missing (tools/install.sh), then pytest on
# MMJFT_TEST_WORKERS pytest-xdist workers (default 2, one per core, one torch thread each; 0: in this process). Each
# worker builds the session fixtures it needs (the mini-JFT world, the shared pretraining of the transfer tests).
# (xdist 3.8's --dist loadgroup does not group under pytest 9: plain load balancing.)
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "${MMJFT_VENV:-$ROOT/.venv}/bin/python" -m pytest tests -n "${MMJFT_TEST_WORKERS:-2}" "$@"
