"""Pretraining checkpoint -> mmseg DeepLab weights: every backbone tensor arrives (R18 and a Bottleneck ResNet-50),
the strict initializer lists keys that do not fit, and the input normalisation is checked."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import ROOT
from mmjft.downstream import JFT_IMG_NORM, ConversionError, ConvertedCheckpointInit, convert_for_downstream
from mmjft.models.utils import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain

SEG_R101 = osp.join(ROOT, 'configs/deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py')


def _randomised(state_dict, seed=0):
    gen = torch.Generator().manual_seed(seed)
    return {k: (torch.randn(v.shape, generator=gen).abs() + 0.5 if k.endswith('running_var')
                else torch.randn(v.shape, generator=gen)) if v.is_floating_point() else v + 7
            for k, v in state_dict.items()}


def build_segmentor(checkpoint, depth, **model_overrides):
    import mmjft.downstream.segmentation  # noqa: F401
    from mmseg.registry import MODELS
    cfg = Config.fromfile(SEG_R101)
    cfg.model.init_cfg.checkpoint = checkpoint
    cfg.merge_from_dict({'model.backbone.depth': depth,
                         'model.decode_head.in_channels': 512 if depth < 50 else 2048,
                         **{f'model.{k}': v for k, v in model_overrides.items()}})
    with DefaultScope.overwrite_default_scope('mmseg'):
        return MODELS.build(cfg.model)


def init(model):
    with DefaultScope.overwrite_default_scope('mmseg'):
        model.init_weights()


def pretraining_checkpoint(depth, seed=0):
    """A torchvision ResNet's tensors in mmpretrain's names, as torchvision_to_mmpretrain.py writes them, with a JFT
    classifier head (dropped by the converter)."""
    from torchvision.models import resnet18, resnet50
    tv = _randomised((resnet18 if depth == 18 else resnet50)().state_dict(), seed)
    sd = torchvision_resnet_to_mmpretrain(tv)
    sd['head.fc.weight'] = torch.zeros(3, 4)
    return dict(state_dict=sd, meta=dict(img_norm=JFT_IMG_NORM)), tv


@pytest.mark.parametrize('depth', [18, 50])
def test_every_backbone_tensor_arrives(tmp_path, depth):
    ckpt, tv = pretraining_checkpoint(depth)
    converted = convert_for_downstream(ckpt, 'mmseg')
    assert converted['meta']['prefixes'] == ['backbone.'] and converted['meta']['dropped'] == ['head.fc.weight']
    path = str(tmp_path / 'seg.pth')
    torch.save(converted, path)
    model = build_segmentor(path, depth)
    init(model)
    backbone = model.backbone.state_dict()
    source = {k: v for k, v in tv.items() if not k.startswith('fc.')}
    assert set(backbone) == set(source)  # torchvision's names, nothing left over
    for name, tensor in backbone.items():
        assert torch.equal(tensor, source[name]), name
    # the head is not in the checkpoint: Xavier-initialised by its own init_cfg, biases zero
    assert all(torch.all(b.bias == 0) and b.weight.std() > 0 for b in model.decode_head.aspp_branches)


def test_keys_that_do_not_fit_are_listed(tmp_path):
    ckpt, _ = pretraining_checkpoint(18)
    sd = convert_for_downstream(ckpt, 'mmseg')['state_dict']
    del sd['backbone.layer4.1.bn2.running_var']
    sd['backbone.layer5.0.conv1.weight'] = torch.zeros(1)
    with torch.device('meta'):  # structure only
        model = build_segmentor('unused.pth', 18)
    with pytest.raises(ConversionError) as info:
        ConvertedCheckpointInit.check_keys(sd, model, ('backbone.', ))
    assert 'backbone.layer4.1.bn2.running_var' in str(info.value)
    assert 'backbone.layer5.0.conv1.weight' in str(info.value)
    # a Bottleneck ResNet-50's converted keys fit the model's exactly (meta device: no memory, no init)
    ckpt50, _ = pretraining_checkpoint(50)
    with torch.device('meta'):
        model50 = build_segmentor('unused.pth', 50)
    ConvertedCheckpointInit.check_keys(convert_for_downstream(ckpt50, 'mmseg')['state_dict'], model50, ('backbone.', ))


def test_normalisation_mismatch_fails(tmp_path):
    ckpt, _ = pretraining_checkpoint(18)
    converted = convert_for_downstream(ckpt, 'mmseg', img_norm='torchvision')
    path = str(tmp_path / 'seg.pth')
    torch.save(converted, path)
    model = build_segmentor(path, 18)  # the config normalises as JFT does
    with pytest.raises(ValueError, match='normalisation mismatch'):
        init(model)
    model = build_segmentor(path, 18, data_preprocessor=dict(mean=TORCHVISION_IMG_NORM['mean'],
                                                             std=TORCHVISION_IMG_NORM['std']))
    init(model)  # the ImageNet configs' normalisation


def test_mmseg_target_needs_four_stages():
    no_conv5 = {'backbone.conv1.weight': torch.zeros(1), 'backbone.layer1.0.conv1.weight': torch.zeros(1)}
    with pytest.raises(ConversionError, match='layer4'):
        convert_for_downstream(no_conv5, 'mmseg', img_norm='jft')
