"""mmjft.CheckedVOCSegDataset: masks checked (values, sizes) with the file named; unreadable training files skipped
and counted; unreadable evaluation files an error."""
import os

import numpy as np
import pytest
from PIL import Image

from mmjft.datasets.bad_images import BAD_IMAGES_KEY
from mmjft.mini import make_mini_voc_seg


@pytest.fixture
def seg_data(tmp_path):
    return make_mini_voc_seg(str(tmp_path / 'seg'), num_train=4, num_val=2, img_size=48, seed=1)


def dataset(data, test_mode=False, split='train'):
    from mmjft.downstream.segmentation.dataset import CheckedVOCSegDataset
    pipeline = [dict(type='LoadImageFromFile'), dict(type='LoadAnnotations'), dict(type='PackSegInputs')]
    import mmseg.datasets  # noqa: F401  (registers mmseg's transforms)
    from mmengine.registry import DefaultScope
    with DefaultScope.overwrite_default_scope('mmseg'):
        return CheckedVOCSegDataset(
            data_root=data['voc_root'], ann_file=f'ImageSets/Segmentation/{split}.txt',
            data_prefix=dict(img_path='JPEGImages', seg_map_path='SegmentationClass'),
            metainfo=dict(classes=data['classes']), pipeline=pipeline, test_mode=test_mode)


def test_generated_masks_are_voc_palette_pngs_of_the_scenes(seg_data):
    ds = dataset(seg_data)
    png = Image.open(os.path.join(seg_data['seg_dir'], '000001.png'))
    assert png.mode == 'P' and png.getpalette()[:6] == [0, 0, 0, 128, 0, 0]
    values = set(np.unique(np.array(png)).tolist())
    assert 0 in values and 255 in values and values - {0, 255} and max(values - {255}) < len(seg_data['classes'])
    sample = ds[0]
    assert sample['data_samples'].gt_sem_seg.data.shape == (1, 48, 48) and sample[BAD_IMAGES_KEY] == ''
    assert ds.metainfo['palette'][1] == [128, 0, 0] and len(ds.metainfo['palette']) == len(seg_data['classes'])


def test_mask_values_outside_the_classes_are_an_error_naming_the_file(seg_data):
    path = os.path.join(seg_data['seg_dir'], '000002.png')
    mask = np.array(Image.open(path))
    mask[:3, :3], mask[5, 5] = 17, 40
    Image.fromarray(mask).save(path)
    with pytest.raises(ValueError, match=r'000002\.png: mask values \[17, 40\] \(\[9, 1\] pixels\)'):
        dataset(seg_data).prepare_data(1)


def test_mask_of_another_size_is_an_error_naming_the_file(seg_data):
    path = os.path.join(seg_data['seg_dir'], '000003.png')
    Image.fromarray(np.zeros((40, 48), np.uint8)).save(path)
    with pytest.raises(ValueError, match=r'000003\.png: mask of size 48x40 .*000003\.jpg of size 48x48'):
        dataset(seg_data).prepare_data(2)


def test_unreadable_training_files_are_skipped_and_reported(seg_data):
    os.remove(os.path.join(seg_data['img_dir'], '000001.jpg'))  # missing image
    with open(os.path.join(seg_data['seg_dir'], '000002.png'), 'wb') as f:
        f.write(b'not a png')  # corrupt mask
    ds = dataset(seg_data)
    assert ds.prepare_data(0) is None and ds.prepare_data(1) is None
    good = ds.prepare_data(2)
    failed = good[BAD_IMAGES_KEY].split('\n')
    assert len(failed) == 2 and '000001.jpg' in failed[0] and '000002.png' in failed[1]
    assert ds.max_bad_fraction == 1e-3
    with pytest.raises(RuntimeError, match='cannot read evaluation sample .*000001.jpg'):
        dataset(seg_data, test_mode=True).prepare_data(0)
