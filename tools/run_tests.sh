#!/usr/bin/env bash
# The test suite, from a fresh clone: installs the stack into .venv if missing (tools/install.sh), then pytest.
#   bash tools/run_tests.sh [pytest args]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/install.sh"
cd "$ROOT"
exec "${MMJFT_VENV:-$ROOT/.venv}/bin/python" -m pytest tests "$@"
