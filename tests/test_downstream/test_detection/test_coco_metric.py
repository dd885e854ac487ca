"""Detection evaluation on hand-built results whose AP is known: the COCO function on results files, the metrics
tools/test.py uses (mmjft.CocoDetMetric, mmdet's VOCMetric), and the bad-input cases."""
import json

import pytest
import torch

from coco_box_ap import COCO_BOX_METRICS, coco_box_ap, load_results

# two 100x100 images, one 'medium' object each (area 40x40 = 1600 > 32**2)
GT = dict(
    images=[dict(id=1, width=100, height=100, file_name='1.jpg'), dict(id=2, width=100, height=100, file_name='2.jpg')],
    annotations=[dict(id=1, image_id=1, category_id=7, bbox=[10, 10, 40, 40], area=1600, iscrowd=0),
                 dict(id=2, image_id=2, category_id=7, bbox=[50, 50, 40, 40], area=1600, iscrowd=0)],
    categories=[dict(id=7, name='thing')])
PERFECT = [dict(image_id=1, category_id=7, bbox=[10, 10, 40, 40], score=0.9),
           dict(image_id=2, category_id=7, bbox=[50, 50, 40, 40], score=0.8)]
# ranked: hit, miss (nowhere near an object), hit -> precision 1 up to recall 1/2, then 2/3 at recall 1.
# COCO interpolates at 101 recall points: 51 of them (0 .. 0.50) read 1, 50 (0.51 .. 1) read 2/3:
# AP = (51 + 50 * 2/3) / 101 = 253 / 303 at every IoU threshold (the hits are exact, the miss has IoU 0).
RANKED = [dict(image_id=1, category_id=7, bbox=[10, 10, 40, 40], score=0.9),
          dict(image_id=2, category_id=7, bbox=[0, 0, 20, 20], score=0.8),
          dict(image_id=2, category_id=7, bbox=[50, 50, 40, 40], score=0.7)]
RANKED_AP = 253 / 303


def write(tmp_path, name, obj):
    path = tmp_path / name
    path.write_text(json.dumps(obj))
    return str(path)


def test_perfect_detections_score_one(tmp_path):
    ap = coco_box_ap(write(tmp_path, 'gt.json', GT), write(tmp_path, 'res.bbox.json', PERFECT))
    assert set(ap) == set(COCO_BOX_METRICS)
    assert ap['mAP'] == pytest.approx(1.0) and ap['mAP_50'] == pytest.approx(1.0) and ap['mAP_m'] == pytest.approx(1.0)
    assert ap['mAP_s'] == -1.0 and ap['mAP_l'] == -1.0  # no ground truth of those sizes


def test_known_precision_recall_curve(tmp_path):
    ap = coco_box_ap(GT, load_results(write(tmp_path, 'res.bbox.json', RANKED)))
    assert ap['mAP'] == pytest.approx(RANKED_AP, abs=1e-9)
    assert ap['mAP_50'] == pytest.approx(RANKED_AP, abs=1e-9)


def test_partial_overlap_counts_at_iou_half_only():
    # each box shifted 12 px along x: IoU = 28*40 / (1600 + 1600 - 28*40) = 0.54 -> a hit at IoU .50 only
    shifted = [dict(d, bbox=[d['bbox'][0] + 12] + d['bbox'][1:]) for d in PERFECT]
    ap = coco_box_ap(GT, shifted)
    assert ap['mAP_50'] == pytest.approx(1.0)
    assert ap['mAP_75'] == pytest.approx(0.0)
    assert ap['mAP'] == pytest.approx(1 / 10)  # 1 of the 10 thresholds .50:.05:.95


def test_empty_results_file_scores_zero(tmp_path):
    ap = coco_box_ap(GT, load_results(write(tmp_path, 'empty.bbox.json', [])))
    assert ap == {k: 0.0 for k in COCO_BOX_METRICS}


def test_results_that_do_not_match_the_ground_truth_fail(tmp_path):
    with pytest.raises(ValueError, match=r'unknown image ids \[3\], unknown category ids \[1\]'):
        coco_box_ap(GT, [dict(image_id=3, category_id=1, bbox=[0, 0, 1, 1], score=1.0)])
    with pytest.raises(ValueError, match='holds a list'):
        load_results(write(tmp_path, 'bad.json', dict(annotations=[])))


