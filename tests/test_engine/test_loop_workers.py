"""The resumable train loop stops its DataLoader's workers when training ends (mmjft/engine/loops.py, close())."""
import multiprocessing

import pytest
from mmengine.hooks import Hook

from conftest import MINI_CONFIG, build_runner


class _Children(Hook):
    """The child processes alive during training (the loader's workers)."""

    def __init__(self):
        self.seen = []

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        self.seen += [p for p in multiprocessing.active_children() if p not in self.seen]


@pytest.mark.parametrize('persistent', [False, True])
def test_workers_stop_when_training_ends(mini_jft, tmp_path, persistent):
    # 3 iterations of 8 images: the epoch (1,200 images) is not exhausted, its iterator and workers are live at the end
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'work', {
        'train_cfg.max_iters': 24, 'train_cfg.val_interval': 10**6, 'default_hooks.checkpoint.interval': 24,
        'train_dataloader.batch_size': 8, 'train_dataloader.num_workers': 2,
        'train_dataloader.persistent_workers': persistent, 'val_dataloader': None, 'val_cfg': None,
        'val_evaluator': None})
    probe = _Children()
    runner.register_hook(probe)
    runner.train()
    assert runner.iter == 3
    assert len(probe.seen) >= 2  # the two workers ran
    assert not any(p.is_alive() for p in probe.seen)  # and are gone once train() returned, not at a later gc
    it = runner.train_loop.dataloader_iterator
    assert it._iterator is None and getattr(runner.train_loop.dataloader, '_iterator', None) is None
    assert it.state()['batches'] == 3  # the data position is kept
