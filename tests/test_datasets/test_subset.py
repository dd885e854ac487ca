import hashlib
from fractions import Fraction

import numpy as np
import pytest

import mmjft.datasets.subset as subset
from mmjft.datasets import select_subset, subset_keys

PATHS = [f'shard{i % 7}/img_{i:06d}.jpg' for i in range(5000)]


def fake_hash(monkeypatch, key_of):
    """Make the subset hash return ``key_of[path]`` (uint64 as an int) for the listed paths."""
    class Fake:
        def __init__(self, data, digest_size):
            self.key = key_of[data.split(b'\x00', 1)[1].decode()]

        def digest(self):
            return self.key.to_bytes(8, 'little')

    monkeypatch.setattr(subset.hashlib, 'blake2b', Fake)


def test_keys_are_full_64_bit_digests_of_seed_and_path():
    keys = subset_keys(PATHS, seed=3)
    assert keys.dtype == np.uint64 and keys.shape == (5000, )
    digest = hashlib.blake2b(b'3\x00' + PATHS[17].encode(), digest_size=8).digest()
    assert int(keys[17]) == int.from_bytes(digest, 'little')
    # the key of an image does not depend on which other images are listed, nor their order
    np.testing.assert_array_equal(subset_keys(PATHS[::-1], seed=3), keys[::-1])
    np.testing.assert_array_equal(subset_keys(PATHS[100:200], seed=3), keys[100:200])
    assert not np.array_equal(subset_keys(PATHS, seed=4), keys)


@pytest.mark.parametrize('seed', [0, 1])
def test_count_subsets_are_exact_and_nested(seed):
    small, mid, big = (set(select_subset(PATHS, n, seed)) for n in (100, 1000, 3000))
    assert (len(small), len(mid), len(big)) == (100, 1000, 3000)
    assert small <= mid <= big


def test_fraction_subsets_are_nested_and_match_counts_of_same_seed():
    f10 = set(select_subset(PATHS, 0.1, seed=0))
    f30 = set(select_subset(PATHS, 0.3, seed=0))
    assert f10 <= f30
    assert abs(len(f10) - 500) < 80  # a Bernoulli(0.1) count
    # a fraction subset is the same ranking cut at a threshold: it equals the count subset of its size
    assert f10 == set(select_subset(PATHS, len(f10), seed=0))


def test_subsets_are_random_not_a_prefix():
    chosen = select_subset(PATHS, 500, seed=0)
    assert chosen.max() > 4000 and chosen.min() < 500
    assert set(chosen) != set(select_subset(PATHS, 500, seed=1))


def test_keys_are_not_rounded_to_floats(monkeypatch):
    # all four keys are 2**63 as float64; u < 0.5 holds for d only
    fake_hash(monkeypatch, {'a': 2**63 + 1, 'b': 2**63, 'c': 2**63 + 2, 'd': 2**63 - 1})
    paths = ['a', 'b', 'c', 'd']
    np.testing.assert_array_equal(select_subset(paths, 2), [1, 3])
    np.testing.assert_array_equal(select_subset(paths, 3), [0, 1, 3])
    np.testing.assert_array_equal(select_subset(paths, 0.5), [3])


def test_ties_at_the_cut_are_broken_by_path_not_file_order(monkeypatch):
    names = [f'img{i}' for i in range(8)]
    fake_hash(monkeypatch, {n: 7 if i < 6 else 3 for i, n in enumerate(names)})  # img6, img7 below six ties
    rng = np.random.default_rng(0)
    for perm in ([7, 6, 5, 4, 3, 2, 1, 0], *(rng.permutation(8) for _ in range(5))):
        paths = [names[i] for i in perm]
        assert {paths[i] for i in select_subset(paths, 4)} == {'img6', 'img7', 'img0', 'img1'}
    keys = np.array([7, 7, 3], dtype=np.uint64)
    np.testing.assert_array_equal(subset.select_from_keys(keys, 2, ['z', 'y', 'x']), [1, 2])
    with pytest.raises(ValueError, match='2 images share key 7 at the cut of 2'):
        subset.select_from_keys(keys, 2)


def test_integral_float_is_a_count():
    paths = PATHS[:10]
    np.testing.assert_array_equal(select_subset(paths, 5.0), select_subset(paths, 5))
    assert len(select_subset(paths, 5.0)) == 5
    np.testing.assert_array_equal(select_subset(paths, 10.0), np.arange(10))  # as many as there are: all
    with pytest.raises(ValueError, match='subset_size 10000000 is more than the 10 images'):  # more: an error
        select_subset(paths, 1e7)
    assert set(select_subset(PATHS, 1e3)) <= set(select_subset(PATHS, 2000))


def test_fraction_threshold_is_exact():
    for f in (0.5, 0.1, 1 / 3, 1e-3, 2.0**-70, 1e-300, 1.0):
        t = subset.fraction_threshold(f)
        assert 0 <= t <= subset.MAX_KEY
        assert Fraction(t, 2**64) < f and (t == subset.MAX_KEY or Fraction(t + 1, 2**64) >= f)
    t = subset.fraction_threshold(0.1)
    keys = np.array([t + 1, t, 0, subset.MAX_KEY], dtype=np.uint64)
    np.testing.assert_array_equal(subset.select_from_keys(keys, 0.1), [1, 2])
    np.testing.assert_array_equal(subset.select_from_keys(keys, 1.0), [0, 1, 2, 3])
    with pytest.raises(ValueError, match='float64'):
        subset.select_from_keys(keys.astype(np.float64), 0.1)


def test_count_threshold_reproduces_the_count_subset():
    keys = subset_keys(PATHS, seed=2)
    for n in (1, 37, 2500, 4999):
        t = subset.count_threshold(keys, n)
        np.testing.assert_array_equal(np.flatnonzero(keys <= np.uint64(t)), select_subset(PATHS, n, seed=2))
    assert subset.count_threshold(keys, 5000) == int(keys.max())
    with pytest.raises(ValueError, match='subset_size 5001 is more than the 5000 images: give a count up to 5000'):
        subset.count_threshold(keys, 5001)
    with pytest.raises(ValueError, match='fraction 0.5'):
        subset.count_threshold(keys, 0.5)


def test_whole_and_bad_sizes():
    np.testing.assert_array_equal(select_subset(PATHS, 5000), np.arange(5000))
    np.testing.assert_array_equal(select_subset(PATHS, 1.0), np.arange(5000))
    for bad, msg in ((2.5, 'subset_size 2.5 is neither'), (0, 'positive, got 0'), (-3, 'positive, got -3'),
                     (0.0, 'got 0.0'), (float('nan'), 'got nan'), (float('inf'), 'subset_size inf'),
                     (True, 'got True'), ('10', "got '10'")):
        with pytest.raises(ValueError, match=msg):
            select_subset(PATHS, bad)


def test_count_threshold_of_a_large_array_reads_it_in_chunks(monkeypatch):
    """Above one chunk the threshold comes from a histogram of the top bits and one bin's partition (no copy of a
    memory-mapped key file): the same key as a full partition, clustered and tied keys included."""
    monkeypatch.setattr(subset, '_CHUNK', 64)
    rng = np.random.default_rng(1)
    keys = rng.integers(0, 2**64 - 1, size=1000, dtype=np.uint64)
    keys[:300] = keys[0]  # ties
    keys[300:400] = np.uint64(5)  # many keys in bin 0
    for count in (1, 50, 99, 100, 101, 350, 999):
        assert subset.count_threshold(keys, count) == int(np.partition(keys, count - 1)[count - 1])
