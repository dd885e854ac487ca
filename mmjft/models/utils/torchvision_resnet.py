"""torchvision ResNet state dicts -> mmpretrain ``ImageClassifier`` keys.

mmpretrain's ResNet (style='pytorch', no deep stem) names its layers as torchvision does (conv1/bn1, layerN.i.convK,
bnK, downsample.0/1) and strides the 3x3 conv as torchvision does, so the map is a prefix: backbone tensors go under
``backbone.``, the classifier ``fc`` under ``head.fc.``. Any other key is an error, never silently dropped.
"""
import re
from collections import OrderedDict
from typing import Mapping

# normalisation torchvision's ImageNet ResNets were trained with (RGB, 0-255 scale), recorded in converted checkpoints
TORCHVISION_IMG_NORM = dict(mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)

_BACKBONE_KEY = re.compile(
    r'^(conv1\.weight|bn1\.\w+|layer[1-4]\.\d+\.(conv[1-3]\.weight|bn[1-3]\.\w+|downsample\.[01]\.\w+))$')


def torchvision_resnet_to_mmpretrain(state_dict: Mapping, keep_head: bool = False) -> OrderedDict:
    """Rename a torchvision ResNet state dict for mmpretrain's ImageClassifier(ResNet, ..., LinearClsHead).

    Args:
        state_dict: torchvision ``resnet{18,34,50,101,152}`` weights (a ``module.`` prefix from DDP is accepted).
        keep_head: keep the 1000-class ``fc`` as ``head.fc``; otherwise it is dropped (JFT and downstream tasks
            use their own heads).

    Raises:
        KeyError: listing every key that is neither a ResNet backbone tensor nor ``fc``.
    """
    out, unknown = OrderedDict(), []
    for key, value in state_dict.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        if _BACKBONE_KEY.match(name):
            out['backbone.' + name] = value
        elif name in ('fc.weight', 'fc.bias'):
            if keep_head:
                out['head.' + name] = value
        else:
            unknown.append(key)
    if unknown:
        raise KeyError(f'not a torchvision ResNet state dict: {len(unknown)} unexpected keys, e.g. {unknown[:10]}')
    if not any(k.startswith('backbone.layer4') for k in out):
        raise KeyError('not a torchvision ResNet state dict: no layer4 tensors')
    return out
