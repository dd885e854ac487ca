"""Which samples of a compiled index a dataset keeps, as one index array computed once, cached and mapped.

JFTDataset's rules, in its order: drop labels under ``min_confidence`` -> add their ancestors -> restrict to
``classes_subset`` (an image left without a label is dropped; all three by
:meth:`~mmjft.datasets.label_space.LabelRule.keeps`) -> keep the nested random ``subset_size`` of
:mod:`mmjft.datasets.subset` (same keys, same threshold rules, ties at the cut of a count broken by path). The
result is the ascending positions of the kept samples: position ``i`` of the dataset is the ``i``-th kept line of
the JSONL, as in JFTDataset.

Computed in chunks over the mapped arrays (the label rule vectorised over each chunk), so its memory does not grow
with N: a count subset spills the candidates' positions and keys to temporary files in the cache folder and finds
the threshold with a 65,536-bin histogram of the keys' top 16 bits plus one small partition of the bin that holds
the cut. The result goes to ``<cache>/selection-<hash>.{u4,u8}`` (uint32 below 2**32 samples) with a JSON sidecar
naming the settings and how many samples the label rules left for the subset; an ``flock`` makes concurrent ranks
compute it once, the others wait and map it.
"""
import fcntl
import hashlib
import json
import os
import os.path as osp
from typing import Callable, Optional

import numpy as np
from mmengine.logging import print_log

from ..label_space import LabelRule
from ..subset import parse_size, count_threshold, fraction_threshold, subset_keys

CHUNK = 1 << 18


def _chunk_paths(arrays: dict, lo: int, hi: int, rows: np.ndarray) -> list:
    """img_paths (str) of the samples ``lo + rows`` of the chunk ``[lo, hi)``."""
    offs = np.asarray(arrays['path_offsets'][lo:hi + 1], dtype=np.int64)
    blob = arrays['paths'][offs[0]:offs[-1]].tobytes()
    offs = (offs - offs[0]).tolist()
    return [blob[offs[r]:offs[r + 1]].decode('utf-8') for r in rows.tolist()]


def _candidates(arrays: dict, rule: LabelRule, seed: Optional[int]):
    """Per chunk: (positions the label rules keep, their subset keys, or None when ``seed`` is None)."""
    n = arrays['path_offsets'].size - 1
    indptr, conf = arrays['label_indptr'], arrays.get('label_conf')
    for lo in range(0, n, CHUNK):
        hi = min(n, lo + CHUNK)
        a, b = int(indptr[lo]), int(indptr[hi])
        lengths = np.diff(np.asarray(indptr[lo:hi + 1], dtype=np.int64))
        rows = np.flatnonzero(rule.keeps(np.asarray(arrays['label_ids'][a:b]),
                                         None if conf is None else np.asarray(conf[a:b]), lengths))
        keys = None if seed is None else subset_keys(_chunk_paths(arrays, lo, hi, rows), seed)
        yield lo + rows, keys


def _count_cut(keys_file: str, pos_file: str, m: int, count: int, arrays: dict):
    """(threshold t, positions with key == t that the count keeps) over the ``m`` spilled candidates."""
    keys = np.memmap(keys_file, dtype=np.uint64, mode='r', shape=(m, ))
    t = np.uint64(count_threshold(keys, count))  # read in chunks: the keys stay on disk
    need = count - sum(int((keys[lo:lo + CHUNK] < t).sum()) for lo in range(0, m, CHUNK))
    pos = np.memmap(pos_file, dtype=np.int64, mode='r', shape=(m, ))
    tied = np.concatenate([pos[lo:lo + CHUNK][keys[lo:lo + CHUNK] == t] for lo in range(0, m, CHUNK)])
    if tied.size > need:  # JFTDataset breaks a tie at the cut by img_path
        paths = [_chunk_paths(arrays, int(p), int(p) + 1, np.zeros(1, np.int64))[0] for p in tied]
        tied = np.sort(tied[sorted(range(tied.size), key=paths.__getitem__)[:need]])
    return t, tied


