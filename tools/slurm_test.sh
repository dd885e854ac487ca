#!/usr/bin/env bash
# Evaluation on a Slurm cluster: one task per GPU, mmengine's slurm launcher reads SLURM_PROCID & co.
#   GPUS=8 bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args, e.g. --out-prefix P]
# The test counterpart of tools/slurm_train.sh (same variables, tools/misc/slurm_run.sh). GPUS_PER_NODE defaults to
# GPUS up to 8, so a 2-GPU test asks Slurm for 2 GPUs, not a whole node.
set -euo pipefail
TOOLS="$(cd "$(dirname "$0")" && pwd)"
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))} \
exec bash "$TOOLS/misc/slurm_run.sh" "$1" "$2" "$TOOLS/test.py" "$3" "$4" --launcher=slurm "${@:5}"
