"""A folder of runs -> rows keyed by what ran, with each run's cost.

A run is a work_dir; what keys it is its result file ``run_result.json`` (written by
:class:`mmjft.engine.hooks.RunResultHook`, format in its docstring and in README 'The result file'), never the
config's request, a pretraining config named by ``init_source`` or file times. A work_dir without the file (mmengine
log folders or ``test_metrics.json`` only) is listed as such and keyed by nothing.

Columns: ``task`` (pretrain / imagenet / detection / segmentation / pose), ``data_size`` (images in the pretraining
set as read: a pretraining run's own training set; a downstream run's pretraining, from the converted checkpoint's
``meta['pretraining']`` the run recorded), ``subset_size`` (as asked: 1.0 and 1 differ), ``depth``, ``init``
(random / imagenet; downstream: jft / imagenet+jft / imagenet-only), ``frozen``, ``classes`` (number and digest),
``seed``, ``epochs`` (images seen / data size), metric (the test section's, else the last validation's), cost
(images seen, wall-clock and device-hours of the run's own timer, training images/s).

The key of a run is everything its result file records except the seeds, the timers and the metrics
(:func:`run_key`): runs are averaged only when their keys are equal. A setting (one line of the curves and one fit)
is what stays when the data size and what follows it (subset, schedule length, config) are taken out
(:data:`SETTING_FIELDS`).
"""
import hashlib
import json
import math
import numbers
import os
import os.path as osp
import re
from typing import Dict, List, Optional

from mmjft.engine.hooks.run_result_hook import RESULT_FILE, read_result_file

TIMESTAMP = re.compile(r'^\d{8}_\d{6}$')  # mmengine's log folders: a work_dir without a result file
SCOPE_TASK = {'mmdet': 'detection', 'mmseg': 'segmentation', 'mmpose': 'pose'}
# what a row shows of its setting, and what else makes one (recorded facts that do not follow the data size)
SETTING_FIELDS = ('task', 'depth', 'init', 'frozen', 'classes', 'device', 'world_size', 'global_batch', 'commit',
                  'load_status')
# recorded facts that are not part of a key: seeds, names, paths, timers, metrics
_UNKEYED = {'seed', 'experiment', 'config_file', 'sessions', 'wall_clock_s', 'device_hours', 'val_metrics',
            'metrics', 'finished', 'resumed', 'path', 'converted', 'source', 'read_from', 'ann_file'}


def load_summary(status, resumed: bool = False) -> Optional[str]:
    """A load status (message hub info ``'load_status'``: checkpoint, strict, missing, unexpected, mismatched, ...)
    as a key: None (nothing loaded, or a run resumed from a checkpoint that fit), 'complete' or 'partial (...)'."""
    if status is None:
        return None
    if not isinstance(status, dict):
        return str(status)
    counts = {k: status.get(k) or 0 for k in ('missing', 'unexpected', 'mismatched')}
    if any(counts.values()):
        return 'partial (' + ', '.join(f'{v} {k}' for k, v in counts.items()) + ')'
    return None if resumed else 'complete'


def _unkeyed(value):
    if isinstance(value, dict):
        # a path (a checkpoint's, a data file's) differs between seeds' work_dirs; what it holds is keyed elsewhere
        return {k: _unkeyed(v) for k, v in value.items() if k not in _UNKEYED and not (
            k == 'checkpoint' and isinstance(v, str))}
    if isinstance(value, list):
        return [_unkeyed(v) for v in value]
    return value


def run_key(result: dict) -> dict:
    """Everything ``result`` (a result file) records except seeds, names, paths, timers and metrics (in a downstream
    run's ``pretraining`` record too); load statuses as :func:`load_summary`."""
    key = {}
    for name in ('train', 'test'):
        if result.get(name):
            section = dict(result[name])
            section['load_status'] = load_summary(section.get('load_status'), bool(section.get('resumed')))
            key[name] = _unkeyed(section)
    return key


def key_id(key: dict) -> str:
    return hashlib.sha1(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:8]


def _flatten(value, prefix=''):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            out.update(_flatten(v, f'{prefix}{k}.'))
        return out
    return {prefix[:-1]: value}


