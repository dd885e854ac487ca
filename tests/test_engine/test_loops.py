"""ResumableIterBasedTrainLoop (mmjft/engine/loops.py): the data position it keeps, and a kill -9 + --resume run that
ends bit-exactly where an uninterrupted run does, over the streaming shard dataset."""
import json
import multiprocessing
import os
import sys
import time

import pytest
import torch
from mmengine.dataset import pseudo_collate
from torch.utils.data import DataLoader

from conftest import MINI_CONFIG, ROOT, build_runner, data_root_options, mini_jft_lines, run_tool_main
from mmjft.datasets import JFTShardDataset, convert_jsonl_to_shards
from mmjft.engine.loops import _PositionedIterator
from mmjft.utils import register_all_modules

register_all_modules()

SHARD_CONFIG = os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-shards-64px.py')
PIPELINE = [dict(type='LoadImageFromFile'), dict(type='Resize', scale=(24, 24), keep_ratio=False),
            dict(type='RandomCrop', crop_size=16), dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs')]


@pytest.fixture(scope='module')
def shards(mini_jft, tmp_path_factory):
    """160 mini-JFT training images in 8 shards of 20."""
    tmp = tmp_path_factory.mktemp('loop_shards')
    lines = mini_jft_lines(mini_jft, 160)
    (tmp / 'train.jsonl').write_text(''.join(lines))
    return convert_jsonl_to_shards(str(tmp / 'train.jsonl'), classes_file=mini_jft['classes_file'],
                                   hierarchy_file=mini_jft['hierarchy_file'], img_root=mini_jft['data_root'],
                                   out_dir=str(tmp / 'shards'), samples_per_shard=20, prefix='train')


def loader(index, num_workers):
    ds = JFTShardDataset(index_file=index['index_file'], pipeline=PIPELINE, shuffle_buffer=16, seed=5,
                         rank=0, world_size=1)
    return DataLoader(ds, batch_size=4, num_workers=num_workers, collate_fn=pseudo_collate,
                      persistent_workers=num_workers > 0)


def draw(it, n):
    """(image paths, stacked inputs) of the next ``n`` batches."""
    out = []
    for _ in range(n):
        batch = next(it)
        out.append(([s.img_path for s in batch['data_samples']], torch.stack(batch['inputs'])))
    return out


@pytest.mark.parametrize('num_workers', [0, 2])
def test_seek_continues_with_the_same_batches_and_crops(shards, num_workers):
    """An epoch is 40 batches; positions taken in epoch 0 and in epoch 1 (after a persistent worker's own epoch
    change) restart the stream at the very next batch: same images, same order, same crops and flips."""
    reference = _PositionedIterator(loader(shards, num_workers))
    states, batches = {}, []
    for n in range(55):
        batches += draw(reference, 1)
        if n + 1 in (13, 47):
            states[n + 1] = reference.state()
    epoch0 = [p for paths, _ in batches[:40] for p in paths]
    assert sorted(epoch0) == sorted(set(epoch0)) and len(epoch0) == 160  # each image once per epoch
    assert [p for paths, _ in batches[40:44] for p in paths] != epoch0[:16]  # another order in epoch 1
    assert states[47]['epoch'] == 1 and states[13]['epoch'] == 0
    for done, state in states.items():
        resumed = _PositionedIterator(loader(shards, num_workers))
        resumed.seek(json.loads(json.dumps(state)))  # as stored in a checkpoint
        for (paths, inputs), (ref_paths, ref_inputs) in zip(draw(resumed, 55 - done), batches[done:]):
            assert paths == ref_paths
            assert torch.equal(inputs, ref_inputs)


def test_position_of_other_worker_count_is_an_error(shards):
    ds = loader(shards, 0).dataset
    ds.set_resume(dict(epoch=0, num_workers=4, workers={'0': [1, 2]}, next_worker=1))
    with pytest.raises(ValueError, match='saved with 4 data loader workers per rank, this run has 1'):
        iter(ds)


def train_argv(work_dir, shards, mini_jft, *extra_hooks, resume=False):
    """tools/train.py's command line on the shard config (8 images an iteration, 30 iterations, checkpoints every 12)
    with the probe hooks of _resume_probe.py (found by module name: pytest puts this folder on sys.path)."""
    work_dir.mkdir(exist_ok=True)
    hooks = ['dict(type="_resume_probe.KillHook", at_iter=%d)' % k for k in extra_hooks]
    hooks += ['dict(type="_resume_probe.KeysPerIterationHook")', 'dict(type="_resume_probe.WeightsDigestHook")']
    config = work_dir / 'probe_config.py'
    config.write_text(f'_base_ = {SHARD_CONFIG!r}\ncustom_hooks = [{", ".join(hooks)}]\n')
    argv = [str(config), '--work-dir', str(work_dir), '--cfg-options', *data_root_options(mini_jft['data_root']),
            f'train_dataloader.dataset.data_root={os.path.dirname(shards["index_file"])}',
            'train_dataloader.batch_size=8', 'train_dataloader.dataset.shuffle_buffer=16',
            'auto_scale_schedule.enable=False', 'train_cfg.max_iters=30', 'train_cfg.val_begin=1000000',
            'default_hooks.checkpoint.interval=12', 'default_hooks.logger.interval=10', 'param_scheduler.step_size=10']
    return argv + (['--resume'] if resume else [])


def train(work_dir, shards, mini_jft, resume=False):
    """The run of :func:`train_argv` in this process (tools/train.py's ``main``, conftest.run_tool_main): (the
    runner, the text of its log file)."""
    runner = run_tool_main('tools/train.py', train_argv(work_dir, shards, mini_jft, resume=resume))
    with open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        return runner, f.read()


def _train_in_child(argv, out_file):
    out = open(out_file, 'w', buffering=1)  # line by line: a killed process flushes nothing
    os.dup2(out.fileno(), 1)
    os.dup2(out.fileno(), 2)
    sys.stdout = sys.stderr = out
    run_tool_main('tools/train.py', argv)


def train_killed(work_dir, shards, mini_jft, at_iter):
    """The run of :func:`train_argv` with a KillHook at ``at_iter``, in a process forked from this one (the stack's
    imports already done), which the hook ends with a real SIGKILL; (its exit code, its output)."""
    argv = train_argv(work_dir, shards, mini_jft, at_iter)
    proc = multiprocessing.get_context('fork').Process(target=_train_in_child, args=(argv, work_dir / 'train.out'))
    proc.start()
    deadline = time.monotonic() + 600
    while proc.exitcode is None and time.monotonic() < deadline:  # waitpid: join() would also wait for the run's
        time.sleep(0.05)  # loader workers (they hold the process's sentinel), which see the kill within 5 s
    out = (work_dir / 'train.out').read_text() if (work_dir / 'train.out').exists() else ''
    if proc.exitcode is None:
        proc.kill()
        proc.join()
        pytest.fail(f'the run to be killed still running after 600 s:\n{out[-4000:]}')
    return proc.exitcode, out


@pytest.fixture
def one_thread():
    """torch on one thread during the test (the pytest-xdist workers of tools/run_tests.sh already are), as a
    bit-exact comparison of runs needs."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def keys_by_iter(work_dir):
    out = {}
    for line in (work_dir / 'keys.jsonl').read_text().splitlines():
        rec = json.loads(line)
        out.setdefault(rec['iter'], []).append(rec['keys'])
    return out


def test_kill_then_resume_matches_an_uninterrupted_run(shards, mini_jft, tmp_path, one_thread):
    """8 images x 2 workers per iteration, 20 iterations an epoch, checkpoints at 12 and 24, a SIGKILL before
    iteration 27, then --resume: the resumed run continues at 24 (epoch 1) with the batches the killed run had
    drawn, and ends with the uninterrupted run's weights, bit for bit (CPU, one thread, same seed). The killed run is a
    process forked from this one; the resumed run, then the uninterrupted one, run in this process (tools/train.py's
    ``main``): the resumed run has only the files the killed one left, and no run before it in this process."""
    whole, cut = tmp_path / 'whole', tmp_path / 'cut'
    code, out = train_killed(cut, shards, mini_jft, 27)
    assert code == -9, out[-4000:]
    assert not (cut / 'weights.sha1').exists()
    killed = keys_by_iter(cut)
    assert sorted(killed) == list(range(27))
    runner, log = train(cut, shards, mini_jft, resume=True)
    assert runner.iter == 30
    assert 'resuming the data at epoch 1, 4 batches into it (no replay)' in log, log[-3000:]
    assert 'Advance dataloader' not in log and 'drawing' not in log
    runner, _ = train(whole, shards, mini_jft)
    assert runner.iter == 30
    seen, reference = keys_by_iter(cut), keys_by_iter(whole)
    assert sorted(reference) == list(range(30))
    # iterations 24-26 were drawn twice (before the kill and after the resume), identically
    assert {i: len(v) for i, v in seen.items() if len(v) > 1} == {24: 2, 25: 2, 26: 2}
    assert all(seen[i][0] == seen[i][1] for i in (24, 25, 26))
    assert [seen[i][-1] for i in range(30)] == [reference[i][0] for i in range(30)]
    epoch0 = [k for i in range(20) for k in seen[i][-1]]
    assert len(epoch0) == len(set(epoch0)) == 160
    assert (cut / 'weights.sha1').read_text() == (whole / 'weights.sha1').read_text()


@pytest.mark.parametrize('exact', [True, False])
def test_position_of_another_world_size(shards, mini_jft, tmp_path, exact):
    """A position saved by 2 ranks cannot be continued by 1: an error naming both layouts, or (exact_resume=False) the
    saved epoch's data starts over."""
    runner = build_runner(SHARD_CONFIG, mini_jft['data_root'], tmp_path, {
        'train_dataloader.dataset.data_root': os.path.dirname(shards['index_file']), 'train_cfg.exact_resume': exact})
    loop = runner.train_loop
    loop._iter = 5
    loop.saved_position = dict(iter=5, world_size=2, num_workers=2, epoch=3, batches=5, workers={'0': [0, 19]},
                               next_worker=1)
    if exact:
        with pytest.raises(ValueError, match=r'saved with 2 ranks x 2 data loader workers, this run has 1 x 2'):
            loop._seek_data()
    else:
        loop._seek_data()
        it = loop.dataloader_iterator
        assert (it.epoch, it.batches, it.workers, it._resume) == (3, 0, {}, None)


def test_a_seed_gives_mmengines_loop_weights(mini_jft, tmp_path):
    """With a sampler, the loop starts its loader where mmengine's IterBasedTrainLoop does (before the weights are
    initialised: the iterator draws from torch's global generator), so the same seed trains the same weights."""
    weights = []
    for loop in ('IterBasedTrainLoop', 'ResumableIterBasedTrainLoop'):
        runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / loop, {
            'train_cfg.type': loop, 'train_cfg.max_iters': 8, 'train_dataloader.batch_size': 4,
            'train_dataloader.num_workers': 0, 'val_cfg': None, 'val_dataloader': None, 'val_evaluator': None,
            'default_hooks.checkpoint': None})
        runner.train()
        assert type(runner.train_loop).__name__ == loop and runner.iter == 2
        weights.append(runner.model.backbone.conv1.weight.detach().clone())
    assert torch.equal(*weights)
