"""mAP@k of Sun et al. 2017 (JFT-300M), §4.2.

Per image only the top-k scored classes are kept. For each class c, its kept (image, score)
entries are ranked by score, descending, and

    AP_c = sum(precision@rank over the ranks that hold a positive) / (number of positives of c)

where the denominator counts every positive of c in the evaluation set, so positives that were
never kept count as misses. mAP@k is the weighted mean of AP_c over the classes with at least one
positive (optionally only over a given list of classes). Positives of a class with equal scores
all take the precision at the end of their tied block, so with k = C and uniform weights this is
sklearn's macro ``average_precision``, ties included.

Partially annotated images (Open Images' human verification): an image may come with its verified negatives;
such an image is judged only on its positives and those negatives, and its kept entries of any other class are
left out of the ranking (neither hits nor misses). Images without them are dense: every non-positive is a negative.

Plain array code (numpy / scipy / torch only).
"""
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ['map_at_k', 'map_at_k_from_topk', 'per_class_ap_at_k', 'mean_ap']


def _class_weights(class_weights, num_pos: np.ndarray) -> np.ndarray:
    """Per-class weights (float64, length C) for 'frequency', 'uniform' or an array."""
    C = num_pos.size
    if isinstance(class_weights, str):
        if class_weights == 'frequency':
            return num_pos.astype(np.float64)
        if class_weights == 'uniform':
            return np.ones(C, dtype=np.float64)
        raise ValueError(f"class_weights must be 'frequency', 'uniform' or an array, got {class_weights!r}")
    w = np.asarray(class_weights.detach().cpu() if torch.is_tensor(class_weights) else class_weights,
                   dtype=np.float64).ravel()
    if w.size != C:
        raise ValueError(f'class_weights has {w.size} entries but there are {C} classes')
    if not np.isfinite(w).all() or (w < 0).any():
        raise ValueError('class_weights must be finite and non-negative')
    return w


def _gt_keys(gt_labels, num_images: int, num_classes: int) -> np.ndarray:
    """Sorted unique flat keys ``image * C + class`` of the positives."""
    if sp.issparse(gt_labels):
        G = sp.csr_matrix(gt_labels)
        if G.shape != (num_images, num_classes):
            raise ValueError(f'gt_labels has shape {G.shape}, expected {(num_images, num_classes)}')
        G.eliminate_zeros()
        rows = np.repeat(np.arange(num_images, dtype=np.int64), np.diff(G.indptr))
        cols = G.indices.astype(np.int64)
    else:
        if len(gt_labels) != num_images:
            raise ValueError(f'gt_labels has {len(gt_labels)} images, topk_indices has {num_images}')
        arrays = [np.asarray(g.detach().cpu() if torch.is_tensor(g) else g, dtype=np.int64).ravel()
                  for g in gt_labels]
        lengths = np.fromiter((a.size for a in arrays), dtype=np.int64, count=num_images)
        rows = np.repeat(np.arange(num_images, dtype=np.int64), lengths)
        cols = np.concatenate(arrays) if arrays else np.zeros(0, np.int64)
    if cols.size and (cols.min() < 0 or cols.max() >= num_classes):
        raise ValueError(f'gt label ids must be in [0, {num_classes}), got min {cols.min()} max {cols.max()}')
    return _sorted_unique(rows * num_classes + cols)


def _sorted_unique(keys: np.ndarray) -> np.ndarray:
    """np.unique for int64 keys via sort (numpy 2's hash-based unique is ~50x slower here)."""
    keys = np.sort(keys)
    return keys[np.concatenate([[True], keys[1:] != keys[:-1]])] if keys.size else keys


def _rank_order(cls: np.ndarray, scores: np.ndarray, num_classes: int) -> np.ndarray:
    """Permutation sorting entries by class, then score descending, ties in input order.

    Same result as ``np.lexsort((-scores, cls))`` in half the time: a stable sort on the
    scores, then a stable sort on the class ids (a linear radix sort when they fit in uint16).
    """
    if not np.issubdtype(scores.dtype, np.floating):
        scores = scores.astype(np.float64)  # negating unsigned ints would wrap around
    by_score = np.argsort(-scores, kind='stable')
    cls_dtype = np.uint16 if num_classes <= 1 << 16 else np.int64
    return by_score[np.argsort(cls[by_score].astype(cls_dtype), kind='stable')]


