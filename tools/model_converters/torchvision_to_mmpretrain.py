"""Convert torchvision ResNet ImageNet weights into an mmpretrain checkpoint (the 'ImageNet init' of the paper).

    python tools/model_converters/torchvision_to_mmpretrain.py resnet101-63fe2227.pth \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth [--keep-head]

Which weights: torchvision's IMAGENET1K_V1 (ResNet-101 ``resnet101-63fe2227.pth``, 77.4% top-1; ResNet-50
``resnet50-0676ba61.pth``, 76.1%; ResNet-152 ``resnet152-394f9c45.pth``, 78.3%), a shortcut close to the paper's
77.5% ImageNet ResNet-101. The IMAGENET1K_V2 weights (81.9% for ResNet-101; torchvision's DEFAULT) come from a newer
training recipe and would inflate the 'ImageNet' side of the paper's comparisons: converted, with a warning. The
faithful baseline is the project's own configs/imagenet/resnet101_8xb32_in1k-scratch.py.

The output is ``{'state_dict': ..., 'meta': {'img_norm', 'source', 'torchvision_weights', 'imagenet_top1', ...}}``;
``img_norm`` records the input normalisation the weights were trained with, so that downstream configs can check they
normalise the same way; ``torchvision_weights`` (e.g. ``'ResNet101_Weights.IMAGENET1K_V1'``) and ``imagenet_top1``
which weights these were, when the file name tells (torchvision's download names carry a hash prefix), else None.
"""
import argparse
import os.path as osp
import re
import sys

import torch

from mmjft.models.utils import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain
from mmjft.utils.atomic import Staging
from mmjft.utils.compat import load_checkpoint_file


# torchvision's ResNet ImageNet weights by file name (torchvision/models/resnet.py, 0.29): (weights, acc@1)
TORCHVISION_WEIGHTS = {
    'resnet50-0676ba61': ('ResNet50_Weights.IMAGENET1K_V1', 76.130),
    'resnet50-11ad3fa6': ('ResNet50_Weights.IMAGENET1K_V2', 80.858),
    'resnet101-63fe2227': ('ResNet101_Weights.IMAGENET1K_V1', 77.374),
    'resnet101-cd907fc2': ('ResNet101_Weights.IMAGENET1K_V2', 81.886),
    'resnet152-394f9c45': ('ResNet152_Weights.IMAGENET1K_V1', 78.312),
    'resnet152-f82ba261': ('ResNet152_Weights.IMAGENET1K_V2', 82.284),
}
V1_FILES = {name.split('-')[0]: name + '.pth' for name, (weights, _) in TORCHVISION_WEIGHTS.items()
            if weights.endswith('V1')}
LAYER3_BLOCKS = {'resnet50': 6, 'resnet101': 23, 'resnet152': 36}


def identify_weights(path):
    """``(key, weights, top1)`` of the torchvision weights a file name reveals (e.g. resnet101-63fe2227.pth), else
    ``(None, None, None)``."""
    match = re.search(r'(resnet\d+-[0-9a-f]{8})', osp.basename(path))
    if match is None or match.group(1) not in TORCHVISION_WEIGHTS:
        return None, None, None
    return (match.group(1), *TORCHVISION_WEIGHTS[match.group(1)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision state dict (.pth), e.g. resnet101-63fe2227.pth (IMAGENET1K_V1)')
    parser.add_argument('dst', help='output mmpretrain checkpoint')
    parser.add_argument('--keep-head', action='store_true', help='keep the 1000-class fc as head.fc')
    args = parser.parse_args(argv)
    key, weights, top1 = identify_weights(args.src)
    if weights is None:
        print(f'note: {args.src}: not a torchvision ResNet download name (e.g. resnet101-63fe2227.pth): meta records '
              'no torchvision_weights; say which ImageNet weights these are when reporting results', file=sys.stderr)
    elif not weights.endswith('V1'):
        depth = key.split('-')[0]
        print(f'warning: {args.src} is torchvision\'s {weights} ({top1:.1f}% top-1), not the paper\'s ImageNet '
              f'baseline (~77.5% for ResNet-101): it inflates the \'ImageNet\' side of every comparison. Use '
              f'IMAGENET1K_V1 ({V1_FILES[depth]}) or configs/imagenet/resnet101_8xb32_in1k-scratch.py', file=sys.stderr)
    state_dict = load_checkpoint_file(args.src)
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    if weights is not None:  # a renamed file must not be recorded as weights it is not
        blocks = len({k.split('.')[1] for k in state_dict if k.startswith('layer3.')})
        if blocks != LAYER3_BLOCKS[key.split('-')[0]]:
            print(f'error: {args.src} is named as torchvision\'s {weights}, but its layer3 has {blocks} blocks, not '
                  f'{LAYER3_BLOCKS[key.split("-")[0]]}: rename it so that the file name does not claim those weights',
                  file=sys.stderr)
            return 1
    converted = torchvision_resnet_to_mmpretrain(state_dict, keep_head=args.keep_head)
    meta = dict(img_norm=TORCHVISION_IMG_NORM, source=osp.basename(args.src), converter='torchvision_to_mmpretrain',
                torchvision_weights=weights, imagenet_top1=top1)
    with Staging() as stage:  # written under a temporary name: a failed write leaves an older output intact
        torch.save(dict(state_dict=converted, meta=meta), stage.path(args.dst))
    print(f'{len(converted)} tensors written to {args.dst} ({weights or "unidentified weights"})')
    return 0


if __name__ == '__main__':
    sys.exit(main())
