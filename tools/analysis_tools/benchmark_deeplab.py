"""CPU / GPU seconds per DeepLab-ASPP-L training iteration (forward + backward + SGD step) of a config's model.

    python tools/analysis_tools/benchmark_deeplab.py CONFIG [--batch 1] [--size 513] [--iters 3] [--device cpu]

Random weights and images; the model as the config builds it (frozen BN, 10x lr on the head). Prints seconds per
iteration (after one warm-up) and images/s.
"""
import argparse
import time

import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope
from mmengine.structures import PixelData


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('--batch', type=int, default=1)
    p.add_argument('--size', type=int, default=513)
    p.add_argument('--iters', type=int, default=3)
    p.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    args = p.parse_args()
    import mmjft.models.seg_heads  # noqa: F401
    from mmseg.registry import MODELS
    from mmseg.structures import SegDataSample
    cfg = Config.fromfile(args.config)
    with DefaultScope.overwrite_default_scope('mmseg'):
        model = MODELS.build(cfg.model).to(args.device).train()
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    n, s = args.batch, args.size
    classes = cfg.model.decode_head.num_classes
    inputs = torch.randn(n, 3, s, s, device=args.device)
    samples = [SegDataSample(gt_sem_seg=PixelData(data=torch.randint(0, classes, (1, s, s), device=args.device)),
                             metainfo=dict(img_shape=(s, s), pad_shape=(s, s))) for _ in range(n)]
    times = []
    for i in range(args.iters + 1):
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        losses = model.loss(inputs, samples)
        wrapper.update_params(sum(v for k, v in losses.items() if 'loss' in k))
        if args.device.startswith('cuda'):
            torch.cuda.synchronize()
        if i:
            times.append(time.perf_counter() - t0)
    sec = sum(times) / len(times)
    print(f'{args.config}: batch {n} at {s}x{s} on {args.device} ({torch.get_num_threads()} threads): '
          f'{sec:.3f} s per iteration, {n / sec:.2f} images/s')


if __name__ == '__main__':
    main()
