"""Augmentation randomness drawn per sample, so a resumed run (which skips the data instead of replaying it) sees the
same crops and flips as an uninterrupted one.

The transforms of mmcv and mmpretrain draw from numpy's and Python's global generators. Before a sample's pipeline
runs, :func:`seeded` sets both from :func:`sample_seed` ``(seed, epoch, sample key)`` and restores the previous
states afterwards, so the draws of one sample depend only on those three values: not on the data loader worker, the
samples before it or how the run was restarted. The seed is also put in the sample's results (``sample_seed``) for
a later stage (e.g. augmentation on the GPU) to draw from.
"""
import hashlib
import random
from contextlib import contextmanager

import numpy as np

from mmjft.structures.sample_keys import SAMPLE_SEED_KEY  # noqa: F401  (re-exported)


def sample_seed(seed: int, epoch: int, key: str) -> int:
    """A 64-bit seed from the run's seed, the epoch and the sample's key (its ``img_path``)."""
    digest = hashlib.blake2b(f'{seed}\x00{epoch}\x00{key}'.encode('utf-8'), digest_size=8).digest()
    return int.from_bytes(digest, 'little')


@contextmanager
def seeded(seed64: int):
    """numpy's and Python's global generators seeded from ``seed64`` inside the block, restored after it."""
    np_state, py_state = np.random.get_state(), random.getstate()
    np.random.seed([seed64 & 0xFFFFFFFF, seed64 >> 32])
    random.seed(seed64)
    try:
        yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)
