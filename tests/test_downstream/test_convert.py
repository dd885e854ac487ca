"""Pretraining checkpoint -> mmdet C4 weights: conv1-4 fill the backbone, conv5 the RoI head, exactly, or it fails."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import MINI_CONFIG, ROOT, load_tool
from mmjft.downstream import (JFT_IMG_NORM, ConversionError, convert_for_downstream, img_norm_from_config_text,
                              img_norm_from_meta)
from mmjft.models.utils import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain
from mmjft.registry import MODELS as MMJFT_MODELS

DET_MINI = osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py')
# the mini detector at torchvision's ResNet-18 width (64 base channels: conv4 256 channels, conv5 512)
FULL_WIDTH_DETECTOR = dict(backbone=dict(stem_channels=64, base_channels=64),
                           rpn_head=dict(in_channels=256, feat_channels=256),
                           roi_head=dict(shared_head=dict(base_channels=64), bbox_roi_extractor=dict(out_channels=256),
                                         bbox_head=dict(in_channels=512)))


def _randomised(state_dict, seed=0):
    """Every tensor replaced by distinct values (positive running variances), so that equality means 'copied'."""
    gen = torch.Generator().manual_seed(seed)
    out = {}
    for k, v in state_dict.items():
        if v.is_floating_point():
            r = torch.randn(v.shape, generator=gen)
            out[k] = r.abs() + 0.5 if k.endswith('running_var') else r
        else:
            out[k] = v + 7
    return out


@pytest.fixture(scope='module')
def pretrained(tmp_path_factory):
    """The mini pretraining config's classifier (narrow ResNet-18, 16 base channels; JFT head) saved as the Runner
    saves it: state_dict + meta['cfg']."""
    cfg = Config.fromfile(MINI_CONFIG)
    with DefaultScope.overwrite_default_scope('mmjft'):
        model = MMJFT_MODELS.build(cfg.model)
    state_dict = _randomised(model.state_dict())
    assert any(k.startswith('head.fc') for k in state_dict)
    path = str(tmp_path_factory.mktemp('pre') / 'mini-jft_r18.pth')
    torch.save(dict(state_dict=state_dict, meta=dict(cfg=cfg.pretty_text, seed=0)), path)
    return path, state_dict


def build_detector(checkpoint, **model_overrides):
    cfg = Config.fromfile(DET_MINI)
    cfg.model.init_cfg.checkpoint = checkpoint
    cfg.merge_from_dict({f'model.{k}': v for k, v in model_overrides.items()})
    from mmdet.registry import MODELS
    with DefaultScope.overwrite_default_scope('mmdet'):
        return MODELS.build(cfg.model)


def init(detector):
    with DefaultScope.overwrite_default_scope('mmdet'):
        detector.init_weights()


def save_converted(tmp_path, converted, name='c4.pth'):
    path = str(tmp_path / name)
    torch.save(converted, path)
    return path


def test_conv5_lands_in_the_roi_head(pretrained, tmp_path):
    src_path, src = pretrained
    converted = convert_for_downstream(torch.load(src_path, weights_only=True), 'mmdet-c4', source=src_path)
    assert converted['meta']['img_norm'] == JFT_IMG_NORM  # read from the pretraining config text
    assert converted['meta']['prefixes'] == ['backbone.', 'roi_head.shared_head.']
    assert all(k.startswith('head.') for k in converted['meta']['dropped'])

    detector = build_detector(save_converted(tmp_path, converted))
    assert not hasattr(detector.backbone, 'layer4')  # the 3-stage backbone: conv5 is the RoI head's
    init(detector)

    source_backbone = {k[len('backbone.'):]: v for k, v in src.items() if k.startswith('backbone.')}
    filled = {}
    for name, tensor in detector.backbone.state_dict().items():
        filled[name] = tensor
    for name, tensor in detector.roi_head.shared_head.state_dict().items():
        assert name.startswith('layer4.')
        filled[name] = tensor
    assert set(filled) == set(source_backbone)  # every source tensor used once, nothing left over
    for name, tensor in filled.items():
        assert torch.equal(tensor, source_backbone[name]), name
    assert len([k for k in filled if k.startswith('layer4.')]) == len(
        [k for k in source_backbone if k.startswith('layer4.')]) > 0
    # the parts the checkpoint does not hold were initialised by their own init_cfg, not left as built
    assert detector.roi_head.bbox_head.fc_cls.weight.std() < 0.05


def test_torchvision_weights_reach_the_detector(tmp_path):
    """ImageNet init: torchvision -> mmpretrain keys (foundation's map) -> mmdet C4, normalisation carried along."""
    from torchvision.models import resnet18
    tv = _randomised(resnet18().state_dict(), seed=1)
    mmpretrain_ckpt = dict(state_dict=torchvision_resnet_to_mmpretrain(tv), meta=dict(img_norm=TORCHVISION_IMG_NORM))
    converted = convert_for_downstream(mmpretrain_ckpt, 'mmdet-c4')
    assert converted['meta']['img_norm'] == TORCHVISION_IMG_NORM
    detector = build_detector(save_converted(tmp_path, converted), **FULL_WIDTH_DETECTOR,
                              data_preprocessor=dict(mean=TORCHVISION_IMG_NORM['mean'],
                                                     std=TORCHVISION_IMG_NORM['std']))
    init(detector)
    assert torch.equal(detector.backbone.conv1.weight, tv['conv1.weight'])
    assert torch.equal(detector.backbone.layer3[1].bn2.running_var, tv['layer3.1.bn2.running_var'])
    assert torch.equal(detector.roi_head.shared_head.layer4[0].downsample[0].weight, tv['layer4.0.downsample.0.weight'])


@pytest.mark.parametrize('edit, message', [
    ('missing', 'missing from the checkpoint:\n  roi_head.shared_head.layer4.1.bn2.running_var'),
    ('extra', 'not model keys under'),
    ('shape', 'backbone.layer2.0.conv1.weight: checkpoint (1,) vs model (32, 16, 3, 3)'),
])
def test_a_checkpoint_that_does_not_fit_fails_with_the_key_names(pretrained, tmp_path, edit, message):
    src_path, _ = pretrained
    converted = convert_for_downstream(torch.load(src_path, weights_only=True), 'mmdet-c4')
    sd = converted['state_dict']
    if edit == 'missing':
        del sd['roi_head.shared_head.layer4.1.bn2.running_var']
    elif edit == 'extra':
        sd['roi_head.shared_head.layer5.0.conv1.weight'] = torch.zeros(1)
        sd['rpn_head.rpn_conv.weight'] = torch.zeros(256, 256, 3, 3)  # a real model key, outside the prefixes
    else:
        sd['backbone.layer2.0.conv1.weight'] = torch.zeros(1)
    detector = build_detector(save_converted(tmp_path, converted))
    before = detector.backbone.conv1.weight.clone()
    with pytest.raises(ConversionError) as info:
        init(detector)
    assert message in str(info.value)
    if edit == 'extra':
        assert 'roi_head.shared_head.layer5.0.conv1.weight' in str(info.value)
        assert 'rpn_head.rpn_conv.weight' in str(info.value)
    assert torch.equal(detector.backbone.conv1.weight, before)  # checked before anything is copied


def test_normalisation_mismatch_fails(pretrained, tmp_path):
    src_path, _ = pretrained
    converted = convert_for_downstream(torch.load(src_path, weights_only=True), 'mmdet-c4', img_norm='torchvision')
    detector = build_detector(save_converted(tmp_path, converted))  # the config normalises as JFT does
    with pytest.raises(ValueError, match='normalisation mismatch'):
        init(detector)


def test_converter_rejects_what_it_does_not_know():
    good = {'backbone.conv1.weight': torch.zeros(1), 'backbone.layer1.0.conv1.weight': torch.zeros(1),
            'backbone.layer2.0.conv1.weight': torch.zeros(1), 'backbone.layer3.0.conv1.weight': torch.zeros(1),
            'backbone.layer4.0.conv1.weight': torch.zeros(1), 'head.fc.weight': torch.zeros(1)}
    out = convert_for_downstream(good, 'mmdet-c4', img_norm='jft')['state_dict']
    assert set(out) == {'backbone.conv1.weight', 'backbone.layer1.0.conv1.weight', 'backbone.layer2.0.conv1.weight',
                        'backbone.layer3.0.conv1.weight', 'roi_head.shared_head.layer4.0.conv1.weight'}
    with pytest.raises(ConversionError, match=r"backbone\.fc\.weight"):
        convert_for_downstream(dict(good, **{'backbone.fc.weight': torch.zeros(1)}), 'mmdet-c4', img_norm='jft')
    no_conv5 = {k: v for k, v in good.items() if 'layer4' not in k}
    with pytest.raises(ConversionError, match='layer4'):
        convert_for_downstream(no_conv5, 'mmdet-c4', img_norm='jft')
    with pytest.raises(ValueError, match='no input normalisation'):
        convert_for_downstream(dict(state_dict=good, meta={}), 'mmdet-c4')
    with pytest.raises(ValueError, match='unknown target'):
        convert_for_downstream(good, 'mmseg-deeplab', img_norm='jft')


def test_normalisation_is_read_from_config_text_without_running_it():
    jft = Config.fromfile(osp.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py')).pretty_text
    assert img_norm_from_config_text(jft) == JFT_IMG_NORM
    scratch = Config.fromfile(osp.join(ROOT, 'configs/imagenet/resnet101_8xb32_in1k-scratch.py')).pretty_text
    assert img_norm_from_meta(dict(cfg=scratch)) == TORCHVISION_IMG_NORM
    evil = "import os\nmodel = dict(data_preprocessor=dict(mean=os.system('touch /tmp/pwned'), std=[1, 1, 1]))\n"
    with pytest.raises(ValueError):
        img_norm_from_config_text(evil)


FOUR_STAGES = {f'backbone.{k}': torch.zeros(1)
               for k in ('conv1.weight', 'layer1.0.conv1.weight', 'layer2.0.conv1.weight', 'layer3.0.conv1.weight',
                         'layer4.0.conv1.weight')}


@pytest.mark.parametrize('kind, heads, told', [
    # what the mini configs' models hold beside backbone.* (configs/pose, configs/deeplab, configs/faster_rcnn)
    ('pose', ('head.final_layer.weight', 'head.final_layer.bias'), 'head.final_layer.*: head.final_layer.weight'),
    ('segmentation', ('decode_head.aspp_branches.0.weight', 'decode_head.aspp_branches.0.bias'), 'decode_head.*'),
    ('detection', ('rpn_head.rpn_conv.weight', 'roi_head.shared_head.layer4.0.conv1.weight',
                   'roi_head.bbox_head.fc_cls.weight'), 'roi_head.*, rpn_head.*'),
])
def test_converter_names_a_checkpoint_that_is_not_a_pretraining_classifier(tmp_path, capsys, kind, heads, told):
    """A G-RMI pose checkpoint was taken as a pretraining source (its head.* dropped as the classifier's)."""
    src = tmp_path / f'{kind}.pth'
    state_dict = {**FOUR_STAGES, **{k: torch.zeros(1) for k in heads}}
    torch.save(dict(state_dict=state_dict, meta=dict(img_norm=JFT_IMG_NORM)), src)
    tool = load_tool('tools/model_converters/mmjft_to_downstream.py')
    assert tool.main([str(src), str(tmp_path / 'out.pth'), '--target', 'mmpose']) == 1
    err = capsys.readouterr().err
    assert f'error: {src} is a {kind} checkpoint ({told}' in err and 'not a pretraining classifier' in err, err
    assert not (tmp_path / 'out.pth').exists()


def test_converter_refuses_a_converted_checkpoint_and_a_file_that_is_not_one(tmp_path, capsys):
    converted = convert_for_downstream(dict(FOUR_STAGES, **{'head.fc.weight': torch.zeros(1)}), 'mmpose',
                                       img_norm='jft', source='/ckpt/iter_600.pth')
    with pytest.raises(ConversionError, match=r'mmpose\.pth is already converted \(for mmpose, from /ckpt/iter_600'):
        convert_for_downstream(converted, 'mmdet-c4', source='/ckpt/mmpose.pth')
    # torchvision_to_mmpretrain.py's output is a pretraining classifier (the ImageNet-init path), not a converted one
    imagenet = dict(state_dict=dict(FOUR_STAGES, **{'head.fc.weight': torch.zeros(1)}),
                    meta=dict(img_norm=TORCHVISION_IMG_NORM, converter='torchvision_to_mmpretrain'))
    assert 'roi_head.shared_head.layer4.0.conv1.weight' in convert_for_downstream(imagenet, 'mmdet-c4')['state_dict']
    notes = tmp_path / 'iter_600.pth'
    notes.write_text('training was stopped before the first checkpoint\n')
    tool = load_tool('tools/model_converters/mmjft_to_downstream.py')
    assert tool.main([str(notes), str(tmp_path / 'out.pth')]) == 1
    err = capsys.readouterr().err
    assert f'error: {notes} is not a checkpoint: it is text' in err and 'weights_only=False' not in err, err


def test_converter_refuses_its_source_as_output_and_keeps_an_older_output_on_failure(tmp_path, capsys):
    src = tmp_path / 'iter_600.pth'
    torch.save(dict(state_dict=dict(FOUR_STAGES, **{'head.fc.weight': torch.zeros(1)}),
                    meta=dict(img_norm=JFT_IMG_NORM)), src)
    before = src.read_bytes()
    tool = load_tool('tools/model_converters/mmjft_to_downstream.py')
    assert tool.main([str(src), str(src)]) == 1
    assert f'error: {src} is the source checkpoint' in capsys.readouterr().err and src.read_bytes() == before
    out = tmp_path / 'out.pth'
    out.write_bytes(b'an older conversion')
    src.write_text('not a checkpoint\n')
    assert tool.main([str(src), str(out)]) == 1
    assert out.read_bytes() == b'an older conversion' and [p.name for p in tmp_path.iterdir() if '.tmp' in p.name] == []


MINI_DOWNSTREAM = [  # (config, converter target, library): the mini configs, all from the mini pretraining config
    ('configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-96px.py', 'mmdet-c4', 'mmdet'),
    ('configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-person-96px.py', 'mmdet-c4', 'mmdet'),
    ('configs/deeplab/deeplab-aspp-l-r18-d8_mini-jft-pre_1xb2_mini-voc-seg-128px.py', 'mmseg', 'mmseg'),
    ('configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py', 'mmpose', 'mmpose'),
]


@pytest.mark.parametrize('config, target, library', MINI_DOWNSTREAM, ids=lambda v: osp.basename(str(v)))
def test_mini_configs_take_the_mini_pretraining_checkpoint_as_it_is(pretrained, tmp_path, config, target, library):
    """The mini pretraining config's own network (16 base channels, no width overrides) converted for each mini
    downstream config fills it exactly: the strict initializer checks every key and shape."""
    import importlib
    src_path, src = pretrained
    cfg = Config.fromfile(osp.join(ROOT, config))
    assert cfg.init_source == osp.relpath(MINI_CONFIG, ROOT)
    cfg.model.init_cfg.checkpoint = save_converted(
        tmp_path, convert_for_downstream(torch.load(src_path, weights_only=True), target, source=src_path))
    importlib.import_module(f'{library}.utils').register_all_modules(init_default_scope=False)
    with DefaultScope.overwrite_default_scope(library):
        model = importlib.import_module(f'{library}.registry').MODELS.build(cfg.model)
        model.init_weights()
    filled = dict(model.backbone.state_dict())
    if target == 'mmdet-c4':
        filled.update(model.roi_head.shared_head.state_dict())
    source_backbone = {k[len('backbone.'):]: v for k, v in src.items() if k.startswith('backbone.')}
    assert set(filled) == set(source_backbone)
    assert all(torch.equal(t, source_backbone[k]) for k, t in filled.items())
