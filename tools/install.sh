#!/usr/bin/env bash
# Installs the OpenMMLab stack + mmjft into a virtual environment at $MMJFT_VENV (default: <repo>/.venv).
# Idempotent: it does nothing when the venv was made by this very script from the same requirements and for the same
# mmcv variant (CPU, or CUDA for given archs and nvcc version): switching a CPU install to CUDA reinstalls.
#
#   bash tools/install.sh            # CPU machine (what CI and the README's commands run)
#   FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="9.0" bash tools/install.sh
#                                    # CUDA host: mmcv's ops are built with nvcc for the listed archs
#                                    # (9.0 = Hopper; add 8.0 for A100). Needs nvcc matching torch's CUDA.
# On a host where `nvidia-smi -L` lists a GPU and FORCE_CUDA is unset, it warns (mmdet needs mmcv's CUDA ops there).
#
# Every repair below was measured on torch 2.14.1 (see docs/install-notes.md):
#  1. mmcv 2.1.0 ships only an sdist. Its setup.py hard-codes -std=c++17, torch 2.14's ATen headers need C++20:
#     we patch the flag in the unpacked sdist. Built with -g0 (1.4 MB wheel instead of 32 MB) and a precompiled
#     torch header, and kept as a file in $MMJFT_WHEEL_CACHE/torch<ver>-<python tag>-<variant>/ for later installs
#     (variant: cpu or cuda<TORCH_CUDA_ARCH_LIST>-cu<nvcc version>, e.g. torch2.14.1-cp311-cuda9.0-cu12.8/); a kept
#     wheel is reused only when its file name's tags are ones this venv's Python installs
#     (tools/misc/mmcv_wheel_key.py computes the variant, the cache key, the wheel choice and the up-to-date stamp).
#  2. setuptools>=82 dropped pkg_resources (mmcv's setup.py, mmengine import it): pinned <82 through a
#     constraints file on every pip call, and mmcv/chumpy are built --no-build-isolation.
#  3. xtcocotools' PyPI wheel is compiled against numpy 1.x and crashes under numpy 2: built from source.
#  4. mmseg imports ftfy and regex without declaring them: listed in requirements/runtime.txt.
#  5. torch.load(weights_only=True) and mmengine's CUDA-only process-group set-up are repaired at import time of
#     mmjft (mmjft/utils/compat.py), not here: nothing in site-packages is edited.
#  6. PYTHONDONTWRITEBYTECODE=1 in this machine's environment: the stack's bytecode is compiled at install time.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${MMJFT_VENV:-$ROOT/.venv}"
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null || PY=python3
CACHE="${MMJFT_WHEEL_CACHE:-$HOME/.cache/mmjft/wheels}"
TORCH_VER=2.14.1
TORCHVISION_VER=0.29.1
MMCV_VER=2.1.0
CONS="$ROOT/requirements/constraints.txt"
# stamp: requirements, this script, setup.py, the helper and the mmcv variant; the helper exits 1 naming the problem
# when FORCE_CUDA=1 finds no nvcc
KEY="$ROOT/tools/misc/mmcv_wheel_key.py"

if [ -f "$VENV/.mmjft-installed" ] && [ -x "$VENV/bin/python" ]; then
  STAMP="$("$VENV/bin/python" "$KEY" stamp "$ROOT")"
  [ "$(cat "$VENV/.mmjft-installed")" = "$STAMP" ] && exit 0
fi
t0=$(date +%s)
# pip warns about every package missing from this machine's local mirrors: keep the log readable.
pip_quiet() { "$@" 2> >(grep -v 'is ignored: it is neither a file nor a directory' >&2); }
log() { echo "[install $(( $(date +%s) - t0 ))s] $*"; }

