"""The JFT mAP@k evaluation metric (Sun et al. 2017, §4.2)."""
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmjft.evaluation.functional import mean_ap, per_class_ap_at_k
from mmjft.registry import METRICS


def _load_weights(class_weights):
    """'frequency' / 'uniform' pass through; a .npy / .txt path or a sequence becomes an array."""
    if isinstance(class_weights, str):
        if class_weights in ('frequency', 'uniform'):
            return class_weights
        if not osp.isfile(class_weights):
            raise ValueError(f"class_weights must be 'frequency', 'uniform', an array or the path of "
                             f'a .npy/.txt file of weights, got {class_weights!r}')
        if class_weights.endswith('.npy'):
            return np.load(class_weights).astype(np.float64).ravel()
        return np.loadtxt(class_weights, dtype=np.float64, ndmin=1).ravel()
    return np.asarray(class_weights, dtype=np.float64).ravel()


def _read_eval_classes(eval_classes):
    """``[(where, name or id)]`` from a file of class names (one per line) or a sequence."""
    if isinstance(eval_classes, str):
        if not osp.isfile(eval_classes):
            raise ValueError(f'eval_classes file {eval_classes!r} does not exist')
        with open(eval_classes, encoding='utf-8') as f:
            return [(f'{eval_classes}:{n}', line.strip()) for n, line in enumerate(f, 1) if line.strip()]
    items = [(f'eval_classes[{i}]', c) for i, c in enumerate(eval_classes)]
    for where, c in items:
        if not isinstance(c, (str, int, np.integer)) or isinstance(c, bool):
            raise ValueError(f'{where} must be a class name or an int id, got {c!r}')
    return items


