"""tools/slurm_train.sh hands srun the job layout and tools/train.py the slurm launcher (srun is a stand-in)."""
import os
import stat
import subprocess

from conftest import ROOT


def test_slurm_train_passes_layout_to_srun(tmp_path):
    record = tmp_path / 'srun_args.txt'
    fake = tmp_path / 'bin' / 'srun'
    fake.parent.mkdir()
    fake.write_text(f'#!/usr/bin/env bash\nprintf "%s\\n" "$@" > {record}\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f'{fake.parent}:{os.environ["PATH"]}', GPUS='16', GPUS_PER_NODE='8',
               CPUS_PER_TASK='6', SRUN_ARGS='--quotatype=spot --exclusive', PYTHON='python3')
    subprocess.run(['bash', 'tools/slurm_train.sh', 'gpu', 'jft-r101', 'configs/jft/resnet101_8xb32_jft300m-299px.py',
                    'work_dirs/r101', '--amp'], cwd=ROOT, env=env, check=True, timeout=60)
    args = record.read_text().splitlines()
    assert args[:8] == ['-p', 'gpu', '--job-name=jft-r101', '--gres=gpu:8', '--ntasks=16', '--ntasks-per-node=8',
                        '--cpus-per-task=6', '--kill-on-bad-exit=1']
    assert args[8:10] == ['--quotatype=spot', '--exclusive']
    assert args[10:13] == ['python3', '-u', os.path.join(ROOT, 'tools/train.py')]
    assert args[13:] == ['configs/jft/resnet101_8xb32_jft300m-299px.py', '--work-dir=work_dirs/r101',
                         '--launcher=slurm', '--amp']
