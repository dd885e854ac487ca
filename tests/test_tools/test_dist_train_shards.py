"""tools/dist_train.sh with the streaming JFTShardDataset on 2 CPU processes (gloo) x 2 loader workers, and the
data-parallel wrapper's gradient compression hook (mmjft/models/wrappers.py)."""
import json
import os
import signal
import socket
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
from mmengine.registry import MODEL_WRAPPERS

from conftest import MINI_CONFIG, ROOT, data_root_options, mini_jft_lines
from mmjft.datasets import convert_jsonl_to_shards
from mmjft.models.wrappers import JFTDistributedDataParallel
from mmjft.utils.compat import allow_openmmlab_checkpoint_globals

SHARDS, PER_SHARD, BATCH = 4, 32, 8  # 2 ranks x 2 workers: one shard each, 4 full batches per worker and epoch
TIMEOUT = 300  # s; a launch takes 15-20 s on 2 idle cores, 36-48 s at load 3: a hang, not a slow machine, must trip it


def _free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return str(s.getsockname()[1])


def run(cmd, env, log_file):
    """Run ``cmd`` (dist_train.sh) to its end, its output in ``log_file``; a run still going after TIMEOUT is
    stopped (torchrun and all ranks) and fails the test."""
    with open(log_file, 'w') as out:  # a file, not a pipe: a rank left behind must not block the reading
        # its own process group: torchrun and the shell, for a hang's SIGTERM
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            proc.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGTERM)  # torchrun stops its workers (each in a session of its own)
            proc.wait(timeout=60)
            pytest.fail(f'dist_train.sh still running after {TIMEOUT} s (ranks waiting in a collective?):\n'
                        f'{log_file.read_text()[-4000:]}')
    assert proc.returncode == 0, log_file.read_text()[-6000:]


