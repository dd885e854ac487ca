"""Schedules written in images seen, turned into iterations of the run's real global batch.

The paper's recipes are counts of images (or of steps of a fixed number of images): 36M steps of 32 images, lr x0.9
every 3M steps. A config states its schedule numbers for ``auto_scale_schedule.base_batch_size`` images per
iteration (1: the numbers *are* images) and the run converts each of them to iterations of its real global batch
(GPUs x images per GPU), as mmengine's ``auto_scale_lr`` turns the lr written for a base batch into the lr of the
real batch. 8 or 64 GPUs then see the same images under the same lr-versus-images curve.

Converted (iteration-based entries only; epochs already count data): ``train_cfg.max_iters / val_interval /
val_begin``; every ``param_scheduler`` entry with ``by_epoch=False``: ``begin``, ``end``, ``step_size``,
``milestones``, ``T_max``; ``default_hooks.checkpoint.interval`` when ``by_epoch=False``. Not converted: the logger's
interval (a number of iterations between log lines).
"""
import math
from typing import Dict, List, Sequence, Tuple, Union

Count = Union[int, Sequence[int]]
INF = int(1e9)  # mmengine's "no end" for a scheduler's ``end`` (mmengine/optim/scheduler/param_scheduler.py)
SCHEDULER_KEYS = ('begin', 'end', 'step_size', 'milestones', 'T_max')


def images_to_iters(count: int, images_per_count: int, global_batch: int) -> int:
    """``count`` units of ``images_per_count`` images -> iterations of ``global_batch`` images, nearest, >= 1 when
    the count is positive (0 stays 0)."""
    if count <= 0:
        return int(count)
    return max(1, math.floor(count * images_per_count / global_batch + 0.5))


def plan_schedule(counts: Dict[str, Count], global_batch: int, base_batch_size: int = 1) -> Dict[str, dict]:
    """The pure conversion: for each named count, the iterations of ``global_batch`` images that see as many images.

    Args:
        counts: name -> an int or a list of ints, each in units of ``base_batch_size`` images.
        global_batch: images per iteration in this run (world size x per-GPU batch).
        base_batch_size: images per unit of the counts (1: the counts are images).

    Returns:
        name -> ``dict(written=..., iters=..., images=...)`` (``images``: what the rounded iterations really see).
    """
    if global_batch < 1 or base_batch_size < 1:
        raise ValueError(f'global_batch ({global_batch}) and base_batch_size ({base_batch_size}) must be >= 1')
    plan = {}
    for name, value in counts.items():
        many = isinstance(value, (list, tuple))
        values = list(value) if many else [value]
        iters = [images_to_iters(int(v), base_batch_size, global_batch) for v in values]
        images = [i * global_batch for i in iters]
        plan[name] = dict(written=value, iters=iters if many else iters[0], images=images if many else images[0])
    return plan


def _schedule_fields(train_cfg, param_scheduler, default_hooks) -> List[Tuple[str, dict, str]]:
    """(name, container, key) of every iteration count the conversion applies to."""
    fields = []
    if train_cfg and 'max_iters' in train_cfg:
        fields += [(f'train_cfg.{k}', train_cfg, k) for k in ('max_iters', 'val_interval', 'val_begin')
                   if k in train_cfg]
    schedulers = param_scheduler if isinstance(param_scheduler, (list, tuple)) else \
        ([param_scheduler] if param_scheduler else [])
    for i, sched in enumerate(schedulers):
        if sched.get('by_epoch', True):
            continue
        fields += [(f'param_scheduler[{i}].{k}', sched, k) for k in SCHEDULER_KEYS
                   if k in sched and sched[k] != INF]
    ckpt = (default_hooks or {}).get('checkpoint')
    if ckpt and not ckpt.get('by_epoch', True) and ckpt.get('interval', -1) > 0:
        fields.append(('default_hooks.checkpoint.interval', ckpt, 'interval'))
    return fields


def _check_max_iters(train_cfg, base_batch_size) -> None:
    """``train_cfg.max_iters`` must be positive: written in images seen when the schedule is converted
    (``base_batch_size`` images per count), else in iterations (``base_batch_size`` None)."""
    max_iters = (train_cfg or {}).get('max_iters')
    if max_iters is None or max_iters > 0:
        return
    if base_batch_size is None:
        raise ValueError(f'train_cfg.max_iters must be a positive number of iterations, got {max_iters}')
    raise ValueError(f'train_cfg.max_iters must be positive, got {max_iters}: with auto_scale_schedule it counts '
                     f'units of {base_batch_size} image(s), {max_iters * base_batch_size} images seen; give the '
                     'number of images the run should see')


def apply_auto_scale_schedule(auto_scale_schedule, world_size: int, batch_size: int, train_cfg,
                              param_scheduler, default_hooks) -> List[str]:
    """Rewrite the schedule's counts in place as iterations of ``world_size x batch_size`` images.

    Returns the log lines (one per converted field), or a single line saying why nothing changed. A
    ``train_cfg.max_iters`` that is not positive is an error, switched on or off.
    """
    enabled = bool(auto_scale_schedule) and auto_scale_schedule.get('enable', False)
    base = int(auto_scale_schedule.get('base_batch_size', 1)) if enabled else None
    _check_max_iters(train_cfg, base)
    if not enabled:
        return [f'auto_scale_schedule is off: the schedule runs as written, in iterations of {world_size} x '
                f'{batch_size} images']
    global_batch = world_size * batch_size
    fields = _schedule_fields(train_cfg, param_scheduler, default_hooks)
    plan = plan_schedule({name: container[key] for name, container, key in fields}, global_batch, base)
    lines = [f'auto_scale_schedule: counts written for {base} image(s) per iteration, run with {world_size} '
             f'process(es) x {batch_size} = {global_batch} images per iteration']
    for name, container, key in fields:
        entry = plan[name]
        container[key] = entry['iters']
        lines.append(f'  {name}: {entry["written"]} -> {entry["iters"]} iterations ({entry["images"]} images)')
    return lines
