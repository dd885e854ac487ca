"""mmjft.utils.compat's Slurm variables for a CPU-only slurm launch (torch's RANK, WORLD_SIZE, LOCAL_RANK,
MASTER_ADDR)."""
import os
import stat

import pytest

from mmjft.utils.compat import _slurm_env_to_torch_env

SLURM = dict(SLURM_PROCID='3', SLURM_NTASKS='4', SLURM_LOCALID='1', SLURM_NODELIST='node[07-08]')


@pytest.fixture
def clean_env(monkeypatch):
    for key in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT'):
        monkeypatch.delenv(key, raising=False)
    for key, value in SLURM.items():
        monkeypatch.setenv(key, value)
    return monkeypatch


def test_master_addr_is_the_first_node_scontrol_names(clean_env, tmp_path):
    scontrol = tmp_path / 'scontrol'
    scontrol.write_text('#!/bin/sh\n[ "$3" = "node[07-08]" ] && printf "node07\\nnode08\\n"\n')
    scontrol.chmod(scontrol.stat().st_mode | stat.S_IEXEC)
    clean_env.setenv('PATH', f'{tmp_path}{os.pathsep}{os.environ["PATH"]}')
    _slurm_env_to_torch_env()
    assert [os.environ[k] for k in ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR', 'MASTER_PORT')] == \
        ['3', '4', '1', 'node07', '29500']


def test_without_scontrol_or_master_addr_the_error_says_what_to_export(clean_env, tmp_path):
    clean_env.setenv('PATH', str(tmp_path))  # no scontrol
    with pytest.raises(RuntimeError, match='export MASTER_ADDR'):
        _slurm_env_to_torch_env()
    clean_env.setenv('MASTER_ADDR', 'head')
    _slurm_env_to_torch_env()
    assert os.environ['MASTER_ADDR'] == 'head'
