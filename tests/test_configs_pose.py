"""Every pose config builds its model and optimizer in mmpose (meta device), states its command, trains on targets of
the codec its head decodes with, and writes its schedule in images (paper §5.4; configs/pose/README.md)."""
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

CONFIGS = sorted(glob.glob(osp.join(ROOT, 'configs/pose/*.py')))
PAPER = [p for p in CONFIGS if '_8xb4_' in p]
PERSON_DET = 'faster-rcnn_r101-c4_jft300m-pre_8xb2_coco-person'  # configs/faster_rcnn: the chain's person boxes
MINI_PERSON_DET = 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-person-96px.py'


@functools.lru_cache()
def built(path):
    """(config, model, optimizer wrapper); the model's tensors on the meta device (structure only)."""
    from mmpose.registry import MODELS
    from mmpose.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(path)  # custom_imports: mmjft.downstream.pose, mmjft.downstream.pose.dataset
    with DefaultScope.overwrite_default_scope('mmpose'), torch.device('meta'):
        model = MODELS.build(cfg.model)
        return cfg, model, build_optim_wrapper(model, cfg.optim_wrapper)


def num_keypoints_of(cfg):
    """K of the config's dataset metainfo: its from_file, else mmpose's COCO (17)."""
    metainfo = cfg.train_dataloader.dataset.get('metainfo')
    if metainfo and metainfo.get('from_file'):
        return len(Config.fromfile(osp.join(ROOT, metainfo['from_file'])).dataset_info['keypoint_info'])
    return 17


def codec_mismatches(cfg):
    """Where the training targets' codec (GenerateTarget's encoder) and the crop differ from what the head decodes
    and the loss assumes; empty when they agree."""
    decoder = cfg.model.head.decoder
    problems = []
    encoders = [t['encoder'] for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'GenerateTarget']
    if len(encoders) != 1:
        problems.append(f'{len(encoders)} GenerateTarget steps in the train pipeline')
    problems += [f'encoder {e} != model.head.decoder {decoder}' for e in encoders if e != decoder]
    if cfg.model.head.loss.radius != decoder['radius']:
        problems.append(f'loss radius {cfg.model.head.loss.radius} != codec radius {decoder["radius"]}')
    for split in ('train', 'val', 'test'):
        for t in cfg[f'{split}_dataloader'].dataset.pipeline:
            if t['type'] == 'TopdownAffine' and tuple(t['input_size']) != tuple(decoder['input_size']):
                problems.append(f'{split} crop {t["input_size"]} != codec input_size {decoder["input_size"]}')
    return problems