def map_at_k_from_topk(topk_indices,
                       topk_scores,
                       gt_labels: Sequence | sp.spmatrix,
                       num_classes: int,
                       class_weights: str | Sequence[float] | np.ndarray = 'frequency',
                       return_per_class: bool = False,
                       classes: Sequence[int] | np.ndarray | None = None,
                       negatives: Sequence | None = None):
    """mAP@k from each image's kept top-k classes (no dense N x C array needed).

    Fully vectorised over the N*k kept entries: a sort by (class, -score), segment cumulative
    sums and bincounts. Entries of a class with equal scores form a block, and every positive in
    the block gets the precision at the block's end (as sklearn's ``average_precision_score``),
    so the value does not depend on the order of the images.

    Args:
        topk_indices (array-like): N x k class ids kept per image (k is the width); a row must
            not repeat an id.
        topk_scores (array-like): N x k scores of those classes; NaN is an error.
        gt_labels (Sequence[array-like] | scipy.sparse matrix): Positive class ids of each of
            the N images, or an N x C sparse 0/1 matrix.
        num_classes (int): Number of classes C.
        class_weights (str | array-like): ``'frequency'`` (weight = number of positives of the
            class), ``'uniform'`` or C non-negative weights. Defaults to ``'frequency'``.
        return_per_class (bool): Also return the AP of each class. Defaults to False.
        classes (array-like, optional): Ids of the classes averaged (e.g. FastEval's 6,000);
            the top-k is still taken among all C classes. Defaults to None (all classes).
        negatives (Sequence[array-like | None], optional): Per image, None (densely annotated:
            every non-positive class is a negative) or the ids of its verified negatives (the
            image is judged only on its positives and these; kept entries of other classes are
            left out of the AP). A negative that is also a positive counts as a positive.
            Defaults to None (every image dense).

    Returns:
        float | tuple[float, np.ndarray]: mAP@k in [0, 1] (0.0 when no averaged class has a
        positive), and, with ``return_per_class``, the APs of all C classes whatever
        ``classes`` is (NaN for classes without positives).
    """
    ap, num_pos = per_class_ap_at_k(topk_indices, topk_scores, gt_labels, num_classes, negatives)
    result = mean_ap(ap, num_pos, class_weights, classes)
    return (result, ap) if return_per_class else result


