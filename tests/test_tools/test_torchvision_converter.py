"""tools/model_converters/torchvision_to_mmpretrain.py records which torchvision weights it converted and warns that
IMAGENET1K_V2 is not the paper's ImageNet baseline."""
import os

import pytest
import torch
import torchvision

from conftest import load_tool as load_tool_file


def load_converter():
    return load_tool_file('tools/model_converters/torchvision_to_mmpretrain.py', 'mmjft_tv_converter')


def test_weights_table_is_torchvisions():
    """Each file name and top-1 in the converter's table is the one torchvision's own weight enums give."""
    tool = load_converter()
    assert len(tool.TORCHVISION_WEIGHTS) == 6
    for key, (weights, top1) in tool.TORCHVISION_WEIGHTS.items():
        enum, member = weights.split('.')
        entry = getattr(getattr(torchvision.models, enum), member)
        assert entry.url.endswith(f'/{key}.pth'), (key, entry.url)
        assert entry.meta['_metrics']['ImageNet-1K']['acc@1'] == pytest.approx(top1)
    assert tool.identify_weights('dl/resnet101-63fe2227.pth')[1:] == ('ResNet101_Weights.IMAGENET1K_V1', 77.374)
    assert tool.identify_weights('ckpt/my_resnet101-cd907fc2.pth')[1] == 'ResNet101_Weights.IMAGENET1K_V2'
    assert tool.identify_weights('resnet101.pth') == (None, None, None)


def test_meta_names_v1_and_v2_warns(tmp_path, capsys):
    tool = load_converter()
    src = tmp_path / 'resnet50-0676ba61.pth'
    torch.save(torchvision.models.resnet50().state_dict(), src)
    assert tool.main([str(src), str(tmp_path / 'v1.pth')]) == 0
    meta = torch.load(tmp_path / 'v1.pth', map_location='cpu')['meta']
    assert meta['torchvision_weights'] == 'ResNet50_Weights.IMAGENET1K_V1' and meta['imagenet_top1'] == 76.13
    assert 'warning' not in capsys.readouterr().err

    v2 = tmp_path / 'resnet50-11ad3fa6.pth'
    os.link(src, v2)
    assert tool.main([str(v2), str(tmp_path / 'v2.pth')]) == 0
    err = capsys.readouterr().err
    assert 'warning' in err and 'ResNet50_Weights.IMAGENET1K_V2' in err and 'resnet50-0676ba61.pth' in err
    assert torch.load(tmp_path / 'v2.pth', map_location='cpu')['meta']['imagenet_top1'] == 80.858

    # a ResNet-50 renamed as ResNet-101's V1 weights is refused rather than recorded as what it is not
    fake = tmp_path / 'resnet101-63fe2227.pth'
    os.link(src, fake)
    assert tool.main([str(fake), str(tmp_path / 'fake.pth')]) == 1
    assert 'layer3 has 6 blocks, not 23' in capsys.readouterr().err
    assert not (tmp_path / 'fake.pth').exists()
