"""The JFT mAP@k evaluation metric (Sun et al. 2017, §4.2)."""
import os.path as osp
from collections.abc import Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.structures import BaseDataElement

from mmjft.evaluation.functional import map_at_k_from_topk
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


@METRICS.register_module()
class MAPAtK(BaseMetric):
    """mAP@k over a multi-label classification evaluation set, as in JFT-300M.

    Only each image's top-k (class id, score) pairs and its positive ids are kept, so memory is
    O(N * k), never N x C. The value is the fraction in [0, 1] that
    :func:`~mmjft.evaluation.functional.map_at_k` returns (not mmpretrain's percent), under the
    key ``'{prefix}/mAP@{k}'`` (``'jft/mAP@100'`` by default).

    Args:
        k (int): Classes kept per image. Defaults to 100.
        class_weights (str | Sequence[float]): ``'frequency'`` (weight = number of positives),
            ``'uniform'``, C weights, or the path of a ``.npy`` / ``.txt`` file holding them.
            Defaults to ``'frequency'``.
        collect_device (str): Device used to collect results across ranks. Defaults to 'cpu'.
        prefix (str, optional): Metric name prefix. Defaults to None (``'jft'``).
        collect_dir (str, optional): Directory used to collect results across ranks when
            ``collect_device='cpu'``. Defaults to None.

    Examples:
        >>> val_evaluator = dict(type='mmjft.MAPAtK', k=100)
    """
    default_prefix = 'jft'

    def __init__(self,
                 k: int = 100,
                 class_weights: str | Sequence[float] = 'frequency',
                 collect_device: str = 'cpu',
                 prefix: str | None = None,
                 collect_dir: str | None = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        if not isinstance(k, int) or k < 1:
            raise ValueError(f'k must be a positive int, got {k!r}')
        self.k = k
        self.class_weights = _load_weights(class_weights)

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep each sample's top-k classes and scores and its positive class ids.

        Args:
            data_batch: A batch from the dataloader (unused).
            data_samples (Sequence[dict | DataSample]): Model outputs with ``pred_score`` (C
                scores) and ``gt_label`` (positive class ids) or else ``gt_score`` (multi-hot,
                entries >= 0.5 are positives).
        """
        samples = [s.to_dict() if isinstance(s, BaseDataElement) else s for s in data_samples]
        if not samples:
            return
        scores = torch.stack([torch.as_tensor(s['pred_score']).detach().reshape(-1) for s in samples])
        num_classes = scores.shape[1]
        if not scores.is_floating_point():
            scores = scores.float()
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
                num_classes=num_classes))

    def compute_metrics(self, results: list) -> dict:
        """Compute mAP@k from the collected per-sample results.

        Args:
            results (list[dict]): What :meth:`process` stored, gathered from all ranks.

        Returns:
            dict: ``{f'mAP@{k}': value in [0, 1]}``.
        """
        num_classes = {r['num_classes'] for r in results}
        if len(num_classes) != 1:
            raise ValueError(f'pred_score lengths differ between samples: {sorted(num_classes)}')
        value = map_at_k_from_topk(
            np.stack([r['topk_indices'] for r in results]),
            np.stack([r['topk_scores'] for r in results]),
            [r['gt_labels'] for r in results],
            num_classes.pop(),
            class_weights=self.class_weights)
        return {f'mAP@{self.k}': value}
