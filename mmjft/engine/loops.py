"""An iteration-based train loop whose ``--resume`` continues the data where the checkpoint left it, without replay.

mmengine's :class:`~mmengine.runner.IterBasedTrainLoop` resumes by drawing (loading, decoding, augmenting) every batch
of the iterations already done: at iteration 2M of a JFT run, 512M images before the first step.
:class:`ResumableIterBasedTrainLoop` keeps the data position instead:

* a streaming dataset (:class:`~mmjft.datasets.JFTShardDataset`): each sample carries its place in its worker's
  stream (``'epoch/worker/block/index'``); the loop keeps, per rank, the last consumed place of every data loader
  worker and which worker delivered last. :class:`DataPositionHook` gathers the ranks' positions into each
  checkpoint (``checkpoint['data_position']``); on ``--resume`` every rank hands its own to the dataset
  (``set_resume``), whose workers skip to it: no sample is repeated or skipped, and the batches come in the same order
  as in an uninterrupted run.
* a map-style dataset whose sampler can start inside an epoch (``set_start(num_samples)``, e.g.
  :class:`~mmjft.datasets.JFTIndexSampler`): the position is (epoch, batches done in the epoch).

Together with augmentation seeded per sample (:mod:`mmjft.datasets.sample_seed`), a resumed run trains on the same
batches, crops included, as an uninterrupted one. A dataloader that can do neither is replayed as mmengine does.

Config::

    train_cfg = dict(type='mmjft.ResumableIterBasedTrainLoop', max_iters=..., val_interval=...)

The positions are only valid for the same number of ranks and data loader workers per rank; resuming with others is
an error, unless ``exact_resume=False``: the run then starts the saved epoch's data over (samples of that epoch seen
before the checkpoint are seen again).
"""
import logging
from typing import Dict, List, Optional, Sequence, Tuple, Union

from mmengine.dist import all_gather_object, get_dist_info
from mmengine.logging import print_log
from mmengine.runner import IterBasedTrainLoop
from mmengine.runner.base_loop import BaseLoop
from mmengine.runner.utils import calc_dynamic_intervals
from torch.utils.data import DataLoader, IterableDataset

from mmjft.registry import LOOPS
from mmjft.structures import STREAM_POSITION_KEY
from .hooks.data_position_hook import DataPositionHook

POSITION_FORMAT = 1


def _parse_position(text: str) -> Tuple[int, int, int, int]:
    epoch, worker, block, index = (int(v) for v in text.split('/'))
    return epoch, worker, block, index


