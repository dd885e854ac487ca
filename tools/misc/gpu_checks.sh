#!/usr/bin/env bash
# GPU checks of the fast training step, one script for a fresh GPU host with Python 3.12 and
# torch 2.11 (CUDA) and the OpenMMLab packages carried as wheels in .whl/ (tools/misc/fetch_gpu_wheels.sh).
# Under 8 minutes on one H100 / H200:
#   1. the mini config (configs/jft/resnet18-w16_1xb32_mini-jft-64px.py) for 50 iterations on CUDA in the fast
#      step (bf16 AmpOptimWrapper + channels_last), generated mini-JFT data;
#   2. tools/benchmarks/train_step.py: ResNet-101 @ 299 px, batch 128, the 18,291-way head, mmjft's
#      Runner step against the plain PyTorch loop, bf16 + channels_last with and without torch.compile, 3 repeats.
#   bash tools/misc/gpu_checks.sh [OUT_DIR]        (default $OUT, else work_dirs/gpu_checks)
#   3. (1 minute at most) tools/benchmarks/loader.py with 1, 8 and 14 loader workers.
#   4. (if time is left of the 8 minutes) end to end from shards: 4,000 generated 500x375 JPEGs with JFT-sized labels
#      (18,291 classes) in shards, configs/jft/resnet101_8xb32_jft300m-shards-299px.py's own loader (14 workers) and
#      step against the plain loop's step alone (`--loader config`): the target is >= 90% of the step-only figure.
# Results: OUT_DIR/env.txt (card, driver, versions, commit), train_mini.log, train_step.jsonl, train_step.log,
# loader.jsonl, e2e.jsonl, e2e.log.
# Without a GPU (GPU_CHECKS_DRY_RUN=1, or no CUDA device) the same steps run on the CPU at toy sizes: a check of
# the script, not a measurement.
set -uo pipefail
START=$(date +%s)
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
OUT_DIR="${1:-${OUT:-work_dirs/gpu_checks}}"
mkdir -p "$OUT_DIR"
PY="${PYTHON:-python3}"
export PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1
if compgen -G '.whl/*.whl' > /dev/null; then
    "$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/mmjft_site \
        .whl/*.whl || exit 1
    export PYTHONPATH="/tmp/mmjft_site:$ROOT"
else
    export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
fi
DRY="${GPU_CHECKS_DRY_RUN:-0}"
"$PY" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' || DRY=1
{
    date -u; git rev-parse HEAD 2>/dev/null || true; nvidia-smi -L 2>/dev/null || echo 'no GPU: dry run'
    "$PY" -c 'import sys, torch, mmengine, mmcv, mmpretrain; print(sys.version.split()[0], torch.__version__,
torch.version.cuda, "mmengine", mmengine.__version__, "mmcv", mmcv.__version__, "mmpretrain", mmpretrain.__version__)'
    nproc; uptime
} 2>&1 | tee "$OUT_DIR/env.txt"

DATA="${GPU_CHECKS_DATA:-/tmp/mini_jft}"
[ -f "$DATA/train.jsonl" ] || "$PY" tools/dataset_converters/make_mini_jft.py "$DATA" > "$OUT_DIR/make_mini_jft.log" 2>&1
if [ "$DRY" = 1 ]; then ITERS=2; WORKERS=0; else ITERS=50; WORKERS=8; fi
echo "== 1. mini config, $ITERS iterations, bf16 + channels_last" | tee "$OUT_DIR/train_mini.log"
SECONDS=0
timeout 120 "$PY" tools/train.py configs/jft/resnet18-w16_1xb32_mini-jft-64px.py --work-dir /tmp/gpu_checks_mini \
    --no-validate --cfg-options train_dataloader.dataset.data_root="$DATA" train_cfg.max_iters=$((ITERS * 32)) \
    train_dataloader.num_workers=$WORKERS train_dataloader.persistent_workers=False \
    default_hooks.checkpoint.interval=$((ITERS * 32)) default_hooks.logger.interval=10 \
    optim_wrapper.type=AmpOptimWrapper optim_wrapper.dtype=bfloat16 optim_wrapper.loss_scale.enabled=False \
    channels_last=True >> "$OUT_DIR/train_mini.log" 2>&1
