"""The compiled index's format: raw little-endian arrays plus a JSON header, written in chunks, mapped read-only.

Layout of an index folder (written by :func:`~mmjft.datasets.compiled.compile_jsonl_index`)::

    index.json          {"format": "mmjft-compiled-index", "version": 1, "num_samples": N,
                         "labels": "raw" | "expanded", "min_confidence": 0.0, "num_classes": C,
                         "classes_file": "classes.txt", "hierarchy_file": "hierarchy.json" | null,
                         "source": "train.jsonl", "source_sha1": "<sha1 of the JSONL's bytes>",
                         "arrays": {"paths": {"file": "paths.u1", "dtype": "|u1", "length": L}, ...},
                         "stats": {"lines": N, "raw_labels": ..., ...}}
    classes.txt, hierarchy.json   the label space, copied once
    paths.u1            uint8: every img_path (UTF-8, as written in the JSONL) back to back
    path_offsets.u8     uint64, N + 1: path i is paths[path_offsets[i]:path_offsets[i + 1]]
    label_indptr.u8     uint64, N + 1: CSR row pointer, sample i's labels are label_ids[indptr[i]:indptr[i + 1]]
    label_ids.i2        int16: class ids of the full class space of classes.txt (in JSONL order for raw labels,
                        sorted and ancestor-expanded for expanded labels)
    label_conf.f8       float64, raw labels only: each label's confidence (JFTDataset compares float64; float32
                        would move 0.7 below 0.7); +inf for a label whose line has no confidences, so every
                        min_confidence keeps it, as JFTDataset does
    cache/              the datasets' selections (subset / classes_subset), see :mod:`.selection`

Each file is a plain array: ``np.memmap(file, dtype, mode='r', shape=(length,))`` maps it; every rank and data
loader worker maps the same pages (page cache, not anonymous memory). Opening checks every file's size against the
header, so a truncated copy fails naming the file instead of reading garbage.
"""
import json
import os
import os.path as osp
from typing import Dict

import numpy as np

INDEX_FORMAT = 'mmjft-compiled-index'
INDEX_VERSION = 1
HEADER_FILE = 'index.json'
# name -> (file, dtype); label_conf only in raw indexes
ARRAYS = dict(paths=('paths.u1', '|u1'), path_offsets=('path_offsets.u8', '<u8'),
              label_indptr=('label_indptr.u8', '<u8'), label_ids=('label_ids.i2', '<i2'),
              label_conf=('label_conf.f8', '<f8'))


class ArrayFiles:
    """Appends numpy chunks to the index's array files; :meth:`spec` gives the header's ``arrays`` entry.

    A writer holds one open file per array and nothing else, so an index of any size is written with the memory of
    one chunk.
    """

    def __init__(self, out_dir: str, names):
        os.makedirs(out_dir, exist_ok=True)
        self.out_dir = out_dir
        self.lengths = {name: 0 for name in names}
        self.files = {name: open(osp.join(out_dir, ARRAYS[name][0]), 'wb') for name in names}

    def append(self, name: str, values) -> None:
        arr = np.ascontiguousarray(values, dtype=ARRAYS[name][1])
        self.files[name].write(arr.tobytes())
        self.lengths[name] += arr.size

    def close(self) -> dict:
        for f in self.files.values():
            f.close()
        return {name: dict(file=ARRAYS[name][0], dtype=ARRAYS[name][1], length=n) for name, n in self.lengths.items()}


def write_header(out_dir: str, header: dict) -> str:
    """Write ``index.json`` (atomically: a reader never sees half a header) and return its path."""
    path = osp.join(out_dir, HEADER_FILE)
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'w', encoding='utf-8') as f:
        json.dump(dict(format=INDEX_FORMAT, version=INDEX_VERSION, **header), f, indent=1)
        f.write('\n')
    os.replace(tmp, path)
    return path


def read_header(index_file: str) -> dict:
    """The header of ``index_file``, checked for format, version and the arrays' presence."""
    with open(index_file, 'rb') as f:
        header = json.loads(f.read())
    if not isinstance(header, dict) or header.get('format') != INDEX_FORMAT or header.get('version') != INDEX_VERSION:
        raise ValueError(f'{index_file}: not a {INDEX_FORMAT} index of version {INDEX_VERSION}')
    need = {'paths', 'path_offsets', 'label_indptr', 'label_ids'}
    if header.get('labels') == 'raw':
        need.add('label_conf')
    missing = need - set(header.get('arrays', {}))
    if missing:
        raise ValueError(f'{index_file}: the header lists no array {sorted(missing)}')
    return header


def map_array(path: str, dtype: str, length: int) -> np.ndarray:
    """``length`` values of ``dtype`` in ``path``, mapped read-only; a file of another size raises naming it."""
    itemsize = np.dtype(dtype).itemsize
    size = osp.getsize(path)
    if size != length * itemsize:
        raise ValueError(f'{path}: {size} bytes, the index header says {length} x {itemsize} (truncated or '
                         'overwritten copy?)')
    if length == 0:  # mmap cannot map an empty file
        return np.zeros(0, dtype=dtype)
    return np.memmap(path, dtype=dtype, mode='r', shape=(length, ))


def map_arrays(index_file: str, header: dict) -> Dict[str, np.ndarray]:
    """Every array of the header, mapped read-only."""
    here = osp.dirname(index_file)
    return {name: map_array(osp.join(here, a['file']), a['dtype'], int(a['length']))
            for name, a in header['arrays'].items()}
