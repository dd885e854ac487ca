# Sourced by the launchers (tools/misc/torchrun.sh, tools/misc/slurm_run.sh) with ROOT set: PYTHON is $PYTHON if set;
# else, when no virtualenv is active, the repository's own venv (${MMJFT_VENV:-<repo>/.venv}/bin/python, made by
# tools/install.sh) if it exists; else `python` from PATH.
if [ -z "${PYTHON:-}" ]; then
  PYTHON=python
  if [ -z "${VIRTUAL_ENV:-}" ] && [ -x "${MMJFT_VENV:-$ROOT/.venv}/bin/python" ]; then
    PYTHON="${MMJFT_VENV:-$ROOT/.venv}/bin/python"
  fi
fi
