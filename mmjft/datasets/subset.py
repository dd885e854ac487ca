"""Deterministic, nested random subsets decided per image (plain array code: no registry, no runner).

Each image gets a 64-bit integer key ``blake2b(seed, img_path)`` (uint64, compared exactly, never as a float). A
subset keeps the images with the smallest keys, so with one seed every smaller subset lies inside every larger one
(the paper's 10M ⊂ 30M ⊂ 100M ⊂ 300M), and the decision needs nothing but the image's path and a threshold: an
image is kept iff ``key <= threshold``, a rule a streaming reader over tar shards can apply on its own (see
:func:`fraction_threshold` and :func:`count_threshold`). Images whose keys tie at the cut of a count are taken in
``img_path`` order (Python string order), so the subset does not depend on the order of the list.
"""
import hashlib
import math
import numbers
from fractions import Fraction
from typing import Optional, Sequence, Tuple, Union

import numpy as np

MAX_KEY = 2**64 - 1


def subset_keys(img_paths: Sequence[str], seed: int = 0) -> np.ndarray:
    """Per-image uint64 keys, a pure function of ``(seed, img_path)``: stable across machines and processes.

    The key is the 8-byte blake2b digest of ``f'{seed}\\x00{img_path}'`` (UTF-8), read little-endian.
    """
    salt = f'{int(seed)}\x00'.encode()
    digests = b''.join(hashlib.blake2b(salt + path.encode('utf-8'), digest_size=8).digest() for path in img_paths)
    return np.frombuffer(digests, dtype='<u8').astype(np.uint64)


def parse_size(size) -> Tuple[Optional[float], Optional[int]]:
    """``(fraction, None)`` for a float in (0, 1], ``(None, count)`` for a positive int or an integral float > 1."""
    if isinstance(size, (bool, np.bool_)) or not isinstance(size, numbers.Real):
        raise ValueError(f'subset_size must be an image count or a fraction in (0, 1], got {size!r}')
    if isinstance(size, numbers.Integral):
        if size <= 0:
            raise ValueError(f'subset_size must be positive, got {size}')
        return None, int(size)
    size = float(size)
    if not size > 0:  # also NaN
        raise ValueError(f'subset_size must be positive (a count, or a fraction in (0, 1]), got {size}')
    if size <= 1:
        return size, None
    if not size.is_integer():
        raise ValueError(f'subset_size {size} is neither a fraction in (0, 1] nor an integral image count')
    return None, int(size)


def fraction_threshold(fraction: float) -> int:
    """The largest key whose image a fraction keeps: ``key <= t`` iff ``key / 2**64 < fraction`` exactly.

    ``fraction`` in (0, 1]; 1.0 gives ``2**64 - 1`` (every image).
    """
    fraction, count = parse_size(fraction)
    if fraction is None:
        raise ValueError(f'fraction must lie in (0, 1], got {count}')
    return math.ceil(Fraction(fraction) * 2**64) - 1


def count_threshold(keys: np.ndarray, count: int) -> int:
    """The largest key among the ``count`` smallest of ``keys`` (a count above ``len(keys)`` is an error).

    ``key <= t`` then keeps exactly the images of the count subset, plus, if other images share key ``t``
    (practically never), those too: the subset breaks that tie by path.
    """
    keys = _as_keys(keys)
    if keys.size == 0:
        raise ValueError('count_threshold needs at least one key')
    fraction, count = parse_size(count)
    if count is None:
        raise ValueError(f'count must be an image count, got the fraction {fraction}')
    if count > keys.size:
        raise ValueError(f'subset_size {count} is more than the {keys.size} images: give a count up to {keys.size}, '
                         'or a fraction in (0, 1]')
    if count == keys.size:
        return int(keys.max())
    if keys.size <= _CHUNK:
        return int(np.partition(keys, count - 1)[count - 1])
    return _chunked_threshold(keys, count)


_CHUNK = 1 << 22
_HIST_SHIFT = np.uint64(48)  # the histogram's bins: the keys' top 16 bits


def _chunked_threshold(keys: np.ndarray, count: int) -> int:
    """:func:`count_threshold` without copying ``keys`` (a ``np.memmap`` of 300M keys is 2.4 GB): a histogram of
    the keys' top bits, then the partition of the one bin that holds the count-th smallest key (keys are uniform
    hashes: N / 65536 of them per bin). Memory: the histogram and one bin."""
    hist = np.zeros(1 << 16, dtype=np.int64)
    for lo in range(0, keys.size, _CHUNK):
        hist += np.bincount(keys[lo:lo + _CHUNK] >> _HIST_SHIFT, minlength=hist.size)
    cum = np.cumsum(hist)
    b = int(np.searchsorted(cum, count))  # the bin of the count-th smallest key
    before = int(cum[b - 1]) if b else 0
    in_bin = np.concatenate([k[(k >> _HIST_SHIFT) == b] for k in (keys[lo:lo + _CHUNK]
                                                                  for lo in range(0, keys.size, _CHUNK))])
    return int(np.partition(in_bin, count - before - 1)[count - before - 1])


def _as_keys(keys) -> np.ndarray:
    keys = np.asarray(keys)
    if keys.dtype != np.uint64 or keys.ndim != 1:
        raise ValueError(f'keys must be a 1-D uint64 array (floats would round them), got {keys.dtype} {keys.shape}')
    return keys


def select_from_keys(keys: np.ndarray, size: Union[int, float], img_paths: Optional[Sequence[str]] = None
                     ) -> np.ndarray:
    """Indices (ascending) of the subset, given each image's uint64 key (see :func:`select_subset`).

    ``img_paths`` break a tie of keys at the cut of a count; without them such a tie raises.
    """
    keys = _as_keys(keys)
    fraction, count = parse_size(size)
    if fraction is not None:
        return np.flatnonzero(keys <= np.uint64(fraction_threshold(fraction)))
    if count == keys.size:
        return np.arange(keys.size)
    t = np.uint64(count_threshold(keys, count))  # a count above the images: an error
    below, tied = keys < t, np.flatnonzero(keys == t)
    need = count - int(below.sum())
    if need == tied.size:
        return np.flatnonzero(keys <= t)
    if img_paths is None:
        raise ValueError(f'{tied.size} images share key {int(t)} at the cut of {count}: img_paths must break the tie')
    tied = tied[sorted(range(tied.size), key=lambda j: img_paths[tied[j]])[:need]]
    return np.sort(np.concatenate([np.flatnonzero(below), tied]))


def select_subset(img_paths: Sequence[str], size: Union[int, float], seed: int = 0) -> np.ndarray:
    """Indices (ascending) of the images in the subset.

    Args:
        img_paths: the candidate images' paths, as written in the annotation file.
        size: an image count (the ``size`` smallest keys, ties at the cut broken by path; an int, or a float with
            an integral value > 1 such as ``1e7``; a count above the number of images is an error), or a float in
            (0, 1], a fraction (every image with ``key / 2**64 < size``: the rule a streaming reader applies).
        seed: the subset's seed; equal seeds give nested subsets.
    """
    parse_size(size)  # fail before hashing
    return select_from_keys(subset_keys(img_paths, seed), size, img_paths)