def key_differences(keys: List[dict]) -> List[str]:
    """The dotted names of the fields in which ``keys`` differ."""
    flat = [_flatten(k) for k in keys]
    names = sorted(set().union(*flat))
    return [n for n in names if len({json.dumps(f.get(n), sort_keys=True, default=str) for f in flat}) > 1]


def read_result(run_dir: str) -> Optional[dict]:
    """``run_dir``'s result file, None when it has none.

    Raises:
        ValueError: the file is not a result file, naming it.
    """
    return read_result_file(osp.join(run_dir, RESULT_FILE))


def _classes(n, digest) -> Optional[str]:
    return None if n is None else f'{n} ({digest[:6]})' if digest else str(n)


def _init(model: dict, task: str) -> str:
    """A pretraining run from weights (mmengine's Pretrained, mmjft's StrictPretrained) starts from ImageNet's; an
    ImageNet run from weights, from a pretraining checkpoint."""
    pretrained = any(str(i.get('type')).split('.')[-1] in ('Pretrained', 'StrictPretrained')
                     for i in model.get('init') or [])
    return ('imagenet' if task == 'pretrain' else 'pretrained') if pretrained else 'random'


def _downstream_init(pre: Optional[dict]) -> Optional[str]:
    """What a downstream run's converted checkpoint was pretrained on, from its ``meta['pretraining']``."""
    if not pre:
        return None
    dataset = str(pre.get('dataset') or '')
    if 'JFT' in dataset:
        return 'imagenet+jft' if pre.get('init') == 'imagenet' else 'jft'
    if 'ImageNet' in dataset or pre.get('converter') == 'torchvision_to_mmpretrain':
        return 'imagenet-only'
    return None


def _keys(train: dict) -> dict:
    """The table's columns from a train section."""
    scope = train.get('scope')
    train_set, model = train.get('train_set') or {}, train.get('model') or {}
    task = SCOPE_TASK.get(scope) or ('pretrain' if 'JFT' in str(train_set.get('dataset')) else 'imagenet')
    commit = train.get('commit') or {}
    out = dict(task=task, depth=model.get('depth'), frozen=task not in ('pretrain', 'imagenet') and
               (model.get('frozen_stages') if model.get('frozen_stages') is not None else -1) >= 3,
               device=(train.get('device') or {}).get('name'), world_size=train.get('world_size'),
               global_batch=train.get('global_batch'),
               load_status=load_summary(train.get('load_status'), bool(train.get('resumed'))),
               commit=(commit.get('sha') or '')[:10] + ('+dirty' if commit.get('dirty') else '') or None)
    if task in ('pretrain', 'imagenet'):
        out.update(data_size=train_set.get('images'), subset_size=train_set.get('subset_size'),
                   classes=_classes(train_set.get('classes'), train_set.get('classes_digest')), init=_init(model, task),
                   exact=train_set.get('exact', True))
    else:
        pre = train.get('pretraining') or {}
        out.update(data_size=pre.get('train_images'), subset_size=pre.get('subset_size'),
                   classes=_classes(pre.get('num_classes'), pre.get('classes_digest')), init=_downstream_init(pre),
                   depth=pre.get('depth') or out['depth'], exact=True)
    return out


