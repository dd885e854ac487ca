"""JFTIndexSampler: mmengine's DefaultSampler without the list of N ints, and able to start inside an epoch."""
import hashlib
import math
from typing import Iterator, Optional, Sized

import numpy as np
from mmengine.dist import get_dist_info, sync_random_seed
from torch.utils.data import Sampler

from mmjft.registry import DATA_SAMPLERS

ROUNDS = 6
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


def _mix(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijective 64-bit mixer (uint64 arithmetic wraps, as intended)."""
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


class FeistelPermutation:
    """A pseudo-random permutation of ``[0, n)`` evaluated at any positions, without materialising it.

    A balanced Feistel network of :data:`ROUNDS` rounds (round function :func:`_mix` of the right half xor a round
    key) permutes ``[0, 4**h)``, the smallest power of four ``>= n``; *cycle walking* (apply it again while the
    result is ``>= n``) restricts it to a permutation of ``[0, n)``: at most 4x the work on average. The round keys
    are the blake2b digest of ``(seed, epoch)``, so one order per (seed, epoch), identical on every rank.
    """

    def __init__(self, n: int, seed: int, epoch: int):
        self.n = int(n)
        self.half = max(1, ((max(self.n, 2) - 1).bit_length() + 1) // 2)
        self.mask = np.uint64((1 << self.half) - 1)
        digest = hashlib.blake2b(f'{int(seed)}\x00{int(epoch)}'.encode(), digest_size=8 * ROUNDS).digest()
        self.keys = np.frombuffer(digest, dtype='<u8').astype(np.uint64)

    def _network(self, x: np.ndarray) -> np.ndarray:
        half = np.uint64(self.half)
        left, right = x >> half, x & self.mask
        for key in self.keys:
            left, right = right, left ^ (_mix(right ^ key) & self.mask)
        return (left << half) | right

    def __call__(self, positions: np.ndarray) -> np.ndarray:
        """The permutation's values at ``positions`` (int array, each in ``[0, n)``) as int64."""
        y = self._network(np.asarray(positions, dtype=np.uint64))
        out = y >= self.n
        while out.any():
            y[out] = self._network(y[out])
            out[out] = y[out] >= self.n
        return y.astype(np.int64)


@DATA_SAMPLERS.register_module()
class JFTIndexSampler(Sampler):
    """mmengine's :class:`~mmengine.dataset.DefaultSampler` for datasets of hundreds of millions of samples:
    the same per-rank share and knobs, a shuffled order computed on the fly instead of ``randperm(N).tolist()``
    (8 bytes x N on every rank and worker-feeding process, ~30 GB of Python ints at 300M), and a start inside an
    epoch in O(1) for a resumed run.

    The epoch's order is :class:`FeistelPermutation` ``(N, seed, epoch)`` (``shuffle=False``: ``0..N-1``).
    As in DefaultSampler, rank ``r`` of ``W`` takes positions ``r, r + W, r + 2W, ...`` of that order:

    * ``round_up=True``: every rank yields ``ceil(N / W)`` samples; the ``ceil(N / W) * W - N`` positions past the
      end wrap to the start of the order, so the first samples of the epoch's order are seen twice in that epoch,
      every other sample once;
    * ``round_up=False``: rank ``r`` yields ``ceil((N - r) / W)`` samples; over the ranks, every sample exactly once.

    Each item is ``(index, epoch)``: :class:`~mmjft.datasets.JFTCompiledDataset` seeds the sample's augmentation from
    the epoch. Samples are computed in vectorised chunks of ``chunk`` positions (the sampler's memory).

    Resume contract: mmengine's loops call :meth:`set_epoch` before each epoch; a resumed run (e.g.
    :class:`~mmjft.engine.ResumableIterBasedTrainLoop`) calls ``set_epoch(e)`` then
    ``set_start(batches_done_in_epoch * batch_size)`` before creating the data loader's iterator: the next
    :meth:`__iter__` (of that epoch) yields exactly the tail of the sequence this rank yields in epoch ``e``, after
    its first ``num_samples``; later iterators start at 0 again. :meth:`set_epoch` clears a pending start.

    Args:
        dataset (Sized): the dataset (only its length is read).
        shuffle (bool): a pseudo-random order per epoch. Defaults to True.
        seed (int, optional): the order's seed, the same on every rank; None: mmengine's ``sync_random_seed()``.
        round_up (bool): see above. Defaults to True.
        chunk (int): positions computed at once. Defaults to 65536.
        rank, world_size (int, optional): default: mmengine.dist's (tests inject them).
    """

    def __init__(self, dataset: Sized, shuffle: bool = True, seed: Optional[int] = None, round_up: bool = True,
                 chunk: int = 65536, rank: Optional[int] = None, world_size: Optional[int] = None) -> None:
        dist_rank, dist_world = get_dist_info()
        self.rank = dist_rank if rank is None else rank
        self.world_size = dist_world if world_size is None else world_size
        if not 0 <= self.rank < self.world_size:
            raise ValueError(f'rank {self.rank} outside world_size {self.world_size}')
        if chunk < 1:
            raise ValueError(f'chunk must be positive, got {chunk}')
        self.dataset, self.shuffle, self.round_up, self.chunk = dataset, shuffle, round_up, chunk
        self.seed = sync_random_seed() if seed is None else seed
        self.size = len(dataset)
        if round_up:
            self.num_samples = math.ceil(self.size / self.world_size)
        else:
            self.num_samples = max(0, math.ceil((self.size - self.rank) / self.world_size))
        self.epoch = 0
        self._start = 0

    def __len__(self) -> int:
        """The number of samples this rank yields per epoch (a start inside the epoch does not change it)."""
        return self.num_samples

    def set_epoch(self, epoch: int) -> None:
        self.epoch, self._start = epoch, 0

    def set_start(self, num_samples: int) -> None:
        """Skip the first ``num_samples`` samples this rank yields in the current epoch, in the next iterator only."""
        if not 0 <= num_samples <= self.num_samples:
            raise ValueError(f'{type(self).__name__}: cannot start at sample {num_samples} of an epoch of '
                             f'{self.num_samples} samples on this rank')
        self._start = int(num_samples)

    def indices(self, epoch: int, start: int, stop: int) -> np.ndarray:
        """The dataset indices of this rank's samples ``start..stop-1`` of ``epoch`` (int64)."""
        positions = self.rank + self.world_size * np.arange(start, stop, dtype=np.int64)
        if self.round_up:
            positions %= max(self.size, 1)
        return FeistelPermutation(self.size, self.seed, epoch)(positions) if self.shuffle else positions

    def __iter__(self) -> Iterator[tuple]:
        epoch, start = self.epoch, self._start
        self._start = 0  # only the next iterator starts late
        return self._generate(epoch, start)

    def _generate(self, epoch: int, start: int):
        for lo in range(start, self.num_samples, self.chunk):
            for index in self.indices(epoch, lo, min(self.num_samples, lo + self.chunk)).tolist():
                yield index, epoch