def xyxy(dets):
    return torch.tensor([[d['bbox'][0], d['bbox'][1], d['bbox'][0] + d['bbox'][2], d['bbox'][1] + d['bbox'][3]]
                         for d in dets], dtype=torch.float32).reshape(-1, 4)


def samples(dets, image_ids=(1, 2)):
    """mmdet data samples (as dicts) holding ``dets`` (COCO results) as predictions."""
    out = []
    for img_id in image_ids:
        mine = [d for d in dets if d['image_id'] == img_id]
        out.append(dict(img_id=img_id, ori_shape=(100, 100),
                        pred_instances=dict(bboxes=xyxy(mine), scores=torch.tensor([d['score'] for d in mine]),
                                            labels=torch.zeros(len(mine), dtype=torch.long)),
                        gt_instances=dict(bboxes=xyxy([a for a in GT['annotations'] if a['image_id'] == img_id]),
                                          labels=torch.zeros(1, dtype=torch.long)),
                        ignored_instances=dict(bboxes=torch.zeros(0, 4), labels=torch.zeros(0, dtype=torch.long))))
    return out


@pytest.fixture
def coco_metric(tmp_path):
    from mmjft.downstream.detection.metric import CocoDetMetric
    gt = tmp_path / 'gt.json'
    gt.write_text(json.dumps(GT))

    def make():
        metric = CocoDetMetric(ann_file=str(gt), metric='bbox', outfile_prefix=str(tmp_path / 'out' / 'results'))
        metric.dataset_meta = dict(classes=('thing', ))
        return metric
    return make


@pytest.mark.parametrize('dets, expected', [(PERFECT, 1.0), (RANKED, RANKED_AP)])
def test_coco_metric_writes_the_results_file_and_scores_it(coco_metric, tmp_path, dets, expected):
    metric = coco_metric()
    metric.process({}, samples(dets))
    result = metric.evaluate(size=2)
    assert result['coco/bbox_mAP'] == pytest.approx(expected, abs=1e-3)  # mmdet rounds to 3 decimals
    assert result['coco/bbox_mAP_50'] == pytest.approx(expected, abs=1e-3)
    written = json.loads((tmp_path / 'out' / 'results.bbox.json').read_text())
    key = lambda d: (d['image_id'], d['category_id'], round(d['score'], 5), [round(v, 3) for v in d['bbox']])  # noqa
    assert sorted(map(key, written)) == sorted(map(key, dets))
    assert coco_box_ap(GT, written)['mAP'] == pytest.approx(expected, abs=1e-6)


def test_coco_metric_without_detections_scores_zero(coco_metric, tmp_path):
    metric = coco_metric()
    metric.process({}, samples([]))
    result = metric.evaluate(size=2)
    assert result['coco/bbox_mAP'] == 0.0 and result['coco/bbox_mAP_50'] == 0.0
    assert json.loads((tmp_path / 'out' / 'results.bbox.json').read_text()) == []


@pytest.mark.parametrize('dets, expected', [
    (PERFECT, 1.0),
    # the ranked case: precision 1, 1/2, 2/3 at recall 1/2, 1/2, 1; VOC07's 11 points read the best precision at
    # recall >= t: 1 for t = 0, .1, ..., .5 (6 points) and 2/3 for t = .6, ..., 1 (5 points) -> (6 + 5 * 2/3) / 11
    (RANKED, (6 + 5 * 2 / 3) / 11),
    ([], 0.0),
])
def test_voc_metric_11_points(dets, expected):
    from mmdet.evaluation import VOCMetric
    metric = VOCMetric(metric='mAP', eval_mode='11points', iou_thrs=0.5)
    metric.dataset_meta = dict(classes=('thing', ), dataset_type='VOC2007')
    metric.process({}, samples(dets))
    result = metric.evaluate(size=2)
    assert result['pascal_voc/mAP'] == pytest.approx(expected, abs=1e-6)


def test_coco_metric_scores_only_the_evaluated_images(coco_metric):
    """De-duplicated evaluation: image 2 left out of the dataset must not count as a missed object."""
    metric = coco_metric()
    metric.process({}, samples(PERFECT, image_ids=(1, )))
    result = metric.evaluate(size=1)
    assert result['coco/bbox_mAP'] == pytest.approx(1.0, abs=1e-3)  # mmdet's CocoMetric: recall 1/2 -> ~0.5
