"""mmjft.ResLayer: mmdet's C4 shared head (conv5 on every RoI) for a ResNet of any width; at 64 base channels it is
mmdet's module."""
import pytest
import torch
from mmengine.registry import DefaultScope

from mmjft.downstream.detection import ResLayer


@pytest.mark.parametrize('depth', [18, 50])
def test_standard_width_is_mmdets_head(depth):
    from mmdet.models.roi_heads.shared_heads import ResLayer as MMDetResLayer
    torch.manual_seed(0)
    ours, theirs = ResLayer(depth, style='pytorch'), MMDetResLayer(depth, style='pytorch')
    assert ours.init_cfg == theirs.init_cfg
    assert {k: v.shape for k, v in ours.state_dict().items()} == {k: v.shape for k, v in theirs.state_dict().items()}
    ours.load_state_dict(theirs.state_dict())
    ours.eval(), theirs.eval()
    x = torch.randn(3, 1024 if depth >= 50 else 256, 14, 14)
    assert torch.equal(ours(x), theirs(x))


@pytest.mark.parametrize('depth, base, inplanes, planes, out', [(18, 16, 64, 128, 128), (50, 8, 128, 64, 256)])
def test_narrow_head_has_the_backbone_widths(depth, base, inplanes, planes, out):
    """conv5 of a ResNet with ``base`` channels: input conv4's width, output ``base * 8 * expansion``; the keys stay
    ``layer4.*`` (the converter's mmdet-c4 target)."""
    from mmdet.models.backbones import ResNet
    head = ResLayer(depth, base_channels=base)
    backbone = ResNet(depth, base_channels=base, stem_channels=base)
    assert {k: v.shape for k, v in head.state_dict().items()} == {
        k: v.shape for k, v in backbone.state_dict().items() if k.startswith('layer4.')}
    assert head.layer4[0].conv1.weight.shape[:2] == (planes, inplanes)
    assert head(torch.randn(2, inplanes, 14, 14)).shape == (2, out, 7, 7)
    head.train()
    assert not any(m.training for m in head.modules() if isinstance(m, torch.nn.BatchNorm2d))  # norm_eval


def test_built_from_mmdets_registry_by_its_mmjft_name():
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        head = MODELS.build(dict(type='mmjft.ResLayer', depth=18, base_channels=16, style='pytorch'))
    assert type(head) is ResLayer and head.layer4[1].conv2.weight.shape == (128, 128, 3, 3)


@pytest.mark.parametrize('base', [0, -16, 16.0, True])
def test_bad_width_is_refused(base):
    with pytest.raises(ValueError, match='base_channels'):
        ResLayer(18, base_channels=base)
