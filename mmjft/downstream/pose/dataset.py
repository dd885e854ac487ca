"""mmpose's COCO keypoint dataset with its annotations and person-box file checked.

mmpose's ``CocoDataset`` reshapes whatever ``keypoints`` list an annotation holds to ``(K', 3)`` and clips the
visibility flag to 1, so a flag of 3 or -1 trains as "labelled" and a keypoint count that disagrees with the
metainfo breaks the batch far from its cause; with a ``bbox_file`` it keeps the category-1 boxes only and looks up
their image ids, so a file of another dataset ends in a bare ``KeyError`` or -- no category-1 box -- in an empty
test set and AP 0; and it never reads the ground truth then, which ``CocoMetric`` reads only at the first evaluation
(a wrong keypoint count there is a numpy broadcast error inside pycocotools, hours into a run). This subclass reads
the same files and:

- a visibility flag outside {0, 1, 2}, or a keypoint count other than the metainfo's ``num_keypoints``:
  ``ValueError`` naming the file, the annotation id and the value;
- in test mode (the split the metric scores), every annotation of ``ann_file`` is checked so, also when a
  ``bbox_file`` gives the boxes, and one lacking a field pycocotools' keypoint evaluation reads (``keypoints``,
  ``num_keypoints``, ``area``, ``bbox``) is a ``ValueError``: the checks run when the dataset is built, before
  training starts. ``ann_file`` is the file ``CocoMetric`` reads when its own ``ann_file`` is unset, and the one the
  pose configs' ``val_evaluator.ann_file`` names;
- labelled keypoints farther than ``outside_margin`` box sizes outside their box: counted and logged (a warning
  with the first annotation ids), not an error (COCO has a few);
- a ``bbox_file`` whose image ids are not in the annotation file, or that holds no box of category 1 (the
  keypointed category; mmpose keeps only those): ``ValueError`` naming the ids / the categories found and both
  files.

It imports mmpose, so ``mmjft.datasets`` does not import it; pose configs list ``mmjft.downstream.pose.dataset`` in
``custom_imports`` and name it ``type='mmjft.CheckedCocoPoseDataset'``.
"""
import json
from typing import List, Optional

import numpy as np
from mmengine.logging import MMLogger
from mmpose.datasets import CocoDataset

from mmjft.registry import DATASETS

# what pycocotools' keypoint COCOeval reads from every ground-truth annotation (KeyError at the first evaluation)
EVAL_FIELDS = ('keypoints', 'num_keypoints', 'area', 'bbox')


