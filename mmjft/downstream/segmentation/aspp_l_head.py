"""DeepLab-v2's ASPP-L head (Chen et al. 2016; Sun et al. 2017 §5.3): four parallel 3x3 atrous convolutions on conv5,
rates 6, 12, 18, 24, each predicting the class scores directly; the four score maps are summed.

mmseg's ``ASPPHead`` is DeepLab-v3's (concatenated branches with BN, image pooling, a bottleneck, then a 1x1
classifier), a different head. This one keeps everything else of mmseg's ``BaseDecodeHead``: losses, ``ignore_index``
(255), ``align_corners``, ``num_classes``, ``in_index``, upsampling of the logits to the label size. It has no
intermediate ``channels`` and no ``conv_seg``: the branches are the classifier (the paper replaces the checkpoint's
classifier by them, Xavier-initialised). DeepLab-v2's ResNet-101 model has no dropout before them, so
``dropout_ratio`` defaults to 0 here.
"""
from typing import Sequence, Tuple

import torch
from torch import Tensor, nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead

from mmjft.registry import MODELS


@MODELS.register_module()
class ASPPLHead(BaseDecodeHead):
    """Sum of ``len(dilations)`` parallel 3x3 convolutions, dilation ``r`` and padding ``r`` each.

    Args:
        in_channels (int): channels of the input feature (conv5: 2048 for ResNet-50/101/152, 512 for 18/34).
        dilations (Sequence[int]): atrous rates. Defaults to (6, 12, 18, 24) (DeepLab-ASPP-L; the paper's text prints
            '6, 12, 8, 24', a typo).
        dropout_ratio (float): dropout before the branches. Defaults to 0 (DeepLab-v2's ResNet has none).
        init_cfg: defaults to Xavier (uniform) weights and zero biases in every branch.
        **kwargs: :class:`mmseg.models.decode_heads.decode_head.BaseDecodeHead` (``num_classes``, ``loss_decode``,
            ``ignore_index``, ``align_corners``, ``in_index``, ...). ``channels`` is not used and may be left out.
    """

    def __init__(self, in_channels: int, dilations: Sequence[int] = (6, 12, 18, 24), dropout_ratio: float = 0.0,
                 init_cfg=dict(type='Xavier', distribution='uniform', bias=0., layer='Conv2d'), **kwargs):
        kwargs.setdefault('channels', in_channels)  # BaseDecodeHead requires it; conv_seg is dropped below
        dilations = tuple(int(d) for d in dilations)
        if not dilations or any(d < 1 for d in dilations):
            raise ValueError(f'dilations must be positive integers, got {dilations}')
        super().__init__(in_channels, dropout_ratio=dropout_ratio, init_cfg=init_cfg, **kwargs)
        del self.conv_seg  # the branches are the classifier
        self.dilations = dilations
        self.aspp_branches = nn.ModuleList(
            nn.Conv2d(self.in_channels, self.out_channels, kernel_size=3, padding=d, dilation=d)
            for d in dilations)

    def branch_outputs(self, inputs) -> Tuple[Tensor, ...]:
        """Each branch's score map, before the sum (for inspection and tests)."""
        x = self._transform_inputs(inputs)
        if self.dropout is not None:
            x = self.dropout(x)
        return tuple(branch(x) for branch in self.aspp_branches)

    def forward(self, inputs) -> Tensor:
        outs = self.branch_outputs(inputs)
        return sum(outs[1:], outs[0])

    def cls_seg(self, feat):  # pragma: no cover - never called: the branches classify
        raise NotImplementedError('ASPPLHead has no conv_seg: its branches predict the class scores')
