"""CheckedCocoDataset on generated COCO files: clean files read as mmdet reads them; bad boxes are counted and
skipped or clipped; unknown category ids and class names are errors."""
import pytest

from mmjft.mini import make_mini_coco


def build(data, split='train', **kwargs):
    from mmjft.downstream.detection.dataset import CheckedCocoDataset
    return CheckedCocoDataset(data_root=data['data_root'], ann_file=f'annotations/instances_{split}.json',
                              data_prefix=dict(img=f'{split}/'), metainfo=dict(classes=data['classes']),
                              pipeline=[], **kwargs)


def test_clean_file_reads_as_mmdet_reads_it(tmp_path):
    from mmdet.datasets import CocoDataset
    data = make_mini_coco(str(tmp_path), num_train=6, num_val=1, img_size=64, with_masks=False)
    checked = build(data)
    plain = CocoDataset(data_root=data['data_root'], ann_file='annotations/instances_train.json',
                        data_prefix=dict(img='train/'), metainfo=dict(classes=data['classes']), pipeline=[])
    assert len(checked) == len(plain) == 6
    for i in range(6):
        assert checked.get_data_info(i)['instances'] == plain.get_data_info(i)['instances']
    assert checked.annotation_report == dict(total=data['num_train_anns'], unknown_category=0)


def test_bad_boxes_are_counted_skipped_or_clipped(tmp_path):
    data = make_mini_coco(str(tmp_path), num_train=4, num_val=1, img_size=64, with_masks=False,
                          corrupt=dict(box_outside=2, box_detached=3))
    dataset = build(data)
    report = dataset.annotation_report
    assert (report['outside'], report['clipped'], report['total']) == (3, 2, data['num_train_anns'])
    boxes = [inst['bbox'] for i in range(len(dataset)) for inst in dataset.get_data_info(i)['instances']]
    assert len(boxes) == data['num_train_anns'] - 3
    assert all(0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64 for x1, y1, x2, y2 in boxes)  # clipped to the image
    with pytest.raises(ValueError, match='3 boxes outside their image'):
        build(data, bad_box='error')


def test_unknown_category_id_is_an_error(tmp_path):
    data = make_mini_coco(str(tmp_path), num_train=3, num_val=1, img_size=64, with_masks=False,
                          corrupt=dict(unknown_category=2))
    unknown = len(data['classes']) + 1
    with pytest.raises(ValueError, match=rf'2 annotations have a category_id .* category ids \[{unknown}\]'):
        build(data)


def test_class_names_missing_from_the_file_are_an_error(tmp_path):
    data = make_mini_coco(str(tmp_path), num_train=2, num_val=1, img_size=64, with_masks=False, categories=2)
    with pytest.raises(ValueError, match=r"classes \['white_star'\]"):
        build(dict(data, classes=data['classes'] + ('white_star', )))


def test_excluded_image_ids_are_left_out_and_unknown_ones_are_an_error(tmp_path):
    data = make_mini_coco(str(tmp_path), num_train=6, num_val=1, img_size=64, with_masks=False)
    ids = [build(data).get_data_info(i)['img_id'] for i in range(6)]
    (tmp_path / 'drop.txt').write_text(f'{ids[1]}\n{ids[4]}\n')
    kept = build(data, exclude_ids_file=str(tmp_path / 'drop.txt'))
    assert [kept.get_data_info(i)['img_id'] for i in range(len(kept))] == [i for i in ids if i not in (ids[1], ids[4])]
    assert kept.annotation_report['excluded_images'] == 2
    (tmp_path / 'absent.txt').write_text(f'{ids[0]}\n987654\n')
    with pytest.raises(ValueError, match='987654'):
        build(data, exclude_ids_file=str(tmp_path / 'absent.txt'))
