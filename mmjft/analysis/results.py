"""A folder of runs -> rows keyed by the ablation's variables, with each run's cost.

A run is a directory holding mmengine's timestamped log folders (``YYYYMMDD_HHMMSS/``, written by tools/train.py
and tools/test.py) and the config dump mmengine writes next to them; ``test_metrics.json`` (tools/test.py) is its
final metric when present, else the last validation entry of ``vis_data/scalars.json``.

Keys, read from the config dump: ``task`` (pretrain / imagenet / detection / segmentation / pose), ``data_size``
(the pretraining's ``subset_size``, else the training list's line count when the file is at hand, else
``full_size``), ``depth``, ``init`` (random / imagenet), ``frozen``, ``classes`` (``classes_subset`` or 'all'),
``seed``, ``epochs`` (images seen / data size). A downstream run takes its pretraining's keys from the converted
checkpoint's ``meta['pretraining']`` (``mmjft_to_downstream.py``), else from its ``init_source`` config.
Cost: images seen, wall-clock (first log folder's timestamp to the last write of the training log), device-hours
(wall-clock x processes), training images/s (global batch / mean logged iteration time).
"""
import glob
import json
import math
import os
import os.path as osp
import re
from datetime import datetime
from typing import Dict, List, Optional

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')
SCOPE_TASK = {'mmdet': 'detection', 'mmseg': 'segmentation', 'mmpose': 'pose'}
# the ablation variables a setting is made of (everything but size and seed) and what a table shows
SETTING_KEYS = ('task', 'depth', 'init', 'frozen', 'classes')


def _load_config(path):
    from mmengine.config import Config
    return Config.fromfile(path)


def _config_dump(run_dir: str) -> Optional[str]:
    dumps = [p for p in glob.glob(osp.join(run_dir, '*.py'))]
    return max(dumps, key=osp.getmtime) if dumps else None


def _count_lines(path: str) -> Optional[int]:
    if not osp.isfile(path):
        return None
    with open(path, 'rb') as f:
        return sum(1 for line in f if line.strip())


def _pretraining_keys(cfg, full_size: Optional[int]) -> dict:
    """depth, data size, classes, init of a pretraining (or ImageNet) config."""
    model = cfg.get('model') or {}
    data = (cfg.get('train_dataloader') or {}).get('dataset') or {}
    size = data.get('subset_size')
    if size is None and data.get('ann_file'):
        size = _count_lines(osp.join(data.get('data_root', ''), data['ann_file'])) or full_size
    init_cfg = (model.get('backbone') or {}).get('init_cfg') or {}
    inits = init_cfg if isinstance(init_cfg, list) else [init_cfg]
    pretrained = any(str(i.get('type')).split('.')[-1] in ('Pretrained', 'StrictPretrained') for i in inits)
    return dict(depth=(model.get('backbone') or {}).get('depth'), data_size=size,
                classes=osp.basename(str(data['classes_subset'])) if data.get('classes_subset') else 'all',
                init='imagenet' if pretrained else 'random')


def _downstream_keys(cfg, root: str, full_size: Optional[int]) -> dict:
    """A downstream run: its pretraining's keys from the converted checkpoint's meta, else its init_source."""
    model = cfg.get('model') or {}
    out = dict(depth=(model.get('backbone') or {}).get('depth'), data_size=None, classes='all', init='random',
               images_seen=None)
    source = str(cfg.get('init_source') or '')
    if source == 'torchvision' or 'in1k-scratch' in source:
        out.update(init='imagenet-only', data_size=None)
        return out
    if source:
        path = source if osp.isabs(source) else osp.join(root, source)
        if osp.isfile(path):
            pre = _pretraining_keys(_load_config(path), full_size)
            out.update(data_size=pre['data_size'], classes=pre['classes'], depth=pre['depth'] or out['depth'],
                       init='imagenet+jft' if pre['init'] == 'imagenet' else 'jft')
    ckpt = (model.get('init_cfg') or {}).get('checkpoint')
    if ckpt:
        path = ckpt if osp.isabs(ckpt) else osp.join(root, ckpt)
        if osp.isfile(path):
            import torch
            meta = (torch.load(path, map_location='cpu', mmap=True, weights_only=True).get('meta') or {})
            pre = meta.get('pretraining') or {}
            if pre.get('subset_size') is not None:
                out['data_size'] = pre['subset_size']
            if pre.get('classes_subset'):
                out['classes'] = osp.basename(str(pre['classes_subset']))
            out['images_seen'] = pre.get('images_seen')
    return out


