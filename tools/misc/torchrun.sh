#!/usr/bin/env bash
# One process per GPU on this node through torchrun (gloo on CPU-only hosts), for tools/dist_{train,test}.sh.
#   bash tools/misc/torchrun.sh NPROC SCRIPT [args]      env: NNODES NODE_RANK MASTER_ADDR PORT PYTHON
# The interpreter: $PYTHON if set; else, when no virtualenv is active, the repository's own venv
# (${MMJFT_VENV:-<repo>/.venv}/bin/python, made by tools/install.sh) if it exists; else `python` from PATH.
set -euo pipefail
NPROC=$1
SCRIPT=$2
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=tools/misc/python.sh
source "$ROOT/tools/misc/python.sh"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
"$PYTHON" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$SCRIPT" "${@:3}" --launcher pytorch
