"""Partially annotated images ("negatives" in the JSONL): JFTDataset -> PackInputs -> MAPAtK, AP by hand."""
import json

import numpy as np
import pytest
import torch

from mmjft.datasets import JFTDataset
from mmjft.evaluation.functional import map_at_k_from_topk
from mmjft.evaluation.metrics.map_at_k import MAPAtK

CLASSES = ['animal', 'dog', 'cat']
# img0 dense {dog}; img1 {cat}, verified not dog; img2 no label, verified not cat; img3 dense {cat}
RECORDS = [dict(img_path='0.jpg', labels=['dog']),
           dict(img_path='1.jpg', labels=['cat'], negatives=['dog']),
           dict(img_path='2.jpg', labels=[], negatives=['cat']),
           dict(img_path='3.jpg', labels=['cat'])]
#                   animal dog   cat
SCORES = np.array([[0.30, 0.90, 0.60],
                   [0.20, 0.80, 0.50],
                   [0.99, 0.95, 0.90],
                   [0.25, 0.10, 0.40]], dtype=np.float32)
# By hand. dog: img2 (0.95) is not judged on dog -> img0 + (1/1); img1 -, img3 -: AP 1 (dense: 1/2).
# cat: img2 0.9 verified -, img0 0.6 -, img1 0.5 + (1/3), img3 0.4 + (2/4): AP 5/12 (dense: the same).
# animal (expanded positives img0, img1, img3): img2 0.99 not judged on animal -> 1, 1, 1: AP 1
#   (dense: img2 first as a negative -> (1/2 + 2/3 + 3/4) / 3 = 23/36).
MASKED = dict(uniform=(1 + 5 / 12 + 1) / 3, frequency=(3 * 1 + 1 * 1 + 2 * 5 / 12) / 6)
DENSE = dict(uniform=(23 / 36 + 1 / 2 + 5 / 12) / 3, frequency=(3 * 23 / 36 + 1 / 2 + 2 * 5 / 12) / 6)


def evaluate(tmp_path, records, pack_keys=('gt_negative',)):
    (tmp_path / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (tmp_path / 'hierarchy.json').write_text(json.dumps({'dog': ['animal'], 'cat': ['animal']}))
    (tmp_path / 'ann.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in records))
    ds = JFTDataset(ann_file='ann.jsonl', classes_file='classes.txt', hierarchy_file='hierarchy.json',
                    data_root=str(tmp_path), test_mode=True,
                    pipeline=[dict(type='PackInputs', algorithm_keys=pack_keys)])
    metric = MAPAtK(k=3, extra_class_weights=('uniform',))
    metric.dataset_meta = ds.metainfo
    samples = []
    for i in range(len(ds)):
        sample = ds[i]['data_samples']
        sample.set_pred_score(torch.from_numpy(SCORES[i]))
        samples.append(sample)
    metric.process(None, samples)
    return ds, metric.compute_metrics(metric.results)


def test_verified_negatives_are_negatives_and_unverified_classes_are_left_out(tmp_path):
    ds, out = evaluate(tmp_path, RECORDS)
    assert ds.load_stats['partially_annotated_images'] == 2 and ds.load_stats['negatives'] == 2
    assert out['mAP@3'] == pytest.approx(MASKED['frequency'])
    assert out['mAP@3_uniform'] == pytest.approx(MASKED['uniform'])


def test_files_without_negatives_stay_dense(tmp_path):
    dense = [{k: v for k, v in r.items() if k != 'negatives'} for r in RECORDS]
    ds, out = evaluate(tmp_path, dense)
    assert 'gt_negative' not in ds.get_data_info(1)
    assert out['mAP@3'] == pytest.approx(DENSE['frequency'])
    assert out['mAP@3_uniform'] == pytest.approx(DENSE['uniform'])


def test_a_pipeline_that_drops_the_negatives_raises_in_test_mode(tmp_path):
    with pytest.raises(ValueError, match='algorithm_keys'):
        evaluate(tmp_path, RECORDS, pack_keys=())


def test_negatives_in_the_data_info_and_their_conflicts(tmp_path):
    recs = [dict(img_path='0.jpg', labels=['dog'], negatives=['animal', 'cat'])]  # animal is implied by dog
    (tmp_path / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (tmp_path / 'hierarchy.json').write_text(json.dumps({'dog': ['animal'], 'cat': ['animal']}))
    (tmp_path / 'ann.jsonl').write_text(''.join(json.dumps(r) + '\n' for r in recs))
    kw = dict(ann_file='ann.jsonl', classes_file='classes.txt', hierarchy_file='hierarchy.json',
              data_root=str(tmp_path))
    ds = JFTDataset(**kw)
    assert ds.get_data_info(0)['gt_negative'].tolist() == [2]
    assert ds.load_stats['negatives_overridden'] == 1
    (tmp_path / 'ann.jsonl').write_text(json.dumps(dict(img_path='0.jpg', labels=['dog'], negatives=['dog'])))
    with pytest.raises(ValueError, match=r'ann.jsonl:1: classes both in "labels" and "negatives"'):
        JFTDataset(**kw)


def test_functional_negatives_none_per_image_is_dense():
    idx = np.argsort(-SCORES, axis=1)
    sc = np.take_along_axis(SCORES, idx, axis=1)
    gt = [[0, 1], [0, 2], [], [0, 2]]
    dense = map_at_k_from_topk(idx, sc, gt, 3, 'uniform')
    assert map_at_k_from_topk(idx, sc, gt, 3, 'uniform', negatives=[None] * 4) == pytest.approx(dense)
    masked = map_at_k_from_topk(idx, sc, gt, 3, 'uniform', negatives=[None, [1], [2], None])
    assert masked == pytest.approx(MASKED['uniform'])
    with pytest.raises(ValueError, match='negatives has 3 images'):
        map_at_k_from_topk(idx, sc, gt, 3, negatives=[None] * 3)
