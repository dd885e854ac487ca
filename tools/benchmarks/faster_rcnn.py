"""Seconds per training iteration of a detection config's model (forward + backward + SGD step) on synthetic input.

    python tools/benchmarks/faster_rcnn.py \\
        configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py [--batch 2] [--height 600] \\
        [--width 1024] [--iters 3] [--warmup 1] [--boxes 5]

Builds the config's model and optimizer (weights as built, no checkpoint: the timing does not depend on them), feeds
``batch`` random images of ``height x width`` with ``boxes`` ground-truth boxes each, already resized and padded (the
data pipeline is not timed), and times ``iters`` iterations after ``warmup``. Prints one JSON line. On a GPU the
model runs there; on a CPU ``torch.get_num_threads()`` threads are used (set OMP_NUM_THREADS to change it).
"""
import argparse
import os.path as osp
import sys
import json

import torch
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # noqa: E402 (the timing helper beside this script)
from train_step_timing import (build_for_training, data_step, default_device, time_steps,
                                           timing_summary)


def synthetic_batch(batch, height, width, boxes, num_classes, seed=0):
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData
    gen = torch.Generator().manual_seed(seed)
    inputs, samples = [], []
    for _ in range(batch):
        inputs.append(torch.randint(0, 256, (3, height, width), generator=gen, dtype=torch.uint8))
        xy = torch.rand(boxes, 2, generator=gen) * torch.tensor([width * 0.7, height * 0.7])
        wh = (0.1 + 0.2 * torch.rand(boxes, 2, generator=gen)) * torch.tensor([width, height])
        sample = DetDataSample(metainfo=dict(img_shape=(height, width), ori_shape=(height, width),
                                             pad_shape=(height, width), scale_factor=(1.0, 1.0), flip=False,
                                             batch_input_shape=(height, width)))
        sample.gt_instances = InstanceData(bboxes=torch.cat([xy, xy + wh], 1),
                                           labels=torch.randint(0, num_classes, (boxes, ), generator=gen))
        samples.append(sample)
    return dict(inputs=inputs, data_samples=samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('--batch', type=int, default=2, help='images per iteration (per GPU in the config: 2)')
    parser.add_argument('--height', type=int, default=600)
    parser.add_argument('--width', type=int, default=1024)
    parser.add_argument('--boxes', type=int, default=5, help='ground-truth boxes per image')
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    args = parser.parse_args()

    import mmjft  # noqa: F401
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules as register_mmdet
    register_mmdet(init_default_scope=False)
    cfg = Config.fromfile(args.config)
    device = default_device()
    model, wrapper = build_for_training(cfg, MODELS, 'mmdet', device)
    data = synthetic_batch(args.batch, args.height, args.width, args.boxes, model.roi_head.bbox_head.num_classes)
    times = time_steps(data_step(model, wrapper, data), args.iters, args.warmup, device)
    stats = timing_summary(times, device)
    print(json.dumps(dict(config=args.config, device=stats['device'], threads=stats['threads'], batch=args.batch,
                          input=[args.height, args.width], s_per_iter_median=stats['s_per_iter_median'],
                          s_per_iter_min=stats['s_per_iter_min'], iters=args.iters)))


if __name__ == '__main__':
    main()
