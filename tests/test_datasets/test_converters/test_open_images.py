import json

import pytest

from mmjft.datasets import JFTDataset
from mmjft.datasets.converters import ConversionError, convert_open_images, open_images_hierarchy
from mmjft.datasets.converters.common import hash_is_val

from .oi_world import CLASSES_CSV, HUMAN, MACHINE, TREE, write_oi


def read_jsonl(path):
    return {json.loads(x)['img_path']: json.loads(x) for x in open(path)}


def test_part_lists_are_not_ancestors_and_non_class_nodes_are_bridged():
    parents, nodes, dropped = open_images_hierarchy(TREE, ['/m/a', '/m/d', '/m/c', '/m/t', '/m/x'])
    assert parents == {'/m/d': ['/m/a'], '/m/c': ['/m/a']}
    assert nodes == {'/m/a', '/m/d', '/m/c', '/m/x'} and dropped == {'/m/0bl9f'}


def test_labels_negatives_hierarchy_and_bad_rows(tmp_path):
    oi = write_oi(tmp_path)
    out = tmp_path / 'out'
    logs = []
    rep = convert_open_images(oi['labels'], oi['classes'], str(out), oi['hierarchy'], val_fraction=0.0,
                              max_bad_fraction=0.2, log=logs.append)
    train = read_jsonl(out / 'train.jsonl')
    assert train == {
        'train/img1.jpg': dict(img_path='train/img1.jpg', labels=['/m/d', '/m/t'], confidences=[1.0, 0.8],
                               negatives=['/m/c']),  # the machine's 0.9 cat lost to the human negative
        'train/img2.jpg': dict(img_path='train/img2.jpg', labels=['/m/c'], confidences=[1.0], negatives=['/m/t']),
        'train/img3.jpg': dict(img_path='train/img3.jpg', labels=['/m/p'], confidences=[0.7], negatives=['/m/x']),
        'train/img5.jpg': dict(img_path='train/img5.jpg', labels=['/m/d'], confidences=[0.6], negatives=[])}
    assert (out / 'val.jsonl').read_text() == ''
    assert rep['classes'] == 6 and rep['classes_in_hierarchy'] == 4 and rep['roots'] == 4  # a, x, t, p
    assert rep['bad_rows']['count'] == 2 and rep['rows'] == 12
    assert rep['bad_rows']['by_reason'] == {'unknown class': 1, 'malformed CSV line': 1}
    assert any('human.csv:7: unknown class (/m/zzz)' in f for f in rep['bad_rows']['first'])
    assert rep['machine_labels_vetoed_by_human_negatives'] == 1 and rep['images_without_labels'] == 1
    assert (out / 'class_names.txt').read_text().splitlines()[5] == 'Plant, green'
    ds = JFTDataset(ann_file='train.jsonl', classes_file='classes.txt', hierarchy_file='hierarchy.json',
                    data_root=str(out))
    names = ds.metainfo['classes']
    assert [sorted(names[i] for i in ds.get_data_info(k)['gt_label']) for k in range(len(ds))] == [
        ['/m/a', '/m/d', '/m/t'], ['/m/a', '/m/c'], ['/m/p'], ['/m/a', '/m/d']]  # tail: no dog/animal from Part
    assert ds.load_stats['partially_annotated_images'] == 4 and ds.load_stats['negatives'] == 3

    with pytest.raises(ConversionError, match=r'2 of 12 label rows .* above the ceiling[\s\S]*machine.csv:6'):
        convert_open_images(oi['labels'], oi['classes'], str(out), oi['hierarchy'], max_bad_fraction=0.1,
                            log=logs.append)


def test_sources_threshold_and_hash_split(tmp_path):
    oi = write_oi(tmp_path)
    human = convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'h'), sources='human', val_fraction=0,
                                max_bad_fraction=0.2, log=lambda m: None)
    h = read_jsonl(tmp_path / 'h' / 'train.jsonl')
    assert sorted(h) == ['train/img1.jpg', 'train/img2.jpg', 'train/img3.jpg']  # img5 only had a machine label
    assert h['train/img1.jpg']['labels'] == ['/m/d'] and h['train/img3.jpg']['labels'] == []
    assert human['hierarchy']['num_roots'] == 6  # no hierarchy file: every class a root
    convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'm'), sources='machine', min_confidence=0.25,
                        val_fraction=0, max_bad_fraction=0.2, img_template='{image_id}.jpg', log=lambda m: None)
    m = read_jsonl(tmp_path / 'm' / 'train.jsonl')
    assert m['img2.jpg']['labels'] == ['/m/x'] and m['img1.jpg']['labels'] == ['/m/t']

    ids = ['img1', 'img2', 'img3', 'img5']
    is_val = dict(zip(ids, hash_is_val(ids, 0.5, 3)))
    assert 0 < sum(is_val.values()) < 4  # this seed splits the four images
    convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 's'), val_fraction=0.5, split_seed=3,
                        max_bad_fraction=0.2, log=lambda m: None)
    train, val = read_jsonl(tmp_path / 's' / 'train.jsonl'), read_jsonl(tmp_path / 's' / 'val.jsonl')
    assert {p.split('/')[1][:-4] for p in val} == {i for i in ids if is_val[i] and i != 'img5'}  # img5: no human
    assert {p.split('/')[1][:-4] for p in train} == {i for i in ids if not is_val[i]}
    assert all(c == 1.0 for r in val.values() for c in r['confidences'])  # human labels only on val


