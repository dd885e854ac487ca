"""The evaluation split's keypoint ground truth is checked when the dataset is built (mmjft.downstream.pose.dataset),
also when a bbox_file gives the person boxes and mmpose itself never reads the annotations (CocoMetric would, at the
first evaluation). Hand-written COCO keypoint files: one image, K = 5 (configs/_base_/datasets/mini_keypoints_info.py).
"""
import json

import pytest

from conftest import ROOT

pytest.importorskip('mmpose')

INFO = f'{ROOT}/configs/_base_/datasets/mini_keypoints_info.py'
GOOD = [10., 10., 2, 40., 10., 2, 40., 40., 1, 10., 40., 0, 25., 25., 2]  # 5 keypoints, flags 0 / 1 / 2


def write_files(tmp_path, **ann_changes):
    """``val.json`` (one image, annotation ids 7 and 8; ``ann_changes`` applied to id 8) and ``val.bbox.json``."""
    anns = [dict(id=i, image_id=1, category_id=1, bbox=[5., 5., 40., 40.], area=1600., iscrowd=0, num_keypoints=4,
                 keypoints=list(GOOD)) for i in (7, 8)]
    anns[1].update(ann_changes)
    anns[1] = {k: v for k, v in anns[1].items() if v is not None}
    gt = dict(images=[dict(id=1, file_name='1.jpg', width=64, height=64)], annotations=anns,
              categories=[dict(id=1, name='blue_square', keypoints=['tl', 'tr', 'br', 'bl', 'c'], skeleton=[])])
    (tmp_path / 'val.json').write_text(json.dumps(gt))
    (tmp_path / 'val.bbox.json').write_text(json.dumps([dict(image_id=1, category_id=1, bbox=[4., 4., 42., 42.],
                                                             score=0.9)]))


def dataset(tmp_path, bbox_file=True):
    from mmjft.downstream.pose.dataset import CheckedCocoPoseDataset
    return CheckedCocoPoseDataset(
        data_root=str(tmp_path), ann_file='val.json', data_mode='topdown', metainfo=dict(from_file=INFO),
        data_prefix=dict(img='val/'), bbox_file=str(tmp_path / 'val.bbox.json') if bbox_file else None,
        test_mode=True, pipeline=[])


@pytest.mark.parametrize('change, message', [
    (dict(keypoints=[1., 1., 2.] * 17), r'val\.json: annotation id 8 has 51 keypoint '
     r'numbers \(17 keypoints\); the dataset metainfo \(mini_square_keypoints\) has 5 keypoints'),
    (dict(keypoints=GOOD[:8] + [3] + GOOD[9:]), r'val\.json: annotation id 8 has visibility flags \[3\.0\] '
     r'\(keypoints \[2\]\)'),
    (dict(num_keypoints=None), r'val\.json: annotation id 8 has no num_keypoints; the COCO keypoint evaluation reads'),
], ids=['17-keypoints', 'visibility-3', 'no-num_keypoints'])
def test_ground_truth_behind_a_bbox_file_is_checked_at_build(tmp_path, change, message):
    write_files(tmp_path, **change)
    with pytest.raises(ValueError, match=message):
        dataset(tmp_path)


def test_evaluation_fields_are_checked_without_a_bbox_file(tmp_path):
    """mmpose estimates a missing ``area`` and goes on; pycocotools' keypoint evaluation reads it (a KeyError at the
    first evaluation)."""
    write_files(tmp_path)
    assert len(dataset(tmp_path, bbox_file=False)) == 2 and len(dataset(tmp_path)) == 1  # the files as written pass
    write_files(tmp_path, area=None)
    with pytest.raises(ValueError, match=r'val\.json: annotation id 8 has no area; the COCO keypoint evaluation'):
        dataset(tmp_path, bbox_file=False)
