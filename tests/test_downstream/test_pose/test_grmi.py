"""G-RMI codec, loss, head and data checks (mmjft.downstream.pose, mmjft.downstream.pose.dataset)."""
import json

import numpy as np
import pytest
import torch

from conftest import ROOT

pytest.importorskip('mmpose')


def codec(**kw):
    from mmpose.registry import KEYPOINT_CODECS
    import mmjft.downstream.pose  # noqa: F401
    return KEYPOINT_CODECS.build(dict(type='mmjft.GRMIDiskOffset', **kw))  # through mmpose's root registry


@pytest.mark.parametrize('mode', ['voting', 'argmax'])
def test_round_trip_within_one_pixel(mode):
    c = codec(decode_mode=mode)  # G-RMI: 257 x 353 crop, 33 x 45 grid, R = 25
    rng = np.random.default_rng(0)
    kp = rng.uniform([0, 0], [256, 352], size=(1, 17, 2)).astype(np.float32)
    enc = c.encode(kp)
    assert enc['heatmaps'].shape == (51, 45, 33) and enc['keypoint_weights'].shape == (1, 17)
    disk = enc['heatmaps'][0::3]
    assert 20 <= disk[0].sum() <= np.pi * (25 / 8) ** 2 + 8  # ~30 grid cells of stride 8 inside R = 25 px
    out, scores = c.decode(enc['heatmaps'])
    assert np.abs(out - kp).max() < 1.0
    assert np.allclose(scores, 1.0, atol=1e-5)


def test_invisible_keypoints_have_no_disk_and_no_loss():
    from mmjft.downstream.pose import GRMILoss
    c = codec(input_size=(129, 129), heatmap_size=(17, 17), radius=12.5)
    kp = np.array([[[30., 40.], [100., 90.]]], np.float32)
    enc = c.encode(kp, np.array([[1., 0.]], np.float32))
    assert enc['keypoint_weights'].tolist() == [[1., 0.]] and enc['heatmaps'][3].sum() == 0
    target = torch.from_numpy(enc['heatmaps'])[None]
    weights = torch.from_numpy(enc['keypoint_weights'])
    loss = GRMILoss(radius=12.5)
    pred = torch.zeros_like(target)
    base = loss(pred, target, weights)
    pred2 = pred.clone()
    pred2[:, 3:] = torch.randn_like(pred2[:, 3:]) * 10  # anything on the unlabelled keypoint's channels
    same = loss(pred2, target, weights)
    assert torch.allclose(base['loss_heatmap'], same['loss_heatmap'])
    assert torch.allclose(base['loss_offset'], same['loss_offset'])
    # the offset term counts disk pixels only: changing offsets outside the first disk changes nothing
    pred3 = pred.clone()
    pred3[:, 1:3] = torch.where(target[:, 0:1] > 0, pred3[:, 1:3], torch.full_like(pred3[:, 1:3], 5.))
    assert torch.allclose(loss(pred3, target, weights)['loss_offset'], base['loss_offset'])
    perfect = target.clone()
    perfect[:, 0::3] = (target[:, 0::3] * 2 - 1) * 30  # confident logits
    out = loss(perfect, target, weights)
    assert out['loss_heatmap'] < 1e-6 and out['loss_offset'] < 1e-6
    assert base['loss_heatmap'] == pytest.approx(4 * np.log(2), rel=1e-5)  # weight 4 x BCE of logit 0


def test_head_on_meta_device_and_loss_lowers():
    from mmpose.registry import MODELS
    import mmjft.downstream.pose  # noqa: F401
    with torch.device('meta'):
        head = MODELS.build(dict(type='mmjft.GRMIHead', in_channels=2048, num_keypoints=17))
        out = head.forward((torch.empty(2, 2048, 45, 33), ))
    assert out.shape == (2, 51, 45, 33) and out.device.type == 'meta'
    # a few steps on fixed features lower the loss (overfit check)
    torch.manual_seed(0)
    c = codec(input_size=(65, 65), heatmap_size=(9, 9), radius=12.)
    head = MODELS.build(dict(type='mmjft.GRMIHead', in_channels=8, num_keypoints=2,
                             loss=dict(type='mmjft.GRMILoss', radius=12.)))
    head.init_weights()
    feats = torch.randn(2, 8, 9, 9)
    enc = [c.encode(np.array([[[10., 20.], [50., 40.]]], np.float32) + i * 5) for i in range(2)]
    target = torch.stack([torch.from_numpy(e['heatmaps']) for e in enc])
    weights = torch.cat([torch.from_numpy(e['keypoint_weights']) for e in enc])
    opt = torch.optim.SGD(head.parameters(), lr=0.5, momentum=0.9)
    losses = []
    for _ in range(30):
        out = head.loss_module(head.forward((feats, )), target, weights)
        total = sum(out.values())
        opt.zero_grad()
        total.backward()
        opt.step()
        losses.append(total.item())
    assert losses[-1] < 0.6 * losses[0], losses  # measured 3.53 -> 1.65 (a 1x1 conv on random features)


