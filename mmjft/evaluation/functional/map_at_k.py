"""mAP@k of Sun et al. 2017 (JFT-300M), §4.2.

Per image only the top-k scored classes are kept. For each class c, its kept (image, score)
entries are ranked by score, descending, and

    AP_c = sum(precision@rank over the ranks that hold a positive) / (number of positives of c)

where the denominator counts every positive of c in the evaluation set, so positives that were
never kept count as misses. mAP@k is the weighted mean of AP_c over the classes with at least one
positive. With k = C, uniform weights and no ties this is sklearn's macro ``average_precision``.

Plain array code (numpy / scipy / torch only).
"""
import warnings
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
import torch

__all__ = ['map_at_k', 'map_at_k_from_topk']


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
                       return_per_class: bool = False):
    """mAP@k from each image's kept top-k classes (no dense N x C array needed).

    Fully vectorised over the N*k kept entries: a sort by (class, -score), segment cumulative
    sums and bincounts. Entries of a class with equal scores are ranked in image order.

    Args:
        topk_indices (array-like): N x k class ids kept per image (k is the width).
        topk_scores (array-like): N x k scores of those classes.
        gt_labels (Sequence[array-like] | scipy.sparse matrix): Positive class ids of each of
            the N images, or an N x C sparse 0/1 matrix.
        num_classes (int): Number of classes C.
        class_weights (str | array-like): ``'frequency'`` (weight = number of positives of the
            class), ``'uniform'`` or C non-negative weights. Defaults to ``'frequency'``.
        return_per_class (bool): Also return the AP of each class. Defaults to False.

    Returns:
        float | tuple[float, np.ndarray]: mAP@k in [0, 1] (0.0 when no class has a positive),
        and, with ``return_per_class``, the C per-class APs (NaN for classes without positives).
    """
    idx = np.asarray(topk_indices.detach().cpu() if torch.is_tensor(topk_indices) else topk_indices)
    sc = np.asarray(topk_scores.detach().cpu() if torch.is_tensor(topk_scores) else topk_scores)
    if idx.ndim != 2 or idx.shape != sc.shape:
        raise ValueError(f'topk_indices {idx.shape} and topk_scores {sc.shape} must be equal N x k shapes')
    gt = _gt_keys(gt_labels, idx.shape[0], int(num_classes))
    return _map_from_keys(idx, sc, gt, int(num_classes), class_weights, return_per_class)


def _map_from_keys(idx, sc, gt, C, class_weights, return_per_class):
    """The core, with the positives given as sorted unique flat keys ``image * C + class``."""
    N = idx.shape[0]
    cls = idx.astype(np.int64, copy=False).ravel()
    if cls.size and (cls.min() < 0 or cls.max() >= C):
        raise ValueError(f'topk_indices must be in [0, {C}), got min {cls.min()} max {cls.max()}')
    num_pos = np.bincount(gt % C, minlength=C) if C else np.zeros(0, np.int64)
    weights = _class_weights(class_weights, num_pos)

    # Whether each kept entry is a positive: membership of its flat key in the sorted gt keys.
    keys = np.repeat(np.arange(N, dtype=np.int64) * C, idx.shape[1]) + cls
    hit = np.searchsorted(gt, keys)
    is_pos = hit < gt.size
    is_pos[is_pos] = gt[hit[is_pos]] == keys[is_pos]

    # Rank each class's entries by score, descending, then walk the class segments.
    order = _rank_order(cls, sc.ravel(), C)
    cls_s, pos_s = cls[order], is_pos[order]
    seg_start = np.concatenate([[0], np.cumsum(np.bincount(cls, minlength=C))])[:-1]
    rank = np.arange(cls_s.size, dtype=np.int64) - seg_start[cls_s] + 1
    cum = np.cumsum(pos_s, dtype=np.int64)  # positives seen so far, over all classes
    before = np.concatenate([[0], cum])[seg_start]  # ... before each class segment starts
    tp = cum - before[cls_s]  # positives seen so far within the class
    prec_sum = np.bincount(cls_s[pos_s], weights=tp[pos_s] / rank[pos_s], minlength=C)

    valid = num_pos > 0
    ap = np.full(C, np.nan)
    ap[valid] = prec_sum[valid] / num_pos[valid]
    wsum = weights[valid].sum()
    if not valid.any():
        result = 0.0
    elif wsum <= 0:
        warnings.warn('class_weights are all zero on the classes that have positives; mAP is 0.0')
        result = 0.0
    else:
        result = float((weights[valid] * ap[valid]).sum() / wsum)
    return (result, ap) if return_per_class else result


def map_at_k(scores,
             targets,
             k: int = 100,
             class_weights: str | Sequence[float] | np.ndarray = 'frequency',
             return_per_class: bool = False):
    """mAP@k (Sun et al. 2017, §4.2) of dense scores against dense 0/1 targets.

    The top-k per image is taken with ``torch.topk`` on a zero-copy view of the scores (numpy
    inputs are not copied) and positives are read with a blocked ``flatnonzero``, so beyond the
    inputs only O(N*k + #positives) memory is used. Ties at the k-th score are broken by
    ``torch.topk`` (deterministic on a given build).

    Args:
        scores (np.ndarray | torch.Tensor): N x C scores (higher = more confident).
        targets (np.ndarray | torch.Tensor): N x C binary (0/1 or bool) targets.
        k (int): Classes kept per image; clipped to C. Defaults to 100.
        class_weights (str | array-like): See :func:`map_at_k_from_topk`.
            Defaults to ``'frequency'``.
        return_per_class (bool): Also return per-class APs. Defaults to False.

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
    return _map_from_keys(top_i, top_s, gt, C, class_weights, return_per_class)


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
