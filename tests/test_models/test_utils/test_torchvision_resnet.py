import pytest
import torch
import torchvision

from conftest import run_tool_main
from mmjft.models.utils import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain
from mmjft.registry import MODELS


def mmpretrain_resnet(depth, head=True):
    cfg = dict(type='ImageClassifier',
               backbone=dict(type='ResNet', depth=depth, out_indices=(3, ), style='pytorch'),
               neck=dict(type='GlobalAveragePooling'))
    if head:
        cfg['head'] = dict(type='LinearClsHead', num_classes=1000, in_channels=512 if depth < 50 else 2048)
    return MODELS.build(cfg).eval()


@pytest.mark.parametrize('depth', [18, 50])
def test_every_tensor_arrives_and_outputs_match(depth):
    torch.manual_seed(depth)
    tv = getattr(torchvision.models, f'resnet{depth}')().eval()
    for m in tv.modules():  # non-trivial batch-norm statistics, so that a swapped buffer would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5)
            m.running_var.uniform_(0.5, 2.0)
    converted = torchvision_resnet_to_mmpretrain(tv.state_dict(), keep_head=True)
    ours = mmpretrain_resnet(depth)
    ours.load_state_dict(converted, strict=True)
    assert len(converted) == len(tv.state_dict())
    for key, value in tv.state_dict().items():
        target = ('head.' if key.startswith('fc.') else 'backbone.') + key
        assert torch.equal(ours.state_dict()[target], value), key
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        assert torch.allclose(ours(x, mode='tensor'), tv(x), atol=1e-4)


def test_head_dropped_by_default_and_ddp_prefix_accepted():
    sd = {'module.' + k: v for k, v in torchvision.models.resnet18().state_dict().items()}
    converted = torchvision_resnet_to_mmpretrain(sd)
    assert not any(k.startswith('head.') for k in converted)
    mmpretrain_resnet(18, head=False).load_state_dict(converted, strict=True)


def test_foreign_keys_are_listed():
    sd = torchvision.models.resnet18().state_dict()
    sd['layer5.0.conv1.weight'] = torch.zeros(1)
    sd['classifier.weight'] = torch.zeros(1)
    with pytest.raises(KeyError, match=r"layer5\.0\.conv1\.weight.*classifier\.weight"):
        torchvision_resnet_to_mmpretrain(sd)
    with pytest.raises(KeyError, match='no layer4'):
        torchvision_resnet_to_mmpretrain({'conv1.weight': torch.zeros(1)})


def test_command_line_records_normalisation(tmp_path):
    src, dst = tmp_path / 'tv.pth', tmp_path / 'out' / 'mm.pth'
    torch.save(torchvision.models.resnet18().state_dict(), src)
    # the command's main(argv) in this process; 0: the exit status the command gives (sys.exit(main()))
    assert run_tool_main('tools/model_converters/torchvision_to_mmpretrain.py', [src, dst]) == 0
    ckpt = torch.load(dst, map_location='cpu')
    assert ckpt['meta']['img_norm'] == TORCHVISION_IMG_NORM
    mmpretrain_resnet(18, head=False).load_state_dict(ckpt['state_dict'], strict=True)
