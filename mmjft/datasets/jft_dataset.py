"""JFT-style dataset: JSONL of images with (noisy, confidence-scored) labels over a class hierarchy."""
import json
import os.path as osp
import random
from typing import List, Optional, Sequence, Union

import cv2
import numpy as np
from mmcv.transforms import LoadImageFromFile
from mmengine.dataset import Compose
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.datasets.transforms import PackInputs

from mmjft.registry import DATASETS
from mmjft.structures import LabelHierarchy
from .bad_images import BAD_IMAGES_KEY, ConsecutiveBadImages
from .exclusion import excluded_mask
from .label_space import classes_subset_map
from .sample_seed import SAMPLE_SEED_KEY
from .subset import select_subset

# What a missing or undecodable file raises inside mmcv's LoadImageFromFile (FileNotFoundError, PIL's
# UnidentifiedImageError and truncated files: OSError; cv2 returning None for a truncated or corrupt JPEG:
# AssertionError 'failed to load image'; cv2.error; PIL's ValueError on some headers). Caught around the loading
# transforms only: the same exceptions raised by a later transform are bugs and propagate.
IMAGE_ERRORS = (OSError, AssertionError, ValueError, cv2.error)


def split_loading(pipeline: Compose):
    """The pipeline's transforms up to the last image loader (mmcv's ``LoadImageFromFile`` or a subclass), and the
    rest as a :class:`Compose`. No loader: nothing is treated as loading."""
    transforms = list(pipeline.transforms)
    loaders = [i for i, t in enumerate(transforms) if isinstance(t, LoadImageFromFile)]
    cut = loaders[-1] + 1 if loaders else 0
    return transforms[:cut], Compose(transforms[cut:])


def run_loading(loading, info: dict) -> dict:
    """Run the loading transforms of :func:`split_loading` on ``info``; a loader that returns nothing (mmcv's
    ``ignore_empty``) is a failed read (OSError)."""
    data = info
    for transform in loading:
        data = transform(data)
        if data is None:
            raise OSError(f'{type(transform).__name__} returned nothing')
    return data


def load_or_skip(loading, after_loading: Compose, info: dict, bad: ConsecutiveBadImages, test_mode: bool,
                 name: Optional[str] = None):
    """Run a pipeline split by :func:`split_loading` on ``info``. An error of the loading transforms
    (:data:`IMAGE_ERRORS`) raises a RuntimeError naming the image in ``test_mode``; in training the image is counted
    bad (as ``name``, default its ``img_path``) and None is returned (another sample takes its place). A good
    training sample gets the failed paths since the last good one under :data:`BAD_IMAGES_KEY`."""
    name = info['img_path'] if name is None else name
    try:
        data = run_loading(loading, info)
    except IMAGE_ERRORS as e:
        if test_mode:
            raise RuntimeError(f'cannot read evaluation image {name}: {e}') from e
        bad.bad(name, e)
        return None
    data = after_loading(data)
    if data is not None and not test_mode:
        data[BAD_IMAGES_KEY] = bad.take()
    return data


