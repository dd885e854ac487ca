"""Every DeepLab config builds its model and optimizer in mmseg (meta device) and carries the paper's §5.3 recipe."""
import functools
import glob
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import DefaultScope

from conftest import ROOT, pretraining_img_norm
from mmjft.engine.schedule import plan_schedule

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/deeplab/*.py')))
PAPER = [p for p in CONFIGS if '_2xb3_' in p]


@functools.lru_cache()
def built(path):
    import mmjft.downstream.segmentation  # noqa: F401
    from mmseg.registry import MODELS
    cfg = Config.fromfile(path)
    with DefaultScope.overwrite_default_scope('mmseg'), torch.device('meta'):
        model = MODELS.build(cfg.model)
        return cfg, model, build_optim_wrapper(model, cfg.optim_wrapper)


def test_configs_found():
    names = {osp.basename(p) for p in PAPER}
    for init in ('in1k-pre', 'jft300m-pre', 'in1k-jft300m-pre', 'jft300m-pre-frozen'):
        assert f'deeplab-aspp-l-r101-d8_{init}_2xb3_voc12aug-513px.py' in names
    assert {f'deeplab-aspp-l-r{d}-d8_{i}_2xb3_voc12aug-513px.py' for d in (50, 152) for i in ('in1k-pre',
                                                                                         'jft300m-pre')} <= names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_builds_and_states_its_command(path):
    doc = open(path).read().split('"""')[1]
    assert 'Command:' in doc and 'Cost:' in doc
    cfg, model, wrapper = built(path)
    assert cfg.default_scope == 'mmseg' and cfg.runner_type == 'mmjft.Runner'
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    in_optimizer = {id(p) for g in wrapper.optimizer.param_groups for p in g['params'] if p.requires_grad}
    assert trainable == in_optimizer and trainable
    init = cfg.model.init_cfg
    assert init.type == 'mmjft.ConvertedCheckpoint' and init.checkpoint.endswith('_mmseg.pth')
    assert tuple(init.prefixes) == ('backbone.', ) and cfg.model.backbone.init_cfg is None
    source = cfg.init_source
    want = pretraining_img_norm(source)
    pre = cfg.model.data_preprocessor
    assert (list(pre.mean), list(pre.std), pre.bgr_to_rgb) == (want['mean'], want['std'], want['to_rgb'])
    # the ASPP-L branches learn at 10x the lr, nothing else does
    for group in wrapper.optimizer.param_groups:
        names = {id(p) for p in model.decode_head.parameters()}
        in_head = [id(p) in names for p in group['params']]
        assert all(in_head) or not any(in_head)
        assert group['lr'] == pytest.approx(cfg.optim_wrapper.optimizer.lr * (10 if all(in_head) else 1))


@pytest.mark.parametrize('path', PAPER, ids=osp.basename)
def test_paper_recipe(path):
    cfg, model, wrapper = built(path)
    name = osp.basename(path)
    depth = int(re.search(r'-r(\d+)-d8', name).group(1))
    backbone, head = model.backbone, model.decode_head
    assert type(backbone).__name__ == 'ResNet' and backbone.depth == depth and not backbone.deep_stem
    assert cfg.model.backbone.style == 'pytorch'
    assert cfg.model.backbone.dilations == (1, 1, 2, 4) and cfg.model.backbone.strides == (1, 2, 1, 1)
    assert type(head).__name__ == 'ASPPLHead' and head.dilations == (6, 12, 18, 24) and head.num_classes == 21
    assert head.in_channels == 2048 and head.ignore_index == 255
    assert backbone.norm_eval and all(not m.weight.requires_grad for m in model.modules()
                                      if isinstance(m, torch.nn.BatchNorm2d))
    frozen = 'frozen' in name
    assert backbone.frozen_stages == (3 if frozen else -1)
    assert all(p.requires_grad for n, p in backbone.named_parameters() if n.startswith('layer4') and 'conv' in n)
    assert any(p.requires_grad for n, p in backbone.named_parameters() if n.startswith('layer1')) != frozen

    # data: trainaug (VOC train + SBD aug) -> val, 513x513 padded with 255, no flip / resize, batch 2 x 3
    gpus, per_gpu = map(int, re.search(r'_(\d+)xb(\d+)_', name).groups())
    assert (gpus, per_gpu) == (2, 3) and cfg.train_dataloader.batch_size == 3
    parts = cfg.train_dataloader.dataset.datasets
    assert [(d.ann_file, d.data_prefix.seg_map_path) for d in parts] == [
        ('ImageSets/Segmentation/train.txt', 'SegmentationClass'),
        ('ImageSets/Segmentation/aug.txt', 'SegmentationClassAug')]
    assert cfg.test_dataloader.dataset.ann_file == 'ImageSets/Segmentation/val.txt'
    for pipeline in [parts[0].pipeline, parts[1].pipeline, cfg.test_dataloader.dataset.pipeline]:
        assert not {t['type'] for t in pipeline} & {'RandomFlip', 'RandomResize', 'Resize', 'PhotoMetricDistortion'}
    pre = cfg.model.data_preprocessor
    assert tuple(pre.size) == (513, 513) and pre.seg_pad_val == 255 and cfg.model.test_cfg.mode == 'whole'

    # schedule: 180K images = 30K iterations of 6; SGD 1e-3 at batch 6, momentum 0.9, wd 5e-4, poly 0.9 to 0
    opt = cfg.optim_wrapper.optimizer
    assert (opt.type, opt.lr, opt.momentum, opt.weight_decay) == ('SGD', 1e-3, 0.9, 5e-4)
    assert cfg.auto_scale_lr.base_batch_size == 6
    (poly, ) = cfg.param_scheduler
    assert (poly.type, poly.power, poly.eta_min, poly.end) == ('PolyLR', 0.9, 0.0, 180_000)
    plan = plan_schedule({'max_iters': cfg.train_cfg.max_iters, 'end': poly.end}, global_batch=gpus * per_gpu)
    assert plan['max_iters']['iters'] == plan['end']['iters'] == 30_000
