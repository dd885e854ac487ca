"""Convert torchvision ResNet ImageNet weights into an mmpretrain checkpoint (the 'ImageNet init' of the paper).

    python tools/model_converters/torchvision_to_mmpretrain.py resnet101-cd907fc2.pth \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth [--keep-head]

The output is ``{'state_dict': ..., 'meta': {'img_norm': ..., 'source': ...}}``; ``img_norm`` records the input
normalisation the weights were trained with, so that downstream configs can check they normalise the same way.
"""
import argparse
import os
import os.path as osp

import torch

from mmjft.models.utils import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='torchvision state dict (.pth)')
    parser.add_argument('dst', help='output mmpretrain checkpoint')
    parser.add_argument('--keep-head', action='store_true', help='keep the 1000-class fc as head.fc')
    args = parser.parse_args()
    state_dict = torch.load(args.src, map_location='cpu', weights_only=True)
    if 'state_dict' in state_dict:
        state_dict = state_dict['state_dict']
    converted = torchvision_resnet_to_mmpretrain(state_dict, keep_head=args.keep_head)
    os.makedirs(osp.dirname(osp.abspath(args.dst)), exist_ok=True)
    meta = dict(img_norm=TORCHVISION_IMG_NORM, source=osp.basename(args.src), converter='torchvision_to_mmpretrain')
    torch.save(dict(state_dict=converted, meta=meta), args.dst)
    print(f'{len(converted)} tensors written to {args.dst}')


if __name__ == '__main__':
    main()
