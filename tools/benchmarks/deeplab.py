"""CPU / GPU seconds per DeepLab-ASPP-L training iteration (forward + backward + SGD step) of a config's model.

    python tools/benchmarks/deeplab.py CONFIG [--batch 1] [--size 513] [--iters 3] [--device cpu]

Random weights and images; the model as the config builds it (frozen BN, 10x lr on the head). Prints seconds per
iteration (after one warm-up) and images/s.
"""
import argparse
import os.path as osp
import sys

import torch
from mmengine.config import Config
from mmengine.structures import PixelData

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # noqa: E402 (the timing helper beside this script)
from train_step_timing import build_for_training, default_device, time_steps, timing_summary


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--size', type=int, default=513)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--device', default=default_device())
    args = p.parse_args()
    import mmjft.downstream.segmentation  # noqa: F401
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    cfg = Config.fromfile(args.config)
    model, wrapper = build_for_training(cfg, MODELS, 'mmseg', args.device)
    n, s = args.batch, args.size
    classes = cfg.model.decode_head.num_classes
    inputs = torch.randn(n, 3, s, s, device=args.device)
    samples = [SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, classes, (1, s, s), device=args.device)),
                             metainfo=dict(img_shape=(s, s), pad_shape=(s, s))) for _ in range(n)]

    def step():
        losses = model.loss(inputs, samples)
        wrapper.update_params(sum(v for k, v in losses.items() if 'loss' in k))

    sec = timing_summary(time_steps(step, args.iters, 1, args.device), args.device)['s_per_iter_mean']
    print(f'{args.config}: batch {n} at {s}x{s} on {args.device} ({torch.get_num_threads()} threads): '
          f'{sec:.3f} s per iteration, {n / sec:.2f} images/s')


if __name__ == '__main__':
    main()
