"""mmdet's C4 shared head (``ResLayer``: one ResNet stage, conv5, run on every RoI) for a ResNet of any width.

mmdet's ``ResLayer`` (mmdet/models/roi_heads/shared_heads/res_layer.py) hard-codes ResNet's standard widths
(``planes = 64 * 2**stage``), while mmdet's ``ResNet`` backbone takes ``base_channels``: a narrow backbone (the mini
configs' ResNet-18 with 16 base channels, configs/jft/resnet18-w16_1xb32_mini-jft-64px.py) could not get its conv5 as
the RoI head. This subclass adds ``base_channels`` (``planes = base_channels * 2**stage``, ``inplanes = base_channels *
2**(stage - 1) * expansion``, as ``ResNet`` computes them) and is otherwise mmdet's: the same blocks, built by mmdet's
``ResLayer`` builder (mmdet.models.layers), the same module name ``layer{stage + 1}`` (so the converted checkpoints'
``roi_head.shared_head.layer4.*`` keys fit, mmjft/downstream/convert.py's ``mmdet-c4`` target), mmdet's
``forward`` and ``train`` (frozen BN statistics with ``norm_eval``), the same default ``init_cfg``. With
``base_channels=64`` it is mmdet's module, tensor for tensor.

It imports mmdet, so configs load it with ``custom_imports=dict(imports=['mmjft.downstream.detection'])`` and name it
``roi_head=dict(shared_head=dict(type='mmjft.ResLayer', depth=18, base_channels=16, ...))``.
"""
from mmdet.models.backbones import ResNet
from mmdet.models.layers import ResLayer as _build_res_layer
from mmdet.models.roi_heads.shared_heads import ResLayer as MMDetResLayer
from mmengine.model import BaseModule

from mmjft.registry import MODELS


@MODELS.register_module()
class ResLayer(MMDetResLayer):
    """Stage ``stage`` of a ResNet of ``depth`` and ``base_channels``, as a RoI head.

    Args:
        depth (int): ResNet depth (18, 34, 50, 101, 152).
        stage (int): the stage, 0-based (3: conv5, named ``layer4``). Defaults to 3.
        base_channels (int): the backbone's ``base_channels`` (the first stage's planes). Defaults to 64 (mmdet's).
        stride, dilation, style, norm_cfg, norm_eval, with_cp, dcn, init_cfg: as mmdet's ``ResLayer``. ``init_cfg``
            None gives mmdet's default (Kaiming convolutions, BN weights 1).
    """

    def __init__(self, depth, stage=3, stride=2, dilation=1, style='pytorch',
                 norm_cfg=dict(type='BN', requires_grad=True), norm_eval=True, with_cp=False, dcn=None,
                 base_channels=64, init_cfg=None):
        if depth not in ResNet.arch_settings:
            raise KeyError(f'invalid depth {depth} for ResNet; one of {sorted(ResNet.arch_settings)}')
        if isinstance(base_channels, bool) or not isinstance(base_channels, int) or base_channels < 1:
            raise ValueError(f'base_channels must be a positive int, got {base_channels!r}')
        block, stage_blocks = ResNet.arch_settings[depth]
        if not 1 <= stage < len(stage_blocks):
            raise ValueError(f'stage must be 1-{len(stage_blocks) - 1} (a stage after the first), got {stage}')
        # mmdet's ResLayer.__init__ would build the standard-width stage first: its attributes are set here instead,
        # and the default init_cfg is its (mmdet: init_cfg None and no 'pretrained' -> Kaiming + constant BN)
        BaseModule.__init__(self, init_cfg if init_cfg is not None else [
            dict(type='Kaiming', layer='Conv2d'),
            dict(type='Constant', val=1, layer=['_BatchNorm', 'GroupNorm'])])
        self.norm_eval = norm_eval
        self.norm_cfg = norm_cfg
        self.stage = stage
        self.base_channels = base_channels
        self.fp16_enabled = False
        planes = base_channels * 2**stage
        inplanes = base_channels * 2**(stage - 1) * block.expansion
        self.add_module(
            f'layer{stage + 1}',
            _build_res_layer(block, inplanes, planes, stage_blocks[stage], stride=stride, dilation=dilation,
                             style=style, with_cp=with_cp, norm_cfg=norm_cfg, dcn=dcn))
