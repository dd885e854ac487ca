"""Tests of the mini detection generators (mmjft/mini/downstream.py).

The written files are read back by independent readers: json / xml.etree, pycocotools' COCO, and mmdet's own
CocoDataset and VOCDataset, so a format slip (box convention, 1-based VOC coordinates, category ids, image
paths) fails here rather than as a silently bad mAP later.
"""
import json
import os
import os.path as osp
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image

from conftest import run_tool, tree_digest
from mmjft.mini import (COLOURS, DEFAULT_DET_CATEGORIES, default_det_categories, make_mini_coco,
                                      make_mini_voc, sample_det_scene)

NUM_TRAIN, NUM_VAL, IMG = 12, 6, 128


# ------------------------------------------------------------------------------------------ helpers


def load_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def xyxy(bbox):
    x, y, w, h = bbox
    return [x, y, x + w, y + h]


def anns_by_image(coco):
    out = {im['id']: [] for im in coco['images']}
    for a in coco['annotations']:
        out[a['image_id']].append(a)
    return out


def parse_voc_xml(path):
    root = ET.parse(path).getroot()
    size = root.find('size')
    objs = []
    for o in root.findall('object'):
        bb = o.find('bndbox')
        objs.append(dict(name=o.find('name').text, difficult=int(o.find('difficult').text),
                         box=[int(bb.find(t).text) for t in ('xmin', 'ymin', 'xmax', 'ymax')]))
    return int(size.find('width').text), int(size.find('height').text), objs


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    return make_mini_coco(str(tmp_path_factory.mktemp('mini_coco')), num_train=NUM_TRAIN, num_val=NUM_VAL,
                          img_size=IMG, seed=0)


@pytest.fixture(scope='module')
def voc(tmp_path_factory):
    return make_mini_voc(str(tmp_path_factory.mktemp('mini_voc')), num_trainval=NUM_TRAIN, num_test=NUM_VAL,
                         img_size=IMG, seed=0)


# ------------------------------------------------------------------------------------------ COCO format
def test_coco_paths_and_counts(coco):
    root = coco['data_root']
    assert coco['classes'] == DEFAULT_DET_CATEGORIES
    for split, n in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        assert coco[f'{split}_ann'] == osp.join(root, 'annotations', f'instances_{split}.json')
        assert coco[f'{split}_img_dir'] == osp.join(root, split)
        data = load_json(coco[f'{split}_ann'])
        assert set(data) == {'info', 'licenses', 'images', 'annotations', 'categories'}
        assert coco[f'num_{split}'] == len(data['images']) == n
        assert coco[f'num_{split}_anns'] == len(data['annotations'])
        assert len(data['annotations']) >= n  # >= 1 object per image (empty_rate=0)
        assert sorted(os.listdir(coco[f'{split}_img_dir'])) == sorted(im['file_name'] for im in data['images'])
        assert data['categories'] == coco['categories']


def test_coco_json_is_valid(coco):
    from pycocotools.coco import COCO
    train, val = load_json(coco['train_ann']), load_json(coco['val_ann'])
    # ids unique across the splits, like real COCO
    img_ids = [im['id'] for d in (train, val) for im in d['images']]
    ann_ids = [a['id'] for d in (train, val) for a in d['annotations']]
    assert len(set(img_ids)) == len(img_ids) and len(set(ann_ids)) == len(ann_ids)
    assert train['categories'] == [dict(id=k + 1, name=n, supercategory=n.split('_')[1])
                                   for k, n in enumerate(DEFAULT_DET_CATEGORIES)]
    for split in ('train', 'val'):
        api = COCO(coco[f'{split}_ann'])
        assert api.getCatIds() == list(range(1, len(DEFAULT_DET_CATEGORIES) + 1))
        assert len(api.getImgIds()) == coco[f'num_{split}']
        for img_id in api.getImgIds():
            im = api.loadImgs(img_id)[0]
            assert (im['width'], im['height']) == (IMG, IMG)
            assert im['file_name'] == f'{img_id:012d}.jpg'
            with Image.open(osp.join(coco[f'{split}_img_dir'], im['file_name'])) as pil:
                assert pil.format == 'JPEG' and pil.size == (IMG, IMG) and pil.mode == 'RGB'
            for a in api.loadAnns(api.getAnnIds(imgIds=[img_id])):
                assert a['iscrowd'] == 0 and a['category_id'] in api.getCatIds()
                x, y, w, h = a['bbox']
                assert 0 <= x and 0 <= y and x + w <= IMG and y + h <= IMG and w >= 4 and h >= 4
                mask = api.annToMask(a)
                assert mask.shape == (IMG, IMG)
                assert mask.sum() == a['area'] and 0 < a['area'] <= w * h
                ys, xs = np.nonzero(mask)
                # every shape touches all four sides of its box, and objects do not overlap: the box is the
                # tight box of the mask (as in real COCO)
                assert [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1] == [x, y, x + w, y + h]