def collect_run(run_dir: str, metric: Optional[str] = None) -> dict:
    """One row: keys, metric, cost and ``status`` ('ok', 'ok (...)', 'incomplete: ...', 'failed: ...',
    'no result file ...')."""
    row = dict(run=osp.basename(osp.normpath(run_dir)), status='ok', metric_name=metric, metric=math.nan,
               task=None, data_size=None, subset_size=None, depth=None, init=None, frozen=None, classes=None,
               seed=None, epochs=None, images_seen=None, wall_clock_h=None, device_hours=None, images_per_s=None,
               key=None, key_id=None)
    try:
        result = read_result(run_dir)
    except ValueError as e:
        row['status'] = f'failed: {e}'
        return row
    if result is None:
        row['status'] = (f'no result file: {RESULT_FILE} missing (the run stopped before training began, or ran '
                         'before runs recorded one): not keyed, left out of tables and fits')
        return row
    train, test = result.get('train'), result.get('test')
    metrics = ((test or {}).get('metrics') or (train or {}).get('val_metrics') or {})
    if metric is None and metrics:
        metric = sorted(metrics)[0]
        row['metric_name'] = metric
    if metric in metrics:
        row['metric'] = float(metrics[metric])
    if not train:
        row['status'] = f'test only: {RESULT_FILE} has no train section (tested in another work_dir?): not keyed'
        return row
    row.update(_keys(train), seed=train.get('seed'))
    exact, asked = row.pop('exact'), row['subset_size']
    row['key'] = run_key(result)
    row['key_id'] = key_id(row['key'])
    # the images seen of the model that was scored: a tested checkpoint's own (e.g. images_384M.pth), else the run's
    seen = ((test or {}).get('checkpoint') or {}).get('images_seen') or train.get('images_seen')
    wall = (train.get('wall_clock_s') or 0) + ((test or {}).get('wall_clock_s') or 0)
    device_s = (train.get('device_hours') or 0) * 3600 + ((test or {}).get('wall_clock_s') or 0) * (
        (test or {}).get('world_size') or 1)
    step_s = sum(s.get('step_s') or 0 for s in train.get('sessions') or [])
    trained = sum((s['last_iter'] - s['first_iter']) for s in train.get('sessions') or []) * (
        train.get('global_batch') or 0)
    row.update(images_seen=seen, wall_clock_h=wall / 3600, device_hours=device_s / 3600,
               images_per_s=trained / step_s if step_s > 0 else None)
    if row['task'] in ('pretrain', 'imagenet') and row['data_size'] and seen:
        row['epochs'] = seen / row['data_size']
    if not train.get('finished'):
        row['status'] = f"incomplete: iteration {train.get('iterations')} of {train.get('max_iters')}"
    elif math.isnan(row['metric']):
        row['status'] = f'failed: no {metric} in the metrics' if metric else 'failed: no metrics recorded'
    elif row['data_size'] is None:
        row['status'] = 'ok (pretraining data size not recorded: left out of the fit)'
    elif not exact:
        row['status'] = 'ok (data size estimated: streamed shards)'
    elif isinstance(asked, numbers.Real) and not isinstance(asked, bool) and asked > max(1, row['data_size']):
        row['status'] = f'ok (subset_size {asked!r} asked, {row["data_size"]} images read)'
    return row


def collect_runs(folder: str, metric: Optional[str] = None) -> List[dict]:
    """Every run directory under ``folder``: one with a result file, mmengine log folders or ``test_metrics.json``."""
    runs = []
    for dirpath, dirnames, filenames in os.walk(folder):
        if RESULT_FILE in filenames or 'test_metrics.json' in filenames or any(TIMESTAMP.match(d) for d in dirnames):
            runs.append(dirpath)
            dirnames[:] = []  # a run's own folders are not runs
    if not runs:
        raise FileNotFoundError(f'no runs under {folder} (a run is a work_dir with {RESULT_FILE} or mmengine log '
                                'folders)')
    return [collect_run(r, metric) for r in sorted(runs)]


def _setting(row: dict) -> tuple:
    return tuple(row.get(f) for f in SETTING_FIELDS)


def setting_labels(rows: List[dict]) -> Dict[tuple, str]:
    """A readable name per setting: task, depth, init, frozen, classes; settings that would share a name get the
    fields they differ in appended."""
    names = {}
    for row in rows:
        if row.get('key_id'):
            parts = [row['task'], f"R{row['depth']}" if row.get('depth') else None, row.get('init'),
                     'frozen' if row.get('frozen') else None,
                     f"classes={row['classes']}" if row.get('classes') else None]
            names[_setting(row)] = ' '.join(str(p) for p in parts if p)
    labels = {}
    for setting, name in names.items():
        same = [s for s, n in names.items() if n == name]
        differ = [f for i, f in enumerate(SETTING_FIELDS) if len({s[i] for s in same}) > 1]
        labels[setting] = name + (' [' + ', '.join(f'{f}={setting[SETTING_FIELDS.index(f)]}' for f in differ) + ']'
                                  if differ else '')
    return labels


