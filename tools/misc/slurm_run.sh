#!/usr/bin/env bash
# One srun job step of a tools/ script, one task per GPU (mmengine's slurm launcher reads SLURM_PROCID & co.); what
# tools/slurm_train.sh and tools/slurm_test.sh share.
#   bash tools/misc/slurm_run.sh PARTITION JOB_NAME SCRIPT [script args]
# GPUS (default 8), GPUS_PER_NODE (default 8), CPUS_PER_TASK (the loader workers' cores, default 5), SRUN_ARGS
# (extra srun options). Python: $PYTHON, else the repository's .venv (tools/install.sh) when no virtualenv is
# active, else `python`.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
SCRIPT=$3
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
# shellcheck source=tools/misc/python.sh
source "$ROOT/tools/misc/python.sh"

# shellcheck disable=SC2086  # SRUN_ARGS is a list of options
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$SCRIPT" "${@:4}"
