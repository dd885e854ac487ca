"""Stop training at the first NaN or infinite loss, naming the iteration and the last good checkpoint."""
import os.path as osp

import torch
from mmengine.dist import all_reduce
from mmengine.hooks import CheckpointHook, Hook

from mmjft.registry import HOOKS


class InvalidLossError(FloatingPointError):
    """The training loss became NaN or infinite."""


def last_checkpoint(runner) -> str:
    """The newest checkpoint this run saved (or resumed / loaded from), or a sentence saying there is none."""
    for hook in runner.hooks:
        if isinstance(hook, CheckpointHook) and hook.last_ckpt:
            return str(hook.last_ckpt)
    marker = osp.join(runner.work_dir, 'last_checkpoint')
    if osp.isfile(marker):
        with open(marker) as f:
            return f.read().strip()
    if getattr(runner, '_load_from', None):
        return f'{runner._load_from} (loaded at start; this run saved none)'
    return 'none (no checkpoint was saved in this run)'


@HOOKS.register_module()
class StopOnInvalidLossHook(Hook):
    """After every ``interval`` iterations, stop if the loss of any rank is NaN or infinite.

    mmdet's ``CheckInvalidLossHook`` does the check, but the pretraining path must not import mmdet (it pulls in
    mmcv's compiled ops), and its assertion names neither the iteration nor a checkpoint to go back to. Here the
    ranks agree through one all-reduce of a flag (a rank that stopped alone would leave the others waiting in the
    next gradient all-reduce), and the hook runs before the checkpoint hook, so the diverged weights of this
    iteration are never saved. The loss is already read on the host each iteration by mmengine's message hub, so
    the check adds no synchronisation of its own beyond the flag.

    Args:
        interval (int): check every this many iterations. Defaults to 1.
    """
    priority = 'ABOVE_NORMAL'  # before CheckpointHook (VERY_LOW) and LoggerHook (BELOW_NORMAL)

    def __init__(self, interval: int = 1):
        self.interval = interval

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not outputs or 'loss' not in outputs or not self.every_n_train_iters(runner, self.interval):
            return
        loss = outputs['loss'].detach()
        invalid = (~torch.isfinite(loss)).any().to(torch.float32).reshape(1)
        all_reduce(invalid)  # sum over ranks; a no-op in a single process
        if invalid.item() > 0:
            raise InvalidLossError(
                f'the training loss is {loss.item()} on this rank ({int(invalid.item())} rank(s) with a NaN or '
                f'infinite loss) at iteration {runner.iter + 1}: training stopped. The weights of this '
                f'iteration were not saved. Last good checkpoint: {last_checkpoint(runner)}. Resume from it with '
                "tools/train.py CONFIG --resume CKPT, e.g. with a lower lr or 'optim_wrapper.clip_grad'.")
