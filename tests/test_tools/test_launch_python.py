"""Which Python tools/dist_train.sh, tools/dist_test.sh and tools/slurm_train.sh start: $PYTHON, else the active
virtualenv's `python`, else the repository's .venv. The scripts run from a copy of the repository's tools/ whose
.venv/bin/python, PATH's python and srun are stand-ins that record how they were called."""
import os
import shutil
import stat
import subprocess

import pytest

from conftest import ROOT

SCRIPTS = ('tools/dist_train.sh', 'tools/dist_test.sh', 'tools/slurm_train.sh', 'tools/slurm_test.sh',
           'tools/misc/torchrun.sh', 'tools/misc/slurm_run.sh', 'tools/misc/python.sh')


def recorder(path, label, record):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f'#!/bin/sh\necho "{label} $*" >> {record}\n')
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


@pytest.fixture
def repo(tmp_path):
    repo = tmp_path / 'repo'
    for script in SCRIPTS:
        (repo / script).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(os.path.join(ROOT, script), repo / script)
    record = tmp_path / 'calls.txt'
    recorder(repo / '.venv' / 'bin' / 'python', 'repo-venv', record)
    recorder(tmp_path / 'bin' / 'python', 'path-python', record)
    recorder(tmp_path / 'other' / 'python', 'given-python', record)
    recorder(tmp_path / 'bin' / 'srun', 'srun', record)
    return repo, record


def launch(repo, record, args, **env):
    full = {k: v for k, v in os.environ.items() if k not in ('PYTHON', 'VIRTUAL_ENV', 'MMJFT_VENV')}
    full.update(PATH=f'{repo.parent / "bin"}:{os.environ["PATH"]}', **env)
    if record.exists():
        record.unlink()
    subprocess.run(['bash', *args], cwd=repo, env=full, check=True, timeout=60)
    return record.read_text().split()


def test_repo_venv_without_an_active_virtualenv(repo):
    repo, record = repo
    call = launch(repo, record, ['tools/dist_train.sh', 'cfg.py', '2', '--amp'])
    assert call[0] == 'repo-venv'
    assert call[1:3] == ['-m', 'torch.distributed.run']
    assert call[-5:] == [str(repo / 'tools/train.py'), 'cfg.py', '--amp', '--launcher', 'pytorch']
    call = launch(repo, record, ['tools/dist_test.sh', 'cfg.py', 'ckpt.pth', '2'])
    assert call[0] == 'repo-venv' and call[-5:] == [str(repo / 'tools/test.py'), 'cfg.py', 'ckpt.pth', '--launcher',
                                                    'pytorch']
    call = launch(repo, record, ['tools/slurm_train.sh', 'gpu', 'job', 'cfg.py', 'work_dirs/cfg'])
    assert call[0] == 'srun' and str(repo / '.venv/bin/python') in call


def test_python_and_an_active_virtualenv_take_precedence(repo, tmp_path):
    repo, record = repo
    assert launch(repo, record, ['tools/dist_train.sh', 'cfg.py', '2'], VIRTUAL_ENV=str(tmp_path))[0] == 'path-python'
    given = str(tmp_path / 'other' / 'python')
    assert launch(repo, record, ['tools/dist_train.sh', 'cfg.py', '2'], PYTHON=given)[0] == 'given-python'
    shutil.rmtree(repo / '.venv')  # no venv made by tools/install.sh: PATH's python
    assert launch(repo, record, ['tools/dist_train.sh', 'cfg.py', '2'])[0] == 'path-python'
