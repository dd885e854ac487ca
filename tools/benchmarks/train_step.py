"""Images per second of mmjft's training step (the real config, mmjft's Runner, its train loop and hooks) against a
plain PyTorch loop of the same model, head and optimizer, in the same mode, on the same device, in one process.

    python tools/benchmarks/train_step.py [--config CONFIG] [--batch 128] [--img-size 299]
        [--num-classes 18291] [--modes fp32 bf16+cl bf16+cl+compile] [--iters 20] [--warmup 6] [--repeat 3]
        [--device cuda] [--loader memory|config] [--cfg-options KEY=VALUE ...]

A mode is 'fp32' or 'bf16', plus '+cl' (channels_last) and '+compile' (torch.compile). For each mode:

* mmjft: the config is built through mmjft's Runner with the mode's switches (``optim_wrapper`` AmpOptimWrapper
  bf16 or OptimWrapper, ``channels_last``, ``compile``), ``model.head.num_classes`` and the batch size set, no
  validation and no checkpoint saving; the Runner's ``train()`` then runs the config's train loop (``run_iter``:
  hooks, ``model.train_step`` with the data preprocessor, head and optim wrapper) on an in-memory dataloader that hands
  out ready batches as the config's ``collate_fn`` makes them: uint8 images on the host and per-image label ids;
  with ``--loader config``, on the config's own train dataloader instead (end to end: e.g. shards, its workers and
  pipeline; the data given by the config or ``--cfg-options``).
* plain: mmpretrain's ResNet backbone built from the same config, global average pooling, one ``nn.Linear``, and
  ``binary_cross_entropy_with_logits`` over the multi-hot target of the same label ids, with the config's optimizer;
  each step copies the same uint8 images to the device and normalises them there; ``torch.autocast`` for bf16,
  ``torch.compile`` of the step (forward, loss, backward, optimizer step) for compile.

Both sides see the same 4 batches in turn (varying label counts, ~``--labels-per-image`` each). After ``--warmup``
iterations (compilation included) each side runs ``--repeat`` timed blocks of ``--iters`` iterations, interleaved
(mmjft block, plain block, ...), the device synchronised at each block's ends only. One JSON line per mode: both
sides' images/s per block, their medians and the ratio mmjft / plain of the medians.
"""
import argparse
import gc
import json
import os.path as osp
import statistics
import tempfile
import time
import traceback

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.config import Config, DictAction
from mmengine.device import get_device
from mmengine.hooks import Hook
from mmengine.registry import FUNCTIONS
from mmpretrain.structures import DataSample
from torch.utils.data import DataLoader

from mmjft.registry import MODELS, OPTIMIZERS, RUNNERS
from mmjft.utils import register_all_modules

NUM_BATCHES = 4


def parse_mode(mode: str) -> dict:
    """'bf16+cl+compile' -> dict(bf16=True, channels_last=True, compile=True)."""
    parts = mode.split('+')
    if parts[0] not in ('fp32', 'bf16') or not set(parts[1:]) <= {'cl', 'compile'} or len(set(parts)) < len(parts):
        raise ValueError(f"mode {mode!r}: 'fp32' or 'bf16', then optionally '+cl' and '+compile'")
    return dict(bf16=parts[0] == 'bf16', channels_last='cl' in parts, compile='compile' in parts)


def sync(device):
    if str(device).startswith('cuda'):
        torch.cuda.synchronize()


def make_batches(cfg, batch, img_size, num_classes, labels_per_image, seed=0):
    """``NUM_BATCHES`` batches as the config's dataloader gives them (its ``collate_fn`` over packed samples: CHW
    uint8 images, ``gt_label`` ids with a varying count per image), and each one's host tensors for the plain loop."""
    collate = FUNCTIONS.get(cfg.train_dataloader.get('collate_fn', dict(type='pseudo_collate'))['type'])
    rng = np.random.default_rng(seed)
    batches, plain = [], []
    for _ in range(NUM_BATCHES):
        images = torch.from_numpy(rng.integers(0, 256, (batch, 3, img_size, img_size), dtype=np.uint8))
        counts = rng.integers(1, 2 * labels_per_image, batch)
        labels = [torch.from_numpy(rng.choice(num_classes, n, replace=False)).long() for n in counts]
        samples = [dict(inputs=images[i].clone(), data_samples=DataSample().set_gt_label(labels[i]))
                   for i in range(batch)]
        batches.append(collate(samples))
        rows = torch.repeat_interleave(torch.arange(batch), torch.from_numpy(counts))
        plain.append((images, rows, torch.cat(labels)))
    return batches, plain