def test_boxes_inside_and_disjoint(coco):
    for split in ('train', 'val'):
        for anns in anns_by_image(load_json(coco[f'{split}_ann'])).values():
            boxes = [xyxy(a['bbox']) for a in anns]
            for b in boxes:
                assert 0 <= b[0] < b[2] <= IMG and 0 <= b[1] < b[3] <= IMG
            for i in range(len(boxes)):
                for j in range(i + 1, len(boxes)):
                    a, b = boxes[i], boxes[j]
                    assert a[2] <= b[0] or b[2] <= a[0] or a[3] <= b[1] or b[3] <= a[1], 'objects overlap'


def test_coco_pixels_show_the_annotated_category(coco):
    """Inside each mask, the image has the colour of the annotated leaf (catches shifted category ids)."""
    from pycocotools.coco import COCO
    api = COCO(coco['train_ann'])
    names = {c['id']: c['name'] for c in api.loadCats(api.getCatIds())}
    checked = 0
    for img_id in api.getImgIds():
        im = api.loadImgs(img_id)[0]
        pix = np.asarray(Image.open(osp.join(coco['train_img_dir'], im['file_name'])).convert('RGB'), np.float32)
        for a in api.loadAnns(api.getAnnIds(imgIds=[img_id])):
            colour = np.asarray(COLOURS[names[a['category_id']].split('_')[0]][0], np.float32)
            med = np.median(pix[api.annToMask(a).astype(bool)], axis=0)
            assert np.abs(med - colour).max() < 50, (names[a['category_id']], med, colour)
            checked += 1
    assert checked >= NUM_TRAIN


def test_mmdet_coco_dataset_reads_it(coco):
    from mmdet.datasets import CocoDataset
    for split in ('train', 'val'):
        cfg = dict(coco[f'{split}_dataset'])
        assert cfg.pop('type') == 'CocoDataset'
        ds = CocoDataset(**cfg, pipeline=[])
        assert len(ds) == coco[f'num_{split}']
        assert tuple(ds.metainfo['classes']) == DEFAULT_DET_CATEGORIES
        truth = anns_by_image(load_json(coco[f'{split}_ann']))
        files = {im['id']: im['file_name'] for im in load_json(coco[f'{split}_ann'])['images']}
        assert {ds.get_data_info(i)['img_id'] for i in range(len(ds))} == set(truth)
        for i in range(len(ds)):
            info = ds.get_data_info(i)
            assert info['img_path'] == osp.join(coco['data_root'], split, files[info['img_id']])
            assert osp.isfile(info['img_path'])
            want = sorted((xyxy(a['bbox']), a['category_id'] - 1) for a in truth[info['img_id']])
            got = sorted((inst['bbox'], inst['bbox_label']) for inst in info['instances'])
            assert got == want
            assert all(inst['ignore_flag'] == 0 and 'mask' in inst for inst in info['instances'])