def _scalars(log_dir: str) -> List[dict]:
    path = osp.join(log_dir, 'vis_data', 'scalars.json')
    rows = []
    if osp.isfile(path):
        with open(path) as f:
            for line in f:
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:  # a run killed mid-write leaves half a line: the rest still counts
                    continue
    return rows


def _schedule_from_log(log_dir: str) -> dict:
    """The real iterations and global batch, as mmjft's Runner logged its schedule conversion."""
    out = {}
    for log in glob.glob(osp.join(log_dir, '*.log')):
        with open(log, errors='replace') as f:
            for line in f:
                m = re.search(r'run with (\d+) process\(es\) x (\d+) = (\d+) images per iteration', line)
                if m:
                    out.update(world_size=int(m.group(1)), global_batch=int(m.group(3)))
                m = re.search(r'train_cfg\.max_iters: \d+ -> (\d+) iterations', line)
                if m:
                    out['max_iters'] = int(m.group(1))
    return out


def collect_run(run_dir: str, root: str = '.', metric: Optional[str] = None, full_size: Optional[int] = None) -> dict:
    """One row: keys, metric, cost and ``status`` ('ok', 'incomplete: ...', 'failed: ...')."""
    row = dict(run=osp.basename(osp.normpath(run_dir)), status='ok', metric_name=metric, metric=math.nan,
               images_seen=None, wall_clock_h=None, device_hours=None, images_per_s=None, seed=None, epochs=None)
    dump = _config_dump(run_dir)
    if dump is None:
        row['status'] = 'failed: no config dump (the run never started)'
        return row
    cfg = _load_config(dump)
    scope = cfg.get('default_scope')
    data_type = str(((cfg.get('train_dataloader') or {}).get('dataset') or {}).get('type', ''))
    task = SCOPE_TASK.get(scope) or ('pretrain' if 'JFT' in data_type else 'imagenet')
    keys = (_pretraining_keys(cfg, full_size) if task in ('pretrain', 'imagenet')
            else _downstream_keys(cfg, root, full_size))
    frozen = ((cfg.get('model') or {}).get('backbone') or {}).get('frozen_stages', -1) >= 3
    row.update(task=task, frozen=bool(frozen and task not in ('pretrain', 'imagenet')),
               seed=(cfg.get('randomness') or {}).get('seed'), **keys)

    # training logs: the log folders whose scalars hold training iterations
    train_logs = []
    for log_dir in sorted(d for d in glob.glob(osp.join(run_dir, '*')) if TIMESTAMP.match(osp.basename(d))):
        scalars = _scalars(log_dir)
        if any('loss' in s for s in scalars):
            train_logs.append((log_dir, scalars))
    metric_values = {}
    test_json = osp.join(run_dir, 'test_metrics.json')
    if osp.isfile(test_json):
        with open(test_json) as f:
            metric_values = json.load(f)
    elif train_logs:
        for s in train_logs[-1][1]:
            metric_values.update({k: v for k, v in s.items() if 'loss' not in k and k not in (
                'lr', 'time', 'data_time', 'iter', 'step', 'memory', 'epoch', 'base_lr')})
    if metric is None and metric_values:
        metric = sorted(metric_values)[0]
        row['metric_name'] = metric
    if metric in metric_values:
        row['metric'] = float(metric_values[metric])

    if not train_logs:
        row['status'] = 'failed: no training log' if not metric_values else 'ok (test only, no training log)'
        if not metric_values:
            return row
    else:
        log_dir, scalars = train_logs[-1]
        iters = [s for s in scalars if 'loss' in s]
        sched = _schedule_from_log(log_dir)
        world = sched.get('world_size', 1)
        batch = sched.get('global_batch', world * int((cfg.get('train_dataloader') or {}).get('batch_size', 1)))
        last_iter = max(int(s.get('iter', s.get('step', 0))) for s in iters)
        max_iters = sched.get('max_iters', (cfg.get('train_cfg') or {}).get('max_iters'))
        # the logger writes every `interval` iterations: a log ending within one interval of the end is complete
        interval = int(((cfg.get('default_hooks') or {}).get('logger') or {}).get('interval', 1))
        if max_iters and max_iters - last_iter >= interval:
            row['status'] = f'incomplete: iteration {last_iter} of {max_iters}'
        elif max_iters:
            last_iter = max_iters
        start = datetime.strptime(osp.basename(log_dir), '%Y%m%d_%H%M%S').timestamp()
        end = max(osp.getmtime(p) for p in glob.glob(osp.join(log_dir, '**', '*'), recursive=True)
                  if osp.isfile(p))
        times = [float(s['time']) for s in iters if 'time' in s]
        row.update(images_seen=last_iter * batch, wall_clock_h=(end - start) / 3600,
                   device_hours=(end - start) / 3600 * world,
                   images_per_s=batch / (sum(times) / len(times)) if times else None)
        if task in ('pretrain', 'imagenet') and row.get('data_size'):
            row['epochs'] = row['images_seen'] / row['data_size']
    if math.isnan(row['metric']) and row['status'] == 'ok':
        row['status'] = f'failed: no {metric} in the metrics'
    return row


