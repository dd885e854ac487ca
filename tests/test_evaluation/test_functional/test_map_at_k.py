import numpy as np
import pytest
import scipy.sparse as sp
import torch
from sklearn.metrics import average_precision_score

from mmjft.evaluation import functional as F
from mmjft.evaluation.functional import map_at_k, map_at_k_from_topk

# 3 images x 4 classes.
SCORES = np.array([[0.9, 0.8, 0.1, 0.3],
                   [0.2, 0.7, 0.6, 0.1],
                   [0.6, 0.1, 0.65, 0.4]], dtype=np.float32)
TARGETS = np.array([[1, 0, 0, 1],
                    [1, 1, 0, 0],
                    [1, 0, 1, 0]], dtype=np.int64)
# positives per class: c0 3, c1 1, c2 1, c3 1  (6 in all)


def test_hand_computed_k2():
    # top-2 kept: img0 {c0 .9, c1 .8}, img1 {c1 .7, c2 .6}, img2 {c2 .65, c0 .6}
    # c0: img0 .9 (+) rank1 P=1, img2 .6 (+) rank2 P=1; img1 never kept -> AP = (1+1)/3 = 2/3
    # c1: img0 .8 (-), img1 .7 (+) rank2 P=1/2                           -> AP = 1/2
    # c2: img2 .65 (+) rank1 P=1, img1 .6 (-)                            -> AP = 1
    # c3: img0's positive not kept                                       -> AP = 0
    m, ap = map_at_k(SCORES, TARGETS, k=2, class_weights='uniform', return_per_class=True)
    np.testing.assert_allclose(ap, [2 / 3, 1 / 2, 1, 0])
    assert m == pytest.approx((2 / 3 + 1 / 2 + 1 + 0) / 4)  # 13/24
    # frequency: (3 * 2/3 + 1/2 + 1 + 0) / 6 = 7/12
    assert map_at_k(SCORES, TARGETS, k=2) == pytest.approx(7 / 12)
    assert isinstance(map_at_k(SCORES, TARGETS, k=2), float)


def test_topk_drops_positives():
    # k=1 keeps img0 c0, img1 c1, img2 c2, all positives at rank 1 of their class:
    # c0 1/3 (2 of its 3 positives dropped), c1 1, c2 1, c3 0
    _, ap1 = map_at_k(SCORES, TARGETS, k=1, return_per_class=True)
    np.testing.assert_allclose(ap1, [1 / 3, 1, 1, 0])
    assert map_at_k(SCORES, TARGETS, k=1, class_weights='uniform') == pytest.approx(7 / 12)
    # k=4 keeps all: c0 ranks img0 .9, img2 .6, img1 .2, all positive -> 1;
    # c3 ranks img2 .4 (-), img0 .3 (+) -> 1/2
    _, ap4 = map_at_k(SCORES, TARGETS, k=4, return_per_class=True)
    np.testing.assert_allclose(ap4, [1, 1 / 2, 1, 1 / 2])
    # (AP is not monotone in k in general: c1 loses 1 -> 1/2 once img0's negative c1 is kept)
    # k > C is clipped to C
    assert map_at_k(SCORES, TARGETS, k=100) == map_at_k(SCORES, TARGETS, k=4)


@pytest.mark.parametrize('seed', [0, 1, 2])
def test_equals_sklearn_when_k_is_c(seed):
    rng = np.random.default_rng(seed)
    N, C = 200, 30
    scores = rng.random((N, C))  # continuous: no ties
    targets = (rng.random((N, C)) < 0.15).astype(np.int64)
    targets[:, 5] = 0  # a class without positives is skipped
    m, ap = map_at_k(scores, targets, k=C, class_weights='uniform', return_per_class=True)
    valid = targets.sum(0) > 0
    ref = [average_precision_score(targets[:, c], scores[:, c]) for c in np.flatnonzero(valid)]
    np.testing.assert_allclose(ap[valid], ref, rtol=1e-6)
    assert np.isnan(ap[5])
    assert m == pytest.approx(np.mean(ref), rel=1e-6)