@pytest.mark.heavy
def test_two_process_gloo_run_reads_each_sample_once_per_epoch(mini_jft, tmp_path):
    """Two epochs over 4 shards: every sample once per epoch over ranks and workers (whatever the order), the
    replicas agree after bf16-compressed all-reduces (gloo runs the hook: torch 2.14's gloo all-reduces bfloat16).
    The train loop is the mini config's (the JFT schedule's) and the run ends with its checkpoint: a collective that
    only rank 0 reaches while saving (Runner.save_checkpoint is master_only) hangs it, which TIMEOUT turns into a
    failure. Then a second run resumes iteration 12's checkpoint on both ranks and ends where the first did."""
    lines = mini_jft_lines(mini_jft, SHARDS * PER_SHARD)
    ann = tmp_path / 'train.jsonl'
    ann.write_text(''.join(lines))
    index = convert_jsonl_to_shards(str(ann), classes_file=mini_jft['classes_file'], out_dir=str(tmp_path / 'shards'),
                                    hierarchy_file=mini_jft['hierarchy_file'], img_root=mini_jft['data_root'],
                                    samples_per_shard=PER_SHARD)
    assert index['num_samples'] == SHARDS * PER_SHARD and len(index['shards']) == SHARDS
    config = tmp_path / 'shards_config.py'
    config.write_text(f"""_base_ = {MINI_CONFIG!r}
custom_hooks = [dict(type='_dist_probe.DistProbeHook')]
model_wrapper_cfg = dict(type='JFTDistributedDataParallel', comm_hook='bf16')  # found via custom_imports
train_dataloader = dict(
    batch_size={BATCH}, num_workers=2, persistent_workers=True, sampler=None,
    dataset=dict(_delete_=True, type='JFTShardDataset', index_file={index['index_file']!r}, shuffle_buffer=16,
                 pipeline={{{{_base_.train_pipeline}}}}))
""")
    work = tmp_path / 'work'
    epoch_images = SHARDS * PER_SHARD
    env = dict(os.environ, PYTHON=sys.executable, PORT=_free_port(), OMP_NUM_THREADS='1',
               PYTHONPATH=os.pathsep.join([ROOT, os.path.join(ROOT, 'tests/test_tools')]))
    # no validation (the runs would end with one: tests/test_tools/test_dist_train.py has it); checkpoints at
    # iteration 12 and at the end, 16
    cmd = ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', str(work), '--no-validate', '--cfg-options',
           *data_root_options(mini_jft['data_root']), f'train_cfg.max_iters={2 * epoch_images}',
           f'default_hooks.checkpoint.interval={12 * 2 * BATCH}']
    run(cmd, env, tmp_path / 'dist_train.log')
    probes = [json.loads((work / f'probe_rank{r}.json').read_text()) for r in (0, 1)]
    # schedule in images: 2 epochs of 128 images = 16 iterations of 2 ranks x 8
    assert [(p['world_size'], p['iters']) for p in probes] == [(2, 16), (2, 16)]
    assert {(p['wrapper'], p['comm_hook']) for p in probes} == {('JFTDistributedDataParallel', 'bf16')}
    expected = sorted(json.loads(line)['img_path'] for line in lines)
    per_rank = epoch_images // 2
    for epoch in (0, 1):
        read = [p['paths'][epoch * per_rank:(epoch + 1) * per_rank] for p in probes]
        assert sorted(read[0] + read[1]) == expected, f'epoch {epoch}'
    # DDP averaged the (compressed) gradients: both replicas hold the same weights after 16 steps
    assert probes[0]['weights_sha1'] == probes[1]['weights_sha1']
    # the checkpoint (saved by rank 0 alone) holds both ranks' data positions, gathered before the save
    allow_openmmlab_checkpoint_globals()
    positions = torch.load(work / 'iter_16.pth', map_location='cpu')['data_position']
    assert [(p['iter'], p['epoch'], p['world_size'], p['num_workers']) for p in positions] == [(16, 1, 2, 2)] * 2
    assert all(sorted(p['workers']) == ['0', '1'] for p in positions)
    # --resume from iteration 12 (4 batches into epoch 1): each rank continues with the same images and both end
    # with the uninterrupted run's weights
    resumed = tmp_path / 'resumed'
    at = cmd.index('--work-dir') + 1
    run(cmd[:at] + [str(resumed)] + cmd[at + 1:] + ['--resume', str(work / 'iter_12.pth')], env,
        tmp_path / 'resumed.log')
    log = (tmp_path / 'resumed.log').read_text()
    assert 'resuming the data at epoch 1, 4 batches into it (no replay)' in log, log[-3000:]
    again = [json.loads((resumed / f'probe_rank{r}.json').read_text()) for r in (0, 1)]
    assert [p['paths'] for p in again] == [p['paths'][12 * BATCH:] for p in probes]
    assert {p['weights_sha1'] for p in again} == {probes[0]['weights_sha1']}


@pytest.fixture
def one_process_group(tmp_path):
    """A gloo process group of this process alone (DDP's hooks run; the all-reduce is the identity)."""
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/pg', rank=0, world_size=1)
    yield
    dist.destroy_process_group()


@pytest.mark.parametrize('hook,dtype', [(None, torch.float32), ('bf16', torch.bfloat16), ('fp16', torch.float16)])
def test_comm_hook_rounds_the_all_reduced_gradients(one_process_group, hook, dtype):
    for name in ('mmjft.JFTDistributedDataParallel', 'JFTDistributedDataParallel'):  # as Runner.wrap_model looks
        assert MODEL_WRAPPERS.get(name) is JFTDistributedDataParallel
    x = torch.randn(4, 16, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    reference = torch.nn.Linear(16, 8)
    reference(x).square().sum().backward()
    torch.manual_seed(0)
    model = JFTDistributedDataParallel(torch.nn.Linear(16, 8), comm_hook=hook)
    assert model.broadcast_buffers is False  # as the Runner's default wrapper
    model(x).square().sum().backward()
    exact = reference.weight.grad
    assert torch.equal(model.module.weight.grad, exact.to(dtype).float())
    assert torch.equal(model.module.weight.grad, exact) == (hook is None)


def test_unknown_comm_hook_names_the_key():
    with pytest.raises(ValueError, match=r"model_wrapper_cfg.comm_hook: unknown hook 'int8'.*'bf16', 'fp16'"):
        JFTDistributedDataParallel(torch.nn.Linear(2, 2), comm_hook='int8')
