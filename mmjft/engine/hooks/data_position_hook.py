"""The data positions of a :class:`~mmjft.engine.loops.ResumableIterBasedTrainLoop` in its checkpoints: saved from
every rank, handed back on ``--resume`` (see :mod:`mmjft.engine.loops`)."""
import logging
from typing import Optional, Sequence

from mmengine.dist import all_gather_object, get_dist_info
from mmengine.hooks import CheckpointHook, Hook
from mmengine.logging import print_log

from mmjft.registry import HOOKS


def _keeps_position(loop) -> bool:
    """Whether the train loop keeps a data position (``data_position()`` and ``saved_position``)."""
    return callable(getattr(loop, 'data_position', None)) and hasattr(loop, 'saved_position')


def _saves_checkpoint_after_iter(runner) -> bool:
    """Whether a hook saves a checkpoint at the end of this iteration: mmengine's CheckpointHook (iteration-based:
    every ``interval`` from ``save_begin``, and the last iteration with ``save_last``), or any hook with a
    ``saves_checkpoint_after_iter(runner)`` method (mmjft's ImagesSeenCheckpointHook)."""
    for hook in runner.hooks:
        ask = getattr(hook, 'saves_checkpoint_after_iter', None)
        if ask is not None and ask(runner):
            return True
        if isinstance(hook, CheckpointHook) and not hook.by_epoch and (
                hook.every_n_train_iters(runner, hook.interval, hook.save_begin)
                or (hook.save_last and hook.is_last_train_iter(runner))):
            return True
    return False


@HOOKS.register_module()
class DataPositionHook(Hook):
    """Puts every rank's data position of a :class:`~mmjft.engine.loops.ResumableIterBasedTrainLoop` into each checkpoint
    (``checkpoint['data_position']``: one entry per rank) and hands this rank's back to the loop on resume. The loop
    registers it.

    mmengine saves a checkpoint on rank 0 only (``Runner.save_checkpoint`` is ``master_only``), so the ranks'
    positions are gathered before: in ``after_train_iter`` on every rank, ahead of the checkpoint hooks (priority
    BELOW_NORMAL), in the iterations where one of them will save (:func:`_saves_checkpoint_after_iter`). A
    multi-rank checkpoint saved by another hook at another time gets no position (logged); resuming it needs
    ``train_cfg.exact_resume=False``.
    """

    priority = 'BELOW_NORMAL'

    def __init__(self):
        self._gathered: Optional[list] = None

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        loop = runner.train_loop
        if get_dist_info()[1] > 1 and _keeps_position(loop) and \
                _saves_checkpoint_after_iter(runner):
            self._gathered = all_gather_object(dict(loop.data_position(), iter=runner.iter + 1))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        loop = runner.train_loop
        if not _keeps_position(loop):
            return
        done = checkpoint['meta']['iter']
        if get_dist_info()[1] == 1:
            checkpoint['data_position'] = [dict(loop.data_position(), iter=done)]
        elif self._gathered is not None and self._gathered[0]['iter'] == done:
            checkpoint['data_position'] = self._gathered
        else:
            print_log(f'checkpoint of iteration {done}: the ranks\' data positions were not gathered for it (a hook '
                      'saved it at an unexpected time); it can only be resumed with train_cfg.exact_resume=False',
                      logger='current', level=logging.WARNING)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        positions: Optional[Sequence[dict]] = checkpoint.get('data_position')
        loop = runner._train_loop
        if positions is None or not _keeps_position(loop):
            return
        rank, world_size = get_dist_info()
        if len(positions) != world_size:
            mine = dict(positions[0], world_size=len(positions))  # the loop reports the mismatch
        else:
            mine = positions[rank]
        loop.saved_position = mine