# ------------------------------------------------------------------------------------------ determinism
def test_determinism(tmp_path):
    kw = dict(num_train=3, num_val=2, img_size=64, with_masks=True)
    make_mini_coco(str(tmp_path / 'a'), seed=5, **kw)
    make_mini_coco(str(tmp_path / 'b'), seed=5, **kw)
    make_mini_coco(str(tmp_path / 'c'), seed=6, **kw)
    da, db, dc = (tree_digest(str(tmp_path / n)) for n in 'abc')
    assert len(da) == 3 + 2 + 2 and da == db
    assert set(da) == set(dc)
    assert all(da[k] != dc[k] for k in da), 'a different seed must change every file'
    # image i does not depend on the split size
    make_mini_coco(str(tmp_path / 'd'), seed=5, num_train=5, num_val=0, img_size=64)
    dd = tree_digest(str(tmp_path / 'd'))
    for k in ('train/000000000001.jpg', 'train/000000000002.jpg', 'train/000000000003.jpg'):
        assert dd[k] == da[k]


def test_voc_determinism(tmp_path):
    make_mini_voc(str(tmp_path / 'a'), num_trainval=3, num_test=1, img_size=64, seed=1)
    make_mini_voc(str(tmp_path / 'b'), num_trainval=3, num_test=1, img_size=64, seed=1)
    make_mini_voc(str(tmp_path / 'c'), num_trainval=3, num_test=1, img_size=64, seed=2)
    da, db, dc = (tree_digest(str(tmp_path / n)) for n in 'abc')
    assert da == db and len(da) == 4 + 4 + 2
    assert da['VOC2007/JPEGImages/000001.jpg'] != dc['VOC2007/JPEGImages/000001.jpg']


# ------------------------------------------------------------------------------------------ VOC format
def test_voc_layout_and_xml(voc):
    root = voc['voc_root']
    assert root == osp.join(voc['data_root'], 'VOC2007')
    with open(osp.join(root, 'ImageSets', 'Main', 'trainval.txt')) as f:
        trainval = f.read().splitlines()
    with open(osp.join(root, 'ImageSets', 'Main', 'test.txt')) as f:
        test = f.read().splitlines()
    assert trainval == [f'{i:06d}' for i in range(1, NUM_TRAIN + 1)]
    assert test == [f'{i:06d}' for i in range(NUM_TRAIN + 1, NUM_TRAIN + NUM_VAL + 1)]
    assert voc['num_trainval'] == NUM_TRAIN and voc['num_test'] == NUM_VAL and voc['num_difficult'] == 0
    n_obj = 0
    for img_id in trainval + test:
        w, h, objs = parse_voc_xml(osp.join(root, 'Annotations', f'{img_id}.xml'))
        assert (w, h) == (IMG, IMG)
        assert Image.open(osp.join(root, 'JPEGImages', f'{img_id}.jpg')).size == (IMG, IMG)
        assert objs
        for o in objs:
            assert o['name'] in DEFAULT_DET_CATEGORIES and o['difficult'] == 0
            xmin, ymin, xmax, ymax = o['box']
            assert 1 <= xmin < xmax <= w and 1 <= ymin < ymax <= h  # 1-based, inclusive
        n_obj += len(objs)
    assert n_obj == voc['num_trainval_objects'] + voc['num_test_objects']


def test_voc_matches_coco_scenes(coco, voc):
    """Same seed: VOC trainval/test image i is COCO train/val image i, and the boxes convert exactly."""
    for coco_split, voc_split, n, first in (('train', 'trainval', NUM_TRAIN, 1), ('val', 'test', NUM_VAL,
                                                                                   NUM_TRAIN + 1)):
        data = load_json(coco[f'{coco_split}_ann'])
        by_img = anns_by_image(data)
        for i, im in enumerate(data['images']):
            voc_id = f'{first + i:06d}'
            with open(osp.join(coco[f'{coco_split}_img_dir'], im['file_name']), 'rb') as f1, \
                    open(osp.join(voc['img_dir'], f'{voc_id}.jpg'), 'rb') as f2:
                assert f1.read() == f2.read()
            _, _, objs = parse_voc_xml(osp.join(voc['ann_dir'], f'{voc_id}.xml'))
            want = sorted((DEFAULT_DET_CATEGORIES[a['category_id'] - 1],
                           [int(a['bbox'][0]) + 1, int(a['bbox'][1]) + 1, int(a['bbox'][0] + a['bbox'][2]),
                            int(a['bbox'][1] + a['bbox'][3])]) for a in by_img[im['id']])
            assert sorted((o['name'], o['box']) for o in objs) == want


