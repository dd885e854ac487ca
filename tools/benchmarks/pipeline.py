"""Images per second of one data-loading process running a config's training pipeline on JFT-style JPEGs.

    python tools/benchmarks/pipeline.py [CONFIG] [--num-images 300] [--size 500 375]

Writes photo-like JPEGs (default 500x375, as the raw-PyTorch reference figures of docs/benchmarks.md) with a JSONL
file in a temporary folder, builds the config's train dataset on them (JFTDataset, the config's pipeline: decode,
resize 340, crop 299, flip, pack) and times ``dataset[i]`` in this one process: the rate of one loader worker.
"""
import argparse
import json
import os
import os.path as osp
import tempfile
import time

import numpy as np
from mmengine.config import Config
from PIL import Image

from mmjft.registry import DATASETS
from mmjft.utils import register_all_modules


def write_images(root, n, size, seed=0, num_classes=None):
    """``n`` photo-like JPEGs under ``root/img`` with ``root/ann.jsonl`` and ``root/classes.txt``: two classes and
    the label 'a' by default; with ``num_classes``, that many classes (``c0``, ...) and 1-8 random labels an image
    (e.g. 18,291 for a JFT-sized head)."""
    rng = np.random.default_rng(seed)
    os.makedirs(osp.join(root, 'img'), exist_ok=True)
    classes = ['a', 'b'] if num_classes is None else [f'c{i}' for i in range(num_classes)]
    with open(osp.join(root, 'classes.txt'), 'w') as f:
        f.write('\n'.join(classes) + '\n')
    with open(osp.join(root, 'ann.jsonl'), 'w') as f:
        for i in range(n):  # smooth content, so JPEG sizes are realistic (not noise)
            base = rng.integers(0, 255, (12, 16, 3), dtype=np.uint8)
            Image.fromarray(base).resize(tuple(size), Image.BICUBIC).save(osp.join(root, f'img/{i}.jpg'), quality=90)
            labels = ['a'] if num_classes is None else sorted(
                {classes[j] for j in rng.integers(0, num_classes, rng.integers(1, 9))})
            f.write(json.dumps(dict(img_path=f'img/{i}.jpg', labels=labels)) + '\n')


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default='configs/jft/resnet101_8xb32_jft300m-299px.py')
    parser.add_argument('--num-images', type=int, default=300)
    parser.add_argument('--size', type=int, nargs=2, default=(500, 375))
    parser.add_argument('--repeat', type=int, default=2)
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    with tempfile.TemporaryDirectory() as root:
        write_images(root, args.num_images, args.size)
        ds_cfg = dict(cfg.train_dataloader.dataset, data_root=root, ann_file='ann.jsonl', classes_file='classes.txt',
                      hierarchy_file=None)
        dataset = DATASETS.build(ds_cfg)
        dataset[0]
        rates = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            for i in range(len(dataset)):
                out = dataset[i]
            rates.append(len(dataset) / (time.perf_counter() - t0))
    print(json.dumps(dict(config=osp.basename(args.config), images=args.num_images, src_size=list(args.size),
                          out_shape=list(out['inputs'].shape), img_per_s_per_worker=round(max(rates), 1))))


if __name__ == '__main__':
    main()