def test_codec_rejects_anisotropic_grid():
    with pytest.raises(ValueError, match='different strides'):
        codec(input_size=(257, 353), heatmap_size=(33, 33))


# ---------------------------------------------------------------------------------------------------------------
# data checks
# ---------------------------------------------------------------------------------------------------------------
INFO = f'{ROOT}/configs/_base_/datasets/mini_keypoints_info.py'


def dataset(data, **kw):
    from mmjft.downstream.pose.dataset import CheckedCocoPoseDataset
    return CheckedCocoPoseDataset(data_root=data['data_root'], data_mode='topdown', metainfo=dict(from_file=INFO),
                                  data_prefix=dict(img='val/'), pipeline=[], **kw)


@pytest.fixture
def kp_data(tmp_path):
    from mmjft.mini.downstream import make_mini_coco_keypoints
    return make_mini_coco_keypoints(str(tmp_path), num_train=2, num_val=12, seed=0)


def _edit(path, fn):
    d = json.load(open(path))
    fn(d)
    json.dump(d, open(path, 'w'))
    return d


def test_metainfo_file_matches_the_generator(kp_data):
    from mmengine.config import Config
    from mmjft.mini.downstream import MINI_KEYPOINT_FLIP
    info = Config.fromfile(INFO).dataset_info
    assert [info.keypoint_info[i]['name'] for i in range(5)] == list(kp_data['keypoint_names'])
    assert info.sigmas == list(kp_data['sigmas'])
    ds = dataset(kp_data, ann_file=kp_data['val_ann'])
    assert ds.metainfo['flip_indices'] == list(MINI_KEYPOINT_FLIP)
    assert len(ds) == kp_data['num_val_anns'] > 0


def test_bad_visibility_and_count_name_the_annotation(kp_data):
    d = _edit(kp_data['val_ann'], lambda d: d['annotations'][0]['keypoints'].__setitem__(2, 3))
    with pytest.raises(ValueError, match=rf"annotation id {d['annotations'][0]['id']} has visibility flags \[3.0\]"):
        dataset(kp_data, ann_file=kp_data['val_ann'])
    d = _edit(kp_data['val_ann'], lambda d: (d['annotations'][0]['keypoints'].__setitem__(2, 2),
                                             d['annotations'][1].update(keypoints=[1., 1., 2.] * 17)))
    with pytest.raises(ValueError, match=rf"annotation id {d['annotations'][1]['id']} has 51 keypoint numbers"):
        dataset(kp_data, ann_file=kp_data['val_ann'])


def test_far_outside_keypoints_are_counted(kp_data):
    d = _edit(kp_data['val_ann'], lambda d: d['annotations'][0]['keypoints'].__setitem__(0, 1e4))
    ds = dataset(kp_data, ann_file=kp_data['val_ann'])
    assert ds.far_outside_ids == [d['annotations'][0]['id']]


def test_bad_bbox_files_are_errors(kp_data, tmp_path):
    bad = tmp_path / 'b.json'
    bad.write_text(json.dumps([dict(image_id=999, category_id=1, bbox=[0, 0, 5, 5], score=1.)]))
    with pytest.raises(ValueError, match=r'1 image ids are not in the annotation file .*\[999\]'):
        dataset(kp_data, ann_file=kp_data['val_ann'], bbox_file=str(bad), test_mode=True)
    img = json.load(open(kp_data['val_ann']))['images'][0]['id']
    bad.write_text(json.dumps([dict(image_id=img, category_id=3, bbox=[0, 0, 5, 5], score=1.)]))
    with pytest.raises(ValueError, match=r'no box of category 1 .*categories found: \[3\]'):
        dataset(kp_data, ann_file=kp_data['val_ann'], bbox_file=str(bad), test_mode=True)
