#!/usr/bin/env bash
# Data-parallel training with torchrun, one process per GPU (gloo on CPU-only hosts).
#   bash tools/dist_train.sh CONFIG GPUS [train.py args]
#   NNODES=2 NODE_RANK=0 MASTER_ADDR=10.0.0.1 PORT=29500 bash tools/dist_train.sh CONFIG 8   # multi-node
# Writes work_dirs/<config name>/ unless --work-dir says otherwise. Python: $PYTHON, else the active virtualenv's,
# else the repository's .venv (tools/install.sh) when it exists (tools/misc/torchrun.sh).
set -euo pipefail
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec bash "$TOOLS/misc/torchrun.sh" "$2" "$TOOLS/train.py" "$1" "${@:3}"
