"""tools/train.py folds its command line into the config as mmpretrain's tools do."""
import os.path as osp
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from conftest import MINI_CONFIG, ROOT, load_tool as load_tool_file


def load_train_tool():
    return load_tool_file('tools/train.py', 'mmjft_train_tool')


def args(**kw):
    base = dict(config=MINI_CONFIG, work_dir=None, resume=None, amp=False, amp_dtype='float16', no_validate=False,
                auto_scale_lr=False, cfg_options=None, launcher='none')
    return SimpleNamespace(**{**base, **kw})


def test_resume_work_dir_and_options():
    tool = load_train_tool()
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(resume='auto', cfg_options={'train_cfg.max_iters': 7}))
    assert cfg.resume is True and cfg.load_from is None and cfg.train_cfg.max_iters == 7
    assert cfg.work_dir == osp.join('./work_dirs', 'resnet18-w16_1xb32_mini-jft-64px')
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(resume='a/iter_2.pth', work_dir='w'))
    assert cfg.resume is True and cfg.load_from == 'a/iter_2.pth' and cfg.work_dir == 'w'
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(no_validate=True, auto_scale_lr=True))
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.auto_scale_lr.enable


def test_amp(monkeypatch):
    tool = load_train_tool()
    import torch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit, match='needs a GPU'):
        tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True))
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == \
        ('AmpOptimWrapper', 'float16', 'dynamic')
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True, amp_dtype='bfloat16'))
    assert cfg.optim_wrapper.dtype == 'bfloat16' and 'loss_scale' not in cfg.optim_wrapper
    # a JFT config (bf16 without loss scaling) run with --amp in float16 gets loss scaling back
    jft = Config.fromfile(osp.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py'))
    assert jft.optim_wrapper.loss_scale == dict(enabled=False)
    cfg = tool.merge_args(jft, args(config=jft.filename, amp=True))
    assert (cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == ('float16', 'dynamic')
