#!/usr/bin/env bash
# The main job, from a fresh clone: JFT-style pretraining in miniature on a CPU.
# Installs the stack into .venv if missing, generates the mini-JFT data (JPEG + JSONL + classes + hierarchy), trains
# the narrow ResNet-18 config with the paper's recipe, then evaluates mAP@100 on the held-out split.
#   bash tools/run_main_job.sh [WORK_DIR]        (default work_dirs/mini_jft)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WORK_DIR="${1:-$ROOT/work_dirs/mini_jft}"
CONFIG="$ROOT/configs/jft/resnet18-w16_1xb32_mini-jft-64px.py"
bash "$ROOT/tools/install.sh"
PY="${MMJFT_VENV:-$ROOT/.venv}/bin/python"
cd "$ROOT"
[ -f data/mini_jft/train.jsonl ] || "$PY" tools/dataset_converters/make_mini_jft.py data/mini_jft
"$PY" tools/analysis_tools/dataset_stats.py "$CONFIG" --top 5
"$PY" tools/train.py "$CONFIG" --work-dir "$WORK_DIR"
"$PY" tools/test.py "$CONFIG" "$(cat "$WORK_DIR/last_checkpoint")" --work-dir "$WORK_DIR"
