"""G-RMI's pose head and loss (Papandreou et al. 2017, §3.2) on mmpose's ``HeatmapHead``.

The head is G-RMI's: a 1x1 convolution on conv5 (output stride 8, atrous conv4 / conv5 in the backbone) predicting
``3K`` maps, per keypoint the disk logit and the x / y offsets in units of the disk radius (the layout of
:class:`~mmjft.downstream.pose.GRMIDiskOffset`). mmpose's ``HeatmapHead`` with no deconvolution and no intermediate
convolution is exactly that; this subclass changes the loss (two terms) and applies the sigmoid before decoding.

Loss (G-RMI eq. 1): ``L = 4 * L_h + 1 * L_o``:

- ``L_h``: sigmoid cross-entropy of the disk maps, averaged over the grid positions of the labelled keypoints;
- ``L_o``: Huber loss of the offsets in input pixels (``huber_delta`` px), counted inside each keypoint's disk only
  and averaged over those positions, divided by ``R`` (so that an error of one radius weighs about one, as a
  misclassified disk pixel does; G-RMI gives no delta or scale).

Keypoints not labelled (``keypoint_weights == 0``, COCO visibility 0) contribute to neither term.
"""
from typing import Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmpose.models.heads import HeatmapHead
from torch import Tensor, nn

from mmjft.registry import MODELS


@MODELS.register_module()
class GRMILoss(nn.Module):
    """G-RMI's two-term loss.

    Args:
        radius (float): the codec's disk radius R in input pixels (the offsets are in units of R). G-RMI: 25.
        huber_delta (float): Huber's delta in input pixels.
        heatmap_weight (float): G-RMI's lambda_h = 4.
        offset_weight (float): G-RMI's lambda_o = 1.
    """

    def __init__(self, radius: float = 25., huber_delta: float = 1., heatmap_weight: float = 4.,
                 offset_weight: float = 1.):
        super().__init__()
        if radius <= 0 or huber_delta <= 0:
            raise ValueError(f'radius and huber_delta must be > 0, got {radius}, {huber_delta}')
        self.radius, self.huber_delta = float(radius), float(huber_delta)
        self.heatmap_weight, self.offset_weight = float(heatmap_weight), float(offset_weight)

    def forward(self, pred: Tensor, target: Tensor, keypoint_weights: Tensor) -> dict:
        """``pred`` and ``target`` ``(B, 3K, H, W)``, ``keypoint_weights`` ``(B, K)`` -> ``dict(loss_heatmap,
        loss_offset)``, weighted."""
        if pred.shape != target.shape or pred.shape[1] % 3:
            raise ValueError(f'pred {tuple(pred.shape)} and target {tuple(target.shape)} must both be (B, 3K, H, W)')
        B, C, H, W = pred.shape
        K = C // 3
        if tuple(keypoint_weights.shape) != (B, K):
            raise ValueError(f'keypoint_weights must be (B, K) = ({B}, {K}), got {tuple(keypoint_weights.shape)}')
        pred, target = pred.view(B, K, 3, H, W), target.to(pred.dtype).view(B, K, 3, H, W)
        labelled = (keypoint_weights > 0).to(pred.dtype)[:, :, None, None]  # (B, K, 1, 1)
        disk_t = target[:, :, 0]
        bce = F.binary_cross_entropy_with_logits(pred[:, :, 0], disk_t, reduction='none')
        loss_h = (bce * labelled).sum() / (labelled.sum() * H * W).clamp(min=1)
        in_disk = disk_t * labelled  # (B, K, H, W)
        huber = F.huber_loss(pred[:, :, 1:] * self.radius, target[:, :, 1:] * self.radius, reduction='none',
                             delta=self.huber_delta).sum(2)  # x + y, pixels
        loss_o = (huber * in_disk).sum() / in_disk.sum().clamp(min=1) / self.radius
        return dict(loss_heatmap=self.heatmap_weight * loss_h, loss_offset=self.offset_weight * loss_o)


@MODELS.register_module()
class GRMIHead(HeatmapHead):
    """1x1 convolution to ``3 * num_keypoints`` maps (disk logit, x offset, y offset per keypoint).

    Args:
        in_channels (int): channels of the last backbone feature (2048 for ResNet-101's conv5, 512 for ResNet-18).
        num_keypoints (int): K (17 for COCO).
        loss (dict): defaults to :class:`GRMILoss` with G-RMI's radius and weights.
        decoder (dict): a :class:`~mmjft.downstream.pose.GRMIDiskOffset` config (needed to predict).
        init_cfg: mmpose's HeatmapHead default (normal, std 0.001; zero bias).
    """

    def __init__(self, in_channels: int, num_keypoints: int, loss: dict = dict(type='mmjft.GRMILoss'),
                 decoder: Optional[dict] = None, init_cfg=None):
        if num_keypoints < 1:
            raise ValueError(f'num_keypoints must be >= 1, got {num_keypoints}')
        super().__init__(in_channels, 3 * num_keypoints, deconv_out_channels=None, conv_out_channels=None,
                         final_layer=dict(kernel_size=1), loss=loss, decoder=decoder, init_cfg=init_cfg)
        self.num_keypoints = num_keypoints

    def predict(self, feats: Tuple[Tensor], batch_data_samples, test_cfg: dict = {}):
        if test_cfg.get('flip_test', False):
            raise NotImplementedError('GRMIHead has no flip test (offset maps would need their x sign flipped)')
        out = self.forward(feats)
        probs = out.clone()
        probs[:, 0::3] = out[:, 0::3].sigmoid()
        preds = self.decode(probs)
        if test_cfg.get('output_heatmaps', False):
            from mmengine.structures import PixelData
            return preds, [PixelData(heatmaps=hm) for hm in probs[:, 0::3].detach()]
        return preds

    def loss(self, feats: Tuple[Tensor], batch_data_samples, train_cfg: dict = {}) -> dict:
        pred = self.forward(feats)
        target = torch.stack([d.gt_fields.heatmaps for d in batch_data_samples]).to(pred.device)
        weights = torch.cat([d.gt_instance_labels.keypoint_weights for d in batch_data_samples]).to(pred.device)
        return self.loss_module(pred, target, weights)
