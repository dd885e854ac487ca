"""``mmjft.StrictPretrained``: the ImageNet-init configs fill every backbone tensor from the checkpoint, or stop."""
import glob
import os.path as osp

import pytest
import torch

from conftest import ROOT
from mmjft.models.utils import CheckpointFitError
from mmjft.registry import MODELS
from mmjft.utils.compat import NotACheckpointError


def classifier(depth, init_cfg=None):
    """A narrow mmpretrain ResNet classifier (8 base channels), cheap to build."""
    return MODELS.build(dict(
        type='ImageClassifier', neck=dict(type='GlobalAveragePooling'),
        backbone=dict(type='ResNet', depth=depth, stem_channels=8, base_channels=8, style='pytorch', init_cfg=init_cfg),
        head=dict(type='LinearClsHead', num_classes=5, in_channels=64)))


@pytest.fixture(scope='module')
def r18_checkpoint(tmp_path_factory):
    """A ResNet-18 checkpoint whose every tensor is distinct (no zero norm weights: zero_init_residual would show)."""
    gen = torch.Generator().manual_seed(0)
    state = {k: (torch.rand(v.shape, generator=gen) + 0.5 if v.is_floating_point() else v + 3)
             for k, v in classifier(18).state_dict().items()}
    path = str(tmp_path_factory.mktemp('in1k') / 'r18.pth')
    torch.save(dict(state_dict=state, meta=dict()), path)
    return path, state


def test_every_backbone_tensor_is_loaded_and_kept(r18_checkpoint):
    path, state = r18_checkpoint
    model = classifier(18, dict(type='mmjft.StrictPretrained', prefix='backbone', checkpoint=path))
    model.init_weights()
    for key, value in model.backbone.state_dict().items():  # the residual branches' last norm too (not zeroed)
        assert torch.equal(value, state['backbone.' + key]), key


def test_another_depth_is_an_error_not_a_warning(r18_checkpoint):
    """ResNet-18 weights into a ResNet-34: mmengine's Pretrained leaves the extra blocks random and only warns."""
    path, _ = r18_checkpoint
    model = classifier(34, dict(type='mmjft.StrictPretrained', prefix='backbone', checkpoint=path))
    with pytest.raises(CheckpointFitError, match=r'r18\.pth \(backbone\.\) does not fit ResNet: 80 missing, '
                                                 r'0 unexpected, 0 shape-mismatched\n  missing from the checkpoint: '
                                                 r'layer1\.2\.conv1\.weight'):
        model.init_weights()


def test_a_file_that_is_not_a_checkpoint_says_so(tmp_path):
    text = tmp_path / 'weights.txt'
    text.write_text('resnet18 weights: see the release page\n')
    model = classifier(18, dict(type='mmjft.StrictPretrained', prefix='backbone', checkpoint=str(text)))
    with pytest.raises(NotACheckpointError, match=r'weights\.txt is not a checkpoint: it is text') as info:
        model.init_weights()
    assert 'weights_only=False' not in str(info.value)


def test_the_in1k_init_configs_use_it():
    """Read from the leaf configs' text (each sets the backbone's init_cfg itself; the merged configs are checked by
    tests/test_configs.py)."""
    paths = sorted(glob.glob(osp.join(ROOT, 'configs/jft/*in1k-init*.py')))
    assert len(paths) == 3
    for path in paths:
        text = open(path).read()
        assert "type='mmjft.StrictPretrained', prefix='backbone'" in text and "'Pretrained'" not in text, path
