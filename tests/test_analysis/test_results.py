"""The results tool: the log-scaling fit recovers a known slope; a folder of runs becomes table, fit and PNG, with
failed and half-finished runs marked and left out of the fit."""
import json
import math
import os
import os.path as osp

import numpy as np
import pytest

from mmjft.analysis.scaling import FitError, fit_log_scaling

SLOPE, INTERCEPT = 0.05, 0.10  # metric per 10x data


def test_fit_recovers_known_slope_within_its_interval():
    rng = np.random.default_rng(0)
    sizes = np.repeat([1e6, 3e6, 1e7, 3e7, 1e8, 3e8], 3)  # 3 seeds per size
    values = INTERCEPT + SLOPE * np.log10(sizes) + rng.normal(0, 0.004, len(sizes))
    fit = fit_log_scaling(sizes, values)
    low, high = fit['slope_ci']
    assert abs(fit['slope'] - SLOPE) < 0.005 and high - low < 0.01
    assert abs(fit['intercept'] - INTERCEPT) < 0.05 and fit['r2'] > 0.95 and (fit['n'], fit['n_sizes']) == (18, 6)
    # the 95% interval holds the true slope in ~95% of repeated experiments (a wrong stderr or t quantile fails this)
    covered = []
    for _ in range(400):
        noisy = INTERCEPT + SLOPE * np.log10(sizes) + rng.normal(0, 0.004, len(sizes))
        low, high = fit_log_scaling(sizes, noisy)['slope_ci']
        covered.append(low < SLOPE < high)
    assert 0.91 < np.mean(covered) < 0.99
    # two points: an exact line and no interval; one size: no fit, and a message that says why
    two = fit_log_scaling([1e6, 1e7], [0.4, 0.45])
    assert math.isclose(two['slope'], 0.05) and math.isnan(two['slope_ci'][0]) and 'no interval' in two['note']
    with pytest.raises(FitError, match='at least 2 data sizes; got 1'):
        fit_log_scaling([1e6, 1e6], [0.4, 0.41])


CONFIG = """default_scope = 'mmjft'
model = dict(backbone=dict(type='ResNet', depth={depth}), head=dict(num_classes=73))
train_dataloader = dict(batch_size=32, dataset=dict(type='JFTDataset', data_root='nowhere', ann_file='train.jsonl',
                                                    subset_size={size}))
train_cfg = dict(type='IterBasedTrainLoop', max_iters={images})
default_hooks = dict(logger=dict(type='LoggerHook', interval=30))  # 200 iterations: last log line at 180
randomness = dict(seed={seed})
"""


def write_run(root, name, size, seed, value, depth=18, last_iter=None, images=6400, started=True):
    """A work_dir as tools/train.py + tools/test.py leave it (config dump, log folder, scalars, test_metrics.json)."""
    run = osp.join(root, name)
    os.makedirs(run)
    with open(osp.join(run, f'{name}.py'), 'w') as f:
        f.write(CONFIG.format(depth=depth, size=size, seed=seed, images=images))
    if not started:
        os.makedirs(osp.join(run, '20261127_040000'))  # the runner made its folder, then died
        return
    log_dir = osp.join(run, '20261127_040000')
    os.makedirs(osp.join(log_dir, 'vis_data'))
    iters = images // 32
    with open(osp.join(log_dir, '20261127_040000.log'), 'w') as f:
        f.write('auto_scale_schedule: counts written for 1 image(s) per iteration, run with 1 process(es) x 32 = 32 '
                f'images per iteration\n  train_cfg.max_iters: {images} -> {iters} iterations ({images} images)\n')
    with open(osp.join(log_dir, 'vis_data', 'scalars.json'), 'w') as f:
        for it in range(30, (last_iter or iters) + 1, 30):
            f.write(json.dumps(dict(lr=0.01, loss=1.0, time=0.05, data_time=0.01, iter=it, step=it)) + '\n')
        if last_iter is None:
            f.write(json.dumps({'jft/mAP@100': value, 'step': iters}) + '\n')
    if last_iter is None:
        with open(osp.join(run, 'test_metrics.json'), 'w') as f:
            json.dump({'jft/mAP@100': value, 'jft/mAP@100_uniform': value / 2}, f)


def test_folder_of_runs_to_table_fit_and_png(tmp_path):
    from tools.analysis_tools.summarize_results import main
    runs = tmp_path / 'runs'
    rng = np.random.default_rng(1)
    for size in (250, 500, 1000, 2000):
        for seed in (0, 1):
            value = INTERCEPT + SLOPE * np.log10(size) + rng.normal(0, 0.003)
            write_run(str(runs), f'r18_{size}_s{seed}', size, seed, value)
    write_run(str(runs), 'r18_4000_s0', 4000, 0, 0.9, last_iter=50)  # half-finished: out of the fit
    write_run(str(runs), 'r18_8000_s0', 8000, 0, 0.9, started=False)  # failed
    write_run(str(runs), 'r50_1000_s0', 1000, 0, 0.3, depth=50)  # one size only: no fit for R50
    out = tmp_path / 'out'
    main([str(runs), '--out', str(out), '--name', 'curve', '--metric', 'jft/mAP@100'])

    report = (out / 'curve.md').read_text()
    assert 'incomplete: iteration 30 of 200' in report and 'failed: no training log' in report
    assert 'at least 2 data sizes; got 1' in report  # the R50 row says why it has no fit
    data = json.loads((out / 'curve.json').read_text())
    fit = data['fits']['pretrain R18 random']
    assert len(fit['used']) == 8 and len(fit['left_out']) == 2
    assert fit['slope_ci'][0] < SLOPE < fit['slope_ci'][1]
    row = next(r for r in data['runs'] if r['run'] == 'r18_1000_s1')
    assert (row['images_seen'], row['epochs'], row['seed']) == (6400, 6.4, 1)  # 200 x 32, not 180 x 32
    assert math.isclose(row['images_per_s'], 32 / 0.05)
    assert (out / 'curve.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_no_runs_is_a_clear_error(tmp_path):
    from mmjft.analysis.results import collect_runs
    with pytest.raises(FileNotFoundError, match='no runs under'):
        collect_runs(str(tmp_path))