def test_frequency_and_array_weights():
    rng = np.random.default_rng(3)
    N, C = 100, 20
    scores = rng.standard_normal((N, C)).astype(np.float32)
    targets = rng.random((N, C)) < 0.2
    targets[:, 0] = False
    m, ap = map_at_k(scores, targets, k=5, return_per_class=True)
    npos = targets.sum(0)
    valid = npos > 0
    assert m == pytest.approx(np.sum(npos[valid] * ap[valid]) / npos[valid].sum())
    assert m != pytest.approx(np.mean(ap[valid]))
    w = rng.random(C)
    assert map_at_k(scores, targets, k=5, class_weights=w) == pytest.approx(
        np.sum(w[valid] * ap[valid]) / w[valid].sum())
    # weights are only used on classes with positives
    w2 = w.copy()
    w2[0] = 1e6
    assert map_at_k(scores, targets, k=5, class_weights=w2) == pytest.approx(
        map_at_k(scores, targets, k=5, class_weights=w))
    assert map_at_k(scores, targets, k=5, class_weights=list(np.ones(C))) == pytest.approx(
        map_at_k(scores, targets, k=5, class_weights='uniform'))


def test_torch_and_numpy_agree():
    rng = np.random.default_rng(4)
    scores = rng.random((50, 40)).astype(np.float32)
    targets = (rng.random((50, 40)) < 0.1).astype(np.float32)
    a = map_at_k(scores, targets, k=7, return_per_class=True)
    b = map_at_k(torch.from_numpy(scores), torch.from_numpy(targets), k=7, return_per_class=True)
    assert a[0] == b[0]
    np.testing.assert_array_equal(a[1], b[1])
    # bool targets and float64 scores
    assert map_at_k(scores.astype(np.float64), targets.astype(bool), k=7) == pytest.approx(a[0])


def test_from_topk_matches_dense():
    rng = np.random.default_rng(5)
    N, C, k = 80, 60, 10
    scores = rng.random((N, C)).astype(np.float32)
    targets = rng.random((N, C)) < 0.1
    top_i = np.argsort(-scores, axis=1)[:, :k]
    top_s = np.take_along_axis(scores, top_i, axis=1)
    gt_list = [np.flatnonzero(t) for t in targets]
    dense = map_at_k(scores, targets, k=k, return_per_class=True)
    for gt in (gt_list, sp.csr_matrix(targets)):
        got = map_at_k_from_topk(top_i, top_s, gt, C, return_per_class=True)
        assert got[0] == pytest.approx(dense[0])
        np.testing.assert_allclose(got[1], dense[1])
    # order of the kept entries within a row does not matter
    perm = rng.permutation(k)
    assert map_at_k_from_topk(top_i[:, perm], top_s[:, perm], gt_list, C) == pytest.approx(dense[0])


def test_no_positives_returns_zero():
    assert map_at_k(SCORES, np.zeros_like(TARGETS), k=2) == 0.0
    m, ap = map_at_k(SCORES, np.zeros_like(TARGETS), k=2, return_per_class=True)
    assert m == 0.0 and np.isnan(ap).all()


def test_errors():
    with pytest.raises(ValueError, match=r'\(3, 4\).*\(3, 5\)'):
        map_at_k(SCORES, np.zeros((3, 5)), k=2)
    with pytest.raises(ValueError, match='binary'):
        map_at_k(SCORES, TARGETS * 2, k=2)
    with pytest.raises(ValueError, match='binary'):
        map_at_k(SCORES, TARGETS * 0.5, k=2)
    with pytest.raises(ValueError, match='binary'):
        map_at_k(SCORES, -TARGETS, k=2)
    with pytest.raises(ValueError, match='3 entries'):
        map_at_k(SCORES, TARGETS, k=2, class_weights=[1, 1, 1])
    with pytest.raises(ValueError):
        map_at_k(SCORES, TARGETS, k=2, class_weights=[1, -1, 1, 1])
    with pytest.raises(ValueError):
        map_at_k(SCORES, TARGETS, k=2, class_weights='balanced')
    with pytest.raises(ValueError):
        map_at_k(SCORES, TARGETS, k=0)
    with pytest.raises(ValueError):
        map_at_k_from_topk(np.array([[0, 4]]), np.array([[0.5, 0.4]]), [np.array([0])], 4)
    with pytest.raises(ValueError):
        map_at_k_from_topk(np.array([[0, 1]]), np.array([[0.5, 0.4]]), [np.array([9])], 4)


def test_tied_block_takes_precision_at_its_end():
    # one class, scores .5 .5 .5 .2 with positives at images 0 and 3: the tied block ends at
    # rank 3 holding 1 positive -> P = 1/3; image 3 at rank 4 -> P = 2/4. AP = (1/3 + 1/2) / 2
    # (image order would have given (1 + 1/2) / 2).
    scores = np.array([[.5], [.5], [.5], [.2]])
    targets = np.array([[1], [0], [0], [1]])
    assert map_at_k(scores, targets, k=1) == pytest.approx(5 / 12)
    assert average_precision_score(targets[:, 0], scores[:, 0]) == pytest.approx(5 / 12)


