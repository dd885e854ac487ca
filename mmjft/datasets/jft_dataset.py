"""JFT-style dataset: JSONL of images with (noisy, confidence-scored) labels over a class hierarchy."""
import os.path as osp
import random
from typing import List, Optional, Sequence

import numpy as np
from mmengine.logging import print_log
from mmpretrain.datasets import MultiLabelDataset
from mmpretrain.datasets.transforms import PackInputs

from mmjft.registry import DATASETS
from mmjft.structures import SAMPLE_SEED_KEY, LabelHierarchy
from .exclusion import excluded_mask
from .jsonl_record import parse_jsonl_record
from .loading import load_or_skip, split_loading
from .options import JFTDataOptions, rooted
from .subset import select_subset


@DATASETS.register_module()
class JFTDataset(JFTDataOptions, MultiLabelDataset):
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

    Per image, in this order (:class:`~mmjft.datasets.label_space.LabelRule`, applied to all images at once): drop
    labels under ``min_confidence`` -> add all their ancestors (``expand_hierarchy``) -> restrict to
    ``classes_subset`` (the label space becomes those classes, in that order, and images left without a label are
    dropped: the paper's 1K-classes ablation) -> keep the nested random ``subset_size`` (see
    :mod:`mmjft.datasets.subset`). ``exclude_ids_file`` leaves images out before all of these. A file without an
    image, no image left, or a ``subset_size`` count above the images left are errors (see
    :class:`~mmjft.datasets.options.DataOptions`).

    Args:
        ann_file (str): the JSONL file (relative to ``data_root`` unless absolute).
        classes_file (str): one class name per line (relative to ``data_root`` unless absolute).
        hierarchy_file (str, optional): JSON ``{child: [parents]}`` over the classes (relative to ``data_root``).
        data_root (str): root of images and annotation files.
        pipeline (Sequence): transforms.
        **kwargs: the options the three storages share (``expand_hierarchy``, ``subset_size``, ``subset_seed``,
            ``classes_subset``, ``min_confidence``, ``max_bad_fraction``, ``bad_check_after``,
            ``max_consecutive_bad``, ``exclude_ids_file``: see :class:`~mmjft.datasets.options.DataOptions`), and
            those of :class:`mmpretrain.datasets.BaseDataset` (``test_mode``, ``data_prefix``, ...).
    """

    def __init__(self,
                 ann_file: str,
                 classes_file: str,
                 hierarchy_file: Optional[str] = None,
                 data_root: str = '',
                 pipeline: Sequence = (),
                 **kwargs):
        self.classes_file = rooted(classes_file, data_root)
        self._init_options(kwargs, data_root, source=rooted(ann_file, data_root), base_kwargs=True)
        metainfo = self._init_label_space(LabelHierarchy.from_files(self.classes_file,
                                                                    rooted(hierarchy_file, data_root)),
                                          metainfo=kwargs.pop('metainfo', None))
        self.load_stats = {}
        super().__init__(ann_file=ann_file, data_root=data_root, pipeline=pipeline, metainfo=metainfo, **kwargs)
        self._loading, self._after_loading = split_loading(self.pipeline)
        if self.test_mode and self.load_stats.get('partially_annotated_images'):
            dropping = [t for t in self.pipeline.transforms if isinstance(t, PackInputs)
                        and 'gt_negative' not in t.algorithm_keys]
            if dropping:
                raise ValueError(f'{self.ann_file}: {self.load_stats["partially_annotated_images"]} images carry '
                                 '"negatives" (partially annotated) but PackInputs drops them and they would be '
                                 "scored as dense: use dict(type='PackInputs', algorithm_keys=('gt_negative',))")

    # ------------------------------------------------------------------ annotation parsing
    def load_data_list(self) -> List[dict]:
        paths, labels, negs, dropped = [], [], [], 0
        with open(self.ann_file, encoding='utf-8') as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                path, ids, confidences, neg = parse_jsonl_record(line, f'{self.ann_file}:{lineno}', self.hierarchy)
                kept = self._rule.confident(ids, confidences)
                dropped += ids.size - kept.size
                paths.append(path)
                labels.append(kept)
                negs.append(neg)
        n_read = len(paths)
        n_excluded = 0
        if self.exclude_ids_file is not None:
            out = excluded_mask(paths, self.exclude_ids_file, f'{self.__class__.__name__}({self.ann_file})')
            n_excluded = sum(out)
            paths, labels, negs = ([x for x, o in zip(xs, out) if not o] for xs in (paths, labels, negs))
        n_raw_labels = sum(len(x) for x in labels)
        batch = self._rule.apply_batch(labels, negs)
        keep = batch.kept.tolist()
        self._check_size(self.ann_file, n_read, len(keep))
        if self.subset_size is not None:
            chosen = select_subset([paths[i] for i in keep], self.subset_size, self.subset_seed)
            self._warn_small_subset(self.ann_file, len(keep), len(chosen))
            keep = [keep[i] for i in chosen]
        paths, labels, negs = ([xs[i] for i in keep] for xs in (paths, batch.labels, batch.negatives))
        self.load_stats = dict(
            lines=n_read, excluded=n_excluded, images=len(paths), raw_labels=n_raw_labels,
            dropped_low_confidence=dropped, dropped_outside_classes_subset=len(batch.labels) - len(batch.kept),
            empty_label_images=sum(len(x) == 0 for x in labels), labels=sum(len(x) for x in labels),
            partially_annotated_images=sum(x is not None for x in negs),
            negatives=sum(len(x) for x in negs if x is not None), negatives_overridden=batch.negatives_overridden)
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