@METRICS.register_module()
class MAPAtK(BaseMetric):
    """mAP@k over a multi-label classification evaluation set, as in JFT-300M.

    Only each image's top-k (class id, score) pairs, taken among all the classes the model
    predicts, and its positive ids are kept, so memory is O(N * k), never N x C. Values are the
    fractions in [0, 1] that :func:`~mmjft.evaluation.functional.map_at_k` returns (not
    mmpretrain's percent): ``'{prefix}/mAP@{k}'`` under ``class_weights`` (``'jft/mAP@100'``,
    frequency-weighted, by default) and ``'{prefix}/mAP@{k}_{name}'`` for each extra weighting,
    all from one ranking. NaN scores raise in :meth:`compute_metrics`, with their total count.
    A sample with ``gt_negative`` (human-verified negatives: pack it with
    ``PackInputs(algorithm_keys=('gt_negative',))``) is partially annotated: classes neither
    positive nor verified negative on it are left out of its AP; samples without it are dense.

    Args:
        k (int): Classes kept per image. Defaults to 100.
        class_weights (str | Sequence[float]): ``'frequency'`` (weight = number of positives),
            ``'uniform'``, C weights, or the path of a ``.npy`` / ``.txt`` file holding them.
            Defaults to ``'frequency'``.
        extra_class_weights (Sequence[str] | dict): More weightings reported in the same run:
            names among ``'frequency'`` / ``'uniform'``, or a dict ``{name: class_weights}``.
            Defaults to ``('uniform',)``.
        eval_classes (str | Sequence[str | int], optional): The classes averaged (e.g.
            FastEval's 6,000): the path of a text file with one class name per line, or class
            names / ids. Names are looked up in ``dataset_meta['classes']`` when the metric is
            computed. Defaults to None (all classes).
        collect_device (str): Device used to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to None (``'jft'``).
        collect_dir (str, optional): Directory used to collect results across ranks when
            ``collect_device='cpu'``. Defaults to None.

    Examples:
        >>> val_evaluator = dict(type='mmjft.MAPAtK', k=100, eval_classes='fasteval_classes.txt')
    """
    default_prefix = 'jft'

    def __init__(self,
                 k: int = 100,
                 class_weights: str | Sequence[float] = 'frequency',
                 extra_class_weights: Sequence[str] | dict = ('uniform',),
                 eval_classes: str | Sequence[str | int] | None = None,
                 collect_device: str = 'cpu',
                 prefix: str | None = None,
                 collect_dir: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        if not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be a positive int, got {k!r}')
        self.k = k
        self.class_weights = _load_weights(class_weights)
        if isinstance(extra_class_weights, str):
            extra_class_weights = (extra_class_weights,)
        if not isinstance(extra_class_weights, dict):
            bad = [w for w in extra_class_weights if w not in ('frequency', 'uniform')]
            if bad:
                raise ValueError(f"extra_class_weights names must be 'frequency' or 'uniform' (or pass a "
                                 f'dict {{name: class_weights}}), got {bad}')
            extra_class_weights = {w: w for w in extra_class_weights}
        self.extra_class_weights = {str(n): _load_weights(w) for n, w in extra_class_weights.items()}
        self.eval_classes = None if eval_classes is None else _read_eval_classes(eval_classes)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's top-k classes and scores, its positive ids and its NaN count.

        Args:
            data_batch: A batch from the dataloader (unused).
            data_samples (Sequence[dict | DataSample]): Model outputs with ``pred_score`` (C
                scores) and ``gt_label`` (positive class ids) or else ``gt_score`` (multi-hot,
                entries >= 0.5 are positives), and optionally ``gt_negative`` (verified negative
                ids, as :class:`~mmjft.datasets.JFTDataset` gives a partially annotated image):
                such an image is judged only on its positives and those negatives.
        """
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples]
        if not samples:
            return
        scores = torch.stack([torch.as_tensor(s['pred_score']).detach().reshape(-1) for s in samples])
        num_classes = scores.shape[1]
        if not scores.is_floating_point():
            scores = scores.float()
        num_nan = torch.isnan(scores).sum(dim=1).cpu().numpy()
        vals, inds = torch.topk(scores, min(self.k, num_classes), dim=1)
        vals = vals.float().cpu().numpy()
        inds = inds.to(torch.int32).cpu().numpy()
        for i, s in enumerate(samples):
            if 'gt_label' in s:
                gt = torch.as_tensor(s['gt_label']).reshape(-1)
            else:
                gt = torch.nonzero(torch.as_tensor(s['gt_score']).reshape(-1) >= 0.5).reshape(-1)
            self.results.append(dict(
                topk_indices=inds[i].copy(),  # copies: drop the reference to the batch array
                topk_scores=vals[i].copy(),
                gt_labels=gt.cpu().numpy().astype(np.int32),
                gt_negative=(None if s.get('gt_negative') is None else
                             torch.as_tensor(s['gt_negative']).reshape(-1).cpu().numpy().astype(np.int32)),
                num_classes=num_classes,
                num_nan=int(num_nan[i])))

    def _eval_class_ids(self) -> np.ndarray | None:
        """``eval_classes`` as class ids, names looked up in ``dataset_meta['classes']``."""
        if self.eval_classes is None:
            return None
        names = [(w, c) for w, c in self.eval_classes if isinstance(c, str)]
        if names and not (self.dataset_meta or {}).get('classes'):
            raise ValueError(f'eval_classes names classes ({names[0][0]}: {names[0][1]!r}) but '
                             "dataset_meta has no 'classes' to look them up in")
        to_id = {n: i for i, n in enumerate(self.dataset_meta['classes'])} if names else {}
        unknown = [f'{w}: {c!r}' for w, c in names if c not in to_id]
        if unknown:
            raise ValueError(f"eval_classes has {len(unknown)} names not in dataset_meta['classes']: "
                             + '; '.join(unknown[:5]))
        return np.array([to_id[c] if isinstance(c, str) else int(c) for _, c in self.eval_classes],
                        dtype=np.int64)

    def compute_metrics(self, results: list) -> dict:
        """Compute mAP@k under each weighting from the collected per-sample results.

        Args:
            results (list[dict]): What :meth:`process` stored, gathered from all ranks.

        Returns:
            dict: ``{f'mAP@{k}': value}`` and ``{f'mAP@{k}_{name}': value}`` per extra
            weighting, values in [0, 1].
        """
        num_classes = {r['num_classes'] for r in results}
        if len(num_classes) != 1:
            raise ValueError(f'pred_score lengths differ between samples: {sorted(num_classes)}')
        num_nan = np.array([r['num_nan'] for r in results])
        if num_nan.any():
            raise ValueError(f'pred_score holds {int(num_nan.sum())} NaN values in '
                             f'{int((num_nan > 0).sum())} of {len(results)} images')
        negatives = [r.get('gt_negative') for r in results]
        ap, num_pos = per_class_ap_at_k(
            np.stack([r['topk_indices'] for r in results]),
            np.stack([r['topk_scores'] for r in results]),
            [r['gt_labels'] for r in results],
            num_classes.pop(),
            negatives if any(n is not None for n in negatives) else None)
        classes = self._eval_class_ids()
        out = {f'mAP@{self.k}': mean_ap(ap, num_pos, self.class_weights, classes)}
        for name, weights in self.extra_class_weights.items():
            out[f'mAP@{self.k}_{name}'] = mean_ap(ap, num_pos, weights, classes)
        return out