class InMemoryBatches(torch.utils.data.Dataset):
    """A map-style dataset whose batch fetch (``__getitems__``) returns one of the ready batches, in turn: a torch
    DataLoader over it (``batch_size`` set, no workers, identity collate) hands them to the train loop at no cost."""

    def __init__(self, batches, batch_size, num_classes, length=10**9):
        self.batches, self.batch_size, self.length = batches, batch_size, length
        self.metainfo = dict(classes=tuple(f'class_{i}' for i in range(num_classes)))

    def __len__(self):
        return self.length

    def __getitems__(self, indices):
        return self.batches[(indices[0] // self.batch_size) % len(self.batches)]


class BlockTimer(Hook):
    """Lowest-priority hook: after the warm-up iterations, then after every ``iters`` more, synchronises the device,
    records the mmjft block's time, runs ``between(block)`` (the plain loop's block), and starts the next block."""
    priority = 'LOWEST'

    def __init__(self, warmup, iters, device, between):
        self.warmup, self.iters, self.device, self.between = warmup, iters, device, between
        self.seconds, self.t0 = [], None

    def after_train_iter(self, runner, batch_idx, data_batch=None, outputs=None):
        done = batch_idx + 1
        if done < self.warmup or (done - self.warmup) % self.iters:
            return
        sync(self.device)
        if done > self.warmup:
            self.seconds.append(time.perf_counter() - self.t0)
            self.between(len(self.seconds) - 1)
        self.t0 = time.perf_counter()


def mode_config(args, mode: dict, work_dir: str) -> Config:
    """The config with the mode's switches, the benchmark's sizes, and nothing but training iterations."""
    cfg = Config.fromfile(args.config)
    if mode['bf16']:
        cfg.optim_wrapper.update(type='AmpOptimWrapper', dtype='bfloat16', loss_scale=dict(enabled=False))
    else:
        cfg.optim_wrapper.type = 'OptimWrapper'  # mmjft's Runner drops the AMP-only keys
    cfg.channels_last, cfg.compile = mode['channels_last'], mode['compile']
    cfg.model.head.num_classes = args.num_classes
    cfg.train_dataloader.batch_size = args.batch
    cfg.auto_scale_schedule = dict(enable=False)  # counts below are iterations
    cfg.train_cfg.max_iters = args.warmup + args.repeat * args.iters
    cfg.train_cfg.val_interval = 10**12
    for key in ('val_dataloader', 'val_cfg', 'val_evaluator', 'test_dataloader', 'test_cfg', 'test_evaluator'):
        cfg[key] = None
    cfg.default_hooks.checkpoint = None
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    cfg.work_dir, cfg.launcher, cfg.log_level = work_dir, 'none', 'WARNING'
    cfg.experiment_name = f'benchmark_train_step_{"+".join(k for k, v in mode.items() if v) or "fp32"}'
    return cfg


def plain_loop(cfg, args, mode: dict, device):
    """The plain PyTorch step of the same backbone, a linear head and the config's optimizer: ``step(images, rows,
    cols)`` with host uint8 images and the label ids as (row, class) pairs."""
    torch.manual_seed(0)
    backbone = MODELS.build(cfg.model.backbone)
    head = nn.Linear(cfg.model.head.in_channels, args.num_classes)
    model = nn.ModuleDict(dict(backbone=backbone, fc=head)).to(device).train()
    if mode['channels_last']:
        model.to(memory_format=torch.channels_last)
    opt_cfg = dict(cfg.optim_wrapper.optimizer)
    optimizer = OPTIMIZERS.build(dict(opt_cfg, params=model.parameters()))
    pre = cfg.model.data_preprocessor
    mean = torch.tensor(pre.mean, device=device).view(1, 3, 1, 1)
    std = torch.tensor(pre.std, device=device).view(1, 3, 1, 1)
    device_type = torch.device(device).type

    def update(x, target):
        with torch.autocast(device_type, dtype=torch.bfloat16, enabled=mode['bf16']):
            feats = F.adaptive_avg_pool2d(model['backbone'](x)[-1], 1).flatten(1)
            logits = model['fc'](feats)
        loss = F.binary_cross_entropy_with_logits(logits.float(), target, reduction='sum') / target.size(0)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        return loss

    update_fn = torch.compile(update) if mode['compile'] else update

    def step(images, rows, cols):
        x = images.to(device, non_blocking=True)
        x = (x.flip(1).float() - mean) / std if pre.get('to_rgb') else (x.float() - mean) / std
        if mode['channels_last']:
            x = x.contiguous(memory_format=torch.channels_last)
        target = torch.zeros(images.size(0), args.num_classes, device=device)
        target[rows.to(device, non_blocking=True), cols.to(device, non_blocking=True)] = 1.0
        return update_fn(x, target)

    return step


def bench_mode(args, mode_name: str, device) -> dict:
    mode = parse_mode(mode_name)
    with tempfile.TemporaryDirectory() as work_dir:
        cfg = mode_config(args, mode, work_dir)
        batches, plain_batches = make_batches(cfg, args.batch, args.img_size, args.num_classes, args.labels_per_image)
        runner = RUNNERS.build(cfg)  # first: its env_cfg (cudnn_benchmark) holds for the plain loop's warm-up too
        step = plain_loop(cfg, args, mode, device)
        t0 = time.perf_counter()
        for i in range(args.warmup):
            step(*plain_batches[i % NUM_BATCHES])
        sync(device)
        plain_warmup_s = time.perf_counter() - t0
        plain_seconds = []

        def plain_block(block):
            sync(device)
            start = time.perf_counter()
            for i in range(args.iters):
                step(*plain_batches[(block * args.iters + i) % NUM_BATCHES])
            sync(device)
            plain_seconds.append(time.perf_counter() - start)

        if args.loader == 'memory':
            runner._train_dataloader = DataLoader(
                InMemoryBatches(batches, args.batch, args.num_classes), batch_size=args.batch,
                collate_fn=lambda batch: batch, pin_memory=bool(cfg.train_dataloader.get('pin_memory', False)))
        timer = BlockTimer(args.warmup, args.iters, device, plain_block)
        runner.register_hook(timer)
        t0 = time.perf_counter()
        runner.train()
        total_s = time.perf_counter() - t0
        ours = runner.model.module if hasattr(runner.model, 'module') else runner.model
        wrapper = runner.optim_wrapper
        actual = dict(optim_wrapper=type(wrapper).__name__, autocast=str(getattr(wrapper, 'cast_dtype', None)),
                      conv_weight_channels_last=next(p for p in ours.backbone.parameters() if p.dim() == 4)
                      .is_contiguous(memory_format=torch.channels_last))
        del runner, step
    gc.collect()
    if str(device).startswith('cuda'):
        peak = torch.cuda.max_memory_allocated() / 2**30
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    else:
        peak = None
    torch._dynamo.reset()
    rate = [round(args.batch * args.iters / s, 1) for s in timer.seconds]
    plain_rate = [round(args.batch * args.iters / s, 1) for s in plain_seconds]
    med, plain_med = statistics.median(rate), statistics.median(plain_rate)
    return dict(mode=mode_name, loader=args.loader, mmjft_img_s=rate, plain_img_s=plain_rate, mmjft_median=med,
                plain_median=plain_med,
                ratio=round(med / plain_med, 3),
                mmjft_warmup_s=round(total_s - sum(timer.seconds) - sum(plain_seconds), 1),
                plain_warmup_s=round(plain_warmup_s, 1), peak_gib=None if peak is None else round(peak, 1), **actual)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', default='configs/jft/resnet101_8xb32_jft300m-299px.py')
    parser.add_argument('--batch', type=int, default=128)
    parser.add_argument('--img-size', type=int, default=299)
    parser.add_argument('--num-classes', type=int, default=18291)
    parser.add_argument('--labels-per-image', type=int, default=3)
    parser.add_argument('--modes', nargs='+', default=['fp32', 'bf16+cl', 'bf16+cl+compile'])
    parser.add_argument('--iters', type=int, default=20, help='iterations per timed block')
    parser.add_argument('--warmup', type=int, default=6,
                        help='untimed iterations first: compilation, and (> 4) the recompilations that each new '
                        'batch\'s label counts cause under compile')
    parser.add_argument('--repeat', type=int, default=3, help='timed blocks per side')
    parser.add_argument('--device', default=None, help="'cuda' or 'cpu'; must be the device mmengine picks")
    parser.add_argument('--loader', choices=['memory', 'config'], default='memory',
                        help="mmjft's side reads 'memory': the ready batches (the step alone), or 'config': the "
                        "config's own train dataloader (end to end: its data, e.g. shards, workers, pipeline); the "
                        'plain loop always reads the ready batches')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='config overrides after the mode\'s switches, e.g. train_dataloader.pin_memory=True')
    args = parser.parse_args()
    for mode in args.modes:
        parse_mode(mode)
    if args.iters < 1 or args.repeat < 1 or args.warmup < 1:
        parser.error('--iters, --repeat and --warmup must be >= 1')
    device = get_device()
    if args.device is not None and torch.device(args.device).type != torch.device(device).type:
        parser.error(f'--device {args.device}: mmengine runs this host on {device} (CUDA_VISIBLE_DEVICES= for cpu)')
    register_all_modules()
    if device == 'cuda':
        torch.backends.cuda.matmul.allow_tf32 = True  # both sides: the process-wide flags are shared
        torch.backends.cudnn.allow_tf32 = True
    env = dict(what='env', config=osp.basename(args.config), device=torch.cuda.get_device_name() if device == 'cuda'
               else 'cpu', torch=torch.__version__, threads=torch.get_num_threads(), batch=args.batch,
               img_size=args.img_size, num_classes=args.num_classes, iters=args.iters, warmup=args.warmup,
               repeat=args.repeat)
    print(json.dumps(env), flush=True)
    failed = []
    for mode in args.modes:
        try:
            print(json.dumps(dict(what='train_step', **bench_mode(args, mode, device))), flush=True)
        except Exception as e:  # one mode's failure (a compile error, out of memory) must not cost the others
            failed.append(mode)
            print(json.dumps(dict(what='train_step', mode=mode, error=repr(e)[:500])), flush=True)
            traceback.print_exc()
    if failed:
        raise SystemExit(f'modes failed: {failed}')


if __name__ == '__main__':
    main()