RC1=$?
echo "exit $RC1 after ${SECONDS}s" | tee -a "$OUT_DIR/train_mini.log"
grep -E 'Iter\(train\)' "$OUT_DIR/train_mini.log" | tail -2

echo "== 2. train step: mmjft Runner vs plain PyTorch loop" | tee "$OUT_DIR/train_step.log"
if [ "$DRY" = 1 ]; then
    BENCH=(--config configs/jft/resnet18-w16_1xb32_mini-jft-64px.py --batch 4 --img-size 32 --num-classes 73
           --modes bf16+cl --iters 1 --warmup 1 --repeat 3 --device cpu)
else
    BENCH=(--config configs/jft/resnet101_8xb32_jft300m-299px.py --batch 128 --img-size 299 --num-classes 18291
           --modes bf16+cl bf16+cl+compile --iters 15 --warmup 6 --repeat 3 --device cuda)
fi
SECONDS=0
timeout 300 "$PY" tools/benchmarks/train_step.py "${BENCH[@]}" 2>> "$OUT_DIR/train_step.log" \
    | tee -a "$OUT_DIR/train_step.log" | grep --line-buffered '^{' | tee "$OUT_DIR/train_step.jsonl"
RC2=${PIPESTATUS[0]}
echo "exit $RC2 after ${SECONDS}s" | tee -a "$OUT_DIR/train_step.log"

echo "== 3. loader: JSONL and shards, 500x375 JPEGs, the JFT train pipeline" | tee "$OUT_DIR/loader.log"
if [ "$DRY" = 1 ]; then LOADER=(--workers 1 --num-images 64 --epochs 1); else LOADER=(--workers 1 8 14 --num-images 1500 --epochs 1); fi
timeout 60 "$PY" tools/benchmarks/loader.py "${LOADER[@]}" 2>> "$OUT_DIR/loader.log" \
    | tee -a "$OUT_DIR/loader.log" | grep --line-buffered '^{' | tee "$OUT_DIR/loader.jsonl"

echo "== 4. end to end from shards: the ResNet-101 shard config's loader and step vs the plain step" | tee "$OUT_DIR/e2e.log"
LEFT=$(( 470 - ($(date +%s) - START) ))
E2E_DATA=/tmp/gpu_checks_e2e
if [ "$DRY" = 1 ]; then
    E2E_IMAGES=64; E2E_WORKERS=1
    E2E=(--batch 4 --modes fp32 --iters 1 --warmup 1 --repeat 1 --device cpu)
    E2E_OPTIONS=(model.backbone.depth=18 model.head.in_channels=512)
else
    E2E_IMAGES=4000; E2E_WORKERS=14
    E2E=(--batch 128 --modes bf16+cl --iters 15 --warmup 6 --repeat 3 --device cuda)
    E2E_OPTIONS=()
fi
if [ "$LEFT" -lt 90 ]; then
    echo "skipped: ${LEFT}s left of the 8 minutes" | tee -a "$OUT_DIR/e2e.log"
else
    rm -rf "$E2E_DATA"
    timeout 60 "$PY" tools/benchmarks/loader.py configs/jft/resnet101_8xb32_jft300m-shards-299px.py \
        --keep "$E2E_DATA" --num-classes 18291 --num-images $E2E_IMAGES --workers $E2E_WORKERS --sources shards \
        --epochs 1 >> "$OUT_DIR/e2e.log" 2>&1
    timeout $(( LEFT - 30 )) "$PY" tools/benchmarks/train_step.py \
        --config configs/jft/resnet101_8xb32_jft300m-shards-299px.py --img-size 299 --num-classes 18291 \
        --loader config "${E2E[@]}" --cfg-options train_dataloader.dataset.data_root="$E2E_DATA/shards" \
        train_dataloader.num_workers=$E2E_WORKERS "${E2E_OPTIONS[@]}" 2>> "$OUT_DIR/e2e.log" \
        | tee -a "$OUT_DIR/e2e.log" | grep --line-buffered '^{' | tee "$OUT_DIR/e2e.jsonl"
fi
echo "total $(( $(date +%s) - START ))s" | tee -a "$OUT_DIR/e2e.log"
exit $(( RC1 || RC2 ))