def parse_jsonl_record(line: str, where: str, hierarchy: LabelHierarchy) -> tuple:
    """One line of a JFT JSONL file: ``(img_path, label ids (int64), confidences (float64, or None when the line
    has none), negative ids (int64, or None when the image is dense))``. Errors name ``where`` (``file:line``)."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f'{where}: malformed JSON line ({e.msg} at column {e.colno})') from None
    if not isinstance(rec, dict) or not isinstance(rec.get('img_path'), str):
        raise ValueError(f'{where}: each line must be an object with a string "img_path"')
    labels = rec.get('labels', [])
    if not isinstance(labels, list):
        raise ValueError(f'{where}: "labels" must be a list, got {type(labels).__name__}')
    confidences = rec.get('confidences')
    if confidences is not None and (not isinstance(confidences, list) or len(confidences) != len(labels)):
        raise ValueError(f'{where}: "confidences" must be a list as long as "labels" ({len(labels)})')
    ids = _class_ids(hierarchy, labels, where, 'label')
    negatives = rec.get('negatives')
    if negatives is not None:
        if not isinstance(negatives, list):
            raise ValueError(f'{where}: "negatives" must be a list, got {type(negatives).__name__}')
        negatives = _class_ids(hierarchy, negatives, where, 'negative')
        both = np.intersect1d(ids, negatives)
        if both.size:
            raise ValueError(f'{where}: classes both in "labels" and "negatives": '
                             f'{[hierarchy.classes[i] for i in both[:10]]}')
    if confidences is not None:
        confidences = np.asarray(confidences, dtype=np.float64)
    return rec['img_path'], ids, confidences, negatives


def _class_ids(hierarchy: LabelHierarchy, labels: list, where: str, what: str) -> np.ndarray:
    ids = []
    for label in labels:
        if isinstance(label, str):
            idx = hierarchy.class_to_idx.get(label)
            if idx is None:
                raise ValueError(f'{where}: unknown {what} {label!r} (not in the classes file)')
        elif isinstance(label, int) and not isinstance(label, bool):
            if not 0 <= label < hierarchy.num_classes:
                raise ValueError(f'{where}: {what} id {label} outside the classes file '
                                 f'(0..{hierarchy.num_classes - 1})')
            idx = label
        else:
            raise ValueError(f'{where}: {what} {label!r} is neither a class name nor an integer id')
        ids.append(idx)
    return np.asarray(ids, dtype=np.int64)


@DATASETS.register_module()
class JFTDataset(MultiLabelDataset):
    """Images with multi-labels over a class hierarchy, read from a JSONL annotation file.

    One image per line: ``{"img_path": "a/b.jpg", "labels": ["fruit", 17], "confidences": [0.9, 0.6]}``; labels are
    class names or 0-based line numbers of the classes file; a missing confidence counts as 1.0; an empty label list
    is allowed (the image is a negative for every class) and counted.

    Partially annotated images (Open Images' human verification): an optional ``"negatives": ["dog", 3]`` lists
    the classes verified absent. Its presence, even empty, marks the image as partially annotated: its data info
    gets ``gt_negative`` (label ids), and :class:`~mmjft.evaluation.MAPAtK` judges it only on its (expanded)
    positives and these negatives; every other class is left out of that image's AP. Without the field an image is
    dense, as before (every class not among its labels is a negative). Training ignores ``gt_negative`` (the
    sigmoid loss treats every non-label as a negative, as on JFT). Negatives are neither expanded to ancestors nor
    to descendants; a negative that the hierarchy makes positive (an ancestor of a label) is dropped and counted
    (``negatives_overridden``); a class in both lists is an error. For evaluation, pack the field:
    ``dict(type='PackInputs', algorithm_keys=('gt_negative',))`` (a ``test_mode`` dataset with partially
    annotated images and a ``PackInputs`` that drops it raises, rather than scoring them as dense).

    Per image, in this order: drop labels under ``min_confidence`` -> add all their ancestors (``expand_hierarchy``)
    -> restrict to ``classes_subset`` (the label space becomes those classes, in that order, and images left without
    a label are dropped: the paper's 1K-classes ablation) -> keep the nested random ``subset_size`` (see
    :mod:`mmjft.datasets.subset`).

    Args:
        ann_file (str): the JSONL file (relative to ``data_root`` unless absolute).
        classes_file (str): one class name per line (relative to ``data_root`` unless absolute).
        hierarchy_file (str, optional): JSON ``{child: [parents]}`` over the classes (relative to ``data_root``).
        data_root (str): root of images and annotation files.
        pipeline (Sequence): transforms.
        expand_hierarchy (bool): add every label's ancestors. Defaults to True.
        subset_size (int | float, optional): an image count (an int, or an integral float above 1 such as
            ``1e7``), or a fraction in (0, 1]. Defaults to None (all).
        subset_seed (int): seed of the subset; equal seeds give nested subsets. Defaults to 0.
        classes_subset (str | Sequence[str], optional): class names, or a file of them, one per line.
        min_confidence (float): labels with a lower confidence are dropped. Defaults to 0.0.
        max_bad_fraction (float): in training, a missing or corrupt image is skipped (another image takes its
            place), counted and logged; past this fraction of all images read (totals over workers, ranks and
            epochs, judged by :class:`~mmjft.engine.hooks.BadImageHook` once ``bad_check_after`` images were read)
            training stops and names the files. Only the loading transforms are guarded: an error in any later
            transform propagates. Defaults to 0.001.
        bad_check_after (int): see ``max_bad_fraction``. Defaults to 1000.
        max_consecutive_bad (int): a data loader worker stops by itself after this many failed reads in a row
            (storage gone). Defaults to 50.
        exclude_ids_file (str, optional): a text file of ``img_path`` values (as written in the JSONL), one per
            line, left out before everything else (de-duplicated evaluation, :mod:`mmjft.datasets.exclusion`); an
            id not in the JSONL is an error. Defaults to None.
        **kwargs: passed to :class:`mmpretrain.datasets.BaseDataset` (``test_mode``, ``data_prefix``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 classes_file: str,
                 hierarchy_file: Optional[str] = None,
                 data_root: str = '',
                 pipeline: Sequence = (),
                 expand_hierarchy: bool = True,
                 subset_size: Union[int, float, None] = None,
                 subset_seed: int = 0,
                 classes_subset: Union[str, Sequence[str], None] = None,
                 min_confidence: float = 0.0,
                 max_bad_fraction: float = 1e-3,
                 bad_check_after: int = 1000,
                 max_consecutive_bad: int = 50,
                 exclude_ids_file: Optional[str] = None,
                 **kwargs):
        def rooted(path):
            return path if path is None or osp.isabs(path) else osp.join(data_root, path)

        self.classes_file = rooted(classes_file)
        self.classes_subset = rooted(classes_subset) if isinstance(classes_subset, str) else classes_subset
        self.hierarchy = LabelHierarchy.from_files(self.classes_file, rooted(hierarchy_file))
        self.expand_hierarchy = expand_hierarchy
        self.subset_size = subset_size
        self.subset_seed = subset_seed
        self.min_confidence = min_confidence
        self.exclude_ids_file = exclude_ids_file
        self._label_map, classes = self._label_space(classes_subset, rooted)
        self.load_stats = {}
        if not 0.0 <= max_bad_fraction <= 1.0:
            raise ValueError(f'max_bad_fraction must lie in [0, 1], got {max_bad_fraction}')
        self.max_bad_fraction, self.bad_check_after = max_bad_fraction, bad_check_after
        self._bad = ConsecutiveBadImages(max_consecutive_bad, source=rooted(ann_file))
        metainfo = dict(kwargs.pop('metainfo', None) or {}, classes=tuple(classes))
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=pipeline, metainfo=metainfo, **kwargs)
        self._loading, self._after_loading = split_loading(self.pipeline)
        if self.test_mode and self.load_stats.get('partially_annotated_images'):
            dropping = [t for t in self.pipeline.transforms if isinstance(t, PackInputs)
                        and 'gt_negative' not in t.algorithm_keys]
            if dropping:
                raise ValueError(f'{self.ann_file}: {self.load_stats["partially_annotated_images"]} images carry '
                                 '"negatives" (partially annotated) but PackInputs drops them and they would be '
                                 "scored as dense: use dict(type='PackInputs', algorithm_keys=('gt_negative',))")

    def _label_space(self, classes_subset, rooted):
        """Map from full class ids to the dataset's label ids (-1: not kept), and the kept class names."""
        return classes_subset_map(self.hierarchy, rooted(classes_subset) if isinstance(classes_subset, str)
                                  else classes_subset)

    # ------------------------------------------------------------------ annotation parsing
    def _parse_line(self, line: str, lineno: int) -> tuple:
        path, ids, confidences, negatives = parse_jsonl_record(line, f'{self.ann_file}:{lineno}', self.hierarchy)
        if confidences is not None and self.min_confidence > 0:
            keep = confidences >= self.min_confidence
            return path, ids[keep], int((~keep).sum()), negatives
        return path, ids, 0, negatives

    def load_data_list(self) -> List[dict]:
        paths, labels, negs, dropped = [], [], [], 0
        with open(self.ann_file, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                path, ids, n_low, neg = self._parse_line(line, lineno)
                paths.append(path)
                labels.append(ids)
                negs.append(neg)
                dropped += n_low
        n_read = len(paths)
        n_excluded = 0
        if self.exclude_ids_file is not None:
            out = excluded_mask(paths, self.exclude_ids_file, f'{self.__class__.__name__}({self.ann_file})')
            n_excluded = sum(out)
            paths, labels, negs = ([x for x, o in zip(xs, out) if not o] for xs in (paths, labels, negs))
        n_raw_labels = sum(len(x) for x in labels)
        if self.expand_hierarchy:
            labels = self.hierarchy.expand_batch(labels)
        else:
            labels = [np.unique(x) for x in labels]
        # a verified negative implied positive by the hierarchy (an ancestor of a positive) is not a negative
        n_neg_overridden = 0
        for i, neg in enumerate(negs):
            if neg is not None and neg.size:
                kept = np.setdiff1d(neg, labels[i])
                n_neg_overridden += neg.size - kept.size
                negs[i] = kept
        n_off_subset = 0
        if self._label_map is not None:
            mapped = [self._label_map[x] for x in labels]
            labels = [np.sort(x[x >= 0]) for x in mapped]
            negs = [None if x is None else np.sort(self._label_map[x][self._label_map[x] >= 0]) for x in negs]
            keep = [i for i, x in enumerate(labels) if len(x)]
            n_off_subset = len(labels) - len(keep)
            paths, labels, negs = [paths[i] for i in keep], [labels[i] for i in keep], [negs[i] for i in keep]
        if self.subset_size is not None:
            chosen = select_subset(paths, self.subset_size, self.subset_seed)
            paths, labels, negs = [paths[i] for i in chosen], [labels[i] for i in chosen], [negs[i] for i in chosen]
        self.load_stats = dict(
            lines=n_read, excluded=n_excluded, images=len(paths), raw_labels=n_raw_labels, dropped_low_confidence=dropped,
            dropped_outside_classes_subset=n_off_subset, empty_label_images=sum(len(x) == 0 for x in labels),
            labels=sum(len(x) for x in labels), partially_annotated_images=sum(x is not None for x in negs),
            negatives=sum(len(x) for x in negs if x is not None), negatives_overridden=n_neg_overridden)
        print_log(f'{self.__class__.__name__} {self.ann_file}: ' +
                  ', '.join(f'{k}={v}' for k, v in self.load_stats.items()), logger='current')
        prefix = self.data_prefix.get('img_path', '')
        infos = [dict(img_path=osp.join(prefix, p), gt_label=x) for p, x in zip(paths, labels)]
        for info, neg in zip(infos, negs):
            if neg is not None:
                info['gt_negative'] = neg
        return infos

    # ------------------------------------------------------------------ reading images
    def prepare_data(self, idx: int):
        """Run the pipeline. In training a missing or corrupt image returns None (mmengine then draws another) and
        its path travels to the main process in the next good sample's ``'bad_images'`` field.

        The sample gets a seed for augmentation done later, on the device (:data:`SAMPLE_SEED_KEY`), drawn from
        Python's ``random``, which mmengine seeds per worker: mmengine's replaying resume draws the same seeds again,
        and the transforms here (numpy's generator) see the same draws as without it."""
        info = self.get_data_info(idx)
        info[SAMPLE_SEED_KEY] = random.getrandbits(64)
        return load_or_skip(self._loading, self._after_loading, info, self._bad, self.test_mode)

    def class_counts(self) -> np.ndarray:
        """Number of images carrying each label of the dataset's label space (after expansion and subsets)."""
        labels = [self.get_data_info(i)['gt_label'] for i in range(len(self))]
        flat = np.concatenate(labels) if labels else np.zeros(0, dtype=np.int64)
        return np.bincount(flat, minlength=len(self.metainfo['classes']))