class _PositionedIterator:
    """Batches of a DataLoader without end (a new epoch when one ends), keeping the data position. The DataLoader's
    iterator (and its workers) is made by :meth:`start`, or at the first ``next`` after :meth:`seek` or
    :meth:`restart`."""

    def __init__(self, dataloader: DataLoader):
        self.dataloader = dataloader
        self.dataset = dataloader.dataset
        self.streaming = isinstance(self.dataset, IterableDataset)
        self.num_workers = max(1, dataloader.num_workers)  # streams per rank: the main process is one
        self.epoch = 0
        self.batches = 0  # batches done in the epoch
        self.workers: Dict[int, List[int]] = {}  # streaming: logical worker -> [block, index] last consumed
        self.last_worker: Optional[int] = None
        self._iterator = None
        self._resume: Optional[dict] = None

    # ------------------------------------------------------------------ the position
    def state(self) -> dict:
        rank, world_size = get_dist_info()
        return dict(format=POSITION_FORMAT, world_size=world_size, num_workers=self.num_workers, epoch=self.epoch,
                    batches=self.batches, workers={str(k): v for k, v in self.workers.items()},
                    next_worker=0 if self.last_worker is None else (self.last_worker + 1) % self.num_workers)

    def can_seek(self) -> bool:
        return (self.streaming and hasattr(self.dataset, 'set_resume')) or hasattr(self._sampler(), 'set_start')

    def seek(self, state: dict) -> None:
        """Start at ``state`` (:meth:`state` of the run that saved it) when the iterator is made."""
        self.epoch, self.batches = int(state['epoch']), int(state['batches'])
        self.workers = {int(k): list(v) for k, v in state['workers'].items()}
        self.last_worker = None if state['next_worker'] is None else (state['next_worker'] - 1) % self.num_workers
        self._resume = state
        self._iterator = None  # made anew at the position

    def restart(self, epoch: int) -> None:
        """Start ``epoch``'s data from its beginning."""
        self.epoch, self.batches, self.workers, self.last_worker = epoch, 0, {}, None
        self._iterator = None

    def close(self) -> None:
        """Stop the DataLoader's workers now (training ended; the position is kept). Left running, they stop when the
        garbage collector frees the Runner (a reference cycle), and that shutdown waits out a 5 s join per worker
        (measured on 2 cores: a 10 s ``gc.collect()`` in whatever builds the next dataset)."""
        iterator, self._iterator = self._iterator, None
        if getattr(self.dataloader, '_iterator', None) is iterator:
            self.dataloader._iterator = None  # persistent workers: the DataLoader keeps the iterator too
        if hasattr(iterator, '_shutdown_workers'):  # what torch's own __del__ calls
            iterator._shutdown_workers()

    def replay(self, iters: int) -> None:
        print_log(f'{type(self.dataset).__name__} cannot start inside an epoch: drawing {iters} batches to skip the '
                  'data already trained', logger='current', level=logging.WARNING)
        for _ in range(iters):
            next(self)

    # ------------------------------------------------------------------ iteration
    def _sampler(self):
        batch_sampler = self.dataloader.batch_sampler
        return getattr(batch_sampler, 'sampler', None) if batch_sampler is not None else self.dataloader.sampler

    def start(self) -> None:
        """Make the DataLoader's iterator for the current epoch and position."""
        sampler = self._sampler()
        if self.streaming and hasattr(self.dataset, 'set_epoch'):
            self.dataset.set_epoch(self.epoch)
        elif hasattr(sampler, 'set_epoch'):
            sampler.set_epoch(self.epoch)
        resume, self._resume = self._resume, None
        if resume is not None:
            if self.streaming:
                self.dataset.set_resume(resume)
            else:
                sampler.set_start(self.batches * self.dataloader.batch_size)
        self._iterator = iter(self.dataloader)
        if resume is not None and self.streaming:
            self.dataset.set_resume(None)  # the workers hold their copy; later epochs start at their beginning

    def __iter__(self):
        return self

    def __next__(self):
        if self._iterator is None:
            self.start()
        try:
            batch = next(self._iterator)
        except StopIteration:
            self.restart(self.epoch + 1)
            self.start()
            try:
                batch = next(self._iterator)
            except StopIteration:
                raise RuntimeError(f'{type(self.dataset).__name__}: an epoch yields no batch') from None
        self._record(batch)
        return batch

    def _record(self, batch) -> None:
        positions = batch.get(STREAM_POSITION_KEY) if isinstance(batch, dict) else None
        if self.streaming and positions:
            epoch, worker, block, index = _parse_position(positions[-1])
            if epoch != self.epoch:  # a persistent worker counts epochs itself
                self.epoch, self.batches, self.workers = epoch, 0, {}
            self.workers[worker] = [block, index]
            self.last_worker = worker
        self.batches += 1


