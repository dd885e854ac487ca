"""Tests of JFTIndexSampler and FeistelPermutation (mmjft/datasets/compiled/sampler.py)."""
import itertools
import tracemalloc

import numpy as np
import pytest
from mmengine.dataset import DefaultSampler

import mmengine.dataset.sampler as mmengine_sampler
from mmjft.datasets import JFTIndexSampler
from mmjft.datasets.compiled import FeistelPermutation


class Sized:
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n


def sampled(n, rank=0, world_size=1, epoch=0, start=0, **kw):
    s = JFTIndexSampler(Sized(n), rank=rank, world_size=world_size, **kw)
    s.set_epoch(epoch)
    if start:
        s.set_start(start)
    return [i for i, _ in iter(s)]


@pytest.mark.parametrize('n', [1, 2, 3, 5, 16, 17, 1000, 4097])
def test_feistel_is_a_permutation_deterministic_per_seed_and_epoch(n):
    perm = FeistelPermutation(n, seed=3, epoch=1)(np.arange(n))
    assert sorted(perm.tolist()) == list(range(n))
    assert perm.tolist() == FeistelPermutation(n, seed=3, epoch=1)(np.arange(n)).tolist()
    if n >= 16:
        assert perm.tolist() != list(range(n))
        assert perm.tolist() != FeistelPermutation(n, seed=3, epoch=2)(np.arange(n)).tolist()
        assert perm.tolist() != FeistelPermutation(n, seed=4, epoch=1)(np.arange(n)).tolist()


@pytest.mark.parametrize('round_up', [True, False])
@pytest.mark.parametrize('n, world_size', [(10, 1), (10, 3), (10, 4), (3, 4), (1000, 7)])
def test_unshuffled_share_is_defaultsamplers(monkeypatch, n, world_size, round_up):
    for rank in range(world_size):
        monkeypatch.setattr(mmengine_sampler, 'get_dist_info', lambda: (rank, world_size))
        ref = DefaultSampler(Sized(n), shuffle=False, seed=0, round_up=round_up)
        got = JFTIndexSampler(Sized(n), shuffle=False, seed=0, round_up=round_up, rank=rank, world_size=world_size)
        assert [i for i, _ in got] == list(ref) and len(got) == len(ref)


@pytest.mark.parametrize('n, world_size', [(1000, 3), (1000, 8), (5, 8)])
def test_ranks_cover_each_index_once_per_epoch(n, world_size):
    for epoch in (0, 1):
        per_rank = [sampled(n, r, world_size, epoch, seed=9, round_up=False) for r in range(world_size)]
        assert sorted(itertools.chain(*per_rank)) == list(range(n))
        # round_up: ceil(n / W) each; the positions past the end wrap to the start of the epoch's order
        up = [sampled(n, r, world_size, epoch, seed=9) for r in range(world_size)]
        order = FeistelPermutation(n, 9, epoch)(np.arange(n)).tolist()
        extra = -(-n // world_size) * world_size - n
        assert all(len(x) == -(-n // world_size) for x in up)
        assert sorted(itertools.chain(*up)) == sorted(list(range(n)) + (order * world_size)[:extra])
    if n > 100:  # another epoch, another order (5 samples could coincide by chance)
        assert sampled(n, 0, world_size, 0, seed=9) != sampled(n, 0, world_size, 1, seed=9)


def test_start_skips_to_the_tail_of_the_epoch_once():
    s = JFTIndexSampler(Sized(1000), seed=2, rank=1, world_size=3, chunk=64)
    s.set_epoch(4)
    full = list(iter(s))
    assert all(e == 4 for _, e in full) and len(full) == len(s) == 334
    for start in (0, 1, 63, 64, 200, 334):
        s.set_start(start)
        assert list(iter(s)) == full[start:]
    s.set_start(100)
    it = iter(s)  # the start is taken when the iterator is made, then cleared
    assert list(iter(s)) == full and list(it) == full[100:]
    s.set_start(5)
    s.set_epoch(5)  # a new epoch starts at its beginning
    assert len(list(iter(s))) == 334
    with pytest.raises(ValueError, match='cannot start at sample 335'):
        s.set_start(335)


def test_no_list_of_n_and_constant_time_start():
    n = 300_000_000
    tracemalloc.start()
    try:
        s = JFTIndexSampler(Sized(n), seed=0, rank=5, world_size=64)
        s.set_start(len(s) - 3)
        tail = list(iter(s))
        head = list(itertools.islice(iter(s), 100_000))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(tail) == 3 and all(0 <= i < n for i, _ in tail) and len(set(i for i, _ in head)) == 100_000
    assert peak < 40 * 2**20  # the 100,000 tuples and one chunk, not 4.7M (the rank's share) or 300M ints
