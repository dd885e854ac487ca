import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
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
    assert set(out) == {f'jft/mAP@{k}', f'jft/mAP@{k}_uniform'}
    assert out[f'jft/mAP@{k}'] == pytest.approx(map_at_k(scores, targets, k=k))
    assert out[f'jft/mAP@{k}_uniform'] == pytest.approx(map_at_k(scores, targets, k=k, class_weights='uniform'))
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


def test_extra_weightings_in_one_run():
    scores, targets = make_data(seed=3)
    w = np.random.default_rng(4).random(50)
    metric = MAPAtK(k=10, extra_class_weights={'uniform': 'uniform', 'w': w.tolist()})
    feed(metric, scores, targets)
    out = metric.evaluate(len(scores))
    assert out == pytest.approx({
        'jft/mAP@10': map_at_k(scores, targets, k=10),  # the paper's frequency weighting
        'jft/mAP@10_uniform': map_at_k(scores, targets, k=10, class_weights='uniform'),
        'jft/mAP@10_w': map_at_k(scores, targets, k=10, class_weights=w)})
    assert out['jft/mAP@10'] != pytest.approx(out['jft/mAP@10_uniform'])
    metric = MAPAtK(k=10, extra_class_weights=())
    feed(metric, scores, targets)
    assert set(metric.evaluate(len(scores))) == {'jft/mAP@10'}
    with pytest.raises(ValueError, match='balanced'):
        MAPAtK(extra_class_weights=('balanced',))


def test_eval_classes_restrict_the_average(tmp_path):
    scores, targets = make_data(seed=5)
    names = [f'cls{i}' for i in range(50)]
    ids = [3, 7, 11, 20, 42]
    want = map_at_k(scores, targets, k=5, classes=ids)
    assert want != pytest.approx(map_at_k(scores, targets, k=5))
    (tmp_path / 'fast.txt').write_text('cls3\n\ncls7\n cls11 \ncls20\ncls42\n')
    for eval_classes in (str(tmp_path / 'fast.txt'), [names[i] for i in ids], ids, ['cls3', 7, 11, 'cls20', 42]):
        evaluator = Evaluator(MAPAtK(k=5, eval_classes=eval_classes))
        evaluator.dataset_meta = dict(classes=tuple(names))  # as the runner's ValLoop does
        feed(evaluator.metrics[0], scores, targets)
        out = evaluator.metrics[0].evaluate(len(scores))
        assert out['jft/mAP@5'] == pytest.approx(want)
        assert out['jft/mAP@5_uniform'] == pytest.approx(
            map_at_k(scores, targets, k=5, class_weights='uniform', classes=ids))

    (tmp_path / 'bad.txt').write_text('cls3\n\nbogus\ncls7\n')
    metric = MAPAtK(k=5, eval_classes=str(tmp_path / 'bad.txt'))
    metric.dataset_meta = dict(classes=tuple(names))
    feed(metric, scores, targets)
    with pytest.raises(ValueError, match=f"1 names not in .*{tmp_path / 'bad.txt'}:3: 'bogus'"):
        metric.evaluate(len(scores))
    metric = MAPAtK(k=5, eval_classes=['cls3'])  # names, but no dataset_meta to look them up in
    feed(metric, scores, targets)
    with pytest.raises(ValueError, match="dataset_meta has no 'classes'"):
        metric.evaluate(len(scores))
    with pytest.raises(ValueError, match='does not exist'):
        MAPAtK(eval_classes=str(tmp_path / 'missing.txt'))


def test_nan_scores_raise_with_their_count():
    scores, targets = make_data(seed=6)
    scores[4, [1, 2]] = np.nan
    scores[30, 40] = np.nan
    metric = MAPAtK(k=5)
    feed(metric, scores, targets)
    with pytest.raises(ValueError, match='3 NaN values in 2 of 37 images'):
        metric.evaluate(len(scores))