def test_unsorted_label_file_names_file_and_line(tmp_path):
    oi = write_oi(tmp_path)
    lines = MACHINE.splitlines()
    (tmp_path / 'machine.csv').write_text('\n'.join([lines[0], lines[4], lines[1]]) + '\n')
    with pytest.raises(ConversionError, match=r"machine.csv:3: ImageID 'img1' comes after 'img3'"):
        convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'o'), log=lambda m: None)


def quiet(m):
    pass


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir()}


def test_human_negative_wins_and_byte_order_marks_are_dropped(tmp_path):
    oi = write_oi(tmp_path)
    (tmp_path / 'classes.csv').write_text('\ufeff' + CLASSES_CSV, encoding='utf-8')
    conflict = HUMAN.replace('img1,verification,/m/c,0\n',
                             'img1,verification,/m/c,0\nimg1,crowdsource-verified,/m/c,1\n')
    (tmp_path / 'human.csv').write_text('\ufeff' + conflict, encoding='utf-8')  # and the machine scores /m/c 0.9
    rep = convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'o'), val_fraction=0.0,
                              max_bad_fraction=0.2, log=quiet)
    img1 = read_jsonl(tmp_path / 'o' / 'train.jsonl')['train/img1.jpg']
    assert img1['labels'] == ['/m/d', '/m/t'] and img1['negatives'] == ['/m/c'] and rep['human_conflicts'] == 1
    assert (tmp_path / 'o' / 'classes.txt').read_text().splitlines()[:2] == ['/m/a', '/m/d']
    tree = tmp_path / 'tree.json'
    tree.write_text('\ufeff' + json.dumps(TREE), encoding='utf-8')  # a BOM before the hierarchy JSON: read
    convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'o'), str(tree), val_fraction=0.0,
                        max_bad_fraction=0.2, log=quiet)
    tree.write_text(json.dumps(TREE)[:-1])  # cut short: the file, line and column
    with pytest.raises(ConversionError, match=r'tree.json:1:\d+: invalid JSON'):
        convert_open_images(oi['labels'], oi['classes'], str(tmp_path / 'o2'), str(tree), log=quiet)


def test_overlapping_splits_empty_files_and_no_image_are_errors(tmp_path):
    oi = write_oi(tmp_path)
    kw = dict(class_csv=oi['classes'], out_dir=str(tmp_path / 'o'), max_bad_fraction=0.2, log=quiet)
    with pytest.raises(ConversionError, match=r'human.csv is given as both training and validation labels'):
        convert_open_images(oi['labels'], val_csvs=[oi['labels'][0]], **kw)
    (tmp_path / 'val.csv').write_text('ImageID,Source,LabelName,Confidence\nimg2,verification,/m/d,1\n')
    with pytest.raises(ConversionError, match=r"ImageID 'img2' has labels both in the training files"):
        convert_open_images(oi['labels'], val_csvs=[str(tmp_path / 'val.csv')], **kw)
    (tmp_path / 'empty.csv').write_text('')
    with pytest.raises(ConversionError, match=r'empty.csv: empty file'):
        convert_open_images([oi['labels'][0], str(tmp_path / 'empty.csv')], **kw)
    (tmp_path / 'empty.csv').write_text('ImageID,Source,LabelName,Confidence\n')
    with pytest.raises(ConversionError, match=r'empty.csv: no label rows'):
        convert_open_images([oi['labels'][0], str(tmp_path / 'empty.csv')], **kw)
    with pytest.raises(ConversionError, match=r'no training image: the 6 label rows of .*machine.csv'):
        convert_open_images([oi['labels'][1]], sources='human', val_fraction=0, **kw)
    assert not (tmp_path / 'o' / 'train.jsonl').exists()


def test_failed_rerun_leaves_the_previous_conversion_whole(tmp_path):
    oi = write_oi(tmp_path)
    out = tmp_path / 'out'
    convert_open_images(oi['labels'], oi['classes'], str(out), oi['hierarchy'], val_fraction=0.0,
                        max_bad_fraction=0.2, log=quiet)
    before = snapshot(out)
    assert len(before) == 6
    (tmp_path / 'machine.csv').write_text(MACHINE + 'img0,machine,/m/d,0.6\n')  # fails at its last line
    with pytest.raises(ConversionError, match=r"machine.csv:8: ImageID 'img0' comes after 'img5'"):
        convert_open_images(oi['labels'], oi['classes'], str(out), oi['hierarchy'], val_fraction=0.0,
                            max_bad_fraction=0.2, log=quiet)
    assert snapshot(out) == before  # byte-identical, and no temporary file left