def test_configs_found():
    names = {osp.basename(p) for p in CONFIGS}
    for init in ('in1k-pre', 'jft300m-pre', 'in1k-jft300m-pre'):
        assert f'grmi-r101-d8_{init}_8xb4_coco-353x257.py' in names
    assert 'grmi-r101-d8_jft300m-pre_8xb4_coco-test-dev-353x257.py' in names
    assert 'grmi-r101-d8_jft300m-pre-frozen_8xb4_coco-353x257.py' in names  # frozen features before conv5
    assert 'grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py' in names


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_builds_and_states_its_command(path):
    doc = open(path).read().split('"""')[1]
    assert 'Command:' in doc and 'Cost:' in doc
    cfg, model, wrapper = built(path)
    assert cfg.default_scope == 'mmpose' and type(model).__name__ == 'TopdownPoseEstimator'
    assert type(model.head).__name__ == 'GRMIHead'
    trainable = {id(p) for p in model.parameters() if p.requires_grad}
    in_optimizer = {id(p) for g in wrapper.optimizer.param_groups for p in g['params'] if p.requires_grad}
    assert trainable == in_optimizer and trainable
    gpus, per_gpu = map(int, re.search(r'_(\d+)xb(\d+)_', osp.basename(path)).groups())
    assert cfg.train_dataloader.batch_size == per_gpu
    depth = int(re.search(r'grmi-r(\d+)-d8', osp.basename(path)).group(1))
    assert model.backbone.depth == depth and tuple(cfg.model.backbone.dilations) == (1, 1, 2, 4)
    assert tuple(cfg.model.backbone.strides) == (1, 2, 1, 1)  # output stride 8
    assert model.head.num_keypoints == num_keypoints_of(cfg)

    # weights: the strict initializer fills the backbone from a checkpoint converted for mmpose
    init = cfg.model.init_cfg
    assert init.type == 'mmjft.ConvertedCheckpoint' and init.checkpoint.endswith('_mmpose.pth')
    assert tuple(init.prefixes) == ('backbone.', ) and cfg.model.backbone.init_cfg is None
    source = cfg.init_source
    assert ('in1k-pre' in path) == (source == 'torchvision')
    want = pretraining_img_norm(source)
    pre = cfg.model.data_preprocessor
    assert (list(pre.mean), list(pre.std), pre.bgr_to_rgb) == (want['mean'], want['std'], want['to_rgb'])

    # schedule in images, converted by mmjft's Runner to iterations of the real global batch
    assert cfg.runner_type == 'mmjft.Runner' and cfg.auto_scale_schedule == dict(enable=True, base_batch_size=1)
    assert cfg.train_cfg.type == 'IterBasedTrainLoop'
    (step, ) = cfg.param_scheduler
    assert step.type == 'MultiStepLR' and not step.by_epoch and step.end == cfg.train_cfg.max_iters
    plan = plan_schedule({'max_iters': cfg.train_cfg.max_iters, 'decay': step.milestones}, gpus * per_gpu)
    if path in PAPER:  # 450K steps of 32 crops, lr / 10 after 250K (the images per step: the schedule's comments)
        assert (plan['max_iters']['iters'], plan['decay']['iters']) == (450_000, [250_000])
        opt = wrapper.optimizer
        assert isinstance(opt, torch.optim.SGD) and opt.param_groups[0]['momentum'] == 0.9
    else:
        assert (plan['max_iters']['iters'], plan['decay']['iters']) == (1_000, [600])


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_training_codec_is_the_head_decoder(path):
    cfg = Config.fromfile(path)
    assert codec_mismatches(cfg) == []
    codec = cfg.model.head.decoder
    assert codec['type'] == 'mmjft.GRMIDiskOffset'
    (w, h), (gw, gh) = codec['input_size'], codec['heatmap_size']
    assert (w - 1) / (gw - 1) == (h - 1) / (gh - 1) == 8  # the backbone's output stride, corner-aligned
    if path in PAPER:  # G-RMI: 353x257 crops, R = 25 px
        assert (tuple(codec['input_size']), codec['radius']) == ((257, 353), 25.)


def test_codec_check_catches_a_mismatch():
    cfg = Config.fromfile(CONFIGS[0])
    encoder = [t for t in cfg.train_dataloader.dataset.pipeline if t['type'] == 'GenerateTarget'][0]['encoder']
    encoder['radius'] = 12.5
    assert len(codec_mismatches(cfg)) == 1 and 'radius' in codec_mismatches(cfg)[0]


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_boxes_come_from_our_person_detector(path):
    cfg = Config.fromfile(path)
    bbox_file = cfg.test_dataloader.dataset.bbox_file
    assert cfg.test_dataloader.dataset.type == 'mmjft.CheckedCocoPoseDataset'
    if path in PAPER:  # where tools/test.py --out-prefix work_dirs/<person detector>/<split> writes
        split = 'test-dev2017' if 'test-dev' in path else 'val2017'
        assert bbox_file == f'work_dirs/{PERSON_DET}/{split}.bbox.json'
        assert osp.isfile(osp.join(ROOT, 'configs/faster_rcnn', PERSON_DET + '.py'))
    else:  # the mini person detector's documented --out-prefix
        assert bbox_file == cfg.data_root + 'val.bbox.json'
        assert '--out-prefix ' + bbox_file[:-len('.bbox.json')] in open(osp.join(ROOT, MINI_PERSON_DET)).read()


@pytest.mark.parametrize('path', CONFIGS, ids=osp.basename)
def test_evaluators_score_against_the_checked_annotations(path):
    """COCO evaluation reads the evaluator's ann_file, the build checks read the dataset's: they must be one file,
    or keypoints nobody checked are scored."""
    cfg = Config.fromfile(path)
    for split in ('val', 'test'):
        dataset, evaluator = cfg[f'{split}_dataloader'].dataset, cfg[f'{split}_evaluator']
        assert evaluator['ann_file'] == osp.join(dataset.data_root, dataset.ann_file), f'{split}: {path}'
