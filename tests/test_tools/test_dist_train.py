"""tools/dist_train.sh with 2 CPU processes (gloo): ranks read different samples and end with identical weights."""
import json
import os
import subprocess
import sys

from conftest import MINI_CONFIG, ROOT, build_runner, data_root_options


def test_two_process_gloo_run(mini_jft, tmp_path):
    """Also: the schedule, written in images, becomes half the iterations of one process (same images seen)."""
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
    assert (work / 'iter_6.pth').exists()
    # the checkpoint rank 0 wrote holds those weights
    import torch
    final = torch.load(work / 'iter_6.pth', map_location='cpu')['state_dict']['backbone.conv1.weight']
    assert final.flatten()[:4].tolist() == probes[0]['first_conv']


def test_two_process_evaluation_matches_one_process(mini_jft, tmp_path):
    """tools/dist_test.sh: the ranks' predictions are gathered before mAP@100 is computed."""
    from conftest import run_tool
    work = tmp_path / 'work'
    options = [*data_root_options(mini_jft['data_root']), 'val_dataloader.num_workers=0']
    run_tool(['tools/train.py', MINI_CONFIG, '--work-dir', str(work), '--cfg-options', *options,
              'train_cfg.max_iters=128', 'train_cfg.val_interval=3200', 'default_hooks.checkpoint.interval=128'])
    ckpt = str(work / 'iter_4.pth')
    single = run_tool(['tools/test.py', MINI_CONFIG, ckpt, '--work-dir', str(tmp_path / 'one'), '--cfg-options',
                       *options])
    env = dict(os.environ, PYTHON=sys.executable, PORT='29534', OMP_NUM_THREADS='1', PYTHONPATH=ROOT)
    proc = subprocess.run(['bash', 'tools/dist_test.sh', MINI_CONFIG, ckpt, '2', '--work-dir', str(tmp_path / 'two'),
                           '--cfg-options', *options], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]
    one = json.loads(single.stdout.strip().splitlines()[-1])
    two = json.loads((tmp_path / 'two' / 'test_metrics.json').read_text())
    assert abs(one['jft/mAP@100'] - two['jft/mAP@100']) < 1e-6