def fit_settings(rows: List[dict]) -> Dict[str, dict]:
    """Per setting: the log-scaling fit over the rows that finished with a metric and a data size, or the reason
    there is none (``{'error': ...}``); ``used`` / ``left_out`` name the runs. Runs of one data size whose keys
    differ (anything but the seed) are not averaged: all of them are left out, with the fields they differ in."""
    from .scaling import FitError, fit_log_scaling
    labels = setting_labels(rows)
    groups: Dict[str, List[dict]] = {}
    for row in rows:
        if row.get('key_id'):
            row['setting'] = labels[_setting(row)]
            groups.setdefault(row['setting'], []).append(row)
    fits = {}
    for setting, group in sorted(groups.items()):
        usable = [r for r in group if r['status'].startswith('ok') and r.get('data_size') and
                  not math.isnan(r['metric'])]
        left_out = [f"{r['run']} ({r['status'] if not r['status'].startswith('ok') else 'no data size'})"
                    for r in group if r not in usable]
        for size in sorted({r['data_size'] for r in usable}):
            same = [r for r in usable if r['data_size'] == size]
            if len({r['key_id'] for r in same}) > 1:
                differ = key_differences([r['key'] for r in same])
                left_out += [f"{r['run']} (not averaged: the runs at {size} images differ in {', '.join(differ)})"
                             for r in same]
                usable = [r for r in usable if r not in same]
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


def _asked(value) -> str:
    """subset_size as written: 1.0 (all) and 1 (one image) stay apart."""
    return '-' if value is None else repr(value)


def markdown_report(rows: List[dict], fits: Dict[str, dict]) -> str:
    """The runs table (keys, metric, cost, status), the data-size table (paper Fig. 4 / Fig. 6 as numbers: one
    column per setting, mean +- std over seeds of runs with one key, n runs) and the fits (slope per decade of data,
    interval, R^2)."""
    from .scaling import format_ci, mean_and_spread
    metric = next((r['metric_name'] for r in rows if r.get('metric_name')), 'metric')
    lines = [f'## Runs ({len(rows)})', '',
             f'| run | task | data size | subset asked | depth | init | frozen | classes | seed | key | epochs | '
             f'{metric} | images seen | wall-clock (h) | device-hours | img/s | status |',
             '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in rows:
        lines.append('| ' + ' | '.join([
            r['run'], _fmt(r.get('task')), _size(r.get('data_size')), _asked(r.get('subset_size')),
            _fmt(r.get('depth')), _fmt(r.get('init')), '-' if r.get('frozen') is None else
            'yes' if r['frozen'] else 'no', _fmt(r.get('classes')), _fmt(r.get('seed')), _fmt(r.get('key_id')),
            _fmt(r.get('epochs'), '.3g'),
            _fmt(r['metric']), _size(r.get('images_seen')), _fmt(r.get('wall_clock_h'), '.3f'),
            _fmt(r.get('device_hours'), '.3f'), _fmt(r.get('images_per_s'), '.0f'), r['status']]) + ' |')
    settings = sorted(fits)
    sizes = sorted({r['data_size'] for r in rows if r.get('data_size') and r.get('setting') in fits})
    if settings and sizes:
        lines += ['', f'## {metric} by pretraining data size (mean +- std over seeds of one key, n runs)', '',
                  '| data size | ' + ' | '.join(settings) + ' |', '|---' * (len(settings) + 1) + '|']
        curves = {}
        for s in settings:
            used = [r for r in rows if r.get('setting') == s and r['run'] in fits[s]['used']]
            curves[s] = mean_and_spread([r['data_size'] for r in used], [r['metric'] for r in used])
        for size in sizes:
            cells = []
            for s in settings:
                m = curves[s].get(float(size))
                split = any(r.get('setting') == s and r['data_size'] == size and 'not averaged' in entry
                            for r in rows for entry in fits[s]['left_out'] if entry.startswith(r['run'] + ' '))
                cells.append('not averaged (keys differ)' if split and m is None else '-' if m is None else
                             f'{m[0]:.4f} +- {m[1]:.4f} ({m[2]})' if m[2] > 1 else f'{m[0]:.4f}')
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
        used = [r for r in rows if r.get('setting') == setting and r['run'] in fit['used']]
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
    fig.savefig(path, format='png')
    plt.close(fig)
    return path