def test_mmdet_voc_dataset_reads_it(coco, voc):
    from mmdet.datasets import VOCDataset
    for coco_split, voc_split in (('train', 'trainval'), ('val', 'test')):
        cfg = dict(voc[f'{voc_split}_dataset'])
        assert cfg == dict(type='VOCDataset', data_root=voc['data_root'],
                           ann_file=f'VOC2007/ImageSets/Main/{voc_split}.txt',
                           data_prefix=dict(sub_data_root='VOC2007/'), metainfo=dict(classes=voc['classes']))
        cfg.pop('type')
        ds = VOCDataset(**cfg, pipeline=[])
        assert ds.metainfo['dataset_type'] == 'VOC2007'
        data = load_json(coco[f'{coco_split}_ann'])
        by_img = anns_by_image(data)
        assert len(ds) == len(data['images'])
        for i, im in enumerate(data['images']):
            info = ds.get_data_info(i)
            assert osp.isfile(info['img_path']) and (info['width'], info['height']) == (IMG, IMG)
            # mmdet subtracts 1 from all four VOC numbers: [x1, y1, x2 - 1, y2 - 1] of the exclusive-end box
            want = sorted(([b[0], b[1], b[2] - 1, b[3] - 1], a['category_id'] - 1)
                          for a in by_img[im['id']] for b in [[int(v) for v in xyxy(a['bbox'])]])
            got = sorted((inst['bbox'], inst['bbox_label']) for inst in info['instances'])
            assert got == want
            assert all(inst['ignore_flag'] == 0 for inst in info['instances'])


def test_voc_difficult(tmp_path):
    res = make_mini_voc(str(tmp_path), num_trainval=6, num_test=0, img_size=64, seed=0, difficult_min_side=16)
    n = 0
    for i in range(1, 7):
        for o in parse_voc_xml(osp.join(res['ann_dir'], f'{i:06d}.xml'))[2]:
            side = min(o['box'][2] - o['box'][0], o['box'][3] - o['box'][1]) + 1
            assert o['difficult'] == int(side < 16)
            n += o['difficult']
    assert n == res['num_difficult'] > 0
    # the threshold itself: a short side of 15 is difficult, 16 is not
    res = make_mini_voc(str(tmp_path / 'fixed'), img_size=64, difficult_min_side=16, fixed_images=[[
        dict(label='red_disc', bbox=[0, 0, 15, 40]), dict(label='red_disc', bbox=[20, 0, 60, 16])]])
    assert [o['difficult'] for o in parse_voc_xml(osp.join(res['ann_dir'], '000001.xml'))[2]] == [1, 0]


# ------------------------------------------------------------------------------------------ knobs
def test_coco_corrupt(tmp_path):
    from mmdet.datasets import CocoDataset
    from pycocotools.coco import COCO
    res = make_mini_coco(str(tmp_path), num_train=4, num_val=2, img_size=64, seed=0,
                         corrupt=dict(box_outside=3, box_detached=2, unknown_category=2))
    assert res['corrupt_split'] == 'train'
    data = load_json(res['train_ann'])
    by_id = {a['id']: a for a in data['annotations']}
    bad = {k: [by_id[i] for i in ids] for k, ids in res['corrupt'].items()}
    assert [len(bad[k]) for k in ('box_outside', 'box_detached', 'unknown_category')] == [3, 2, 2]
    cat_ids = {c['id'] for c in data['categories']}
    for a in bad['box_outside']:
        x1, y1, x2, y2 = xyxy(a['bbox'])
        assert 0 <= x1 < 64 and 0 <= y1 < 64 and (x2 > 64 or y2 > 64) and a['category_id'] in cat_ids
    for a in bad['box_detached']:
        x1, y1, x2, y2 = xyxy(a['bbox'])
        assert (x1 >= 64 or y1 >= 64) and a['category_id'] in cat_ids
    for a in bad['unknown_category']:
        x1, y1, x2, y2 = xyxy(a['bbox'])
        assert a['category_id'] not in cat_ids and 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64
    good = [a for a in data['annotations'] if a['id'] not in set(sum(res['corrupt'].values(), []))]
    assert len(good) + 7 == len(data['annotations']) == res['num_train_anns']
    for a in good:
        x1, y1, x2, y2 = xyxy(a['bbox'])
        assert a['category_id'] in cat_ids and 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64
    val_anns = load_json(res['val_ann'])['annotations']
    assert len(val_anns) == res['num_val_anns'] and all(a['category_id'] in cat_ids for a in val_anns)
    assert all(0 <= v and v + s <= 64 for a in val_anns for v, s in zip(a['bbox'][:2], a['bbox'][2:]))
    COCO(res['train_ann'])  # still loads
    # mmdet drops the detached boxes and the unknown category silently, but keeps boxes crossing the border
    cfg = dict(res['train_dataset'])
    cfg.pop('type')
    ds = CocoDataset(**cfg, pipeline=[])
    assert sum(len(ds.get_data_info(i)['instances']) for i in range(len(ds))) == len(good) + 3


