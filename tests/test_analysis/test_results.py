"""The results tool: the log-scaling fit recovers a known slope; a folder of runs becomes table, fit and PNG, keyed by
the runs' result files (what they read, never what they asked, never file times), with failed and half-finished
runs marked and left out of the fit, and runs of different keys never averaged."""
import json
import math
import os
import os.path as osp
import shutil

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


def write_run(root, name, size, seed, value, depth=18, last_iter=None, images=6400, started=True, subset=None,
              digest='c' * 16):
    """A work_dir as tools/train.py + tools/test.py leave it: mmengine's log folder and the result file
    (mmjft/engine/hooks/run_result_hook.py; its test checks a real one against :func:`collect_run`), ``size`` images
    read, ``images`` seen at 32 per iteration, 0.05 s per step, 0.06 s per iteration of wall-clock."""
    run = osp.join(root, name)
    os.makedirs(osp.join(run, '20261127_040000'))
    if not started:  # the runner made its folder, then died before training
        return run
    iters, done = images // 32, last_iter or images // 32
    experiment = f'{name}_20261127_040000'
    device = dict(type='cpu', name='x86_64')
    common = dict(experiment=experiment, config='resnet18_mini', config_file='resnet18_mini.py', scope='mmjft',
                  commit=dict(sha='a' * 40, dirty=False), device=device, world_size=1, seed=seed)
    train = dict(common, finished=last_iter is None, resumed=False, config_hash=f'{size}-{subset}-{images}',
                 model=dict(type='ImageClassifier', depth=depth, frozen_stages=-1, init=[]),
                 train_set=dict(dataset='JFTDataset', images=size, exact=True, subset_size=subset,
                                subset_seed=None if subset is None else 0,
                                subset_images=None if subset is None else size, classes_subset=None, classes=73,
                                classes_digest=digest, load_stats=None, ann_file='/data/train.jsonl'),
                 pretraining=None, global_batch=32, iterations=done, max_iters=iters, images_seen=done * 32,
                 load_status=None, val_metrics={'jft/mAP@100': value} if last_iter is None else None,
                 sessions=[dict(experiment=experiment, started='2026-11-27T04:00:00+0000', world_size=1,
                                device=device, first_iter=0, last_iter=done, wall_clock_s=done * 0.06,
                                step_s=done * 0.05)],
                 wall_clock_s=done * 0.06, device_hours=done * 0.06 / 3600)
    result = dict(format='mmjft-run-result/1', train=train)
    if last_iter is None:
        result['test'] = dict(common, config_hash='t' * 16, wall_clock_s=3.6,
                              checkpoint=dict(path=f'{run}/iter_{iters}.pth', iter=iters, images_seen=images,
                                              experiment=experiment),
                              test_set=dict(dataset='JFTDataset', images=200, exact=True, subset_size=None),
                              load_status=dict(checkpoint=f'{run}/iter_{iters}.pth', strict=True, missing=0,
                                               unexpected=0, mismatched=0, first_keys=[]),
                              metrics={'jft/mAP@100': value, 'jft/mAP@100_uniform': value / 2})
    with open(osp.join(run, 'run_result.json'), 'w') as f:
        json.dump(result, f)
    return run


def test_folder_of_runs_to_table_fit_and_png(tmp_path):
    from tools.analysis_tools.summarize_results import main
    runs = tmp_path / 'runs'
    rng = np.random.default_rng(1)
    for size in (250, 500, 1000, 2000):
        for seed in (0, 1):
            value = INTERCEPT + SLOPE * np.log10(size) + rng.normal(0, 0.003)
            write_run(str(runs), f'r18_{size}_s{seed}', size, seed, value)
    write_run(str(runs), 'r18_4000_s0', 4000, 0, 0.9, last_iter=30)  # half-finished: out of the fit
    write_run(str(runs), 'r18_8000_s0', 8000, 0, 0.9, started=False)  # failed before training: no result file
    write_run(str(runs), 'r50_1000_s0', 1000, 0, 0.3, depth=50)  # one size only: no fit for R50
    out = tmp_path / 'out'
    main([str(runs), '--out', str(out), '--name', 'curve', '--metric', 'jft/mAP@100'])

    report = (out / 'curve.md').read_text()
    assert 'incomplete: iteration 30 of 200' in report and 'no result file: run_result.json missing' in report
    assert 'at least 2 data sizes; got 1' in report  # the R50 row says why it has no fit
    data = json.loads((out / 'curve.json').read_text())
    fit = data['fits']['pretrain R18 random classes=73 (cccccc)']
    assert len(fit['used']) == 8 and fit['left_out'] == ['r18_4000_s0 (incomplete: iteration 30 of 200)']
    assert fit['slope_ci'][0] < SLOPE < fit['slope_ci'][1]
    row = next(r for r in data['runs'] if r['run'] == 'r18_1000_s1')
    assert (row['images_seen'], row['epochs'], row['seed']) == (6400, 6.4, 1)
    assert math.isclose(row['images_per_s'], 32 / 0.05) and math.isclose(row['wall_clock_h'], (200 * 0.06 + 3.6) / 3600)
    assert (out / 'curve.png').read_bytes()[:8] == b'\x89PNG\r\n\x1a\n'


