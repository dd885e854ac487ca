"""The label space of a JFT-style dataset: its size read from its config before the dataset is built, the map of a
``classes_subset``, the label space of converted data, and the one label rule of every storage (:class:`LabelRule`)."""
import json
import os.path as osp
from typing import List, NamedTuple, Optional, Sequence

import numpy as np

from mmjft.structures import LabelHierarchy, load_classes

MAX_INT16_CLASSES = 2**15  # converted storages keep label ids as int16


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


def stored_label_space(classes_file: str, hierarchy_file: Optional[str], labels: str,
                       min_confidence: float) -> LabelHierarchy:
    """The hierarchy of a converter's (shards, compiled index) output, after checking its ``labels`` option (``'raw'``
    or ``'expanded'``; ``min_confidence`` only with expanded labels) and that the class ids fit int16."""
    if labels not in ('raw', 'expanded'):
        raise ValueError(f"labels must be 'raw' or 'expanded', got {labels!r}")
    if labels == 'raw' and min_confidence:
        raise ValueError('min_confidence applies when writing only to expanded labels; raw labels keep the '
                         'confidences and the dataset applies min_confidence when reading')
    hierarchy = LabelHierarchy.from_files(classes_file, hierarchy_file)
    if hierarchy.num_classes > MAX_INT16_CLASSES:
        raise ValueError(f'{classes_file}: {hierarchy.num_classes} classes do not fit int16 label ids')
    return hierarchy


_ONE_ROW = np.zeros(1, dtype=np.int64)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """``np.unique`` of int64 keys by one sort (numpy 2's hash-based ``np.unique`` is ~50x slower on millions)."""
    keys = np.sort(keys)
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))] if keys.size else keys


