"""Seconds per training iteration of a config's model (forward + backward + optimizer step) on synthetic input: the
part that tools/benchmarks/{faster_rcnn,deeplab,grmi}.py share.

Only torch and mmengine are imported here; each tool passes its library's model registry and scope (mmdet, mmseg,
mmpose) and its own synthetic batch, so this module stays importable without the downstream libraries.
"""
import time
from typing import Callable, List

import torch
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope


def default_device() -> str:
    return 'cuda' if torch.cuda.is_available() else 'cpu'


def build_for_training(cfg, registry, scope: str, device: str, seed: int = 0):
    """``(model, optim_wrapper)`` of ``cfg`` built in ``scope`` (weights as built: no checkpoint is read, the timing
    does not depend on them), on ``device``, in train mode."""
    torch.manual_seed(seed)
    with DefaultScope.overwrite_default_scope(scope):
        model = registry.build(cfg.model).to(device)
        wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    model.train()
    return model, wrapper


def data_step(model, wrapper, data: dict) -> Callable[[], None]:
    """One training iteration as mmengine's ``train_step`` runs it: data preprocessor, ``mode='loss'``,
    ``parse_losses``, ``update_params``."""

    def step():
        losses = model(**model.data_preprocessor(data, True), mode='loss')
        loss, _ = model.parse_losses(losses)
        wrapper.update_params(loss)

    return step


def time_steps(step: Callable[[], None], iters: int, warmup: int, device: str) -> List[float]:
    """Seconds of each of ``iters`` calls of ``step`` after ``warmup`` untimed ones (CUDA synchronised around each)."""
    if iters < 1 or warmup < 0:
        raise ValueError(f'iters must be >= 1 and warmup >= 0, got {iters}, {warmup}')
    cuda = str(device).startswith('cuda')
    for _ in range(warmup):
        step()
    times = []
    for _ in range(iters):
        if cuda:
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        step()
        if cuda:
            torch.cuda.synchronize()
        times.append(time.perf_counter() - t0)
    return times


def timing_summary(times: List[float], device: str) -> dict:
    """Median, min and mean seconds per iteration, the device's name and the CPU threads torch uses."""
    ordered = sorted(times)
    cuda = str(device).startswith('cuda')
    return dict(device=torch.cuda.get_device_name(torch.device(device)) if cuda else 'cpu',
                threads=torch.get_num_threads(), iters=len(times),
                s_per_iter_median=round(ordered[len(ordered) // 2], 3), s_per_iter_min=round(ordered[0], 3),
                s_per_iter_mean=round(sum(times) / len(times), 3))