def per_class_ap_at_k(topk_indices, topk_scores, gt_labels: Sequence | sp.spmatrix,
                      num_classes: int, negatives: Sequence | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The AP@k of each class and its number of positives (arguments as :func:`map_at_k_from_topk`).

    Returns:
        tuple[np.ndarray, np.ndarray]: C APs (float64, NaN for classes without positives) and
        C positive counts (int64), the inputs of :func:`mean_ap`.
    """
    idx = np.asarray(topk_indices.detach().cpu() if torch.is_tensor(topk_indices) else topk_indices)
    sc = np.asarray(topk_scores.detach().cpu() if torch.is_tensor(topk_scores) else topk_scores)
    if idx.ndim != 2 or idx.shape != sc.shape:
        raise ValueError(f'topk_indices {idx.shape} and topk_scores {sc.shape} must be equal N x k shapes')
    if np.issubdtype(sc.dtype, np.floating):
        _raise_on_nan(np.isnan(sc), np.arange(sc.shape[0]), sc.shape[0])
    if idx.shape[1] > 1:
        srt = np.sort(idx, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]).any(axis=1)
        if dup.any():
            first = int(np.argmax(dup))
            raise ValueError(f'topk_indices repeat a class id in {int(dup.sum())} of {idx.shape[0]} rows '
                             f'(first: row {first}, ids {idx[first].tolist()})')
    gt = _gt_keys(gt_labels, idx.shape[0], int(num_classes))
    judged = None if negatives is None else _judged_mask(idx, gt, negatives, int(num_classes))
    return _per_class_ap(idx, sc, gt, int(num_classes), judged)


def _judged_mask(idx: np.ndarray, gt: np.ndarray, negatives: Sequence, C: int) -> np.ndarray:
    """N x k bool: whether each kept entry counts (dense image, positive, or verified negative)."""
    N = idx.shape[0]
    if len(negatives) != N:
        raise ValueError(f'negatives has {len(negatives)} images, topk_indices has {N}')
    partial = np.fromiter((n is not None for n in negatives), dtype=bool, count=N)
    neg = _gt_keys([np.zeros(0, np.int64) if n is None else n for n in negatives], N, C)
    keys = np.arange(N, dtype=np.int64)[:, None] * C + idx.astype(np.int64)
    judged = ~partial[:, None] | _member(keys, gt) | _member(keys, neg)
    return judged


def _member(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Elementwise membership of ``keys`` in the sorted unique ``sorted_keys``."""
    hit = np.searchsorted(sorted_keys, keys)
    inside = hit < sorted_keys.size
    out = np.zeros(keys.shape, dtype=bool)
    out[inside] = sorted_keys[hit[inside]] == keys[inside]
    return out


def _raise_on_nan(isnan: np.ndarray, row_ids: np.ndarray, num_images: int) -> None:
    """Raise if the NaN mask ``isnan`` of the score rows ``row_ids`` (ascending) has a True."""
    rows = isnan.any(axis=1)
    if rows.any():
        raise ValueError(f'scores hold {int(isnan.sum())} NaN values in {int(rows.sum())} of '
                         f'{num_images} images (first: image {int(row_ids[np.argmax(rows)])})')


def mean_ap(ap: np.ndarray, num_pos: np.ndarray,
            class_weights: str | Sequence[float] | np.ndarray = 'frequency',
            classes: Sequence[int] | np.ndarray | None = None) -> float:
    """Weighted mean of the APs over the classes (of ``classes``, if given) that have a positive.

    Args:
        ap (np.ndarray): C per-class APs, as :func:`per_class_ap_at_k` returns.
        num_pos (np.ndarray): C positive counts, as :func:`per_class_ap_at_k` returns.
        class_weights (str | array-like): See :func:`map_at_k_from_topk`.
        classes (array-like, optional): Ids of the classes averaged, distinct, in [0, C).

    Returns:
        float: The mean in [0, 1]; 0.0 when no averaged class has a positive.
    """
    C = num_pos.size
    weights = _class_weights(class_weights, num_pos)
    valid = num_pos > 0
    if classes is not None:
        valid &= _class_mask(classes, C)
    wsum = weights[valid].sum()
    if not valid.any():
        return 0.0
    if wsum <= 0:
        warnings.warn('class_weights are all zero on the classes that have positives; mAP is 0.0')
        return 0.0
    return float((weights[valid] * ap[valid]).sum() / wsum)


def _class_mask(classes, C: int) -> np.ndarray:
    """Boolean mask of length C of the class ids in ``classes``, which must be distinct, in [0, C)."""
    ids = np.asarray(classes.detach().cpu() if torch.is_tensor(classes) else classes).ravel()
    if ids.size == 0:
        raise ValueError('classes is empty: no class to average over')
    if not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f'classes must be integer class ids, got dtype {ids.dtype}')
    bad = ids[(ids < 0) | (ids >= C)]
    if bad.size:
        raise ValueError(f'classes holds {bad.size} ids outside [0, {C}): {bad[:10].tolist()}')
    mask = np.zeros(C, dtype=bool)
    mask[ids] = True
    if mask.sum() != ids.size:
        u, n = np.unique(ids, return_counts=True)
        raise ValueError(f'classes repeats {int((n > 1).sum())} ids: {u[n > 1][:10].tolist()}')
    return mask


def _per_class_ap(idx, sc, gt, C, judged=None):
    """The core, with the positives given as sorted unique flat keys ``image * C + class``; ``judged`` (N x k
    bool, optional) drops the kept entries that are left out of the AP."""
    N = idx.shape[0]
    cls = idx.astype(np.int64, copy=False).ravel()
    if cls.size and (cls.min() < 0 or cls.max() >= C):
        raise ValueError(f'topk_indices must be in [0, {C}), got min {cls.min()} max {cls.max()}')
    num_pos = np.bincount(gt % C, minlength=C) if C else np.zeros(0, np.int64)

    # Whether each kept entry is a positive: membership of its flat key in the sorted gt keys.
    keys = np.repeat(np.arange(N, dtype=np.int64) * C, idx.shape[1]) + cls
    hit = np.searchsorted(gt, keys)
    is_pos = hit < gt.size
    is_pos[is_pos] = gt[hit[is_pos]] == keys[is_pos]
    sc = sc.ravel()
    if judged is not None:
        keep = judged.ravel()
        cls, is_pos, sc = cls[keep], is_pos[keep], sc[keep]

    # Rank each class's entries by score, descending; a block of equal (class, score) ends where
    # either changes, and each positive takes tp / rank at the end of its block.
    order = _rank_order(cls, sc, C)
    cls_s, pos_s, sc_s = cls[order], is_pos[order], sc[order]
    seg_start = np.concatenate([[0], np.cumsum(np.bincount(cls, minlength=C))])[:-1]
    cum = np.cumsum(pos_s, dtype=np.int64)  # positives seen so far, over all classes
    before = np.concatenate([[0], cum])[seg_start]  # ... before each class segment starts
    block_end = np.ones(cls_s.size, dtype=bool)
    block_end[:-1] = (cls_s[1:] != cls_s[:-1]) | (sc_s[1:] != sc_s[:-1])
    ends = np.flatnonzero(block_end)
    pos_at = np.flatnonzero(pos_s)
    end = ends[np.searchsorted(ends, pos_at)]  # the end of each positive's block
    c = cls_s[pos_at]
    prec = (cum[end] - before[c]) / (end - seg_start[c] + 1)
    prec_sum = np.bincount(c, weights=prec, minlength=C)

    ap = np.full(C, np.nan)
    valid = num_pos > 0
    ap[valid] = prec_sum[valid] / num_pos[valid]
    return ap, num_pos


