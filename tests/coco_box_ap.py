"""The tests' independent check of a COCO results file: its box AP by pycocotools, with the inputs checked and an
empty result set scored 0. tools/test.py evaluates through mmdet's ``CocoMetric``
(:class:`mmjft.downstream.detection.metric.CocoDetMetric`); the tests score the results file it writes with this and
require the same numbers."""
import contextlib
import copy
import io
import json
from typing import List, Mapping, Sequence, Union

import numpy as np

from mmjft.downstream.detection.metric import COCO_BOX_METRICS


def _load(obj):
    if isinstance(obj, str):
        with open(obj, encoding='utf-8') as f:
            return json.load(f)
    return obj


def coco_box_ap(gt: Union[str, Mapping], results: Union[str, Sequence[Mapping]], iou_type: str = 'bbox',
                verbose: bool = False) -> dict:
    """mAP@[.5,.95], mAP@.5, mAP@.75 and the small/medium/large mAP@[.5,.95] of ``results`` on ``gt``.

    Args:
        gt: a COCO instances dict or JSON path (images, annotations, categories).
        results: a list (or JSON path of a list) of ``dict(image_id, category_id, bbox=[x, y, w, h], score)``.
        iou_type: ``'bbox'`` (``'segm'`` works with ``segmentation`` in the results).
        verbose: print pycocotools' summary.

    Returns:
        dict: :data:`COCO_BOX_METRICS` -> float. An empty ``results`` scores 0.0 everywhere; a size range without
        ground truth scores -1.0 (pycocotools' convention).

    Raises:
        ValueError: results name image ids or category ids that ``gt`` does not have (listed).
    """
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    gt, dets = copy.deepcopy(_load(gt)), list(_load(results))
    img_ids = {im['id'] for im in gt['images']}
    cat_ids = {c['id'] for c in gt['categories']}
    bad_img = sorted({d['image_id'] for d in dets} - img_ids)
    bad_cat = sorted({d['category_id'] for d in dets} - cat_ids)
    if bad_img or bad_cat:
        raise ValueError(f'results do not match the ground truth: unknown image ids {bad_img[:20]}, unknown '
                         f'category ids {bad_cat[:20]}')
    if not dets:
        return {k: 0.0 for k in COCO_BOX_METRICS}
    out = io.StringIO()
    with contextlib.redirect_stdout(out) if not verbose else contextlib.nullcontext():
        coco_gt = COCO()
        coco_gt.dataset = gt
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(dets)
        evaluator = COCOeval(coco_gt, coco_dt, iou_type)
        evaluator.evaluate()
        evaluator.accumulate()
        evaluator.summarize()
    return {k: float(v) for k, v in zip(COCO_BOX_METRICS, np.asarray(evaluator.stats[:6]))}


def load_results(path: str) -> List[dict]:
    """A COCO results JSON (list of detections), checked to be a list."""
    dets = _load(path)
    if not isinstance(dets, list):
        raise ValueError(f'{path}: a COCO results file holds a list of detections, got {type(dets).__name__}')
    return dets
