"""Forward + backward time of the JFT head and loss against plain F.binary_cross_entropy_with_logits.

    python tools/benchmarks/head.py [--num-classes 18291] [--batch 256] [--in-channels 2048]

Both sides get the same features, weights and labels (~3 positive labels per image after expansion). The plain side
is given its dense multi-hot target ready-made; the head builds it from per-image label ids inside the timed region,
as it must in training. The label ids lie on the model's device, as mmpretrain's ClsDataPreprocessor leaves them in
a training step, so the path timed is the one a GPU step takes.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmjft.registry import MODELS
from mmjft.utils import register_all_modules


def timeit(fn, repeat, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        if torch.cuda.is_available():
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return min(times), sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--num-classes', type=int, default=18291)
    parser.add_argument('--batch', type=int, default=256)
    parser.add_argument('--in-channels', type=int, default=2048)
    parser.add_argument('--labels-per-image', type=int, default=3)
    parser.add_argument('--repeat', type=int, default=10)
    args = parser.parse_args()
    register_all_modules()
    device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(0)
    head = MODELS.build(dict(type='HierarchicalMultiLabelHead', num_classes=args.num_classes,
                             in_channels=args.in_channels, prior_prob=1e-4)).to(device)
    head.init_weights()
    feats = torch.randn(args.batch, args.in_channels, device=device)
    labels = [torch.randint(0, args.num_classes, (args.labels_per_image, ), device=device) for _ in range(args.batch)]
    samples = [DataSample().set_gt_label(x) for x in labels]
    assert all(s.gt_label.device == feats.device for s in samples)
    target = torch.zeros(args.batch, args.num_classes, device=device)
    for i, x in enumerate(labels):
        target[i, x] = 1

    def ours():
        head.zero_grad(set_to_none=True)
        head.loss((feats, ), samples)['loss'].backward()

    def plain():
        head.zero_grad(set_to_none=True)
        logits = F.linear(feats, head.fc.weight, head.fc.bias)
        (F.binary_cross_entropy_with_logits(logits, target, reduction='sum') / args.batch).backward()

    t_ours, t_plain = timeit(ours, args.repeat), timeit(plain, args.repeat)
    print(json.dumps(dict(device=torch.cuda.get_device_name() if device == 'cuda' else 'cpu',
                          threads=torch.get_num_threads(), num_classes=args.num_classes, batch=args.batch,
                          head_ms_min=round(t_ours[0] * 1e3, 2), head_ms_median=round(t_ours[1] * 1e3, 2),
                          plain_ms_min=round(t_plain[0] * 1e3, 2), plain_ms_median=round(t_plain[1] * 1e3, 2),
                          ratio_median=round(t_ours[1] / t_plain[1], 3))))


if __name__ == '__main__':
    main()