def test_runs_are_keyed_by_what_they_read_and_never_averaged_across_keys(tmp_path):
    from mmjft.analysis.results import collect_runs, fit_settings, markdown_report
    runs = str(tmp_path / 'runs')
    # 200 images: subset_size 1.0 reads all 200, 1 reads one image, 0.5 the 100 it gave, 100000 the 200 there are
    write_run(runs, 'all', 200, 0, 0.70, subset=1.0)
    write_run(runs, 'one', 1, 0, 0.10, subset=1)
    write_run(runs, 'half', 100, 0, 0.60, subset=0.5)
    write_run(runs, 'half_s1', 100, 1, 0.62, subset=0.5)
    write_run(runs, 'big', 200, 1, 0.71, subset=100000)
    write_run(runs, 'other_classes', 100, 1, 0.50, subset=0.5, digest='d' * 16)
    old = osp.join(runs, 'old')  # a run from before result files: a config dump and test_metrics.json
    os.makedirs(old)
    with open(osp.join(old, 'old.py'), 'w') as f:
        f.write("train_dataloader = dict(dataset=dict(type='JFTDataset', subset_size=1.0))\n")
    with open(osp.join(old, 'test_metrics.json'), 'w') as f:
        json.dump({'jft/mAP@100': 0.7}, f)
    rows = {r['run']: r for r in collect_runs(runs, metric='jft/mAP@100')}
    assert [rows[n]['data_size'] for n in ('all', 'one', 'half', 'big', 'old')] == [200, 1, 100, 200, None]
    assert [rows[n]['subset_size'] for n in ('all', 'one', 'half', 'big')] == [1.0, 1, 0.5, 100000]
    assert rows['old']['status'].startswith('no result file') and rows['old']['key_id'] is None
    assert rows['big']['status'] == 'ok (subset_size 100000 asked, 200 images read)'
    assert rows['half']['key_id'] == rows['half_s1']['key_id'] != rows['other_classes']['key_id']
    assert len({rows[n]['key_id'] for n in ('all', 'one', 'half', 'big')}) == 4

    fits = fit_settings(list(rows.values()))
    fit = fits['pretrain R18 random classes=73 (cccccc)']
    assert fit['used'] == ['half', 'half_s1', 'one']  # 1 and 100 images; 1.0 and 100000 are not averaged at 200
    assert sorted(e.split()[0] for e in fit['left_out']) == ['all', 'big']
    assert all('not averaged' in e and 'train.train_set.subset_size' in e for e in fit['left_out'])
    assert fits['pretrain R18 random classes=73 (dddddd)']['used'] == ['other_classes']  # other classes: own line
    report = markdown_report(list(rows.values()), fits)
    for line in ('| all | pretrain | 200 | 1.0 |', '| one | pretrain | 1 | 1 |', '| half | pretrain | 100 | 0.5 |',
                 '| big | pretrain | 200 | 100000 |', '| 100 | 0.6100 +- 0.0141 (2) | 0.5000 |',
                 '| 200 | not averaged (keys differ) | - |'):
        assert line in report, line


def test_file_times_and_copies_change_no_row(tmp_path):
    from mmjft.analysis.results import collect_run
    run = write_run(str(tmp_path / 'runs'), 'r', 500, 0, 0.6)
    copy = str(tmp_path / 'copy' / 'r')
    shutil.copytree(run, copy, copy_function=shutil.copy)  # cp -r: new modification times
    for folder, _, files in os.walk(copy):
        for name in files:
            os.utime(osp.join(folder, name), (2e9, 2e9))
    row = collect_run(run)
    assert row == collect_run(copy)
    assert math.isclose(row['wall_clock_h'], (200 * 0.06 + 3.6) / 3600) and row['device_hours'] == row['wall_clock_h']


def test_no_runs_is_a_clear_error(tmp_path):
    from mmjft.analysis.results import collect_runs
    with pytest.raises(FileNotFoundError, match='no runs under'):
        collect_runs(str(tmp_path))
