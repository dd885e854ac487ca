"""Seconds per training iteration of a G-RMI pose config's model (forward + backward + SGD step) on synthetic crops.

    python tools/benchmarks/grmi.py \\
        [--config configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py] [--batch 1] [--iters 3] [--warmup 1]

Builds the config's model and optimizer (weights as built, no checkpoint: the timing does not depend on them), feeds
``batch`` random crops of the codec's input size (R101: 257 x 353, w x h) with random keypoints whose targets the
config's own codec encodes (mmpose's GenerateTarget + PackPoseInputs, untimed), and times ``iters`` iterations after
``warmup``. The data pipeline (decoding, affine crop) is not timed. Prints one JSON line. On a GPU the model runs
there; on a CPU ``torch.get_num_threads()`` threads are used (set OMP_NUM_THREADS to change it).
"""
import argparse
import os.path as osp
import sys
import json

import numpy as np
from mmengine.config import Config

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))  # noqa: E402 (the timing helper beside this script)
from train_step_timing import (build_for_training, data_step, default_device, time_steps,
                                           timing_summary)

R101 = 'configs/pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py'


def synthetic_batch(codec_cfg, num_keypoints, batch, seed=0):
    """``batch`` packed top-down samples: random uint8 crops of the codec's input size, random labelled keypoints
    inside the crop (one in five hidden: visibility 0), targets encoded by the codec."""
    from mmengine.dataset import pseudo_collate
    from mmpose.datasets.transforms import GenerateTarget, PackPoseInputs
    rng = np.random.default_rng(seed)
    w, h = codec_cfg['input_size']
    encode, pack = GenerateTarget(encoder=codec_cfg), PackPoseInputs()
    samples = []
    for _ in range(batch):
        keypoints = (rng.random((1, num_keypoints, 2)) * [w - 1, h - 1]).astype(np.float32)
        visible = (rng.random((1, num_keypoints)) > 0.2).astype(np.float32)
        results = dict(img=rng.integers(0, 256, (h, w, 3), dtype=np.uint8), img_shape=(h, w), input_size=(w, h),
                       keypoints=keypoints, keypoints_visible=visible, transformed_keypoints=keypoints,
                       bbox=np.array([[0, 0, w, h]], dtype=np.float32), bbox_score=np.ones(1, dtype=np.float32))
        samples.append(pack(encode(results)))
    return pseudo_collate(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default=R101, help=f'a configs/pose config (default {R101})')
    parser.add_argument('--batch', type=int, default=1, help='crops per iteration (per GPU in the R101 configs: 4)')
    parser.add_argument('--iters', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    args = parser.parse_args()
    if args.batch < 1:
        parser.error(f'--batch must be >= 1, got {args.batch}')

    cfg = Config.fromfile(args.config)  # custom_imports: mmjft.downstream.pose (the codec, head and loss)
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules as register_mmpose
    register_mmpose(init_default_scope=False)
    head = cfg.model.head
    if head.get('type') != 'mmjft.GRMIHead':
        raise SystemExit(f'{args.config}: model.head is {head.get("type")!r}, this tool times mmjft.GRMIHead configs')
    device = default_device()
    model, wrapper = build_for_training(cfg, MODELS, 'mmpose', device)
    data = synthetic_batch(head.decoder, head.num_keypoints, args.batch)
    times = time_steps(data_step(model, wrapper, data), args.iters, args.warmup, device)
    stats = timing_summary(times, device)
    w, h = head.decoder['input_size']
    print(json.dumps(dict(config=args.config, device=stats['device'], threads=stats['threads'], batch=args.batch,
                          input=[h, w], keypoints=head.num_keypoints, s_per_iter_median=stats['s_per_iter_median'],
                          s_per_iter_min=stats['s_per_iter_min'], iters=args.iters)))


if __name__ == '__main__':
    main()
