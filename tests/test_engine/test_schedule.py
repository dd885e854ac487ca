"""Schedules written in images become iterations of the real global batch (mmjft.engine.schedule)."""
import os

import pytest
from mmengine.config import Config

from conftest import MINI_CONFIG, ROOT, build_runner
from mmjft.engine.schedule import apply_auto_scale_schedule, plan_schedule

JFT = os.path.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py')
COCO = os.path.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py')


def test_plan_keeps_images_whatever_the_batch():
    counts = dict(max_iters=1_152_000_000, step=96_000_000, milestones=[2_500_000, 2_900_000], begin=0)
    eight, sixty_four = plan_schedule(counts, 256), plan_schedule(counts, 2048)
    assert eight['max_iters']['iters'] == 4_500_000 and sixty_four['max_iters']['iters'] == 562_500
    assert eight['step']['iters'] == 375_000 and sixty_four['step']['iters'] == 46_875
    assert eight['max_iters']['images'] == sixty_four['max_iters']['images'] == 1_152_000_000
    assert eight['milestones']['iters'] == [9_766, 11_328]  # nearest iteration: 9,765.6 and 11,328.1
    assert eight['begin']['iters'] == 0
    # counts written in units of 32 images (paper steps) give the same plan
    steps = plan_schedule(dict(max_iters=36_000_000), 256, base_batch_size=32)
    assert steps['max_iters']['iters'] == 4_500_000
    assert plan_schedule(dict(tiny=3), 256)['tiny']['iters'] == 1  # a positive count never rounds to 0


def _jft_parts(path):
    cfg = Config.fromfile(path)
    return cfg, cfg.train_cfg, cfg.param_scheduler, cfg.default_hooks


def test_jft_config_on_8_and_64_gpus():
    for gpus, iters, step, every in ((8, 4_500_000, 375_000, 250_000), (64, 562_500, 46_875, 31_250)):
        cfg, train_cfg, sched, hooks = _jft_parts(JFT)
        lines = apply_auto_scale_schedule(cfg.auto_scale_schedule, gpus, 32, train_cfg, sched, hooks)
        assert train_cfg.max_iters == iters and sched.step_size == step
        assert train_cfg.val_interval == hooks.checkpoint.interval == every
        assert hooks.logger.interval == 100  # iterations between log lines: not a schedule count
        assert any(f'train_cfg.max_iters: 1152000000 -> {iters} iterations' in line for line in lines)
    cfg, train_cfg, sched, hooks = _jft_parts(JFT)
    apply_auto_scale_schedule(dict(enable=False), 64, 32, train_cfg, sched, hooks)
    assert train_cfg.max_iters == 1_152_000_000  # switched off: the counts run as iterations


def test_detection_schedule_warmup_and_milestones():
    cfg = Config.fromfile(COCO)
    apply_auto_scale_schedule(cfg.auto_scale_schedule, 8, 2, cfg.train_cfg, cfg.param_scheduler,
                              cfg.default_hooks)
    warmup, steps = cfg.param_scheduler
    assert (warmup.begin, warmup.end) == (0, 500)
    assert steps.milestones == [156_250] and steps.end == cfg.train_cfg.max_iters == 187_500
    assert cfg.train_cfg.val_interval == cfg.default_hooks.checkpoint.interval == 25_000


def test_runner_applies_it_and_logs_it(mini_jft, tmp_path):
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path,
                          {'train_dataloader.batch_size': 8, 'default_hooks.invalid_loss': None})
    hooks = {type(h).__name__ for h in runner.hooks}
    assert {'LabelSpaceCheckHook', 'BadImageHook'} <= hooks and 'StopOnInvalidLossHook' not in hooks  # None: off
    assert runner.cfg.train_cfg.max_iters == 2_400  # 19,200 images / 8
    assert runner.cfg.default_hooks.checkpoint.interval == 1_200
    log = open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert 'train_cfg.max_iters: 19200 -> 2400 iterations (19200 images)' in log


def test_max_iters_not_positive_is_an_error_naming_it():
    with pytest.raises(ValueError, match=r'train_cfg.max_iters must be positive, got -1: with auto_scale_schedule it '
                                         r'counts units of 32 image\(s\), -32 images seen'):
        apply_auto_scale_schedule(dict(enable=True, base_batch_size=32), 8, 32, dict(max_iters=-1), [], {})
    with pytest.raises(ValueError, match='train_cfg.max_iters must be a positive number of iterations, got 0'):
        apply_auto_scale_schedule(dict(enable=False), 8, 32, dict(max_iters=0), [], {})