def _in_sorted(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """``np.isin(keys, sorted_keys)`` by binary search in the sorted unique ``sorted_keys``."""
    if not sorted_keys.size:
        return np.zeros(keys.size, dtype=bool)
    return sorted_keys[np.minimum(np.searchsorted(sorted_keys, keys), sorted_keys.size - 1)] == keys


class LabelBatch(NamedTuple):
    """:meth:`LabelRule.apply_batch`'s result, per image of the list: its ``labels`` and ``negatives`` (None: a
    dense image) in the label space, the ascending indices of the images ``kept``, and how many negatives the
    hierarchy made positive (``negatives_overridden``)."""
    labels: List[np.ndarray]
    negatives: List[Optional[np.ndarray]]
    kept: np.ndarray
    negatives_overridden: int


class LabelRule:
    """JFTDataset's label rule, the one implementation that every storage (the JSONL, the compiled index, the tar
    shards) and the converters apply. Per image, in this order: drop the labels under ``min_confidence`` (a missing
    confidence keeps the label) -> add all their ancestors (``expand``) -> restrict to ``classes_subset``
    (``label_map``); the result is sorted and unique, and an image left without a label by the restriction is
    dropped (an image that had no label is kept: a negative for every class).

    One image (:meth:`labels`) or a whole list at once (:meth:`apply_batch`, JFTDataset's load and the index
    compiler, also restricting the verified negatives) go through the same steps over ``(image row, class id)``
    pairs, vectorised: a label's closure is its row of :meth:`~mmjft.structures.LabelHierarchy.expansion_matrix`.
    Whether an image is kept (:meth:`keeps`, over a chunk of stored images: a compiled index's selection) is read
    from the same steps run once per class.

    Args:
        hierarchy (LabelHierarchy): the classes and their hierarchy.
        min_confidence (float): labels with a lower confidence are dropped. Defaults to 0.0.
        expand (bool): add every label's ancestors (JFTDataset's ``expand_hierarchy``). Defaults to True.
        label_map (np.ndarray, optional): full class id -> label id, -1 outside ``classes_subset``
            (:func:`classes_subset_map`). Defaults to None (every class, in the classes file's order).
        stored (str): what the storage holds: ``'raw'`` labels (with their confidences), or labels ``'expanded'``
            at conversion, which went through the first two steps already (with this ``min_confidence``): only
            the restriction is left. Defaults to ``'raw'``.
    """

    def __init__(self, hierarchy, min_confidence: float = 0.0, expand: bool = True,
                 label_map: Optional[np.ndarray] = None, stored: str = 'raw'):
        self.hierarchy, self.min_confidence, self.expand = hierarchy, float(min_confidence), expand
        self.label_map, self.stored = label_map, stored
        self.num_labels = hierarchy.num_classes if label_map is None else int(label_map.max(initial=-1)) + 1
        if stored == 'raw' and expand:  # each class's closure (itself and its ancestors), as CSR arrays
            closure = hierarchy.expansion_matrix()
            self._closure_ptr, self._closure_ids = closure.indptr.astype(np.int64), closure.indices.astype(np.int64)
        if label_map is not None:  # per class: whether steps 2 and 3 leave it a label (keeps its image)
            every = np.arange(hierarchy.num_classes)
            self._keeps_image = np.bincount(self._restricted(*self._expanded(every, every))[1],
                                            minlength=hierarchy.num_classes) > 0

    # ------------------------------------------------------------------ the steps, over (row, class id) pairs
    def _confident(self, conf: Optional[np.ndarray]) -> Optional[np.ndarray]:
        """Step 1: the mask of the labels with confidences ``conf`` that ``min_confidence`` keeps; None: every
        label (``conf`` None: no confidences; stored expanded labels: applied at conversion)."""
        if conf is None or self.min_confidence <= 0 or self.stored != 'raw':
            return None
        return conf >= self.min_confidence

    def confident(self, ids: np.ndarray, conf: Optional[np.ndarray]) -> np.ndarray:
        """Step 1, one image: ``ids`` without those under ``min_confidence``."""
        keep = self._confident(conf)
        return ids if keep is None else ids[keep]

    def _expanded(self, ids: np.ndarray, rows: np.ndarray) -> tuple:
        """Step 2: the pairs and (``expand`` of raw labels) every label's ancestors, as ``(ids, rows)`` (int64,
        not unique)."""
        ids = ids.astype(np.int64, copy=False)
        if self.stored != 'raw' or not self.expand:
            return ids, rows
        starts, sizes = self._closure_ptr[ids], self._closure_ptr[ids + 1] - self._closure_ptr[ids]
        ends = np.cumsum(sizes)
        at = np.arange(ends[-1] if ends.size else 0) + np.repeat(starts - ends + sizes, sizes)
        return self._closure_ids[at], np.repeat(rows, sizes)

    def _restricted(self, ids: np.ndarray, rows: np.ndarray) -> tuple:
        """Step 3: the pairs in the label space (label ids), those outside ``classes_subset`` left out."""
        if self.label_map is None:
            return ids, rows
        mapped = self.label_map[ids]
        keep = mapped >= 0
        return mapped[keep], rows[keep]

    def _split(self, ids: np.ndarray, rows: np.ndarray, which: np.ndarray) -> list:
        """The sorted unique label ids (int64 arrays) of the rows ``which`` (ascending)."""
        width = max(self.num_labels, 1)
        rows, ids = np.divmod(_sorted_unique(rows * width + ids), width)
        bounds = zip(np.searchsorted(rows, which).tolist(), np.searchsorted(rows, which, side='right').tolist())
        return [ids[lo:hi] for lo, hi in bounds]

    # ------------------------------------------------------------------ the forms
    def labels(self, ids: np.ndarray, conf: Optional[np.ndarray] = None) -> Optional[np.ndarray]:
        """One image's sorted int64 labels from its stored ids (and confidences, or None); None when
        ``classes_subset`` drops the image."""
        ids = self.confident(np.asarray(ids), conf)
        (labels, ) = self._split(*self._restricted(*self._expanded(ids, np.zeros(ids.size, np.int64))), _ONE_ROW)
        return None if self.label_map is not None and not labels.size else labels

    def keeps(self, ids: np.ndarray, conf: Optional[np.ndarray], lengths: np.ndarray) -> np.ndarray:
        """Whether each image of a chunk (CSR ``ids`` / ``conf`` with row ``lengths``) is kept: every image without
        ``classes_subset``, else those left with a label."""
        n = lengths.size
        if self.label_map is None:
            return np.ones(n, dtype=bool)
        rows = np.repeat(np.arange(n), lengths)
        keep = self._confident(conf)
        if keep is not None:
            ids, rows = ids[keep], rows[keep]
        return np.bincount(rows[self._keeps_image[ids]], minlength=n) > 0

    def apply_batch(self, ids: Sequence[np.ndarray], negatives: Optional[Sequence[Optional[np.ndarray]]] = None
                    ) -> LabelBatch:
        """Steps 2 and 3 over a list of images whose ids went through :meth:`confident`, at once.

        ``negatives``: per image its verified negative class ids, or None (a dense image): a negative that step 2
        makes positive (an ancestor of a label) is dropped and counted, the others are restricted to
        ``classes_subset`` like the labels (neither expanded nor a reason to keep the image). Returns a
        :class:`LabelBatch` over every image; ``kept`` says which ones the restriction keeps."""
        n = len(ids)
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=n)
        flat = np.concatenate(ids).astype(np.int64) if lengths.sum() else np.zeros(0, np.int64)
        full_ids, full_rows = self._expanded(flat, np.repeat(np.arange(n), lengths))
        label_ids, label_rows = self._restricted(full_ids, full_rows)
        labels = self._split(label_ids, label_rows, np.arange(n))
        kept = np.arange(n) if self.label_map is None else np.flatnonzero(np.bincount(label_rows, minlength=n))
        negs, overridden = self._negatives([None] * n if negatives is None else negatives, full_ids, full_rows)
        return LabelBatch(labels, negs, kept, overridden)

    def _negatives(self, negatives: Sequence[Optional[np.ndarray]], full_ids: np.ndarray, full_rows: np.ndarray
                   ) -> tuple:
        """``(negatives in the label space, how many were dropped)`` of :meth:`apply_batch`, given the pairs after
        step 2 of every image."""
        n, num_classes = len(negatives), self.hierarchy.num_classes
        out = [None] * n
        partial = np.asarray([i for i, x in enumerate(negatives) if x is not None], dtype=np.int64)
        if not partial.size:
            return out, 0
        lengths = np.fromiter((negatives[i].size for i in partial), dtype=np.int64, count=partial.size)
        neg_ids = np.concatenate([negatives[i] for i in partial]).astype(np.int64)
        keys = _sorted_unique(np.repeat(partial, lengths) * num_classes + neg_ids)
        in_partial = np.zeros(n, dtype=bool)
        in_partial[partial] = True
        positive = in_partial[full_rows]
        implied = _in_sorted(keys, _sorted_unique(full_rows[positive] * num_classes + full_ids[positive]))
        rows, neg_ids = np.divmod(keys[~implied], num_classes)
        for i, x in zip(partial.tolist(), self._split(*self._restricted(neg_ids, rows), partial)):
            out[i] = x
        return out, int(lengths.sum() - (~implied).sum())  # a repeated negative is counted too, as dropped