@DATASETS.register_module()
class CheckedCocoPoseDataset(CocoDataset):
    """:class:`mmpose.datasets.CocoDataset` with the checks above.

    Args:
        outside_margin (float): a labelled keypoint farther than ``outside_margin * max(w, h)`` outside its box is
            counted as far outside. Defaults to 0.5.
        **kwargs: :class:`mmpose.datasets.CocoDataset`'s.
    """

    def __init__(self, *args, outside_margin: float = 0.5, **kwargs):
        self.outside_margin = float(outside_margin)
        self.far_outside_ids: List[int] = []
        super().__init__(*args, **kwargs)

    def _load_annotations(self):
        self.far_outside_ids = []
        out = super()._load_annotations()
        self._warn_far_outside()
        return out

    def _warn_far_outside(self) -> None:
        ids = self.far_outside_ids
        if ids:
            MMLogger.get_current_instance().warning(
                f'{self.ann_file}: {len(ids)} annotations have labelled keypoints more than {self.outside_margin:g} '
                f'box sizes outside their box (annotation ids {ids[:10]}{" ..." if len(ids) > 10 else ""})')

    def parse_data_info(self, raw_data_info: dict) -> Optional[dict]:
        ann = raw_data_info['raw_ann_info']
        if self.test_mode:
            self._check_eval_fields(ann)
        if 'keypoints' in ann:
            self._check_keypoints(ann)
        return super().parse_data_info(raw_data_info)

    def _check_eval_fields(self, ann: dict) -> None:
        missing = [k for k in EVAL_FIELDS if k not in ann]
        if missing:
            raise ValueError(f'{self.ann_file}: annotation id {ann.get("id")} has no {", ".join(missing)}; the COCO '
                             f'keypoint evaluation reads {", ".join(EVAL_FIELDS)} from every annotation of its '
                             f'ground truth: give this split a COCO keypoint annotation file (person_keypoints_*.json)')

    def _check_keypoints(self, ann: dict) -> None:
        num = self.metainfo['num_keypoints']
        try:
            kpts = np.asarray(ann['keypoints'], dtype=np.float64).reshape(-1)
        except (TypeError, ValueError):
            raise ValueError(f'{self.ann_file}: annotation id {ann.get("id")} has keypoints '
                             f'{str(ann["keypoints"])[:80]}, not a flat list of numbers [x, y, v] * K') from None
        if kpts.size != 3 * num:
            raise ValueError(f'{self.ann_file}: annotation id {ann.get("id")} has {kpts.size} keypoint numbers '
                             f'({kpts.size / 3:g} keypoints); the dataset metainfo '
                             f'({self.metainfo.get("dataset_name")}) has {num} keypoints (3 numbers each): fix the '
                             f'annotation, or give the dataset the metainfo of this file\'s keypoints')
        kpts = kpts.reshape(num, 3)
        flags = kpts[:, 2]
        bad = ~np.isin(flags, (0, 1, 2))
        if bad.any():
            raise ValueError(f'{self.ann_file}: annotation id {ann.get("id")} has visibility flags '
                             f'{sorted(set(flags[bad].tolist()))} (keypoints {np.flatnonzero(bad).tolist()}); '
                             f'COCO allows 0 (not labelled), 1 (labelled, hidden), 2 (visible)')
        if 'bbox' in ann and (flags > 0).any():
            x, y, w, h = (float(v) for v in ann['bbox'])
            m = self.outside_margin * max(w, h)
            xy = kpts[flags > 0, :2]
            if ((xy[:, 0] < x - m) | (xy[:, 0] > x + w + m) | (xy[:, 1] < y - m) | (xy[:, 1] > y + h + m)).any():
                self.far_outside_ids.append(ann.get('id'))

    def _load_detection_results(self) -> List[dict]:
        with open(self.bbox_file) as f:
            dets = json.load(f)
        with open(self.ann_file) as f:
            gt = json.load(f)
        if not isinstance(dets, list) or not all(isinstance(d, dict) for d in dets):
            raise ValueError(f'{self.bbox_file}: a COCO results file is a JSON list of dicts')
        known = {img['id'] for img in gt.get('images', [])}
        unknown = sorted({d.get('image_id') for d in dets} - known, key=str)
        if unknown:
            raise ValueError(f'{self.bbox_file}: {len(unknown)} image ids are not in the annotation file '
                             f'{self.ann_file}: {unknown[:20]}{" ..." if len(unknown) > 20 else ""}')
        if not any(d.get('category_id') == 1 for d in dets):
            cats = sorted({d.get('category_id') for d in dets}, key=str)
            raise ValueError(f'{self.bbox_file}: no box of category 1 (the keypointed category of {self.ann_file}; '
                             f'mmpose keeps only those), categories found: {cats} in {len(dets)} boxes')
        num = self.metainfo['num_keypoints']
        for cat in gt.get('categories', []):
            if cat.get('id') == 1 and 'keypoints' in cat and len(cat['keypoints']) != num:
                raise ValueError(f'{self.ann_file}: category 1 names {len(cat["keypoints"])} keypoints, the dataset '
                                 f'metainfo has {num}')
        # the boxes come from bbox_file; the ground truth the metric scores them against is checked here, not at
        # the first evaluation (an image-info file, as test-dev's, has no annotations)
        self.far_outside_ids = []
        for ann in gt.get('annotations', []):
            self._check_eval_fields(ann)
            self._check_keypoints(ann)
        self._warn_far_outside()
        return super()._load_detection_results()
