import numpy as np
import pytest
import torch
from mmpretrain.structures import DataSample

import mmjft.evaluation  # noqa: F401  (registers MAPAtK)
from mmjft.evaluation import MAPAtK
from mmjft.evaluation.functional import map_at_k
from mmjft.registry import METRICS


def make_data(N=37, C=50, seed=0):
    rng = np.random.default_rng(seed)
    scores = rng.random((N, C)).astype(np.float32)
    targets = rng.random((N, C)) < 0.1
    return scores, targets


def feed(metric, scores, targets, batch_size=8, as_data_sample=False, use_gt_score=False):
    for start in range(0, len(scores), batch_size):
        samples = []
        for s, t in zip(scores[start:start + batch_size], targets[start:start + batch_size]):
            if as_data_sample:
                d = DataSample().set_pred_score(torch.from_numpy(s)).set_gt_label(
                    torch.from_numpy(np.flatnonzero(t)))
            elif use_gt_score:
                d = dict(pred_score=torch.from_numpy(s), gt_score=torch.from_numpy(t.astype(np.float32)))
            else:
                d = dict(pred_score=torch.from_numpy(s), gt_label=torch.from_numpy(np.flatnonzero(t)))
            samples.append(d)
        metric.process(None, samples)


@pytest.mark.parametrize('k', [1, 5, 50, 80])
@pytest.mark.parametrize('kind', ['dict', 'gt_score', 'data_sample'])
def test_matches_functional(k, kind):
    scores, targets = make_data()
    metric = MAPAtK(k=k)
    feed(metric, scores, targets, as_data_sample=kind == 'data_sample', use_gt_score=kind == 'gt_score')
    # only the top-k of each image is stored, never the C scores
    assert len(metric.results) == len(scores)
    for r in metric.results:
        assert r['topk_indices'].shape == (min(k, 50),) and r['topk_scores'].shape == (min(k, 50),)
    out = metric.evaluate(len(scores))
    assert set(out) == {f'jft/mAP@{k}'}
    assert out[f'jft/mAP@{k}'] == pytest.approx(map_at_k(scores, targets, k=k))
    assert metric.results == []  # evaluate() resets


def test_class_weights_and_prefix(tmp_path):
    scores, targets = make_data(seed=1)
    w = np.random.default_rng(2).random(50)
    expected = map_at_k(scores, targets, k=10, class_weights=w)
    np.save(tmp_path / 'w.npy', w)
    np.savetxt(tmp_path / 'w.txt', w)
    for cw in (w.tolist(), str(tmp_path / 'w.npy'), str(tmp_path / 'w.txt')):
        metric = MAPAtK(k=10, class_weights=cw, prefix='val')
        feed(metric, scores, targets)
        assert metric.evaluate(len(scores))['val/mAP@10'] == pytest.approx(expected)
    metric = MAPAtK(k=10, class_weights='uniform')
    feed(metric, scores, targets)
    assert metric.evaluate(len(scores))['jft/mAP@10'] == pytest.approx(
        map_at_k(scores, targets, k=10, class_weights='uniform'))
    with pytest.raises(ValueError):
        MAPAtK(class_weights='no_such_file.npy')
    with pytest.raises(ValueError):
        MAPAtK(k=0)


def test_registry():
    metric = METRICS.build(dict(type='MAPAtK', k=3))
    assert isinstance(metric, MAPAtK) and metric.k == 3