def test_voc_corrupt(tmp_path):
    from mmdet.datasets import VOCDataset
    res = make_mini_voc(str(tmp_path), num_trainval=3, num_test=1, img_size=64, seed=0,
                        corrupt=dict(box_outside=2, box_detached=1, unknown_category=2, split='test'))
    assert res['corrupt_split'] == 'test'
    assert all(img_id == '000004' for ids in res['corrupt'].values() for img_id, _ in ids)
    w, h, objs = parse_voc_xml(osp.join(res['ann_dir'], '000004.xml'))
    for kind, ids in res['corrupt'].items():
        for _, j in ids:
            xmin, ymin, xmax, ymax = objs[j]['box']
            if kind == 'box_outside':
                assert xmin <= w and ymin <= h and (xmax > w or ymax > h)
            elif kind == 'box_detached':
                assert xmin > w or ymin > h
            else:
                assert objs[j]['name'] not in res['classes'] and 1 <= xmin < xmax <= w and ymax <= h
    n_bad = sum(len(v) for v in res['corrupt'].values())
    assert len(objs) >= n_bad + 1 and res['num_test_objects'] == len(objs)
    cfg = dict(res['test_dataset'])
    cfg.pop('type')
    ds = VOCDataset(**cfg, pipeline=[])
    assert len(ds.get_data_info(0)['instances']) == len(objs) - 2  # the unknown names are skipped
    for i in range(1, 4):  # trainval untouched
        for o in parse_voc_xml(osp.join(res['ann_dir'], f'{i:06d}.xml'))[2]:
            assert o['name'] in res['classes'] and o['box'][2] <= 64 and o['box'][3] <= 64


def test_fixed_images(tmp_path):
    res = make_mini_coco(str(tmp_path / 'coco'), num_train=50, img_size=96, seed=3, fixed_images=2)
    train, val = load_json(res['train_ann']), load_json(res['val_ann'])
    assert res['num_train'] == res['num_val'] == 2 and len(train['images']) == len(val['images']) == 2
    assert {im['id'] for im in train['images']}.isdisjoint(im['id'] for im in val['images'])
    for ti, vi in zip(train['images'], val['images']):
        with open(osp.join(res['train_img_dir'], ti['file_name']), 'rb') as f1, \
                open(osp.join(res['val_img_dir'], vi['file_name']), 'rb') as f2:
            assert f1.read() == f2.read()
    tb, vb = anns_by_image(train), anns_by_image(val)
    for ti, vi in zip(train['images'], val['images']):
        assert len(tb[ti['id']]) == 2 and len({a['category_id'] for a in tb[ti['id']]}) == 2
        assert [(a['bbox'], a['category_id']) for a in tb[ti['id']]] == \
            [(a['bbox'], a['category_id']) for a in vb[vi['id']]]
    assert sorted(a['category_id'] for a in train['annotations']) == [1, 2, 3, 4]
    # hand-made scenes
    scenes = [[dict(label='blue_square', bbox=[10, 20, 50, 60])],
              [dict(label='red_disc', bbox=[0, 0, 96, 96])]]
    res = make_mini_voc(str(tmp_path / 'voc'), img_size=96, fixed_images=scenes)
    assert res['num_trainval'] == res['num_test'] == 2
    for tv, te in (('000001', '000003'), ('000002', '000004')):  # test repeats trainval's pictures
        with open(osp.join(res['img_dir'], f'{tv}.jpg'), 'rb') as f1, \
                open(osp.join(res['img_dir'], f'{te}.jpg'), 'rb') as f2:
            assert f1.read() == f2.read()
    assert parse_voc_xml(osp.join(res['ann_dir'], '000001.xml'))[2] == [
        dict(name='blue_square', difficult=0, box=[11, 21, 50, 60])]
    assert parse_voc_xml(osp.join(res['ann_dir'], '000004.xml'))[2] == [
        dict(name='red_disc', difficult=0, box=[1, 1, 96, 96])]
    with pytest.raises(ValueError, match='not one of the categories'):
        make_mini_voc(str(tmp_path / 'x'), img_size=96, fixed_images=[[dict(label='red_star', bbox=[0, 0, 9, 9])]])
    with pytest.raises(ValueError, match='not inside'):
        make_mini_voc(str(tmp_path / 'x'), img_size=96, fixed_images=[[dict(label='red_disc', bbox=[0, 0, 97, 9])]])


