#!/usr/bin/env bash
# The main job, from a fresh clone: the paper in miniature on a CPU (configs/studies/mini_paper.py).
# Installs the stack into .venv if missing, then runs the study: generated data (mini-JFT and its flat-tail world,
# mini COCO, VOC masks, keypoints), 18 pretrainings (R18/R34-w16, nested 125-1,000 images, 2 seeds, the 7-class,
# clean and flat arms), their conversions, 44 downstream runs (detection fine-tuned and frozen, segmentation, pose,
# random-init baselines) and the report with the five findings as verdicts. 12.5 min on 2 idle cores after the
# install (751 s; the install from the wheel cache: 2.5 min); resumable (run it again after an interruption); extra
# arguments go to tools/run_study.py (--quick: 16 cells, 2 min).
#   bash tools/run_main_job.sh [--quick] [--lanes N]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
bash "$ROOT/tools/install.sh"
PY="${MMJFT_VENV:-$ROOT/.venv}/bin/python"
cd "$ROOT"
status=0
"$PY" tools/run_study.py configs/studies/mini_paper.py "$@" || status=$?
suffix=""
for arg in "$@"; do [ "$arg" = "--quick" ] && suffix="_quick"; done
echo "report: $ROOT/work_dirs/mini_paper$suffix/mini_paper.md (curves: mini_paper_curves.png, data: results.json)"
exit $status
