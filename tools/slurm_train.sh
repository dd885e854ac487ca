#!/usr/bin/env bash
# Training on a Slurm cluster: one task per GPU, mmengine's slurm launcher reads SLURM_PROCID & co.
#   GPUS=16 GPUS_PER_NODE=8 bash tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args]
# SRUN_ARGS passes extra options to srun (e.g. "--quotatype=reserved"), CPUS_PER_TASK the loader workers' cores
# (tools/misc/slurm_run.sh).
set -euo pipefail
TOOLS="$(cd "$(dirname "$0")" && pwd)"
exec bash "$TOOLS/misc/slurm_run.sh" "$1" "$2" "$TOOLS/train.py" "$3" --work-dir="$4" --launcher=slurm "${@:5}"