@LOOPS.register_module()
class ResumableIterBasedTrainLoop(IterBasedTrainLoop):
    """mmengine's IterBasedTrainLoop whose resume seeks the data instead of replaying it (see the module's doc).

    Args:
        runner, dataloader, max_iters, val_begin, val_interval, dynamic_intervals: as IterBasedTrainLoop.
        exact_resume (bool): a checkpoint's data position saved with another number of ranks or data loader workers
            is an error (True) or restarts the saved epoch's data (False). Defaults to True.
    """

    def __init__(self,
                 runner,
                 dataloader: Union[DataLoader, Dict],
                 max_iters: int,
                 val_begin: int = 1,
                 val_interval: int = 1000,
                 dynamic_intervals: Optional[List[Tuple[int, int]]] = None,
                 exact_resume: bool = True) -> None:
        # IterBasedTrainLoop.__init__ without its first iter(dataloader): the workers must start after the resume
        # has set the position (persistent workers keep the dataset they were started with)
        BaseLoop.__init__(self, runner, dataloader)
        self._max_iters = int(max_iters)
        if self._max_iters != max_iters:
            raise ValueError(f'train_cfg.max_iters must be an integer, got {max_iters}')
        self._max_epochs, self._epoch, self._iter = 1, 0, 0
        self.val_begin, self.val_interval = val_begin, val_interval
        self.stop_training = False
        if hasattr(self.dataloader.dataset, 'metainfo'):
            self.runner.visualizer.dataset_meta = self.dataloader.dataset.metainfo
        self.dynamic_milestones, self.dynamic_intervals = calc_dynamic_intervals(self.val_interval, dynamic_intervals)
        self.exact_resume = exact_resume
        self.dataloader_iterator = _PositionedIterator(self.dataloader)
        if not self.dataloader_iterator.streaming:
            # a sampler's loader starts here, as mmengine's loop does: its iterator draws a seed from torch's global
            # generator before the model's weights are initialised, so a seed gives IterBasedTrainLoop's weights; a
            # resume makes it anew. A stream starts at the first batch (persistent workers keep their dataset).
            self.dataloader_iterator.start()
        self.saved_position: Optional[dict] = None  # set by DataPositionHook from a resumed checkpoint
        if not any(isinstance(h, DataPositionHook) for h in runner.hooks):
            runner.register_hook(DataPositionHook(), 'NORMAL')

    def data_position(self) -> dict:
        """This rank's data position: after the batches drawn so far (a checkpoint saved in ``after_train_iter``
        includes the iteration's batch, as its ``meta.iter`` counts that iteration as done)."""
        return self.dataloader_iterator.state()

    def run(self) -> None:
        self.runner.call_hook('before_train')
        self.runner.call_hook('before_train_epoch')
        if self._iter > 0:
            self._seek_data()
        try:
            while self._iter < self._max_iters and not self.stop_training:
                self.runner.model.train()
                data_batch = next(self.dataloader_iterator)
                self.run_iter(data_batch)
                self._decide_current_val_interval()
                if (self.runner.val_loop is not None and self._iter >= self.val_begin
                        and (self._iter % self.val_interval == 0 or self._iter == self._max_iters)):
                    self.runner.val_loop.run()
            self.runner.call_hook('after_train_epoch')
            self.runner.call_hook('after_train')
        finally:
            self.dataloader_iterator.close()
        return self.runner.model

    def _seek_data(self) -> None:
        it = self.dataloader_iterator
        saved = self.saved_position
        if saved is not None and saved.get('iter') != self._iter:
            saved = None  # a load_from checkpoint's position, or another iteration's
        if not it.can_seek():
            it.replay(self._iter)
            return
        if saved is None and it.streaming:
            msg = f'resuming iteration {self._iter}: the checkpoint has no data position (saved by another train loop?)'
            if self.exact_resume:
                raise ValueError(f'{msg}; a streaming dataset cannot be replayed to it. Set '
                                 'train_cfg.exact_resume=False to start the data at the epoch the iterations suggest')
            it.restart(self._iter // max(1, len(self.dataloader)))
            print_log(f'{msg}: the data starts at the beginning of epoch {it.epoch} (exact_resume=False; an estimate '
                      'from the dataset\'s length)', logger='current', level=logging.WARNING)
            return
        if saved is None:  # a map-style sampler: the position follows from the iterations done
            epoch_len = len(self.dataloader)
            saved = dict(epoch=self._iter // epoch_len, batches=self._iter % epoch_len, workers={}, next_worker=None,
                         num_workers=it.num_workers, world_size=get_dist_info()[1])
        # a stream's positions are per rank and worker; a sampler's (epoch, batches) only needs the same ranks
        layout = (get_dist_info()[1], it.num_workers)
        saved_layout = (saved['world_size'], saved['num_workers'])
        if saved_layout[:1 + it.streaming] != layout[:1 + it.streaming]:
            msg = (f'the checkpoint\'s data position was saved with {saved_layout[0]} ranks x {saved_layout[1]} data '
                   f'loader workers, this run has {layout[0]} x {layout[1]}')
            if self.exact_resume:
                raise ValueError(f'{msg}: resume with the same numbers, or set train_cfg.exact_resume=False to start '
                                 f'epoch {saved["epoch"]}\'s data over')
            print_log(f'{msg}: epoch {saved["epoch"]}\'s data starts over (exact_resume=False)', logger='current',
                      level=logging.WARNING)
            it.restart(int(saved['epoch']))
            return
        it.seek(saved)
        print_log(f'resuming the data at epoch {saved["epoch"]}, {saved["batches"]} batches into it (no replay)',
                  logger='current')
