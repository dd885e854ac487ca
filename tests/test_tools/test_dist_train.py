"""tools/dist_train.sh with 2 CPU processes (gloo): ranks read different samples and end with identical weights;
tools/dist_test.sh on its checkpoint: the ranks' predictions are gathered before the metric is computed."""
import json
import os
import subprocess
import sys

import pytest

from conftest import MINI_CONFIG, ROOT, build_runner, data_root_options, run_tool_main


@pytest.mark.heavy
def test_two_process_gloo_run(mini_jft, tmp_path):
    """Also: the schedule, written in images, becomes half the iterations of one process (same images seen); then
    tools/dist_test.sh (2 processes) on the run's checkpoint gives the mAP@100 of tools/test.py on one process."""
    work = tmp_path / 'work'
    config = tmp_path / 'probe_config.py'
    config.write_text(f'_base_ = {MINI_CONFIG!r}\ncustom_hooks = [dict(type="_dist_probe.DistProbeHook")]\n')
    env = dict(os.environ, PYTHON=sys.executable, PORT='29533', OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, 'tests/test_tools')]))
    cmd = ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work), '--cfg-options',
           *data_root_options(mini_jft['data_root']), 'train_cfg.max_iters=48', 'train_cfg.val_interval=800',
           'train_dataloader.batch_size=4', 'train_dataloader.num_workers=0', 'default_hooks.checkpoint.interval=48']
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    probes = [json.loads((work / f'probe_rank{r}.json').read_text()) for r in (0, 1)]
    assert [p['world_size'] for p in probes] == [2, 2]
    # 48 images: 6 iterations of 2 x 4 here, 12 iterations of 4 on one process
    assert [(p['max_iters'], p['iters']) for p in probes] == [(6, 6), (6, 6)]
    one = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'one',
                       {'train_cfg.max_iters': 48, 'train_dataloader.batch_size': 4})
    assert one.cfg.train_cfg.max_iters == 12
    log = proc.stdout + proc.stderr
    assert 'train_cfg.max_iters: 48 -> 6 iterations (48 images)' in log, log[-3000:]
    assert len(probes[0]['paths']) == len(probes[1]['paths']) == 6 * 4
    # the DistributedSampler splits the data: no image read by both ranks
    assert not set(probes[0]['paths']) & set(probes[1]['paths'])
    # DDP averaged the gradients: both replicas hold the same weights after 6 steps
    assert probes[0]['weights_sha1'] == probes[1]['weights_sha1']
    ckpt = work / 'iter_6.pth'
    assert ckpt.exists()
    # the checkpoint rank 0 wrote holds those weights
    import torch
    final = torch.load(ckpt, map_location='cpu')['state_dict']['backbone.conv1.weight']
    assert final.flatten()[:4].tolist() == probes[0]['first_conv']
    # tools/dist_test.sh: each rank predicts half the test set; rank 0 writes and prints (last line) the metrics of
    # the gathered predictions, those of tools/test.py on one process (in this one)
    options = [*data_root_options(mini_jft['data_root']), 'test_dataloader.num_workers=0']
    proc = subprocess.run(['bash', 'tools/dist_test.sh', MINI_CONFIG, str(ckpt), '2', '--work-dir',
                           str(tmp_path / 'test_2'), '--cfg-options', *options], cwd=ROOT, env=dict(env, PORT='29534'),
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    two = json.loads((tmp_path / 'test_2' / 'test_metrics.json').read_text())
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == {k: round(v, 6) for k, v in two.items()}
    single = run_tool_main('tools/test.py', [MINI_CONFIG, ckpt, '--work-dir', tmp_path / 'test_1', '--cfg-options',
                                             *options])
    assert abs(single['jft/mAP@100'] - two['jft/mAP@100']) < 1e-6
