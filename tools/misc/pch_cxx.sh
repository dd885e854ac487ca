#!/usr/bin/env bash
# A C++ compiler wrapper that builds mmcv's ops with a precompiled header (used as CXX by tools/install.sh).
#
# Each of mmcv's ~77 CPU sources starts with #include "pytorch_cpp_helper.hpp", which pulls in torch's headers:
# parsing them is ~2/3 of each file's 22 s compile on this machine. Before the first compile, this wrapper
# precompiles that header once with exactly the compile's own flags (GCC only uses a .gch built with the same
# options; otherwise it silently parses the header as usual, so a mismatch costs time, never correctness).
# Anything that is not a compile of a .cpp goes to the real compiler unchanged.
set -euo pipefail
REAL="${MMJFT_REAL_CXX:-g++}"
src=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[$i]}" in
    *.cpp) src="${args[$i]}" ;;   # torch's ninja rule passes "-c" twice before the source
  esac
done
if [[ "$src" == *.cpp && "$src" == */mmcv/ops/csrc/* ]]; then
  header="${src%%/mmcv/ops/csrc/*}/mmcv/ops/csrc/common/pytorch_cpp_helper.hpp"
  if [ -f "$header" ]; then
    (
      flock 9
      if [ ! -f "$header.gch" ] && [ ! -f "$header.nopch" ]; then
        pch=()
        for ((i = 0; i < ${#args[@]}; i++)); do
          case "${args[$i]}" in
            -o|-MF) i=$((i + 1)) ;;             # drop the object and dependency-file arguments,
            -c|-MMD|*.cpp) ;;                   # the compile-only flag and the source
            *) pch+=("${args[$i]}") ;;
          esac
        done
        # a failed precompile only costs time: every source is then compiled the usual way
        "$REAL" "${pch[@]}" -x c++-header "$header" -o "$header.gch.tmp" && mv "$header.gch.tmp" "$header.gch" \
          || touch "$header.nopch"
      fi
    ) 9> "$header.lock"
  fi
fi
exec "$REAL" "$@"
