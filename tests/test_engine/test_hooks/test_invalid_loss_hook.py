"""A NaN loss stops training, names the iteration and the last good checkpoint, and saves no diverged weights."""
import pytest
import torch
from mmengine.hooks import Hook

from conftest import MINI_CONFIG, build_runner
from mmjft.engine import InvalidLossError


class PoisonWeights(Hook):
    """Puts a NaN into the head's weights before the given iteration (1-based), as a diverging run would."""

    def __init__(self, at_iter):
        self.at_iter = at_iter

    def before_train_iter(self, runner, batch_idx, data_batch=None):
        if runner.iter + 1 == self.at_iter:
            with torch.no_grad():
                runner.model.head.fc.weight[0, 0] = float('nan')


def test_nan_loss_stops_naming_iteration_and_last_good_checkpoint(mini_jft, tmp_path):
    options = {'train_dataloader.batch_size': 4, 'train_dataloader.num_workers': 0,
               'train_cfg.max_iters': 24, 'train_cfg.val_interval': 10_000,
               'default_hooks.checkpoint.interval': 8}  # images: a checkpoint every 2 iterations of 4
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, options)
    runner.register_hook(PoisonWeights(at_iter=4))
    with pytest.raises(InvalidLossError, match=r'at iteration 4: .*Last good checkpoint: \S*iter_2\.pth'):
        runner.train()
    assert (tmp_path / 'iter_2.pth').exists()
    assert not (tmp_path / 'iter_4.pth').exists()  # the hook ran before the checkpoint of that iteration
