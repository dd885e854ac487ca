#!/usr/bin/env bash
# Data-parallel evaluation with torchrun, one process per GPU (gloo on CPU-only hosts).
#   bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]     (NNODES, NODE_RANK, MASTER_ADDR, PORT as in
#   tools/dist_train.sh); the same Python as tools/dist_train.sh.
set -euo pipefail
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec bash "$TOOLS/misc/torchrun.sh" "$3" "$TOOLS/test.py" "$1" "$2" "${@:4}"
