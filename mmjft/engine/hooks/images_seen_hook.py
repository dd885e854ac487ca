"""Checkpoints named by the images seen, and the images seen recorded in every checkpoint.

Iteration numbers depend on the GPU count (8 x 32 or 64 x 32 images per iteration), so the epochs ablation (paper
Table 4: 1.3 / 2.6 / 4 epochs of one run) and the ImageNet-epochs ablation (Table 5: 3 / 6 / 12 epochs) name their
checkpoints by what does not: ``images_384M.pth`` (iteration-based runs) or ``milestone_epoch_3.pth`` (epoch-based
runs; mmengine's CheckpointHook may rotate its own ``epoch_N.pth`` away). Downstream configs refer to those names.
"""
import os.path as osp
from typing import Optional, Sequence

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import IterBasedTrainLoop

from mmjft.registry import HOOKS


def images_tag(images: int) -> str:
    """``384_000_000`` -> ``'384M'``, ``6_400`` -> ``'6400'``, ``1_500_000`` -> ``'1500K'``."""
    images = int(images)
    for div, unit in ((1_000_000, 'M'), (1_000, 'K')):
        if images >= div and images % div == 0:
            return f'{images // div}{unit}'
    return str(images)


@HOOKS.register_module()
class ImagesSeenCheckpointHook(Hook):
    """Write ``meta['images_seen']`` into every checkpoint the run saves, and save extra checkpoints at given counts.

    Args:
        at_images: image counts (any global batch): the first iteration whose images seen reach a count saves
            ``images_<tag>.pth`` (tag from :func:`images_tag` of the count as written, e.g. ``images_384M.pth``).
        at_epochs: epoch-based runs: after these epochs save ``milestone_epoch_<n>.pth``.
        save_optimizer: keep the optimizer state in the extra checkpoints (off: they are for transfer).
    """
    priority = 'LOW'  # after the param scheduler, like mmengine's CheckpointHook

    def __init__(self, at_images: Sequence[int] = (), at_epochs: Sequence[int] = (),
                 save_optimizer: bool = False):
        self.at_images = sorted(int(n) for n in at_images)
        self.at_epochs = sorted(int(n) for n in at_epochs)
        if any(n <= 0 for n in self.at_images + self.at_epochs):
            raise ValueError(f'at_images / at_epochs must be positive: {self.at_images} / {self.at_epochs}')
        self.save_optimizer = save_optimizer

    @staticmethod
    def global_batch(runner) -> int:
        return get_world_size() * runner.train_dataloader.batch_size

    def _images_seen(self, runner, meta) -> Optional[int]:
        if getattr(runner, '_train_dataloader', None) is None:
            return None
        if not self._by_iter(runner):  # epochs already count data: the dataset's images per epoch
            return int(meta.get('epoch', runner.epoch)) * len(runner.train_dataloader.dataset)
        return int(meta.get('iter', runner.iter)) * self.global_batch(runner)

    @staticmethod
    def _by_iter(runner) -> bool:
        return isinstance(runner.train_loop, IterBasedTrainLoop)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        seen = self._images_seen(runner, meta)
        if seen is not None:
            meta['images_seen'] = seen
            meta['global_batch'] = self.global_batch(runner)

    def _targets_now(self, runner) -> list:
        """The ``at_images`` milestones the current iteration reaches."""
        if not self.at_images:
            return []
        batch = self.global_batch(runner)
        before, after = runner.iter * batch, (runner.iter + 1) * batch
        return [target for target in self.at_images if before < target <= after]

    def saves_checkpoint_after_iter(self, runner) -> bool:
        """Whether :meth:`after_train_iter` saves a checkpoint this iteration (asked on every rank by
        :class:`~mmjft.engine.DataPositionHook`, which gathers the ranks' data positions first)."""
        return bool(self._targets_now(runner))

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        for target in self._targets_now(runner):
            self._save(runner, f'images_{images_tag(target)}.pth')

    def after_train_epoch(self, runner) -> None:
        if runner.epoch + 1 in self.at_epochs:  # runner.epoch is incremented after this hook
            self._save(runner, f'milestone_epoch_{runner.epoch + 1}.pth')

    def _save(self, runner, filename: str) -> None:
        runner.save_checkpoint(runner.work_dir, filename, save_optimizer=self.save_optimizer,
                               save_param_scheduler=False, by_epoch=not self._by_iter(runner))
        if is_main_process():
            runner.logger.info(f'images seen milestone: saved {osp.join(runner.work_dir, filename)}')
