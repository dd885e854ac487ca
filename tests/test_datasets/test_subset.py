import numpy as np
import pytest

from mmjft.datasets import select_subset, subset_keys

PATHS = [f'shard{i % 7}/img_{i:06d}.jpg' for i in range(5000)]


def test_keys_are_a_function_of_seed_and_path_only():
    keys = subset_keys(PATHS, seed=3)
    assert keys.shape == (5000, )
    assert ((keys >= 0) & (keys < 1)).all()
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


def test_whole_and_bad_sizes():
    np.testing.assert_array_equal(select_subset(PATHS, 10**9), np.arange(5000))
    np.testing.assert_array_equal(select_subset(PATHS, 1.0), np.arange(5000))
    with pytest.raises(ValueError, match='fraction'):
        select_subset(PATHS, 1.5)
    with pytest.raises(ValueError, match='positive'):
        select_subset(PATHS, 0)
