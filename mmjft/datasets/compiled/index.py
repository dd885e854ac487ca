"""The compiled index's format: raw little-endian arrays plus a JSON header, written in chunks, mapped read-only.

Layout of an index folder (written by :func:`~mmjft.datasets.compiled.compile_jsonl_index`)::

    index.json          {"format": "mmjft-compiled-index", "version": 1, "num_samples": N,
                         "labels": "raw" | "expanded", "min_confidence": 0.0, "num_classes": C,
                         "classes_file": "classes.txt", "hierarchy_file": "hierarchy.json" | null,
                         "source": "train.jsonl", "source_sha1": "<sha1 of the JSONL's bytes>",
                         "generation": "<G>", "label_space_sha1": {"classes.txt": "<sha1>", ...},
                         "arrays": {"paths": {"file": "paths-<G>.u1", "dtype": "|u1", "length": L}, ...},
                         "stats": {"lines": N, "raw_labels": ..., ...}}
    classes.txt, hierarchy.json   the label space: copies, or the files themselves when they lie in this folder
    paths-<G>.u1        uint8: every img_path (UTF-8, as written in the JSONL) back to back
    path_offsets-<G>.u8 uint64, N + 1: path i is paths[path_offsets[i]:path_offsets[i + 1]]
    label_indptr-<G>.u8 uint64, N + 1: CSR row pointer, sample i's labels are label_ids[indptr[i]:indptr[i + 1]]
    label_ids-<G>.i2    int16: class ids of the full class space of classes.txt (in JSONL order for raw labels,
                        sorted and ancestor-expanded for expanded labels)
    label_conf-<G>.f8   float64, raw labels only: each label's confidence (JFTDataset compares float64; float32
                        would move 0.7 below 0.7); +inf for a label whose line has no confidences, so every
                        min_confidence keeps it, as JFTDataset does
    cache/              the datasets' selections (subset / classes_subset), see :mod:`.selection`

Each file is a plain array: ``np.memmap(file, dtype, mode='r', shape=(length,))`` maps it; every rank and data
loader worker maps the same pages (page cache, not anonymous memory). Opening checks every file's size against the
header, so a truncated copy fails naming the file instead of reading garbage.

Generations: ``<G>`` is a digest of the arrays' content. The arrays are written under temporary names, renamed to
their generation's names, and only then the header (renamed over the old one) names them; the previous generation's
arrays are removed after. So a failed compilation leaves the previous index whole, and a header never describes
another compilation's arrays: an old header finds its own files or none (:func:`read_header` says so), and a changed
label space fails its recorded digest.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Dict

import numpy as np

from mmjft.utils.atomic import atomic_open, check_sha1, remove_files, temp_path

INDEX_FORMAT = 'mmjft-compiled-index'
INDEX_VERSION = 1
HEADER_FILE = 'index.json'
# name -> (file, dtype); label_conf only in raw indexes
ARRAYS = dict(paths=('paths.u1', '|u1'), path_offsets=('path_offsets.u8', '<u8'),
              label_indptr=('label_indptr.u8', '<u8'), label_ids=('label_ids.i2', '<i2'),
              label_conf=('label_conf.f8', '<f8'))


def generation_file(name: str, generation: str) -> str:
    """The file of array ``name`` in index generation ``generation`` (``paths-<generation>.u1``)."""
    stem, ext = ARRAYS[name][0].split('.')
    return f'{stem}-{generation}.{ext}'


class ArrayFiles:
    """Appends numpy chunks to the index's array files (under temporary names); :meth:`close` names them after their
    generation and gives the header's ``arrays`` entry, :meth:`discard` removes them (a failed compilation).

    A writer holds one open file per array and nothing else, so an index of any size is written with the memory of
    one chunk.
    """

    def __init__(self, out_dir: str, names):
        os.makedirs(out_dir, exist_ok=True)
        self.out_dir = out_dir
        self.generation = None
        self.lengths = {name: 0 for name in names}
        self.digests = {name: hashlib.sha1() for name in names}
        self.tmp = {name: temp_path(osp.join(out_dir, ARRAYS[name][0])) for name in names}
        self.files = {name: open(self.tmp[name], 'wb') for name in names}

    def append(self, name: str, values) -> None:
        data = np.ascontiguousarray(values, dtype=ARRAYS[name][1])
        raw = data.tobytes()
        self.files[name].write(raw)
        self.digests[name].update(raw)
        self.lengths[name] += data.size

    def close(self) -> dict:
        """Close the files, rename them to their generation's names (a digest of every array's content, so the same
        content gets the same names) and return the header's ``arrays``."""
        for f in self.files.values():
            f.close()
        whole = hashlib.sha1(''.join(f'{n}:{d.hexdigest()};' for n, d in sorted(self.digests.items())).encode())
        self.generation = whole.hexdigest()[:16]
        arrays = {}
        for name, n in self.lengths.items():
            file = generation_file(name, self.generation)
            os.replace(self.tmp[name], osp.join(self.out_dir, file))
            arrays[name] = dict(file=file, dtype=ARRAYS[name][1], length=n)
        return arrays

    def discard(self) -> None:
        for f in self.files.values():
            f.close()
        remove_files(self.tmp.values())


def array_files(index_file: str) -> set:
    """The array files the header ``index_file`` names (none if there is no readable header)."""
    try:
        with open(index_file, 'rb') as f:
            return {a['file'] for a in json.loads(f.read())['arrays'].values()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return set()


def write_header(out_dir: str, header: dict) -> str:
    """Write ``index.json`` (atomically: a reader sees the old header or the new one, never half of one), remove the
    arrays the replaced header named that the new one does not, and return its path."""
    path = osp.join(out_dir, HEADER_FILE)
    old = array_files(path)
    with atomic_open(path) as f:
        json.dump(dict(format=INDEX_FORMAT, version=INDEX_VERSION, **header), f, indent=1)
        f.write('\n')
    remove_files(osp.join(out_dir, name) for name in old - {a['file'] for a in header['arrays'].values()}
                 if osp.basename(name) == name)
    return path


def read_header(index_file: str) -> dict:
    """The header of ``index_file``, checked for format, version and the arrays' presence; and that its folder holds
    its generation: every array file it names, and the label space with the digests it recorded."""
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
    here = osp.dirname(index_file)
    generation = header.get('generation')
    for name, a in header['arrays'].items():
        if generation is not None and a['file'] != generation_file(name, generation):
            raise ValueError(f'{index_file}: array {name} is {a["file"]}, not a file of the header\'s generation '
                             f'{generation}; recompile the index')
        if not osp.isfile(osp.join(here, a['file'])):
            raise ValueError(f'{index_file}: its array file {a["file"]} is not in {here} (generation {generation}): '
                             'the folder holds another compilation (the header was restored or copied without its '
                             'arrays?); recompile the index')
    check_sha1(index_file, here, header.get('label_space_sha1') or {})
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