def compute_selection(arrays: dict, rule: LabelRule, subset_size, subset_seed: int, out_file: str, dtype: str,
                      check: Callable[[int], None]) -> tuple:
    """Write the ascending positions the rules keep to ``out_file`` as ``dtype``; return ``(how many, how many the
    label rules left for the subset)``. ``check(left)`` is called once the label rules' count is known, before a
    count's cut (it raises on a count above it: the dataset's
    :meth:`~mmjft.datasets.options.JFTDataOptions._check_size`)."""
    fraction, count = parse_size(subset_size) if subset_size is not None else (None, None)
    written = 0
    with open(out_file, 'wb') as out:
        def write(pos):
            nonlocal written
            out.write(np.asarray(pos, dtype=dtype).tobytes())
            written += len(pos)

        if count is None:  # no subset, or a fraction: one pass
            t = None if fraction is None else np.uint64(fraction_threshold(fraction))
            m = 0
            for pos, keys in _candidates(arrays, rule, None if t is None else subset_seed):
                m += pos.size
                write(pos if t is None else pos[keys <= t])
            check(m)
            return written, m
        keys_file, pos_file = f'{out_file}.keys.tmp', f'{out_file}.pos.tmp'
        try:
            m = 0
            with open(keys_file, 'wb') as fk, open(pos_file, 'wb') as fp:
                for pos, keys in _candidates(arrays, rule, subset_seed):
                    fk.write(keys.tobytes())
                    fp.write(pos.astype(np.int64).tobytes())
                    m += pos.size
            check(m)
            pos = np.memmap(pos_file, dtype=np.int64, mode='r', shape=(m, ))
            if count == m:
                for lo in range(0, m, CHUNK):
                    write(pos[lo:lo + CHUNK])
                return written, m
            t, tied = _count_cut(keys_file, pos_file, m, count, arrays)
            keys = np.memmap(keys_file, dtype=np.uint64, mode='r', shape=(m, ))
            for lo in range(0, m, CHUNK):
                k, p = keys[lo:lo + CHUNK], pos[lo:lo + CHUNK]
                write(p[(k < t) | ((k == t) & np.isin(p, tied))])
            return written, m
        finally:
            for tmp in (keys_file, pos_file):
                if osp.exists(tmp):
                    os.remove(tmp)


def cached_selection(cache_dir: str, settings: dict, num_samples: int, build: Callable[[str, str], tuple],
                     owner: str) -> tuple:
    """(file, length, dtype, left) of the selection for ``settings`` (a JSON-able dict naming the index and the
    rules), built by ``build(file, dtype)`` (which returns ``(length, left)``, ``left``: the samples the label rules
    left for the subset) when not cached. Concurrent processes: one builds, the others wait on the lock. A build
    that raises leaves nothing in the cache."""
    key = json.dumps(settings, sort_keys=True)
    name = 'selection-' + hashlib.sha1(key.encode()).hexdigest()[:20]
    dtype = '<u4' if num_samples <= 2**32 else '<u8'
    out_file = osp.join(cache_dir, name + ('.u4' if dtype == '<u4' else '.u8'))
    meta_file = osp.join(cache_dir, name + '.json')
    try:
        os.makedirs(cache_dir, exist_ok=True)
        lock = open(osp.join(cache_dir, name + '.lock'), 'a')
    except OSError as e:
        raise OSError(f'{owner}: cannot write the selection cache in {cache_dir} ({e}); give a writable cache_dir'
                      ) from None
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if osp.exists(meta_file):
            with open(meta_file, encoding='utf-8') as f:
                meta = json.load(f)
            if meta.get('settings') == json.loads(key) and 'left' in meta:
                return out_file, int(meta['length']), dtype, int(meta['left'])
        tmp = f'{out_file}.{os.getpid()}.tmp'
        try:
            length, left = build(tmp, dtype)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise
        os.replace(tmp, out_file)
        with open(f'{meta_file}.tmp', 'w', encoding='utf-8') as f:
            json.dump(dict(settings=json.loads(key), length=length, dtype=dtype, left=left), f, indent=1)
        os.replace(f'{meta_file}.tmp', meta_file)
        print_log(f'{owner}: kept {length} of {num_samples} samples; selection cached in {out_file}',
                  logger='current')
        return out_file, length, dtype, left
