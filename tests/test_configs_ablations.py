"""The paper's ablations are leaf configs that change only what the ablation changes (the paper's §5.1-5.3).

Each leaf's merged Config is diffed against its parent's (no model built): the changed keys must be exactly the ones
listed. One leaf per parent is then built (detection and segmentation with tensors on the meta device: structure only).
"""
import functools
import os.path as osp
import re

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import ROOT

SUBSET = ['train_dataloader.dataset.subset_size', 'train_dataloader.dataset.subset_seed', 'train_cfg.max_iters']
SUBSET_EVALS = SUBSET + ['train_cfg.val_interval', 'default_hooks.checkpoint.interval']
INIT = ['init_source', 'model.init_cfg.checkpoint']
CLASSES = ['classes_subset', 'model.head.num_classes'] + [f'{s}_dataloader.dataset.classes_subset'
                                                          for s in ('train', 'val', 'test')]
FROZEN_SCHEDULE = ['model.backbone.frozen_stages', 'paper_steps', 'paper_decay_steps', 'param_scheduler',
                   'train_cfg.max_iters']
JFT = 'jft/resnet101_8xb32_jft300m-299px.py'
MINI = 'jft/resnet18-w16_1xb32_mini-jft-64px.py'
COCO = 'faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-minival.py'
COCO_FROZEN = 'faster_rcnn/faster-rcnn_r101-c4_jft300m-pre-frozen_8xb2_coco-minival.py'
VOC = 'faster_rcnn/faster-rcnn_r101-c4_jft300m-pre_8xb2_voc0712.py'
VOC_FROZEN = 'faster_rcnn/faster-rcnn_r101-c4_jft300m-pre-frozen_8xb2_voc0712.py'
SEG = 'deeplab/deeplab-aspp-l-r101-d8_jft300m-pre_2xb3_voc12aug-513px.py'