def test_categories_and_masks_off(tmp_path):
    assert default_det_categories(3) == DEFAULT_DET_CATEGORIES[:3]
    nine = default_det_categories(9)
    assert nine[:8] == DEFAULT_DET_CATEGORIES and nine[8] not in DEFAULT_DET_CATEGORIES
    res = make_mini_coco(str(tmp_path), num_train=4, num_val=0, img_size=64, categories='white_star,red_ring',
                         with_masks=False)
    data = load_json(res['train_ann'])
    assert res['classes'] == ('white_star', 'red_ring')
    assert [(c['id'], c['name']) for c in data['categories']] == [(1, 'white_star'), (2, 'red_ring')]
    for a in data['annotations']:
        assert 'segmentation' not in a and a['area'] == a['bbox'][2] * a['bbox'][3]
        assert a['category_id'] in (1, 2)
    assert res['num_val'] == 0 and load_json(res['val_ann'])['images'] == []
    for bad in (['red_disc', 'red_disc'], ['purple_disc'], ['red_blob'], [], 0, 65):
        with pytest.raises(ValueError):
            make_mini_coco(str(tmp_path / 'bad'), num_train=1, num_val=0, img_size=64, categories=bad)
    with pytest.raises(ValueError, match='unknown corrupt keys'):
        make_mini_coco(str(tmp_path / 'bad'), num_train=1, num_val=0, img_size=64, corrupt=dict(bad_box=1))


def test_sample_det_scene():
    rng = np.random.default_rng(0)
    sizes = []
    for _ in range(200):
        scene = sample_det_scene(rng, 128, 5, max_objects=3)
        assert 1 <= len(scene) <= 3
        for c, (x1, y1, x2, y2) in scene:
            assert 0 <= c < 5 and 0 <= x1 < x2 <= 128 and 0 <= y1 < y2 <= 128
            sizes.append(((x2 - x1) * (y2 - y1)) ** 0.5)
    assert 0.13 * 128 < min(sizes) and max(sizes) < 0.5 * 128
    assert sample_det_scene(rng, 128, 5, empty_rate=1.0) == []


def test_cli(tmp_path):
    proc = run_tool(['tools/dataset_converters/make_mini_detection.py', str(tmp_path), '--format', 'both',
                     '--fixed-images', '2', '--img-size', '64', '--corrupt-unknown-category', '1'])
    assert 'mini-COCO written' in proc.stdout and 'mini-VOC written' in proc.stdout
    assert len(load_json(tmp_path / 'annotations' / 'instances_train.json')['images']) == 2
    assert len(load_json(tmp_path / 'annotations' / 'instances_train.json')['annotations']) == 5
    assert sorted(os.listdir(tmp_path / 'VOC2007' / 'Annotations')) == [f'{i:06d}.xml' for i in range(1, 5)]
