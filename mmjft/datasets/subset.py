"""Deterministic, nested random subsets decided per image (plain array code: no registry, no runner).

Each image gets a key ``u = hash(seed, img_path) / 2**64`` in [0, 1). A subset keeps the images with the smallest
keys, so with one seed every smaller subset lies inside every larger one (the paper's 10M ⊂ 30M ⊂ 100M ⊂ 300M),
and the decision needs nothing but the image's path: a streaming reader over tar shards can apply the same rule
with a fraction (``u < fraction``) without seeing the whole list.
"""
import hashlib
from typing import Sequence, Union

import numpy as np


def subset_keys(img_paths: Sequence[str], seed: int = 0) -> np.ndarray:
    """Per-image keys in [0, 1), a pure function of ``(seed, img_path)``: stable across machines and processes."""
    salt = f'{int(seed)}\x00'.encode()
    keys = np.empty(len(img_paths), dtype=np.uint64)
    for i, path in enumerate(img_paths):
        digest = hashlib.blake2b(salt + path.encode('utf-8'), digest_size=8).digest()
        keys[i] = int.from_bytes(digest, 'little')
    return keys.astype(np.float64) / 2.0**64


def select_subset(img_paths: Sequence[str], size: Union[int, float], seed: int = 0) -> np.ndarray:
    """Indices (ascending) of the images in the subset.

    Args:
        img_paths: the candidate images' paths, as written in the annotation file.
        size: an int is an exact count (the ``size`` smallest keys), a float in (0, 1] a
            fraction (every image whose key is below it: the rule a streaming reader can apply on its own).
        seed: the subset's seed; equal seeds give nested subsets.
    """
    keys = subset_keys(img_paths, seed)
    if isinstance(size, (float, np.floating)):
        if not 0.0 < size <= 1.0:
            raise ValueError(f'subset_size as a fraction must lie in (0, 1], got {size}')
        return np.flatnonzero(keys < size)
    if int(size) <= 0:
        raise ValueError(f'subset_size must be positive, got {size}')
    # 64-bit keys practically never tie; a stable sort breaks a tie by position in the file
    return np.sort(np.argsort(keys, kind='stable')[:int(size)])
