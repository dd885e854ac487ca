"""Totals of missing / corrupt training images over data loader workers, ranks, epochs and resumes."""
from typing import Optional

import torch
from mmengine.dist import all_gather_object, all_reduce, get_dist_info
from mmengine.hooks import CheckpointHook, Hook, LoggerHook
from mmengine.logging import print_log

from mmjft.datasets.bad_images import BadImageTracker
from mmjft.registry import HOOKS
from mmjft.structures import BAD_IMAGES_KEY


def _train_dataset(runner):
    dataset = runner.train_dataloader.dataset
    while not hasattr(dataset, 'max_bad_fraction'):
        if hasattr(dataset, 'dataset'):  # RepeatDataset & co.
            dataset = dataset.dataset
        elif getattr(dataset, 'datasets', None):  # ConcatDataset (VOC train + SBD aug): the first part's limits
            dataset = dataset.datasets[0]
        else:
            break
    return dataset


@HOOKS.register_module()
class BadImageHook(Hook):
    """Adds up the images the training set failed to read and stops the run past its ceiling.

    Each sample of :class:`~mmjft.datasets.JFTDataset` carries the paths that failed in its worker since the previous
    sample (``data_batch['bad_images']``), so the main process sees every worker's failures whatever the
    multiprocessing start method, and across epochs. Every ``interval`` iterations (default: the logger's) the
    counts of all ranks are summed; if that interval saw a bad image a summary is logged (images read, bad,
    fraction, first paths), and the dataset's ``max_bad_fraction`` is applied to the totals once
    ``bad_check_after`` images were read (every rank raises together). A summary is logged at the end of training,
    and the totals are saved in checkpoints (``meta['bad_images']``) and carried on by ``--resume``.

    Args:
        interval (int, optional): iterations between reductions; defaults to the LoggerHook's interval.
    """
    priority = 'NORMAL'

    def __init__(self, interval: Optional[int] = None):
        self.interval = interval
        self.local = None  # this rank's counts since the start (or resume) of the run
        self.resumed = dict(reads=0, num_bad=0, bad_paths=[])
        self.totals = None
        self._logged_bad = 0

    def before_train(self, runner) -> None:
        dataset = _train_dataset(runner)
        self.enabled = hasattr(dataset, 'max_bad_fraction')
        if not self.enabled:
            return
        self.source = getattr(dataset, 'ann_file', '')
        self.limits = dict(max_fraction=dataset.max_bad_fraction, min_reads=dataset.bad_check_after,
                           source=self.source)
        self.local = BadImageTracker(**self.limits)
        if self.interval is None:
            loggers = [h for h in runner.hooks if isinstance(h, LoggerHook)]
            self.interval = loggers[0].interval if loggers else 50

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None) -> None:
        if not getattr(self, 'enabled', False):
            return
        entries = data_batch.get(BAD_IMAGES_KEY) if isinstance(data_batch, dict) else None
        if entries is not None:
            failed = [p for entry in entries if entry for p in entry.split('\n')]
            self.local.add(reads=len(entries) + len(failed), bad_paths=failed)
        if (self.every_n_train_iters(runner, self.interval) or self.is_last_train_iter(runner)
                or self._checkpoint_after_this_iter(runner)):
            self._reduce_log_and_check(runner)

    def _checkpoint_after_this_iter(self, runner) -> bool:
        """Whether a CheckpointHook saves at this iteration (it runs after this hook, on rank 0 only: the totals it
        stores must be reduced now, by every rank)."""
        return any(isinstance(h, CheckpointHook) and not h.by_epoch and h.interval > 0 and
                   (self.every_n_train_iters(runner, h.interval) or (h.save_last and self.is_last_train_iter(runner)))
                   for h in runner.hooks)

    def after_train_epoch(self, runner) -> None:
        if getattr(self, 'enabled', False):
            self._reduce_log_and_check(runner)

    def after_train(self, runner) -> None:
        if getattr(self, 'enabled', False):
            self._reduce_log_and_check(runner, always_log=True)

    def _reduce_log_and_check(self, runner, always_log=False) -> BadImageTracker:
        counts = torch.tensor([self.local.reads, self.local.num_bad], dtype=torch.float64)
        if get_dist_info()[1] > 1:
            device = 'cuda' if torch.cuda.is_available() and torch.distributed.get_backend() == 'nccl' else 'cpu'
            counts = counts.to(device)
            all_reduce(counts)
        reads, num_bad = (int(v) for v in counts.tolist())
        totals = BadImageTracker(**self.limits)
        totals.add(self.resumed['reads'], self.resumed['bad_paths'], self.resumed['num_bad'])
        paths = self.local.bad_paths
        if get_dist_info()[1] > 1 and num_bad > self._logged_bad:
            paths = [p for rank_paths in all_gather_object(paths) for p in rank_paths]
        totals.add(reads, paths, num_bad)
        self.totals = totals
        if always_log or totals.num_bad > self._logged_bad:
            print_log(totals.summary(), logger='current', level=30 if totals.num_bad else 20)
            self._logged_bad = totals.num_bad
        totals.check()
        return totals

    def before_save_checkpoint(self, runner, checkpoint) -> None:
        # rank 0 only (mmengine's save_checkpoint is master_only): the totals of the reduction of this iteration
        totals = self.totals
        if totals is not None:
            checkpoint.setdefault('meta', {})['bad_images'] = dict(
                reads=totals.reads, num_bad=totals.num_bad, bad_paths=list(totals.bad_paths))

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        saved = (checkpoint.get('meta') or {}).get('bad_images')
        if saved and runner._resume:
            self.resumed = dict(reads=int(saved['reads']), num_bad=int(saved['num_bad']),
                                bad_paths=list(saved['bad_paths']))