def collect_runs(folder: str, root: str = '.', metric: Optional[str] = None,
                 full_size: Optional[int] = None) -> List[dict]:
    """Every run directory under ``folder`` (a directory holding timestamped log folders or a config dump)."""
    runs = []
    for dirpath, dirnames, filenames in os.walk(folder):
        if any(TIMESTAMP.match(d) for d in dirnames) or 'test_metrics.json' in filenames:
            runs.append(dirpath)
            dirnames[:] = []  # a run's own folders are not runs
    if not runs:
        raise FileNotFoundError(f'no runs under {folder} (a run is a work_dir with mmengine log folders)')
    return [collect_run(r, root, metric, full_size) for r in sorted(runs)]


def setting_of(row: dict) -> str:
    parts = [row.get('task', '?'), f"R{row['depth']}" if row.get('depth') else None, row.get('init'),
             'frozen' if row.get('frozen') else None,
             f"classes={row['classes']}" if row.get('classes', 'all') != 'all' else None]
    return ' '.join(p for p in parts if p)


def fit_settings(rows: List[dict]) -> Dict[str, dict]:
    """Per setting: the log-scaling fit over the rows that finished with a metric and a data size, or the reason
    there is none (``{'error': ...}``); ``used`` / ``left_out`` name the runs."""
    from .scaling import FitError, fit_log_scaling
    groups: Dict[str, List[dict]] = {}
    for row in rows:
        if row.get('task'):
            groups.setdefault(setting_of(row), []).append(row)
    fits = {}
    for setting, group in sorted(groups.items()):
        usable = [r for r in group if r['status'].startswith('ok') and r.get('data_size') and
                  not math.isnan(r['metric'])]
        left_out = [f"{r['run']} ({r['status'] if not r['status'].startswith('ok') else 'no data size'})"
                    for r in group if r not in usable]
        try:
            fit = fit_log_scaling([r['data_size'] for r in usable], [r['metric'] for r in usable])
        except FitError as e:
            fit = dict(error=str(e))
        fit.update(used=[r['run'] for r in usable], left_out=left_out, metric=group[0].get('metric_name'))
        fits[setting] = fit
    return fits


def _fmt(value, spec='.4g', none='-'):
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return none
    return format(value, spec) if isinstance(value, (int, float)) else str(value)


def _size(n) -> str:
    if not n:
        return '-'
    for div, unit in ((1e9, 'B'), (1e6, 'M'), (1e3, 'K')):
        if n >= div:
            return f'{n / div:g}{unit}'
    return str(int(n))


