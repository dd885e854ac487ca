"""Every detection config builds its model and optimizer in mmdet, and carries the paper's numbers (paper-spec §5.2).

tests/test_configs.py covers the other configs with mmjft's registry; these need mmdet's.
"""
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

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/faster_rcnn/*.py')))
PAPER = [p for p in CONFIGS if '_8xb2_' in p]  # the mini-COCO config is the recipe scaled down to CPU
IMAGES_PER_ITER = 16  # 8 GPUs x 2 images; one paper step = one image
# paper §5.2: (lr per image, decay step, last step)
SCHEDULES = {'coco': (4e-4, 2_500_000, 3_000_000), 'voc': (3e-4, 500_000, 700_000),
             'frozen': (4e-4, 900_000, 1_500_000)}


def schedule_of(path):
    name = osp.basename(path)
    return 'frozen' if 'frozen' in name else 'voc' if 'voc0712' in name else 'coco'


@functools.lru_cache()
def built(path):
    """(config, model, optimizer wrapper); the model's tensors on the meta device: structure only, no memory or init."""
    from mmdet.registry import MODELS
    cfg = Config.fromfile(path)
    with DefaultScope.overwrite_default_scope('mmdet'), torch.device('meta'):
        model = MODELS.build(cfg.model)
        return cfg, model, build_optim_wrapper(model, cfg.optim_wrapper)


def test_configs_found():
    names = {osp.basename(p) for p in PAPER}
    inits = ('in1k-pre', 'jft300m-pre', 'in1k-jft300m-pre')
    for dataset in ('coco-minival', 'voc0712'):
        assert {f'faster-rcnn_r101-c4_{i}_8xb2_{dataset}.py' for i in inits} <= names
    assert {f'faster-rcnn_r{d}-c4_{i}_8xb2_coco-minival.py' for d in (50, 152) for i in inits[:2]} <= names
    for dataset in ('coco-minival', 'voc0712'):  # the data-size study (Fig. 4: COCO left, VOC07 right)
        assert {f'faster-rcnn_r101-c4_jft300m{size}-pre{frozen}_8xb2_{dataset}.py' for frozen in ('', '-frozen')
                for size in ('', '-10m-subset', '-30m-subset', '-100m-subset')} <= names
    assert 'faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person.py' in names  # the pose chain's person boxes


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_builds_model_and_optimizer_and_states_its_command(path):
    doc = open(path).read().split('"""')[1]
    assert 'Command:' in doc and 'Cost:' in doc
    cfg, model, wrapper = built(path)
    assert cfg.default_scope == 'mmdet'
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    in_optimizer = {id(p) for g in wrapper.optimizer.param_groups for p in g['params'] if p.requires_grad}
    assert trainable == in_optimizer and trainable
    gpus, per_gpu = map(int, re.search(r'_(\d+)xb(\d+)_', osp.basename(path)).groups())
    assert cfg.train_dataloader.batch_size == per_gpu

    # weights: one strict initializer fills conv1-4 and conv5, nothing else loads any
    init = cfg.model.init_cfg
    assert init.type == 'mmjft.ConvertedCheckpoint' and init.checkpoint.endswith('_mmdet-c4.pth')
    assert tuple(init.prefixes) == ('backbone.', 'roi_head.shared_head.')
    assert cfg.model.backbone.init_cfg is None and cfg.model.roi_head.shared_head.init_cfg is None

    # the input is normalised as the checkpoint's pretraining normalised it
    pre = cfg.model.data_preprocessor
    source = cfg.init_source
    want = pretraining_img_norm(source)
    assert (list(pre.mean), list(pre.std), pre.bgr_to_rgb) == (want['mean'], want['std'], want['to_rgb'])
    assert ('in1k-pre' in path) == (source == 'torchvision')
    assert ('in1k-jft300m-pre' in path) == ('in1k-init' in source)


@pytest.mark.parametrize('path', PAPER, ids=osp.basename)
def test_paper_recipe(path):
    cfg, model, wrapper = built(path)
    name = osp.basename(path)
    depth = int(re.search(r'faster-rcnn_r(\d+)-c4', name).group(1))

    # C4: conv1..conv4 the shared 3-stage backbone, conv5 the RoI head; pytorch-style ResNet, frozen BN statistics
    backbone, head = model.backbone, model.roi_head.shared_head
    assert (backbone.depth, len(backbone.res_layers), backbone.out_indices) == (depth, 3, (2, ))
    assert backbone.style == 'pytorch' and cfg.model.roi_head.shared_head.style == 'pytorch'
    assert cfg.model.roi_head.shared_head.depth == depth and hasattr(head, 'layer4')
    assert len(head.layer4) == 3  # conv5 has 3 blocks at every depth
    assert backbone.norm_eval and head.norm_eval
    assert all(not m.weight.requires_grad for m in model.modules() if isinstance(m, torch.nn.BatchNorm2d))
    frozen = 'frozen' in name
    assert backbone.frozen_stages == (3 if frozen else 1)
    if frozen:  # everything before conv5
        assert not any(p.requires_grad for p in backbone.parameters())
    else:
        assert all(p.requires_grad for n, p in backbone.named_parameters() if n.startswith(('layer2', 'layer3'))
                   and 'bn' not in n and 'downsample.1' not in n)
    assert all(p.requires_grad for n, p in head.named_parameters() if 'conv' in n)

    # RPN batch 64, box-classifier batch 256, 300 proposals at test
    assert cfg.model.train_cfg.rpn.sampler.num == 64
    assert cfg.model.train_cfg.rcnn.sampler.num == 256
    assert cfg.model.test_cfg.rpn.max_per_img == 300
    voc = 'voc0712' in name
    person = 'coco-person' in name  # the pose chain's person-only detector: COCO 2017, person class only
    assert model.roi_head.bbox_head.num_classes == (1 if person else 20 if voc else 80)

    # shortest side 600, longest at most 1024, flip the only augmentation
    train_sets = cfg.train_dataloader.dataset.datasets
    for dataset in train_sets + [cfg.test_dataloader.dataset, cfg.val_dataloader.dataset]:
        resize = [t for t in dataset.pipeline if t['type'] == 'Resize']
        assert len(resize) == 1 and tuple(resize[0]['scale']) == (1024, 600) and resize[0]['keep_ratio']
    assert [t['type'] for t in train_sets[0].pipeline] == [
        'LoadImageFromFile', 'LoadAnnotations', 'Resize', 'RandomFlip', 'PackDetInputs']
    assert [t for t in train_sets[0].pipeline if t['type'] == 'RandomFlip'][0]['prob'] == 0.5

    # SGD, momentum 0.9; lr per image from the paper, scaled by the real batch at the start of training
    opt = wrapper.optimizer
    lr, decay_steps, steps = SCHEDULES[schedule_of(path)]
    assert isinstance(opt, torch.optim.SGD)
    assert opt.param_groups[0]['momentum'] == 0.9 and opt.param_groups[0]['lr'] == lr
    assert cfg.auto_scale_lr == dict(enable=True, base_batch_size=1)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    # counts in images, converted by mmjft's Runner to iterations of the real batch (16 on 8 GPUs x 2)
    assert cfg.runner_type == 'mmjft.Runner' and cfg.auto_scale_schedule == dict(enable=True, base_batch_size=1)
    assert cfg.train_cfg.max_iters == steps
    step = [s for s in cfg.param_scheduler if s['type'] == 'MultiStepLR']
    assert len(step) == 1 and not step[0]['by_epoch'] and step[0]['gamma'] == 0.1
    assert step[0]['milestones'] == [decay_steps]
    assert step[0]['end'] == cfg.train_cfg.max_iters
    warmup = [s for s in cfg.param_scheduler if s['type'] == 'LinearLR']
    assert [w['end'] for w in warmup] == [500 * IMAGES_PER_ITER]  # mmdet's 500 iterations of 16 images

    # data and metric
    if voc:
        assert [d.ann_file for d in train_sets] == ['VOC2007/ImageSets/Main/trainval.txt',
                                                   'VOC2012/ImageSets/Main/trainval.txt']
        assert cfg.test_dataloader.dataset.ann_file == 'VOC2007/ImageSets/Main/test.txt'
        assert (cfg.test_evaluator.type, cfg.test_evaluator.eval_mode) == ('VOCMetric', '11points')
        assert cfg.test_evaluator.iou_thrs == 0.5
    elif person:  # val2017, the pose configs' test images, is disjoint from train2017 (not from valminusminival)
        assert [d.ann_file for d in train_sets] == ['annotations/instances_train2017.json']
        assert all(d.type == 'mmjft.CheckedCocoDataset' for d in train_sets)
        for dataset in train_sets + [cfg.test_dataloader.dataset, cfg.val_dataloader.dataset]:
            assert tuple(dataset.metainfo.classes) == ('person', )  # COCO category id 1, what mmpose keeps
        assert cfg.test_dataloader.dataset.ann_file == 'annotations/instances_val2017.json'
        assert cfg.test_evaluator.type == 'mmjft.CocoDetMetric' and cfg.test_evaluator.metric == 'bbox'
        assert cfg.test_evaluator.ann_file.endswith('annotations/instances_val2017.json')
    else:
        assert [d.ann_file for d in train_sets] == ['annotations/instances_train2014.json',
                                                   'annotations/instances_valminusminival.json']
        assert all(d.type == 'mmjft.CheckedCocoDataset' for d in train_sets)
        assert cfg.test_dataloader.dataset.ann_file == 'annotations/instances_minival.json'
        assert cfg.test_evaluator.type == 'mmjft.CocoDetMetric' and cfg.test_evaluator.metric == 'bbox'
        assert cfg.test_evaluator.ann_file.endswith('annotations/instances_minival.json')
