"""The JFT pretraining head: one Linear layer, a sigmoid per label, every absent label a negative."""
from typing import List, Optional, Sequence, Union

import numpy as np
import torch
from mmpretrain.models.heads import MultiLabelLinearClsHead
from mmpretrain.structures import DataSample

from mmjft.registry import MODELS


def _per_class(value, num_classes: int, name: str) -> Optional[torch.Tensor]:
    """A scalar, a sequence of C values, or a path to a .npy / text file of C values -> a float tensor of C."""
    if value is None:
        return None
    if isinstance(value, str):
        value = np.load(value) if value.endswith('.npy') else np.loadtxt(value, dtype=np.float64)
    array = np.broadcast_to(np.asarray(value, dtype=np.float32), (num_classes, )).copy() \
        if np.ndim(value) == 0 else np.asarray(value, dtype=np.float32)
    if array.shape != (num_classes, ):
        raise ValueError(f'{name} has {array.shape} values, the head has {num_classes} classes')
    return torch.from_numpy(array)


@MODELS.register_module()
class HierarchicalMultiLabelHead(MultiLabelLinearClsHead):
    """Linear(in_channels -> num_classes) with per-label sigmoid cross-entropy over hierarchy-expanded targets.

    The targets arrive as each image's label ids with their ancestors already added (:class:`JFTDataset` expands
    them); every other class is a negative. The batch's multi-hot target is built in one scatter on the logits'
    device, never per sample in Python (C is 18,291 for JFT). The loss is computed in float32 even under bf16/fp16
    autocast.

    Args:
        num_classes (int): number of labels (18,291 for JFT). A config may say ``'auto'``: mmjft's Runner replaces
            it by the size of the train dataset's label space before building the model.
        in_channels (int): feature width (2048 for ResNet-50/101/152).
        loss (dict): the loss, mmpretrain's sigmoid ``CrossEntropyLoss`` by default (summed over labels, averaged over
            the batch).
        prior_prob (float | str, optional): initialise the bias to ``-log((1 - p) / p)`` so that the first predictions
            equal the labels' prior and the first loss is small: a float p for all classes, or a file of C priors
            (e.g. class frequencies). Defaults to None (zero bias, first loss ~ C * log 2).
        pos_weight (float | Sequence | str, optional): per-class weight of the positive term (a scalar, C values, or
            a .npy / text file). Defaults to None.
        **kwargs: ``thr``, ``topk``, ``init_cfg`` of :class:`MultiLabelLinearClsHead`.
    """

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='CrossEntropyLoss', use_sigmoid=True),
                 prior_prob: Union[float, str, None] = None,
                 pos_weight: Union[float, Sequence[float], str, None] = None,
                 **kwargs):
        if not isinstance(num_classes, int):
            raise ValueError(f"num_classes must be an int, got {num_classes!r}: num_classes='auto' is filled from the "
                             "train dataset's class list by mmjft's Runner (runner_type='mmjft.Runner', as "
                             'tools/train.py and tools/test.py build it)')
        super().__init__(num_classes=num_classes, in_channels=in_channels, loss=loss, **kwargs)
        self.prior_prob = prior_prob
        weights = _per_class(pos_weight, num_classes, 'pos_weight')
        self.register_buffer('pos_weight', weights, persistent=False)

    def init_weights(self):
        super().init_weights()
        prior = _per_class(self.prior_prob, self.num_classes, 'prior_prob')
        if prior is not None:
            if not bool(((prior > 0) & (prior < 1)).all()):
                raise ValueError('prior_prob must lie strictly between 0 and 1')
            with torch.no_grad():
                self.fc.bias.copy_(-torch.log((1 - prior) / prior))

    @staticmethod
    def build_targets(data_samples: List[DataSample], num_classes: int, device) -> torch.Tensor:
        """The batch's N x C multi-hot float target, from each sample's label ids, in one scatter on ``device``.

        Every index is made on ``device`` (the labels arrive there from the data preprocessor) and nothing waits for
        the device: the label counts are tensor shapes, known on the host, and ``output_size`` spares
        ``repeat_interleave`` its device-to-host read of the total. An id outside [0, C) fails through an
        asynchronous device-side assert rather than writing into another image's row.
        """
        if 'gt_score' in data_samples[0]:
            return torch.stack([s.gt_score for s in data_samples]).to(device=device, dtype=torch.float32)
        labels = [s.gt_label.reshape(-1) for s in data_samples]
        counts = [int(x.numel()) for x in labels]
        total = sum(counts)
        target = torch.zeros(len(labels) * num_classes, device=device)
        if total:
            cols = torch.cat([x.to(device, non_blocking=True) for x in labels]).long()
            torch._assert_async(((cols >= 0) & (cols < num_classes)).all(),
                                f'a gt_label id lies outside [0, {num_classes}): the head has {num_classes} '
                                'classes, the dataset more (see LabelSpaceCheckHook)')
            rows = torch.repeat_interleave(torch.arange(len(labels), device=device),
                                           torch.tensor(counts, device=device), output_size=total)
            target.index_fill_(0, rows * num_classes + cols, 1.0)
        return target.view(len(labels), num_classes)

    def _get_loss(self, cls_score: torch.Tensor, data_samples: List[DataSample], **kwargs) -> dict:
        target = self.build_targets(data_samples, cls_score.size(-1), cls_score.device)
        if self.pos_weight is not None:
            kwargs.setdefault('pos_weight', self.pos_weight)
        loss = self.loss_module(cls_score.float(), target, avg_factor=cls_score.size(0), **kwargs)
        return dict(loss=loss)

    def predict(self, feats, data_samples=None):
        """Scores are sigmoid probabilities, computed in float32."""
        cls_score = self(feats).float()
        return self._get_predictions(cls_score, data_samples)

