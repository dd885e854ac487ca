"""The pose chain's glue, cheaply: the mini person-only detector config -> tools/test.py --out-prefix P ->
P.bbox.json -> the pose dataset's bbox_file.

The detector is randomly initialised (no training: its boxes are noise, but their file format, category ids and image
ids are what the chain depends on). The mini pose config's val set (mmjft.CheckedCocoPoseDataset) is built on the
written file: one top-down sample per category-1 box. The same boxes labelled 2 (blue_square's id in the 8-category
mini-COCO files, i.e. the 8-class detector's output) or on the training images are refused with the named error.
"""
import copy
import json
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import ROOT, load_in_process, run_tool_main
from mmjft.mini.downstream import make_mini_coco_keypoints

DET_PERSON_MINI = osp.join(ROOT, 'configs/faster_rcnn/faster-rcnn_r18-c4_mini-jft-pre_1xb2_mini-coco-person-96px.py')
POSE_MINI = osp.join(ROOT, 'configs/pose/grmi-r18-d8_mini-jft-pre_1xb8_mini-keypoints-129px.py')
KP_INFO = osp.join(ROOT, 'configs/_base_/datasets/mini_keypoints_info.py')
SCENES = [
    [dict(label='blue_square', bbox=[8, 8, 60, 60]), dict(label='red_disc', bbox=[70, 10, 118, 58])],
    [dict(label='yellow_triangle', bbox=[10, 70, 58, 118]), dict(label='blue_square', bbox=[62, 8, 120, 64])],
]


def random_detector_checkpoint(cfg, path):
    """The config's detector with random weights (init_cfg's checkpoint is not read), saved as a checkpoint."""
    import mmjft  # noqa: F401
    from mmdet.registry import MODELS
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    with DefaultScope.overwrite_default_scope('mmdet'):
        model = MODELS.build(cfg.model)
    torch.save(dict(state_dict=model.state_dict(), meta=dict()), path)


def pose_val_dataset(data_root, bbox_file):
    from mmjft.downstream.pose.dataset import CheckedCocoPoseDataset
    kw = copy.deepcopy(Config.fromfile(POSE_MINI).val_dataloader.dataset.to_dict())
    assert kw.pop('type') == 'mmjft.CheckedCocoPoseDataset'
    kw.update(data_root=data_root, bbox_file=str(bbox_file), metainfo=dict(from_file=KP_INFO), pipeline=[])
    return CheckedCocoPoseDataset(**kw)


def test_person_detector_results_feed_the_pose_dataset(tmp_path):
    data = make_mini_coco_keypoints(str(tmp_path / 'kp'), fixed_images=copy.deepcopy(SCENES), img_size=128, seed=0)
    val = json.load(open(data['val_ann']))
    val_ids = {img['id'] for img in val['images']}
    train_ids = {img['id'] for img in json.load(open(data['train_ann']))['images']}
    assert val['categories'][0]['id'] == 1 and val['categories'][0]['name'] == 'blue_square'

    cfg = Config.fromfile(DET_PERSON_MINI)
    load_in_process(cfg, data['data_root'])
    for split in ('val', 'test'):
        cfg[f'{split}_evaluator'].ann_file = data['val_ann']
    config = str(tmp_path / 'det_person_mini.py')
    cfg.dump(config)
    ckpt = str(tmp_path / 'det_random.pth')
    random_detector_checkpoint(cfg, ckpt)

    prefix = tmp_path / 'det' / 'val'
    run_tool_main('tools/test.py', [config, ckpt, '--work-dir', tmp_path / 'det_work', '--out-prefix', prefix])
    bbox_file = tmp_path / 'det' / 'val.bbox.json'
    dets = json.load(open(bbox_file))
    assert dets, 'the random detector wrote no boxes (score_thr 0.05 keeps its ~0.5 softmax scores)'
    assert {d['category_id'] for d in dets} == {1}  # the keypointed category's id, what mmpose keeps
    assert {d['image_id'] for d in dets} <= val_ids
    assert all(len(d['bbox']) == 4 and 0 <= d['score'] <= 1 for d in dets)

    # the pose dataset accepts the file: one top-down sample per box, on the box the detector wrote
    dataset = pose_val_dataset(data['data_root'], bbox_file)
    assert len(dataset) == len(dets)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    assert {info['img_id'] for info in infos} <= val_ids
    assert sorted(round(float(info['bbox_score'][0]), 4) for info in infos) == \
        sorted(round(d['score'], 4) for d in dets)

    # boxes of the 8-class mini detector (blue_square = category 2 there), or of other images: named errors
    wrong_cat = tmp_path / 'wrong_category.bbox.json'
    wrong_cat.write_text(json.dumps([dict(d, category_id=2) for d in dets]))
    with pytest.raises(ValueError, match=r'no box of category 1 .*categories found: \[2\]'):
        pose_val_dataset(data['data_root'], wrong_cat)
    other_ids = tmp_path / 'train_images.bbox.json'
    other_ids.write_text(json.dumps([dict(d, image_id=min(train_ids)) for d in dets]))
    with pytest.raises(ValueError, match=rf'image ids are not in the annotation file .*\[{min(train_ids)}\]'):
        pose_val_dataset(data['data_root'], other_ids)
