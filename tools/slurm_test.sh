#!/usr/bin/env bash
# Evaluation on a Slurm cluster: one task per GPU, mmengine's slurm launcher reads SLURM_PROCID & co.
#   GPUS=8 bash tools/slurm_test.sh PARTITION JOB_NAME CONFIG CHECKPOINT [test.py args, e.g. --out-prefix P]
# The test counterpart of tools/slurm_train.sh (same variables). GPUS_PER_NODE defaults to GPUS up to 8, so a 2-GPU
# test asks Slurm for 2 GPUs, not a whole node. SRUN_ARGS passes extra options to srun, CPUS_PER_TASK the loader
# workers' cores.
set -euo pipefail
PARTITION=$1
JOB_NAME=$2
CONFIG=$3
CHECKPOINT=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-$(( GPUS < 8 ? GPUS : 8 ))}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-""}
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
# $PYTHON if set; else the repository's .venv (tools/install.sh) when no virtualenv is active; else `python`
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python
  if [ -z "${VIRTUAL_ENV:-}" ] && [ -x "${MMJFT_VENV:-$ROOT/.venv}/bin/python" ]; then
    PYTHON="${MMJFT_VENV:-$ROOT/.venv}/bin/python"
  fi
fi

# shellcheck disable=SC2086  # SRUN_ARGS is a list of options
PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}" \
srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    --gres=gpu:"$GPUS_PER_NODE" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$GPUS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$ROOT/tools/test.py" "$CONFIG" "$CHECKPOINT" --launcher=slurm "${@:5}"
