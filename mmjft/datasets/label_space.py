"""The label space of a JFT-style dataset: its size read from its config before the dataset is built, the map of a
``classes_subset``, and the label rules of datasets over converted data (:class:`LabelRule`)."""
import json
import os.path as osp
from typing import Optional

import numpy as np
import scipy.sparse as sp

from mmjft.structures import LabelHierarchy, load_classes


def label_space_size(dataset_cfg) -> int:
    """Number of classes a :class:`JFTDataset` config will have: its ``classes_subset`` (a list, or a file of names)
    or else its ``classes_file``, both relative to ``data_root``. Wrappers (``dataset=dict(...)``) are unwrapped."""
    while not {'classes_file', 'index_file'} & set(dataset_cfg) and isinstance(dataset_cfg.get('dataset'), dict):
        dataset_cfg = dataset_cfg['dataset']
    if 'classes_file' not in dataset_cfg and 'index_file' in dataset_cfg:  # JFTShardDataset: the index names it
        dataset_cfg = _shard_classes(dataset_cfg)
    if 'classes_file' not in dataset_cfg:
        raise ValueError(f"num_classes='auto' needs a dataset with a classes_file, got type "
                         f"{dataset_cfg.get('type')!r}")
    root = dataset_cfg.get('data_root', '')
    subset = dataset_cfg.get('classes_subset')
    if subset is not None and not isinstance(subset, str):
        return len(subset)
    path = subset if subset is not None else dataset_cfg['classes_file']
    return len(load_classes(path if osp.isabs(path) else osp.join(root, path)))


def _shard_classes(dataset_cfg) -> dict:
    """A shard dataset's config with the ``classes_file`` its index names (as a path from ``data_root``)."""
    root = dataset_cfg.get('data_root', '')
    index_file = dataset_cfg['index_file']
    index_file = index_file if osp.isabs(index_file) else osp.join(root, index_file)
    with open(index_file, encoding='utf-8') as f:
        classes_file = json.load(f).get('classes_file')
    if classes_file is None:
        raise ValueError(f'{index_file}: the shard index names no classes_file')
    return dict(dataset_cfg, classes_file=osp.abspath(osp.join(osp.dirname(index_file), classes_file)))


def classes_subset_map(hierarchy, classes_subset) -> tuple:
    """``(label_map, names)`` of a dataset restricted to ``classes_subset`` (a list of names, or a resolved path of
    a file of them): ``label_map`` sends a full class id to its position in ``names`` (-1: not kept); ``(None, all
    classes)`` without a subset. A name outside the classes file is an error."""
    if classes_subset is None:
        return None, list(hierarchy.classes)
    names = load_classes(classes_subset) if isinstance(classes_subset, str) else list(classes_subset)
    unknown = [n for n in names if n not in hierarchy.class_to_idx]
    if unknown:
        raise ValueError(f'classes_subset names {len(unknown)} classes that are not in the classes file: '
                         f'{unknown[:10]}')
    label_map = np.full(hierarchy.num_classes, -1, dtype=np.int64)
    label_map[[hierarchy.class_to_idx[n] for n in names]] = np.arange(len(names))
    return label_map, names


def index_label_space(index_file: str, index: dict, expand_hierarchy: bool, min_confidence: float) -> tuple:
    """``(classes_file, hierarchy)`` of a converted dataset (tar shards, compiled index) from its index: the
    ``classes_file`` / ``hierarchy_file`` it names (relative to the index), checked against its ``num_classes``.
    Stored ``labels='expanded'`` need ``expand_hierarchy=True`` and the ``min_confidence`` they were made with."""
    here = osp.dirname(index_file)
    classes_file = osp.join(here, index['classes_file'])
    hierarchy = LabelHierarchy.from_files(
        classes_file, None if index['hierarchy_file'] is None else osp.join(here, index['hierarchy_file']))
    if hierarchy.num_classes != index['num_classes']:
        raise ValueError(f'{index_file}: index says {index["num_classes"]} classes, {classes_file} has '
                         f'{hierarchy.num_classes}')
    if index['labels'] == 'expanded':
        if not expand_hierarchy:
            raise ValueError(f'{index_file}: holds expanded labels; expand_hierarchy=False needs one made with raw '
                             'labels')
        if float(min_confidence) != index['min_confidence']:
            raise ValueError(f'{index_file}: expanded labels made with min_confidence={index["min_confidence"]}, '
                             f'not {min_confidence}; use raw labels to choose it')
    return classes_file, hierarchy


class LabelRule:
    """A sample's labels in the dataset's label space from stored ids (and confidences), JFTDataset's rules; shared
    by the datasets over converted data (tar shards, compiled index).

    Args:
        hierarchy: the index's :class:`~mmjft.structures.LabelHierarchy`.
        stored: the index's ``labels`` (``'raw'``: apply ``min_confidence`` and the expansion here).
        min_confidence, expand: JFTDataset's ``min_confidence`` and ``expand_hierarchy``.
        label_map: full class id -> dataset label id (-1: outside ``classes_subset``), or None.
    """

    def __init__(self, hierarchy, stored: str, min_confidence: float, expand: bool, label_map: Optional[np.ndarray]):
        self.hierarchy, self.stored, self.min_confidence = hierarchy, stored, float(min_confidence)
        self.expand, self.label_map = expand, label_map

    def labels(self, ids: np.ndarray, conf: Optional[np.ndarray]) -> np.ndarray:
        """Sorted int64 labels of one sample (empty: ``classes_subset`` drops the sample, or it has none); ``conf``
        None: no confidences (every label kept)."""
        ids = ids.astype(np.int64)
        if self.stored == 'raw':
            if conf is not None and self.min_confidence > 0:
                ids = ids[conf >= self.min_confidence]
            ids = self.hierarchy.expand(ids) if self.expand else np.unique(ids)
        if self.label_map is not None:
            mapped = self.label_map[ids]
            ids = np.sort(mapped[mapped >= 0])
        return ids

    def keeps(self, ids: np.ndarray, conf: Optional[np.ndarray], lengths: np.ndarray) -> np.ndarray:
        """Whether ``classes_subset`` keeps each of a chunk's samples (CSR ``ids`` / ``conf`` with row
        ``lengths``): :meth:`labels` is not empty. Every sample when there is no ``classes_subset``."""
        n = lengths.size
        if self.label_map is None:
            return np.ones(n, dtype=bool)
        ids, rows = ids.astype(np.int64), np.repeat(np.arange(n), lengths)
        if self.stored == 'raw':
            if self.min_confidence > 0:
                keep = conf >= self.min_confidence
                ids, rows = ids[keep], rows[keep]
            if self.expand:
                multi_hot = sp.csr_matrix((np.ones(ids.size, dtype=bool), (rows, ids)),
                                          shape=(n, self.hierarchy.num_classes))
                expanded = (multi_hot @ self.hierarchy.expansion_matrix()).tocsr()
                ids, rows = expanded.indices, np.repeat(np.arange(n), np.diff(expanded.indptr))
        return np.bincount(rows[self.label_map[ids] >= 0], minlength=n) > 0
