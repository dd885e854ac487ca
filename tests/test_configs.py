"""Every config builds its model and optimizer, and carries the paper's numbers (paper-spec §4.1, §5.1)."""
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper

from conftest import ROOT
from mmjft.registry import MODELS
from mmjft.utils import register_all_modules

register_all_modules()
# detection, segmentation and pose configs build in mmdet's / mmseg's / mmpose's registry:
# tests/test_configs_{faster_rcnn,deeplab,pose}.py
LEAVES = sorted(p for p in glob.glob(osp.join(ROOT, 'configs/**/*.py'), recursive=True)
                if '_base_' not in p and '/faster_rcnn/' not in p and '/deeplab/' not in p and '/pose/' not in p
                and '/studies/' not in p)
JFT = [p for p in LEAVES if '_jft300m-299px' in p]
IMAGENET = [p for p in LEAVES if '/imagenet/' in p]


def global_batch(path):
    gpus, per_gpu = re.search(r'_(\d+)xb(\d+)_', osp.basename(path)).groups()
    return int(gpus) * int(per_gpu)


def test_configs_found():
    assert len(JFT) == 6 and len(IMAGENET) == 4 and len(LEAVES) >= 9


@pytest.mark.parametrize('path', LEAVES, ids=osp.basename)
def test_builds_model_and_optimizer_and_states_its_command(path):
    cfg = Config.fromfile(path)
    assert 'Command:' in open(path).read().split('"""')[1], 'leaf configs open with their command and cost'
    if cfg.model.get('head', {}).get('num_classes') == 'auto':  # mmjft's Runner reads it from the data, absent here
        with pytest.raises(ValueError, match="num_classes='auto'"):
            MODELS.build(cfg.model)
        cfg.model.head.num_classes = 48
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    n_params = sum(p.numel() for p in model.parameters())
    assert sum(p.numel() for g in wrapper.optimizer.param_groups for p in g['params']) == n_params
    assert cfg.train_dataloader.batch_size == global_batch(path) // int(re.search(r'_(\d+)xb', path).group(1))


@pytest.mark.parametrize('path', JFT, ids=osp.basename)
def test_jft_recipe(path):
    cfg = Config.fromfile(path)
    depth = int(re.search(r'resnet(\d+)_', osp.basename(path)).group(1))
    model = MODELS.build(cfg.model)
    assert model.backbone.depth == depth
    assert (model.head.num_classes, model.head.in_channels) == (18291, 2048)
    assert model.head.fc.weight.shape == (18291, 2048)  # the 'over 36M parameters' layer (37.5M with ResNet-50+)
    pre = model.data_preprocessor
    assert torch.allclose(pre.mean.flatten(), torch.full((3, ), 127.5)) and pre.to_rgb
    assert torch.allclose(pre.std.flatten(), torch.full((3, ), 127.5))  # pixels to [-1, 1]

    opt = build_optim_wrapper(model, cfg.optim_wrapper).optimizer
    from timm.optim import RMSpropTF
    assert type(opt) is RMSpropTF
    group = opt.param_groups[0]
    assert (group['lr'], group['momentum'], group['weight_decay']) == (1e-3, 0.9, 1e-4)
    assert (group['alpha'], group['eps']) == (0.9, 1.0)
    assert cfg.auto_scale_lr == dict(base_batch_size=32, enable=True)  # lr 1e-3 is for 32 images

    batch = global_batch(path)
    sched = cfg.param_scheduler
    assert sched.type == 'StepLR' and not sched.by_epoch and sched.gamma == 0.9
    # counts in images (mmjft's Runner turns them into iterations of the real global batch)
    assert cfg.runner_type == 'mmjft.Runner' and cfg.auto_scale_schedule == dict(base_batch_size=1, enable=True)
    assert sched.step_size == 3_000_000 * 32  # x0.9 every 3M paper steps of 32 images
    assert cfg.train_cfg.max_iters == 36_000_000 * 32  # 36M paper steps = 1.152B images
    assert sched.step_size // batch == 375_000 and cfg.train_cfg.max_iters // batch == 4_500_000  # on 8 x 32
    assert cfg.train_dataloader.batch_size == 32

    pipeline = {t['type']: t for t in cfg.train_dataloader.dataset.pipeline}
    assert pipeline['Resize']['scale'] == (340, 340) and not pipeline['Resize']['keep_ratio']
    assert pipeline['RandomCrop']['crop_size'] == 299
    assert pipeline['RandomFlip']['prob'] == 0.5
    assert cfg.train_dataloader.dataset.expand_hierarchy
    assert cfg.val_evaluator == dict(type='MAPAtK', k=100, class_weights='frequency')
    init = model.backbone.init_cfg
    if 'in1k-init' in path:
        assert init['type'] == 'mmjft.StrictPretrained' and init['prefix'] == 'backbone'
        assert f'resnet{depth}_torchvision' in init['checkpoint']
    else:
        inits = init if isinstance(init, list) else [init] if init else []
        assert all(str(i.get('type')).split('.')[-1] not in ('Pretrained', 'StrictPretrained') for i in inits)


@pytest.mark.parametrize('path', IMAGENET, ids=osp.basename)
def test_imagenet_recipe(path):
    cfg = Config.fromfile(path)
    model = MODELS.build(cfg.model)
    group = build_optim_wrapper(model, cfg.optim_wrapper).optimizer.param_groups[0]
    finetune = 'jft300m-pre' in path
    assert isinstance(build_optim_wrapper(model, cfg.optim_wrapper).optimizer, torch.optim.SGD)
    assert group['momentum'] == 0.9
    assert group['lr'] == (1e-3 if finetune else 5e-2)
    assert cfg.auto_scale_lr == dict(base_batch_size=32, enable=True)
    assert cfg.param_scheduler.type == 'StepLR' and cfg.param_scheduler.step_size == 30
    assert cfg.param_scheduler.gamma == 0.1
    images = 1_281_167
    steps = 4_000_000 if finetune else 5_000_000  # paper steps of 32 images
    assert cfg.train_cfg.max_epochs == round(steps * 32 / images)
    assert (cfg.val_evaluator.type, cfg.val_evaluator.topk) == ('Accuracy', (1, 5))
    if finetune:
        assert model.backbone.init_cfg['type'] == 'Pretrained'
        assert torch.allclose(model.data_preprocessor.mean.flatten(), torch.full((3, ), 127.5))
