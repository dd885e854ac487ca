"""Images per second of JPEG decode + augmentation in the data preprocessor (on a device) against the CPU pipeline.

    python tools/benchmarks/gpu_decode.py [--device cuda] [--num-images 256] [--batch 32]

Writes photo-like JPEGs (default 500x375; the writer of pipeline.py) and times, on the same files:

* ``preprocessor``: ``JpegDecodeDataPreprocessor`` of the GPU-decode config (``--config``) on batches of encoded
  bytes (batched ``decode_jpeg``, EXIF, resize 340, random crop 299, flip, normalisation) on ``--device``;
* ``normalise``: the CPU config's ``ClsDataPreprocessor`` on the CPU pipeline's batches on ``--device`` (channel
  flip, float, mean / std: the part both paths share), and ``decode_augment``: the preprocessor's rate without it;
* ``cpu_pipeline_per_core``: the CPU config's training pipeline (``--cpu-config``: cv2 decode, resize, crop, flip,
  pack) in this one process with one thread, the rate of one data loader worker (one core);
* ``bytes_loader_per_core``: what a worker still does with GPU decoding (``LoadJpegBytes`` + ``PackJpegInputs``:
  read, header check, pack).

and prints one JSON line with the rates and the cores per GPU each side needs at ``--train-rate`` img/s.
"""
import argparse
import importlib.util
import json
import os
import os.path as osp
import platform
import statistics
import tempfile
import time

import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmjft.registry import MODELS, TRANSFORMS
from mmjft.utils import register_all_modules

HERE = osp.dirname(osp.abspath(__file__))


def write_images(root, n, size, seed=0):
    """pipeline.py's writer: ``n`` smooth JPEGs of ``size`` (w, h) under ``root/img`` and an annotation
    file."""
    spec = importlib.util.spec_from_file_location('mmjft_benchmark_pipeline', osp.join(HERE, 'pipeline.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.write_images(root, n, size, seed)
    return [osp.join(root, f'img/{i}.jpg') for i in range(n)]


def _build(steps):
    return Compose([TRANSFORMS.build(dict(t)) for t in steps])


def per_image_rate(pipeline, paths, repeat, seed_key=False):
    """Best of ``repeat`` passes over ``paths``: images per second of ``pipeline`` in this process."""
    rates = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for i, path in enumerate(paths):
            results = dict(img_path=path, gt_label=[0], sample_idx=i)
            if seed_key:
                results['sample_seed'] = i
            pipeline(results)
        rates.append(len(paths) / (time.perf_counter() - t0))
    return max(rates)


def preprocessor_rate(pre, batches, device, repeat):
    """Images per second of ``pre(batch, training=True)`` over the collated ``batches``, best and median of
    ``repeat`` passes (after one warm-up batch), and the output shape; the device is synchronised around each pass."""

    def sync():
        if device.type == 'cuda':
            torch.cuda.synchronize(device)

    pre(batches[0], True)
    sync()
    rates = []
    for _ in range(repeat):
        n = 0
        t0 = time.perf_counter()
        for batch in batches:
            out = pre(batch, True)
            n += out['inputs'].shape[0]
        sync()
        rates.append(n / (time.perf_counter() - t0))
    return max(rates), statistics.median(rates), tuple(out['inputs'].shape)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/jft/resnet101_8xb32_jft300m-gpu-decode-299px.py')
    parser.add_argument('--cpu-config', default='configs/jft/resnet101_8xb32_jft300m-299px.py')
    parser.add_argument('--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    parser.add_argument('--num-images', type=int, default=256)
    parser.add_argument('--size', type=int, nargs=2, default=(500, 375), help='w h of the written JPEGs')
    parser.add_argument('--batch', type=int, default=32)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--threads', type=int, default=1,
                        help='torch / cv2 threads of this process (1: the per-core figure on a CPU device)')
    parser.add_argument('--train-rate', type=float, default=2000.0,
                        help='img/s one GPU trains at (ResNet-101 at 299 px), to size the cores per GPU')
    args = parser.parse_args(argv)
    register_all_modules()
    torch.set_num_threads(args.threads)
    import cv2
    cv2.setNumThreads(args.threads)
    device = torch.device(args.device)
    cfg, cpu_cfg = Config.fromfile(args.config), Config.fromfile(args.cpu_config)
    pre = MODELS.build(cfg.model.data_preprocessor).to(device)
    norm = MODELS.build(cpu_cfg.model.data_preprocessor).to(device)
    with tempfile.TemporaryDirectory() as root:
        paths = write_images(root, args.num_images, args.size)
        mean_kib = sum(os.path.getsize(p) for p in paths) / len(paths) / 1024
        bytes_pipeline = _build(cfg.train_dataloader.dataset.pipeline)
        cpu_pipeline = _build(cpu_cfg.train_dataloader.dataset.pipeline)
        loader_rate = per_image_rate(bytes_pipeline, paths, args.repeat, seed_key=True)
        cpu_rate = per_image_rate(cpu_pipeline, paths, args.repeat)
        samples = [bytes_pipeline(dict(img_path=p, gt_label=[0], sample_idx=i, sample_seed=i))
                   for i, p in enumerate(paths)]
        batches = [pseudo_collate(samples[i:i + args.batch]) for i in range(0, len(samples), args.batch)]
        best, median, out_shape = preprocessor_rate(pre, batches, device, args.repeat)
        cpu_samples = [cpu_pipeline(dict(img_path=p, gt_label=[0], sample_idx=i)) for i, p in enumerate(paths)]
        cpu_batches = [pseudo_collate(cpu_samples[i:i + args.batch]) for i in range(0, len(paths), args.batch)]
        norm_rate = preprocessor_rate(norm, cpu_batches, device, args.repeat)[0]
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else (platform.processor() or 'cpu')
    print(json.dumps(dict(
        device=f'{device} ({name})', threads=args.threads, images=args.num_images, src_size=list(args.size),
        mean_jpeg_kib=round(mean_kib, 1), batch=args.batch, out_shape=list(out_shape),
        preprocessor_img_s=round(best, 1), preprocessor_img_s_median=round(median, 1),
        normalise_img_s=round(norm_rate, 1), decode_augment_img_s=round(1 / (1 / best - 1 / norm_rate), 1),
        cpu_pipeline_img_s_per_core=round(cpu_rate, 1), bytes_loader_img_s_per_core=round(loader_rate, 1),
        cores_per_gpu_cpu_decode=round(args.train_rate / cpu_rate, 1),
        cores_per_gpu_bytes_loader=round(args.train_rate / loader_rate, 2),
        torch=torch.__version__)))


if __name__ == '__main__':
    main()