# leaf (under configs/) -> (parent, the keys it may change)
ABLATIONS = {
    # data size (Fig. 4): nested subsets, 3.84 epochs of each in images, lr decay kept in images
    'jft/resnet101_8xb32_jft300m-10m-subset-299px.py': (JFT, SUBSET_EVALS),
    'jft/resnet101_8xb32_jft300m-30m-subset-299px.py': (JFT, SUBSET_EVALS),
    'jft/resnet101_8xb32_jft300m-100m-subset-299px.py': (JFT, SUBSET),  # evaluations every 64M, as the parent
    'jft/resnet18-w16_1xb32_mini-jft-250-subset-64px.py': (MINI, SUBSET_EVALS),
    'jft/resnet18-w16_1xb32_mini-jft-500-subset-64px.py': (MINI, SUBSET_EVALS),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-10m-subset-pre_8xb2_coco-minival.py': (COCO, INIT),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-pre_8xb2_coco-minival.py': (COCO, INIT),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-100m-subset-pre_8xb2_coco-minival.py': (COCO, INIT),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-10m-subset-pre-frozen_8xb2_coco-minival.py': (COCO_FROZEN, INIT),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-pre-frozen_8xb2_coco-minival.py': (COCO_FROZEN, INIT),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-100m-subset-pre-frozen_8xb2_coco-minival.py': (COCO_FROZEN, INIT),
    # Fig. 4 right: the same on VOC07, fine-tuned and frozen
    **{f'faster_rcnn/faster-rcnn_r101-c4_jft300m-{size}-subset-pre_8xb2_voc0712.py': (VOC, INIT)
       for size in ('10m', '30m', '100m')},
    **{f'faster_rcnn/faster-rcnn_r101-c4_jft300m-{size}-subset-pre-frozen_8xb2_voc0712.py': (VOC_FROZEN, INIT)
       for size in ('10m', '30m', '100m')},
    'deeplab/deeplab-aspp-l-r101-d8_jft300m-10m-subset-pre_2xb3_voc12aug-513px.py': (SEG, INIT),
    'deeplab/deeplab-aspp-l-r101-d8_jft300m-30m-subset-pre_2xb3_voc12aug-513px.py': (SEG, INIT),
    'deeplab/deeplab-aspp-l-r101-d8_jft300m-100m-subset-pre_2xb3_voc12aug-513px.py': (SEG, INIT),
    # epochs (Table 4): checkpoints of the one 300M run, named by images seen
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-1.3ep-pre_8xb2_coco-minival.py': (COCO, ['model.init_cfg.checkpoint']),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-2.6ep-pre_8xb2_coco-minival.py': (COCO, ['model.init_cfg.checkpoint']),
    # classes (Table 6): 30M images among those carrying one of the listed classes, head and val following
    'jft/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py': ('jft/resnet101_8xb32_jft300m-30m-subset-299px.py',
                                                                     CLASSES),
    'jft/resnet18-w16_1xb32_mini-jft-leaf-classes-64px.py': (MINI, CLASSES),
    'faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-in1k-classes-pre_8xb2_coco-minival.py': (
        'faster_rcnn/faster-rcnn_r101-c4_jft300m-30m-subset-pre_8xb2_coco-minival.py', INIT),
    # capacity (Fig. 5)
    'jft/resnet50_8xb32_jft300m-299px.py': (JFT, ['model.backbone.depth']),
    'jft/resnet152_8xb32_jft300m-299px.py': (JFT, ['model.backbone.depth']),
    'imagenet/resnet50_8xb32_in1k-scratch.py': ('imagenet/resnet101_8xb32_in1k-scratch.py', ['model.backbone.depth']),
    'imagenet/resnet152_8xb32_in1k-scratch.py': ('imagenet/resnet101_8xb32_in1k-scratch.py', ['model.backbone.depth']),
    # init (random vs ImageNet, Fig. 3)
    'jft/resnet101_8xb32_in1k-init_jft300m-299px.py': (JFT, [f'model.backbone.init_cfg.{k}'
                                                             for k in ('type', 'prefix', 'checkpoint')]),
    # ImageNet epochs (Table 5): checkpoints of the scratch run after 3 / 6 / 12 epochs
    **{f'faster_rcnn/faster-rcnn_r101-c4_in1k-scratch-{e}ep-pre_8xb2_coco-minival.py': (
        'faster_rcnn/faster-rcnn_r101-c4_in1k-pre_8xb2_coco-minival.py', INIT) for e in (3, 6, 12)},
    # frozen features before conv5
    COCO_FROZEN: (COCO, FROZEN_SCHEDULE),
    VOC_FROZEN: (VOC, FROZEN_SCHEDULE + ['optim_wrapper.optimizer.lr']),
    'deeplab/deeplab-aspp-l-r101-d8_jft300m-pre-frozen_2xb3_voc12aug-513px.py': (SEG, ['model.backbone.frozen_stages']),
    'pose/grmi-r101-d8_jft300m-pre-frozen_8xb4_coco-353x257.py': (
        'pose/grmi-r101-d8_jft300m-pre_8xb4_coco-353x257.py', ['model.backbone.frozen_stages']),
}


def flatten(value, prefix=''):
    """Nested dicts -> {'a.b.c': leaf}; lists are leaves (a changed scheduler list is one changed key)."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            out.update(flatten(item, f'{prefix}{key}.'))
        return out
    return {prefix[:-1]: value}


@functools.lru_cache()
def merged(path):
    return flatten(Config.fromfile(osp.join(ROOT, 'configs', path)).to_dict())


def changed_keys(leaf, parent):
    a, b = merged(parent), merged(leaf)
    return sorted(k for k in set(a) | set(b) if a.get(k, KeyError) != b.get(k, KeyError))


@pytest.mark.parametrize('leaf', sorted(ABLATIONS), ids=osp.basename)
def test_leaf_changes_only_its_keys(leaf):
    parent, expected = ABLATIONS[leaf]
    text = open(osp.join(ROOT, 'configs', leaf)).read()
    assert re.search(r"^_base_ = '\./(.+)'$", text, re.M).group(1) == osp.basename(parent), 'one parent, inherited'
    doc = text.split('"""')[1]
    assert 'Command:' in doc and 'Cost:' in doc
    assert changed_keys(leaf, parent) == sorted(expected)


