"""ASPP-L: four 3x3 atrous branches (6, 12, 18, 24) on conv5, summed; mmseg's losses; on the inputs' device."""

import pytest
import torch
from mmengine.registry import DefaultScope

from conftest import ROOT


def build_head(**kwargs):
    import mmjft.downstream.segmentation  # noqa: F401
    from mmseg.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(dict(dict(type='mmjft.ASPPLHead', in_channels=8, num_classes=5), **kwargs))


def test_branches_are_atrous_3x3_convs_xavier_initialised():
    head = build_head()
    assert [b.dilation for b in head.aspp_branches] == [(6, 6), (12, 12), (18, 18), (24, 24)]
    assert [b.padding for b in head.aspp_branches] == [(6, 6), (12, 12), (18, 18), (24, 24)]
    assert all(b.kernel_size == (3, 3) and b.out_channels == 5 and b.in_channels == 8 for b in head.aspp_branches)
    assert not hasattr(head, 'conv_seg') and head.dropout is None and head.ignore_index == 255
    with DefaultScope.overwrite_default_scope('mmseg'):
        head.init_weights()
    bound = (6.0 / (8 * 9 + 5 * 9)) ** 0.5  # Xavier-uniform limit for fan_in 72, fan_out 45
    for b in head.aspp_branches:
        assert b.weight.abs().max() <= bound and b.weight.abs().max() > 0.8 * bound
        assert torch.all(b.bias == 0)
    with pytest.raises(ValueError, match='dilations'):
        build_head(dilations=(6, 0))


def test_output_is_the_sum_of_the_branches_and_every_branch_learns():
    torch.manual_seed(0)
    head = build_head()
    x = torch.randn(2, 8, 17, 17, requires_grad=True)
    out = head([x])
    branches = head.branch_outputs([x])
    assert out.shape == (2, 5, 17, 17) and len(branches) == 4
    assert torch.allclose(out, branches[0] + branches[1] + branches[2] + branches[3], atol=1e-6)
    # each branch sees a different neighbourhood: removing one changes the output
    assert all(not torch.allclose(out, out - b) for b in branches)

    from mmseg.structures import SegDataSample
    from mmengine.structures import PixelData
    samples = []
    for _ in range(2):
        label = torch.randint(0, 5, (1, 33, 33))
        label[:, :4] = 255  # ignored pixels
        samples.append(SegDataSample(gt_sem_seg=PixelData(data=label)))
    losses = head.loss([x], samples, train_cfg={})
    assert set(losses) == {'loss_ce', 'acc_seg'} and losses['loss_ce'] > 0
    losses['loss_ce'].backward()
    assert all(b.weight.grad is not None and b.weight.grad.abs().sum() > 0 for b in head.aspp_branches)
    assert x.grad.abs().sum() > 0


def test_output_stride_8_and_device_on_meta():
    """The R101 config's backbone and head on the meta device: 513x513 -> 65x65 class maps, on the input's device."""
    from mmengine.config import Config
    import mmjft.downstream.segmentation  # noqa: F401
    from mmseg.registry import MODELS
    cfg = Config.fromfile(f'{ROOT}/configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py')
    with DefaultScope.overwrite_default_scope('mmseg'), torch.device('meta'):
        model = MODELS.build(cfg.model)
        feats = model.extract_feat(torch.empty(1, 3, 513, 513))
        out = model.decode_head(feats)
    assert feats[-1].shape == (1, 2048, 65, 65)
    assert out.shape == (1, 21, 65, 65) and out.device.type == 'meta'
