"""Turn an mmjft pretraining checkpoint into initialisation weights for a downstream model.

    python tools/model_converters/mmjft_to_downstream.py SRC DST [--target mmdet-c4] [--img-norm jft|torchvision]

SRC: a checkpoint of a configs/jft/ run (e.g. work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth), or the
output of tools/model_converters/torchvision_to_mmpretrain.py (the ImageNet init). Examples::

    python tools/model_converters/mmjft_to_downstream.py \\
        work_dirs/resnet101_8xb32_jft300m-299px/iter_4500000.pth checkpoints/resnet101_jft300m_mmdet-c4.pth
    python tools/model_converters/mmjft_to_downstream.py \\
        checkpoints/resnet101_torchvision-in1k_mmpretrain.pth checkpoints/resnet101_in1k_mmdet-c4.pth

DST holds ``state_dict`` in the downstream model's key names and ``meta.img_norm`` (the input normalisation the
weights were trained with, read from the source's meta); the downstream config loads it with
``init_cfg=dict(type='mmjft.ConvertedCheckpoint', checkpoint=DST)``, which checks keys and normalisation.
The key maps live in mmjft/downstream/convert.py (targets: mmdet-c4, mmseg, mmpose). SRC must be a pretraining
classifier (``backbone.*`` + ``head.fc.*``): a detection, segmentation or pose checkpoint, an already converted one
and a file that is not a checkpoint are errors that say so (exit status 1, nothing written).
For segmentation: ``--target mmseg`` (configs/deeplab/README.md); for pose: ``--target mmpose``
(configs/pose/README.md).
"""
import argparse
import os.path as osp
import pickle
import sys

import torch

import mmjft  # noqa: F401  (allow-lists what mmengine checkpoints hold for weights_only loading)
from mmjft.downstream import DOWNSTREAM_TARGETS, NAMED_IMG_NORMS, ConversionError, convert_for_downstream
from mmjft.utils.atomic import Staging
from mmjft.utils.compat import NotACheckpointError, load_checkpoint_file


def parse_args(argv=None):
    targets = '; '.join(f'{k}: {v.description}' for k, v in DOWNSTREAM_TARGETS.items())
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('src', help='mmjft / mmpretrain checkpoint (.pth)')
    parser.add_argument('dst', help='output checkpoint')
    parser.add_argument('--target', choices=sorted(DOWNSTREAM_TARGETS), default='mmdet-c4', help=targets)
    parser.add_argument('--img-norm', choices=sorted(NAMED_IMG_NORMS),
                        help='the normalisation the source was trained with, for a checkpoint that records none')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    source = osp.abspath(args.src)
    try:
        checkpoint = load_checkpoint_file(args.src)
        out = convert_for_downstream(checkpoint, args.target, img_norm=args.img_norm, source=source)
    except (NotACheckpointError, pickle.UnpicklingError, FileNotFoundError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    except (ConversionError, ValueError) as e:
        print(f'error: {e}' if source in str(e) else f'error: {args.src}: {e}', file=sys.stderr)
        return 1
    if osp.exists(args.dst) and osp.samefile(args.src, args.dst):
        print(f'error: {args.dst} is the source checkpoint: write the conversion to another file', file=sys.stderr)
        return 1
    with Staging() as stage:  # written under a temporary name: a failed write leaves an older output intact
        torch.save(out, stage.path(args.dst))
    meta = out['meta']
    print(f'{len(out["state_dict"])} tensors for {args.target} ({", ".join(meta["prefixes"])}) written to '
          f'{args.dst}; dropped {len(meta["dropped"])} ({", ".join(sorted({k.split(".")[0] for k in meta["dropped"]}))}'
          f'); img_norm {meta["img_norm"]}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