[ -x "$VENV/bin/python" ] || { log "creating venv $VENV with $PY"; "$PY" -m venv "$VENV"; }
VARIANT="$("$VENV/bin/python" "$KEY" variant)"
STAMP="$("$VENV/bin/python" "$KEY" stamp "$ROOT")"
"$VENV/bin/python" "$KEY" gpu-warning
# --no-compile: pip compiles serially; the stack is compiled once at the end on all cores instead (see there)
PIP=(pip_quiet "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-compile -c "$CONS")
# build tools first: mmcv, chumpy and xtcocotools are built without isolation (repairs 2, 3) and need them here
"${PIP[@]}" -r "$ROOT/requirements/build.txt"

# ---- mmcv with compiled ops, from the kept wheel or built once ----
WHEEL_DIR="$("$VENV/bin/python" "$KEY" wheel-dir "$CACHE" "$TORCH_VER")"
WHEEL="$("$VENV/bin/python" "$KEY" pick-wheel "$WHEEL_DIR" mmcv "$MMCV_VER")"
if [ -z "$WHEEL" ]; then
  log "torch $TORCH_VER, then mmcv $MMCV_VER's ops ($VARIANT) into $WHEEL_DIR (about 6 min on 2 cores)"
  "${PIP[@]}" "torch==$TORCH_VER" "torchvision==$TORCHVISION_VER"
  SRC="$(mktemp -d)"
  pip_quiet "$VENV/bin/python" -m pip download -q --no-deps --no-build-isolation --no-binary :all: -c "$CONS" \
     "mmcv==$MMCV_VER" -d "$SRC"
  tar -xzf "$SRC"/mmcv-$MMCV_VER.tar.gz -C "$SRC"
  sed -i 's/-std=c++17/-std=c++20/g' "$SRC/mmcv-$MMCV_VER/setup.py"     # repair 1
  mkdir -p "$WHEEL_DIR"
  # CFLAGS replaces Python's default flags: keep -O3. MAX_JOBS: mmcv would start 4 jobs on 2 cores.
  # CXX: a wrapper that precompiles torch's headers once for all sources (tools/misc/pch_cxx.sh): 13 -> ~6 min.
  # The build prints thousands of setuptools warnings: they go to a log, shown only if the build fails.
  # mmcv also builds CUDA ops whenever torch sees a GPU: the cpu variant hides the GPUs, so its wheel is what it says.
  if [ "$VARIANT" = cpu ]; then GPUS=(CUDA_VISIBLE_DEVICES=); else GPUS=(); fi
  if ! (cd "$SRC/mmcv-$MMCV_VER" && env "${GPUS[@]}" MMCV_WITH_OPS=1 MAX_JOBS="$(nproc)" \
     CFLAGS='-DNDEBUG -g0 -fwrapv -O3 -Wall' CXX="$ROOT/tools/misc/pch_cxx.sh" PATH="$VENV/bin:$PATH" \
     "$VENV/bin/python" -m pip wheel -q --no-deps --no-build-isolation -c "$CONS" -w "$SRC/dist" . \
     > "$SRC/build.log" 2>&1); then
    tail -n 60 "$SRC/build.log"; echo "mmcv build failed; full log: $SRC/build.log" >&2; exit 1
  fi
  mv "$SRC"/dist/mmcv-*.whl "$WHEEL_DIR/"
  rm -rf "$SRC"
  WHEEL="$("$VENV/bin/python" "$KEY" pick-wheel "$WHEEL_DIR" mmcv "$MMCV_VER")"
  [ -n "$WHEEL" ] || { echo "the mmcv wheel built into $WHEEL_DIR is not installable by $VENV/bin/python" >&2; exit 1; }
fi

# ---- the whole stack in one resolver run ----
log "torch, mmcv from $WHEEL, the OpenMMLab packages"
# repair 2: chumpy (pulled by mmpose) fails under build isolation; repair 3: xtcocotools from source, and its
# setup.py imports numpy and cythonizes without declaring either: hence --no-build-isolation for this run
"${PIP[@]}" --no-build-isolation --no-binary xtcocotools "torch==$TORCH_VER" "torchvision==$TORCHVISION_VER" \
  "$WHEEL" -r "$ROOT/requirements/runtime.txt" -r "$ROOT/requirements/tests.txt"
"${PIP[@]}" --no-deps --no-build-isolation -e "$ROOT"
# Bytecode for the whole stack, compiled on all cores (~35 s on 2). Not optional here: this machine's environment
# sets PYTHONDONTWRITEBYTECODE=1, so Python never caches what it compiles on import and every process would
# compile torch, mmdet & co. again: 32 s instead of 12 s to import mmdet.models, in every tool and test process.
# Left out (a quarter of the files, never imported by the stack): packages' own test suites and the build tools.
# A few files written for Python 2 in third-party packages fail to compile; that is harmless, hence || true.
SITE="$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
log "bytecode for $SITE"
"$VENV/bin/python" -m compileall -q -j 0 -x '/(tests?|pip|setuptools|Cython|fontTools|networkx)/' "$SITE" \
  > /dev/null 2>&1 || true
"$VENV/bin/python" -c "import mmcv.ops, mmdet, mmseg, mmpose, mmpretrain, mmjft; print('stack ok:', mmjft.__version__)"
echo "$STAMP" > "$VENV/.mmjft-installed"
log "done"
