"""tools/install.sh's mmcv key (tools/misc/mmcv_wheel_key.py) in fake environments: nvcc, nvidia-smi and the venv's
pip are stand-ins, nothing is installed."""
import os
import os.path as osp
import stat
import subprocess
import sys

import pytest
from packaging import tags

from conftest import ROOT, load_tool as load_tool_file

HELPER = osp.join(ROOT, 'tools/misc/mmcv_wheel_key.py')
PY_TAG = f'cp{sys.version_info[0]}{sys.version_info[1]}'


def load_helper():
    return load_tool_file(HELPER, 'mmjft_wheel_key')


def executable(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def fake_cuda_home(tmp_path, release='12.8'):
    home = tmp_path / 'cuda'
    executable(home / 'bin' / 'nvcc', '#!/bin/sh\necho "nvcc: NVIDIA (R) Cuda compiler driver"\n'
               f'echo "Cuda compilation tools, release {release}, V{release}.93"\n')
    return str(home)


def fake_nvidia_smi(bin_dir, gpus=True):
    if gpus:
        body = ('case "$1" in -L) echo "GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-0000)";;\n'
                '  --query-gpu=compute_cap) echo 9.0;; esac\n')
    else:
        body = 'echo "NVIDIA-SMI has failed because it couldn\'t communicate with the NVIDIA driver." >&2; exit 9\n'
    executable(bin_dir / 'nvidia-smi', '#!/bin/sh\n' + body)


def test_variant_names_archs_and_nvcc_version(tmp_path):
    key = load_helper()
    assert key.variant({}) == 'cpu'
    assert key.variant({'FORCE_CUDA': '0', 'TORCH_CUDA_ARCH_LIST': '9.0'}) == 'cpu'
    home = fake_cuda_home(tmp_path)
    env = {'FORCE_CUDA': '1', 'TORCH_CUDA_ARCH_LIST': '8.0;9.0', 'CUDA_HOME': home}
    assert key.variant(env) == 'cuda8.0_9.0-cu12.8'
    # nvcc found on PATH when CUDA_HOME is unset
    assert key.variant({'FORCE_CUDA': '1', 'PATH': osp.join(home, 'bin')}) == 'cudaall-cu12.8'
    # the cache directory adds the Python tag to torch's version and the variant
    assert key.wheel_dir('C', '2.14.1', dict(env, TORCH_CUDA_ARCH_LIST='9.0')) == \
        osp.join('C', f'torch2.14.1-{PY_TAG}-cuda9.0-cu12.8')
    assert key.wheel_dir('C', '2.14.1', {}) == osp.join('C', f'torch2.14.1-{PY_TAG}-cpu')


def test_force_cuda_without_nvcc_is_a_clear_error(tmp_path):
    key = load_helper()
    with pytest.raises(key.InstallKeyError, match='no nvcc is on PATH'):
        key.variant({'FORCE_CUDA': '1', 'PATH': str(tmp_path)})
    proc = subprocess.run([sys.executable, HELPER, 'variant'], capture_output=True, text=True,
                          env=dict(os.environ, FORCE_CUDA='1', CUDA_HOME=str(tmp_path)))
    assert proc.returncode == 1 and proc.stdout == ''
    assert f'error: FORCE_CUDA=1 builds mmcv\'s CUDA ops with nvcc, but CUDA_HOME={tmp_path} has no bin/nvcc' \
        in proc.stderr


def test_only_a_wheel_this_interpreter_installs_is_reused(tmp_path):
    key = load_helper()
    here = next(iter(tags.sys_tags()))
    other = 'cp39' if PY_TAG != 'cp39' else 'cp310'
    (tmp_path / f'mmcv-2.1.0-{other}-{other}-linux_x86_64.whl').write_bytes(b'')
    (tmp_path / f'mmcv-2.2.0-{here.interpreter}-{here.abi}-{here.platform}.whl').write_bytes(b'')
    messages = []
    assert key.pick_wheel(str(tmp_path), 'mmcv', '2.1.0', log=messages.append) == ''
    assert len(messages) == 1 and f'mmcv-2.1.0-{other}-{other}-linux_x86_64.whl' in messages[0]
    good = tmp_path / f'mmcv-2.1.0-{here.interpreter}-{here.abi}-{here.platform}.whl'
    good.write_bytes(b'')
    assert key.pick_wheel(str(tmp_path), 'mmcv', '2.1.0') == str(good)


def fake_venv(tmp_path):
    """A venv whose python is this interpreter, except that `python -m pip` is recorded and fails."""
    venv = tmp_path / 'venv'
    log = tmp_path / 'pip_calls.txt'
    executable(venv / 'bin' / 'python', '#!/bin/sh\n'
               f'if [ "$1" = -m ] && [ "$2" = pip ]; then echo "$*" >> {log}; exit 3; fi\n'
               f'exec {sys.executable} "$@"\n')
    return venv, log


def run_install(tmp_path, venv, **env):
    full = dict(os.environ, MMJFT_VENV=str(venv), MMJFT_WHEEL_CACHE=str(tmp_path / 'cache'),
                PATH=f'{tmp_path / "bin"}:{os.environ["PATH"]}', **env)
    for name in ('FORCE_CUDA', 'TORCH_CUDA_ARCH_LIST', 'CUDA_HOME', 'CUDA_PATH'):
        if name not in env:
            full.pop(name, None)
    return subprocess.run(['bash', osp.join(ROOT, 'tools/install.sh')], capture_output=True, text=True, env=full,
                          timeout=60)


def test_switching_a_cpu_install_to_cuda_reinstalls(tmp_path):
    venv, pip_log = fake_venv(tmp_path)
    fake_nvidia_smi(tmp_path / 'bin', gpus=False)
    (venv / '.mmjft-installed').write_text(load_helper().stamp(ROOT, {}) + '\n')
    proc = run_install(tmp_path, venv)
    assert proc.returncode == 0 and not pip_log.exists(), proc.stdout + proc.stderr  # CPU install up to date
    cuda = dict(FORCE_CUDA='1', TORCH_CUDA_ARCH_LIST='9.0', CUDA_HOME=fake_cuda_home(tmp_path))
    proc = run_install(tmp_path, venv, **cuda)
    assert proc.returncode == 3 and pip_log.exists(), proc.stdout + proc.stderr  # the install starts again
    # FORCE_CUDA=1 without nvcc: stopped before pip, naming the problem
    pip_log.unlink()
    proc = run_install(tmp_path, venv, FORCE_CUDA='1', CUDA_HOME=str(tmp_path / 'nowhere'))
    assert proc.returncode == 1 and not pip_log.exists()
    assert 'has no bin/nvcc' in proc.stderr


def test_gpu_host_without_force_cuda_warns_once(tmp_path):
    venv, pip_log = fake_venv(tmp_path)
    fake_nvidia_smi(tmp_path / 'bin', gpus=True)
    proc = run_install(tmp_path, venv)
    assert pip_log.exists()  # the warning does not stop the install
    command = 'FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST="9.0" bash tools/install.sh'
    assert proc.stderr.count(command) == 1, proc.stderr
    assert 'GPU 0: NVIDIA H100' in proc.stderr and '#' * 40 in proc.stderr
    key = load_helper()
    path = {'PATH': f'{tmp_path / "bin"}:{os.environ["PATH"]}'}
    assert key.gpu_warning(dict(path, FORCE_CUDA='1')) == ''
    assert key.gpu_warning(dict(path, FORCE_CUDA='0')) == ''
    fake_nvidia_smi(tmp_path / 'bin', gpus=False)  # driver missing: no GPU seen, no warning
    assert key.gpu_warning(path) == ''
