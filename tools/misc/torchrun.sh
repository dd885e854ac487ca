#!/usr/bin/env bash
# One process per GPU on this node through torchrun (gloo on CPU-only hosts), for tools/dist_{train,test}.sh.
#   bash tools/misc/torchrun.sh NPROC SCRIPT [args]      env: NNODES NODE_RANK MASTER_ADDR PORT PYTHON
set -euo pipefail
NPROC=$1
SCRIPT=$2
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
"${PYTHON:-python}" -m torch.distributed.run \
    --nnodes="${NNODES:-1}" \
    --node_rank="${NODE_RANK:-0}" \
    --master_addr="${MASTER_ADDR:-127.0.0.1}" \
    --nproc_per_node="$NPROC" \
    --master_port="${PORT:-29500}" \
    "$SCRIPT" "${@:3}" --launcher pytorch