def markdown_report(rows: List[dict], fits: Dict[str, dict]) -> str:
    """The runs table (keys, metric, cost, status), the data-size table (paper Fig. 4 / Fig. 6 as numbers: one
    column per setting, mean +- std over seeds) and the fits (slope per decade of data, interval, R^2)."""
    from .scaling import format_ci, mean_and_spread
    metric = next((r['metric_name'] for r in rows if r.get('metric_name')), 'metric')
    lines = [f'## Runs ({len(rows)})', '',
             f'| run | task | data size | depth | init | frozen | classes | seed | epochs | {metric} | images seen | '
             'wall-clock (h) | device-hours | img/s | status |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append('| ' + ' | '.join([
            r['run'], _fmt(r.get('task')), _size(r.get('data_size')), _fmt(r.get('depth')), _fmt(r.get('init')),
            'yes' if r.get('frozen') else 'no', _fmt(r.get('classes')), _fmt(r.get('seed')),
            _fmt(r.get('epochs'), '.3g'),
            _fmt(r['metric']), _size(r.get('images_seen')), _fmt(r.get('wall_clock_h'), '.3f'),
            _fmt(r.get('device_hours'), '.3f'), _fmt(r.get('images_per_s'), '.0f'), r['status']]) + ' |')
    settings = sorted(fits)
    sizes = sorted({r['data_size'] for r in rows if r.get('data_size')})
    if settings and sizes:
        lines += ['', f'## {metric} by pretraining data size (mean +- std over seeds, n runs)', '',
                  '| data size | ' + ' | '.join(settings) + ' |', '|---' * (len(settings) + 1) + '|']
        curves = {}
        for s in settings:
            used = [r for r in rows if setting_of(r) == s and r['run'] in fits[s]['used']]
            curves[s] = mean_and_spread([r['data_size'] for r in used], [r['metric'] for r in used])
        for size in sizes:
            cells = []
            for s in settings:
                m = curves[s].get(float(size))
                cells.append('-' if m is None else f'{m[0]:.4f} +- {m[1]:.4f} ({m[2]})' if m[2] > 1 else f'{m[0]:.4f}')
            lines.append(f'| {_size(size)} | ' + ' | '.join(cells) + ' |')
    lines += ['', f'## Fit: {metric} = a + b log10(N)', '',
              '| setting | b (per 10x data) | 95% interval of b | a | R^2 | points (sizes) | note |',
              '|---|---|---|---|---|---|---|']
    for s in settings:
        fit = fits[s]
        note = '; '.join(filter(None, [fit.get('error'), fit.get('note'),
                                       ('left out: ' + ', '.join(fit['left_out'])) if fit['left_out'] else '']))
        if 'error' in fit:
            lines.append(f'| {s} | - | - | - | - | {len(fit["used"])} | {note} |')
        else:
            lines.append(f'| {s} | {fit["slope"]:.4f} | {format_ci(fit)} | {fit["intercept"]:.4f} | {fit["r2"]:.3f} | '
                         f'{fit["n"]} ({fit["n_sizes"]}) | {note or "-"} |')
    return '\n'.join(lines) + '\n'


def plot_scaling(rows: List[dict], fits: Dict[str, dict], path: str, title: str = '') -> str:
    """PNG: metric against data size on a log x axis, one line per setting (mean over seeds, +- std band where seeds
    repeat), the fitted line dashed (paper Fig. 4 / Fig. 6)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    from .scaling import mean_and_spread, predict
    fig, ax = plt.subplots(figsize=(6, 4.2), dpi=120)
    metric = 'metric'
    for setting, fit in sorted(fits.items()):
        used = [r for r in rows if setting_of(r) == setting and r['run'] in fit['used']]
        if not used:
            continue
        metric = fit.get('metric') or metric
        curve = mean_and_spread([r['data_size'] for r in used], [r['metric'] for r in used])
        x = np.array(sorted(curve))
        mean = np.array([curve[s][0] for s in x])
        std = np.array([curve[s][1] for s in x])
        (line, ) = ax.plot(x, mean, 'o-', label=setting)
        if any(curve[s][2] > 1 for s in x):
            ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.2)
        if 'error' not in fit:
            xs = np.geomspace(x.min(), x.max(), 50)
            ax.plot(xs, predict(fit, xs), '--', color=line.get_color(), alpha=0.7,
                    label=f'fit: {fit["slope"]:.3f} per 10x (R$^2$ {fit["r2"]:.2f})')
    ax.set_xscale('log')
    ax.set_xlabel('pretraining images (log scale)')
    ax.set_ylabel(metric)
    ax.set_title(title or f'{metric} vs data size', fontsize=10)
    ax.grid(True, which='both', alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