def test_ablation_values():
    """The numbers the ablations are about: sizes and images seen, nesting, checkpoint names, classes, schedules."""
    for label, size in (('10m', 10_000_000), ('30m', 30_000_000), ('100m', 100_000_000)):
        cfg = merged(f'jft/resnet101_8xb32_jft300m-{label}-subset-299px.py')
        assert cfg['train_dataloader.dataset.subset_size'] == size
        assert cfg['train_dataloader.dataset.subset_seed'] == 0  # one seed: nested subsets
        assert cfg['train_cfg.max_iters'] == round(3.84 * size)  # the full run's epochs, in images
        assert cfg['param_scheduler.step_size'] == 96_000_000  # lr decay kept in images
    assert merged('jft/resnet101_8xb32_jft300m-10m-subset-299px.py')['train_cfg.max_iters'] < 96_000_000  # no decay
    for size, images in ((250, 4_800), (500, 9_600)):  # mini: the parent's 19.2 epochs of 1,000 images
        assert merged(f'jft/resnet18-w16_1xb32_mini-jft-{size}-subset-64px.py')['train_cfg.max_iters'] == images
    # the 300M run saves the epochs ablation's checkpoints by images seen (1.3 / 2.6 / 4 epochs = 12 / 24 / 36M steps)
    assert merged(JFT)['default_hooks.images_seen.at_images'] == [384_000_000, 768_000_000, 1_152_000_000]
    for ep, tag in (('1.3', '384M'), ('2.6', '768M')):
        text = open(osp.join(ROOT, f'configs/faster_rcnn/faster-rcnn_r101-c4_jft300m-{ep}ep-pre_8xb2_coco-minival.py'))
        assert f'images_{tag}.pth' in text.read()
    assert merged('imagenet/resnet101_8xb32_in1k-scratch.py')['default_hooks.images_seen.at_epochs'] == [3, 6, 12]
    classes = merged('jft/resnet101_8xb32_jft300m-30m-subset-in1k-classes-299px.py')
    assert classes['train_dataloader.dataset.subset_size'] == 30_000_000
    assert classes['model.head.num_classes'] == 'auto' and classes['classes_subset'] == 'imagenet_classes.txt'
    for task in ('coco-minival', 'voc0712'):  # Fig. 4: every detection leaf starts from its size's JFT run
        for frozen in ('', '-frozen'):
            for size in ('10m', '30m', '100m'):
                leaf = merged(f'faster_rcnn/faster-rcnn_r101-c4_jft300m-{size}-subset-pre{frozen}_8xb2_{task}.py')
                assert leaf['init_source'] == f'configs/jft/resnet101_8xb32_jft300m-{size}-subset-299px.py'
                assert leaf['model.init_cfg.checkpoint'] == f'checkpoints/resnet101_jft300m-{size}-subset_mmdet-c4.pth'
    voc_frozen = merged(VOC_FROZEN)
    assert voc_frozen['train_cfg.max_iters'] == 1_500_000 and voc_frozen['model.backbone.frozen_stages'] == 3
    assert voc_frozen['param_scheduler'][1]['milestones'] == [900_000]


REPRESENTATIVES = sorted({parent: leaf for leaf, (parent, _) in ABLATIONS.items()}.values())


@pytest.mark.parametrize('leaf', REPRESENTATIVES, ids=osp.basename)
def test_representative_leaf_builds(leaf):
    cfg = Config.fromfile(osp.join(ROOT, 'configs', leaf))
    scope = cfg.default_scope
    if scope == 'mmdet':
        from mmdet.registry import MODELS
    elif scope == 'mmseg':
        import mmjft.downstream.segmentation  # noqa: F401
        from mmseg.registry import MODELS
    elif scope == 'mmpose':
        import mmjft.downstream.pose  # noqa: F401
        from mmpose.registry import MODELS
    else:
        from mmjft.registry import MODELS
        from mmjft.utils import register_all_modules
        register_all_modules(init_default_scope=False)
        if cfg.model.head.num_classes == 'auto':
            cfg.model.head.num_classes = 941  # mmjft's Runner counts the class list; absent here
    # mmpretrain's head initialises its bias from a prior on real tensors; mmdet / mmseg build on the meta device
    device = torch.device('meta') if scope in ('mmdet', 'mmseg', 'mmpose') else torch.device('cpu')
    with DefaultScope.overwrite_default_scope(scope), device:
        model = MODELS.build(cfg.model)
    depth = cfg.model.backbone.get('depth')
    assert model.backbone.depth == depth
