#!/usr/bin/env bash
# The pure-Python wheels a bare GPU host (Python 3.12 + torch 2.11 + CUDA, no network) needs to run mmjft's
# pretraining step, downloaded here into .whl/ (git-ignored locally through .git/info/exclude) for
# tools/misc/gpu_checks.sh to install there. Run on any machine with pip and network access:
#   bash tools/misc/fetch_gpu_wheels.sh [PYTHON_VERSION]      (default 3.12)
# mmcv-lite is mmcv without compiled ops: enough for mmpretrain and mmjft's pretraining, not for mmdet / mmseg /
# mmpose. The host already has torch, torchvision, timm, numpy, opencv, pillow, pyyaml, rich, einops, matplotlib.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$ROOT"
PYV="${1:-3.12}"
mkdir -p "$(git rev-parse --git-dir)/info"
grep -qxs '/.whl/' "$(git rev-parse --git-dir)/info/exclude" || echo '/.whl/' >> "$(git rev-parse --git-dir)/info/exclude"
rm -rf .whl && mkdir -p .whl
python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$PYV" --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
    --platform any -d .whl \
    mmengine==0.10.7 mmcv-lite==2.1.0 mmpretrain==1.2.0 addict==2.4.0 yapf==0.43.0 termcolor==3.3.0 \
    mat4py==0.6.0 model-index==0.1.11 ordered-set==4.1.0 platformdirs==4.3.8 \
    importlib-metadata==8.7.0 webdataset==1.0.2 braceexpand==0.1.7
ls -1 .whl