@pytest.mark.parametrize('seed', [0, 1])
def test_ties_match_sklearn_and_ignore_image_order(seed):
    rng = np.random.default_rng(seed)
    N, C = 120, 12
    scores = rng.integers(0, 6, (N, C)) / 5  # many ties within each class
    targets = (rng.random((N, C)) < 0.3).astype(np.int64)
    targets[0] = 1  # every class has a positive
    m, ap = map_at_k(scores, targets, k=C, class_weights='uniform', return_per_class=True)
    ref = [average_precision_score(targets[:, c], scores[:, c]) for c in range(C)]
    np.testing.assert_allclose(ap, ref, rtol=1e-12)
    assert m == pytest.approx(np.mean(ref), rel=1e-12)
    perm = rng.permutation(N)
    for k in (C, 3):
        top_i = np.argsort(-scores, axis=1, kind='stable')[:, :k]
        top_s = np.take_along_axis(scores, top_i, axis=1)
        gt = [np.flatnonzero(t) for t in targets]
        want = map_at_k_from_topk(top_i, top_s, gt, C, return_per_class=True)[1]
        got = map_at_k_from_topk(top_i[perm], top_s[perm], [gt[i] for i in perm], C, return_per_class=True)[1]
        np.testing.assert_allclose(got, want, rtol=1e-12)
    np.testing.assert_allclose(map_at_k(scores[perm], targets[perm], k=C, return_per_class=True)[1], ap,
                               rtol=1e-12)


@pytest.mark.parametrize('to', [np.asarray, torch.from_numpy])
def test_nan_scores_raise_naming_the_count(to):
    scores = np.random.default_rng(6).random((6, 5))
    targets = np.zeros((6, 5), dtype=int)
    scores[2, [0, 3]] = np.nan
    scores[4, 1] = np.nan
    with pytest.raises(ValueError, match=r'3 NaN values in 2 of 6 images \(first: image 2\)'):
        map_at_k(to(scores), targets, k=2)
    with pytest.raises(ValueError, match=r'1 NaN values in 1 of 6 images \(first: image 4\)'):
        map_at_k_from_topk(np.tile([[0, 1]], (6, 1)), to(scores[:, 1:3]), [[]] * 6, 5)
    # +inf and -inf in one row sum to NaN but are valid scores
    scores[2] = [np.inf, -np.inf, 0, 1, 2]
    scores[4] = [-np.inf, np.inf, 0, 1, 2]
    targets[2, 0] = 1
    assert map_at_k(to(scores), targets, k=2) == 1.0


def test_duplicate_class_ids_in_a_row_raise():
    top_i = np.array([[0, 1], [2, 2], [3, 1], [0, 0]])
    with pytest.raises(ValueError, match=r'2 of 4 rows \(first: row 1'):
        map_at_k_from_topk(top_i, np.ones((4, 2)), [[0]] * 4, 4)


def test_classes_restrict_the_average_not_the_topk():
    # per-class APs at k=2 are [2/3, 1/2, 1, 0] (test_hand_computed_k2)
    assert map_at_k(SCORES, TARGETS, k=2, class_weights='uniform', classes=[0, 2]) == pytest.approx(5 / 6)
    assert map_at_k(SCORES, TARGETS, k=2, classes=np.array([2, 0])) == pytest.approx((3 * 2 / 3 + 1) / 4)
    # top-2 among the 2 kept classes only would keep everything: APs 1 and 1
    assert map_at_k(SCORES[:, [0, 2]], TARGETS[:, [0, 2]], k=2) == 1.0
    top_i = np.argsort(-SCORES, axis=1)[:, :2]
    top_s = np.take_along_axis(SCORES, top_i, axis=1)
    ap, num_pos = F.per_class_ap_at_k(top_i, top_s, [np.flatnonzero(t) for t in TARGETS], 4)
    np.testing.assert_allclose(ap, [2 / 3, 1 / 2, 1, 0])
    np.testing.assert_array_equal(num_pos, [3, 1, 1, 1])
    assert F.mean_ap(ap, num_pos, 'uniform', classes=torch.tensor([1, 3])) == pytest.approx(1 / 4)
    for bad, msg in (([0, 4], r'1 ids outside \[0, 4\): \[4\]'), ([1, 2, 1], r'repeats 1 ids: \[1\]'),
                     ([], 'empty'), ([0.5], 'integer')):
        with pytest.raises(ValueError, match=msg):
            map_at_k(SCORES, TARGETS, k=2, classes=bad)
