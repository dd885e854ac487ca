"""Images per second of a config's training data loader, per worker and in total, from JSONL (JFTDataset) and from
tar shards (JFTShardDataset), with N loader workers on this machine.

    python tools/benchmarks/loader.py [CONFIG] [--workers 1 2] [--sources jsonl shards]
        [--num-images 600] [--size 500 375] [--batch 32] [--epochs 2]

Writes photo-like JPEGs (default 500x375, as tools/benchmarks/pipeline.py) with a JSONL file in a
temporary folder, converts them to shards (``convert_jsonl_to_shards``), builds the config's train dataset on each
source with the config's train pipeline (decode, resize 340, crop 299, flip, pack for the JFT configs) and iterates a
torch DataLoader over it as the Runner's would (the config's ``collate_fn``, ``batch_size``; ``sampler=None`` for
the shards, which split themselves over workers). The clock starts at the first batch (worker start-up is given
apart) and stops after ``--epochs`` passes over the images. One JSON line per (source, workers).
"""
import argparse
import contextlib
import json
import os
import os.path as osp
import sys
import tempfile
import time

import cv2
from mmengine.config import Config
from mmengine.registry import FUNCTIONS
from torch.utils.data import DataLoader

from mmjft.datasets import convert_jsonl_to_shards
from mmjft.registry import DATASETS
from mmjft.utils import register_all_modules

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from pipeline import write_images  # noqa: E402


def build_dataset(cfg, source: str, root: str, shards: dict):
    pipeline = cfg.train_dataloader.dataset.pipeline
    if source == 'jsonl':
        return DATASETS.build(dict(type='JFTDataset', data_root=root, ann_file='ann.jsonl', classes_file='classes.txt',
                                   hierarchy_file=None, pipeline=pipeline))
    return DATASETS.build(dict(type='JFTShardDataset', index_file=shards['index_file'], pipeline=pipeline))


def time_loader(dataset, workers: int, batch: int, collate, epochs: int) -> dict:
    loader = DataLoader(dataset, batch_size=batch, num_workers=workers, collate_fn=collate,
                        sampler=None, shuffle=False, persistent_workers=workers > 0)
    t_start = time.perf_counter()
    images, first_s, t0 = 0, None, None
    for epoch in range(epochs):
        for data in loader:
            if t0 is None:  # the first batch: worker start-up, not counted
                first_s, t0 = time.perf_counter() - t_start, time.perf_counter()
                continue
            images += len(data['inputs'])
    seconds = time.perf_counter() - t0
    shape = list(data['inputs'][0].shape)
    del loader
    total = images / seconds
    return dict(workers=workers, images_timed=images, img_per_s_total=round(total, 1),
                img_per_s_per_worker=round(total / max(workers, 1), 1), first_batch_s=round(first_s, 2),
                out_shape=shape)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default='configs/jft/resnet101_8xb32_jft300m-299px.py')
    parser.add_argument('--workers', type=int, nargs='+', default=[1, 2])
    parser.add_argument('--sources', nargs='+', choices=['jsonl', 'shards'], default=['jsonl', 'shards'])
    parser.add_argument('--num-images', type=int, default=600)
    parser.add_argument('--size', type=int, nargs=2, default=(500, 375))
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--epochs', type=int, default=2)
    parser.add_argument('--num-classes', type=int, default=None,
                        help='classes of the generated data (default 2); e.g. 18291 to feed a JFT head from --keep')
    parser.add_argument('--keep', default=None,
                        help='write the images, JSONL and shards (shards/train-index.json) here and keep them, e.g. '
                             'for train_step.py --loader config on the shard config')
    args = parser.parse_args()
    register_all_modules()
    cfg = Config.fromfile(args.config)
    # as mmengine's Runner sets up a run (env_cfg.mp_cfg): OpenCV's own threads off, one OpenMP thread per worker
    cv2.setNumThreads(cfg.env_cfg.get('mp_cfg', {}).get('opencv_num_threads', 0))
    if max(args.workers) > 1:
        os.environ.setdefault('OMP_NUM_THREADS', '1')
    collate = FUNCTIONS.get(cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate'))['type'])
    with (tempfile.TemporaryDirectory() if args.keep is None else contextlib.nullcontext(args.keep)) as root:
        write_images(root, args.num_images, args.size, num_classes=args.num_classes)
        shards = convert_jsonl_to_shards(osp.join(root, 'ann.jsonl'), osp.join(root, 'classes.txt'),
                                         osp.join(root, 'shards'), img_root=root, verify_images=False,
                                         samples_per_shard=max(1, args.num_images // (2 * max(args.workers))))
        jpeg_kib = sum(osp.getsize(osp.join(root, 'img', f)) for f in os.listdir(osp.join(root, 'img')))
        jpeg_kib /= 1024 * args.num_images
        for source in args.sources:
            for workers in args.workers:
                dataset = build_dataset(cfg, source, root, shards)
                result = time_loader(dataset, workers, args.batch, collate, args.epochs)
                print(json.dumps(dict(config=osp.basename(args.config), source=source, images=args.num_images,
                                      src_size=list(args.size), jpeg_kib=round(jpeg_kib, 1), cpus=os.cpu_count(),
                                      load_avg_1m=round(os.getloadavg()[0], 2), **result)), flush=True)


if __name__ == '__main__':
    main()