def map_at_k(scores,
             targets,
             k: int = 100,
             class_weights: str | Sequence[float] | np.ndarray = 'frequency',
             return_per_class: bool = False,
             classes: Sequence[int] | np.ndarray | None = None):
    """mAP@k (Sun et al. 2017, §4.2) of dense scores against dense 0/1 targets.

    The top-k per image is taken with ``torch.topk`` on a zero-copy view of the scores (numpy
    inputs are not copied) and positives are read with a blocked ``flatnonzero``, so beyond the
    inputs only O(N*k + #positives) memory is used. Ties at the k-th score are broken by
    ``torch.topk`` (deterministic on a given build). NaN scores raise: a row sum screens for
    them (a NaN makes it NaN), so only flagged rows are counted.

    Args:
        scores (np.ndarray | torch.Tensor): N x C scores (higher = more confident).
        targets (np.ndarray | torch.Tensor): N x C binary (0/1 or bool) targets.
        k (int): Classes kept per image; clipped to C. Defaults to 100.
        class_weights (str | array-like): See :func:`map_at_k_from_topk`.
            Defaults to ``'frequency'``.
        return_per_class (bool): Also return per-class APs. Defaults to False.
        classes (array-like, optional): Ids of the classes averaged; see
            :func:`map_at_k_from_topk`. Defaults to None (all).

    Returns:
        float | tuple[float, np.ndarray]: See :func:`map_at_k_from_topk`.
    """
    s = scores.detach() if torch.is_tensor(scores) else torch.from_numpy(_as_native(np.asarray(scores)))
    t = (targets.detach().cpu().numpy() if torch.is_tensor(targets) else np.asarray(targets))
    if s.ndim != 2 or tuple(s.shape) != t.shape:
        raise ValueError(f'scores {tuple(s.shape)} and targets {t.shape} must be equal N x C shapes')
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f'k must be a positive int, got {k!r}')
    N, C = t.shape

    if s.is_floating_point() and N and C:
        flagged = torch.nonzero(torch.isnan(s.sum(dim=1))).reshape(-1)
        if flagged.numel():  # NaN rows, or rows with both +inf and -inf
            _raise_on_nan(torch.isnan(s[flagged]).cpu().numpy(), flagged.cpu().numpy(), N)
    gt = _dense_gt_keys(t)
    if s.dtype == torch.bool:
        s = s.to(torch.uint8)  # topk has no bool kernel
    kk = min(int(k), C)
    if N == 0 or C == 0:
        top_s = np.zeros((N, 0), np.float32)
        top_i = np.zeros((N, 0), np.int64)
    else:
        vals, inds = torch.topk(s, kk, dim=1, largest=True, sorted=False)
        top_s, top_i = vals.cpu().numpy(), inds.cpu().numpy()
    ap, num_pos = _per_class_ap(top_i, top_s, gt, C)
    result = mean_ap(ap, num_pos, class_weights, classes)
    return (result, ap) if return_per_class else result


def _dense_gt_keys(t: np.ndarray, block_elems: int = 1 << 24) -> np.ndarray:
    """Sorted flat keys ``image * C + class`` of the nonzeros of ``t``, checking they are all 1.

    Row blocks of ~16M entries bound the temporaries; ``flatnonzero`` on a bool mask is ~10x
    faster than 2-D ``np.nonzero``.
    """
    N, C = t.shape
    step = max(1, block_elems // max(C, 1))
    keys = []
    for start in range(0, N, step):
        block = t[start:start + step].reshape(-1)  # a view for C-contiguous input
        flat = np.flatnonzero(block if block.dtype == np.bool_ else block != 0)
        if block.dtype != np.bool_ and not (block[flat] == 1).all():
            raise ValueError('targets must be binary (0/1)')
        keys.append(flat.astype(np.int64) + start * C)
    return np.concatenate(keys) if keys else np.zeros(0, np.int64)


def _as_native(a: np.ndarray) -> np.ndarray:
    """A torch-compatible view of ``a``: native byte order, non-negative strides, bool -> uint8."""
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    if not a.dtype.isnative or any(st < 0 for st in a.strides):
        a = np.ascontiguousarray(a, dtype=a.dtype.newbyteorder('='))
    return a
