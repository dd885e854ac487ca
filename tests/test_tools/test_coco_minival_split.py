"""Tests of tools/dataset_converters/coco_minival_split.py on COCO JSON written by make_mini_coco."""
import json
import os.path as osp
import subprocess
import sys

import pytest

from conftest import ROOT, load_tool as load_tool_file
from mmjft.mini import make_mini_coco

TOOL = osp.join(ROOT, 'tools', 'dataset_converters', 'coco_minival_split.py')


def load_tool():
    return load_tool_file(TOOL, 'mmjft_coco_minival_split')


def load_json(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def run_cli(*args):
    return subprocess.run([sys.executable, TOOL, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


@pytest.fixture(scope='module')
def tool():
    return load_tool()


@pytest.fixture(scope='module')
def coco(tmp_path_factory):
    return make_mini_coco(str(tmp_path_factory.mktemp('coco')), num_train=5, num_val=10, img_size=64, seed=0,
                          with_masks=False, max_objects=3)


def write_ids(path, lines):
    path.write_text(''.join(f'{x}\n' for x in lines))
    return path


def test_split_routes_images_and_annotations(tool, coco, tmp_path):
    val = load_json(coco['val_ann'])
    val_ids = [im['id'] for im in val['images']]
    chosen = [val_ids[7], val_ids[1], val_ids[4], val_ids[8]]
    ids_file = write_ids(tmp_path / 'ids.txt', ['# minival ids', chosen[0], '', f'  {chosen[1]} ', chosen[2],
                                                chosen[3], chosen[1]])
    proc = run_cli(coco['val_ann'], ids_file, tmp_path / 'out', '--train-json', coco['train_ann'])
    assert proc.returncode == 0, proc.stderr
    assert 'more than once' in proc.stdout  # chosen[1] is listed twice
    mini = load_json(tmp_path / 'out' / 'instances_minival.json')
    rest = load_json(tmp_path / 'out' / 'instances_valminusminival.json')
    joined = load_json(tmp_path / 'out' / 'instances_train+valminusminival.json')
    for d in (mini, rest):
        assert d['info'] == val['info'] and d['licenses'] == val['licenses']
        assert d['categories'] == val['categories']
    # counts, disjointness, union, order
    mini_ids = [im['id'] for im in mini['images']]
    rest_ids = [im['id'] for im in rest['images']]
    assert sorted(mini_ids) == sorted(chosen) and len(rest_ids) == len(val_ids) - 4
    assert set(mini_ids).isdisjoint(rest_ids) and set(mini_ids) | set(rest_ids) == set(val_ids)
    assert mini_ids == [i for i in val_ids if i in chosen]  # val order is kept
    # annotations follow their image
    assert all(a['image_id'] in set(mini_ids) for a in mini['annotations'])
    assert all(a['image_id'] in set(rest_ids) for a in rest['annotations'])
    assert sorted(a['id'] for a in mini['annotations'] + rest['annotations']) == \
        sorted(a['id'] for a in val['annotations'])
    assert len(mini['annotations']) == sum(a['image_id'] in chosen for a in val['annotations']) > 0
    # printed counts
    assert f'instances_minival.json: 4 images, {len(mini["annotations"])} annotations' in proc.stdout
    # train + rest
    train = load_json(coco['train_ann'])
    assert joined['images'] == train['images'] + rest['images']
    assert joined['annotations'] == train['annotations'] + rest['annotations']
    assert joined['categories'] == train['categories'] and joined['info'] == train['info']
    assert len({im['id'] for im in joined['images']}) == len(train['images']) + len(rest_ids)
    # pycocotools reads every output
    from pycocotools.coco import COCO
    for name in ('instances_minival.json', 'instances_valminusminival.json',
                 'instances_train+valminusminival.json'):
        api = COCO(str(tmp_path / 'out' / name))
        assert len(api.getImgIds()) == len(load_json(tmp_path / 'out' / name)['images'])


def test_no_train_json_writes_two_files(coco, tmp_path):
    val_ids = [im['id'] for im in load_json(coco['val_ann'])['images']]
    proc = run_cli(coco['val_ann'], write_ids(tmp_path / 'ids.txt', val_ids[:2]), tmp_path / 'out')
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in (tmp_path / 'out').iterdir()) == [
        'instances_minival.json', 'instances_valminusminival.json']


def test_missing_ids(tool, coco, tmp_path):
    val_ids = [im['id'] for im in load_json(coco['val_ann'])['images']]
    absent = [10 ** 9 + 5, 10 ** 9 + 1]
    ids_file = write_ids(tmp_path / 'ids.txt', [val_ids[0], absent[0], val_ids[3], absent[1]])
    proc = run_cli(coco['val_ann'], ids_file, tmp_path / 'out')
    assert proc.returncode == 1
    assert '2 of the 4 ids' in proc.stderr and str(sorted(absent)) in proc.stderr
    assert '--allow-missing' in proc.stderr
    assert not (tmp_path / 'out' / 'instances_minival.json').exists()
    proc = run_cli(coco['val_ann'], ids_file, tmp_path / 'out', '--allow-missing')
    assert proc.returncode == 0, proc.stderr
    assert 'skipped 2 ids' in proc.stdout
    mini = load_json(tmp_path / 'out' / 'instances_minival.json')
    assert sorted(im['id'] for im in mini['images']) == sorted([val_ids[0], val_ids[3]])
    # the pure function
    with pytest.raises(tool.SplitError, match='2 of the 4 ids'):
        tool.split_minival(load_json(coco['val_ann']), [val_ids[0], absent[0], val_ids[3], absent[1]])
    _, rest, missing = tool.split_minival(load_json(coco['val_ann']), [val_ids[0], absent[0]],
                                          allow_missing=True)
    assert missing == [absent[0]] and len(rest['images']) == len(val_ids) - 1


@pytest.mark.parametrize('bad', ['abc', '12x', '-3', '1.5', '4 5'])
def test_malformed_line(tool, coco, tmp_path, bad):
    ids_file = tmp_path / 'ids.txt'
    ids_file.write_text(f'11\n\n{bad}\n12\n')
    with pytest.raises(tool.SplitError, match=f'{ids_file}:3: '):
        tool.read_id_file(str(ids_file))
    proc = run_cli(coco['val_ann'], ids_file, tmp_path / 'out')
    assert proc.returncode == 1 and f'{ids_file}:3:' in proc.stderr


def test_read_id_file(tool, tmp_path):
    f = tmp_path / 'ids.txt'
    f.write_text('# header\n42\n 7 \n\n42  # again\n9\n')
    assert tool.read_id_file(str(f)) == ([42, 7, 9], 1)


def test_join_rejects_collisions(tool, coco, tmp_path):
    train, val = load_json(coco['train_ann']), load_json(coco['val_ann'])
    val_ids = [im['id'] for im in val['images']]
    _, rest, _ = tool.split_minival(val, val_ids[:3])
    clash = json.loads(json.dumps(train))
    clash['images'][1]['id'] = rest['images'][0]['id']
    with pytest.raises(tool.SplitError, match='1 image ids occur in both'):
        tool.join_coco(clash, rest)
    clash = json.loads(json.dumps(train))
    clash['annotations'][0]['id'] = rest['annotations'][0]['id']
    with pytest.raises(tool.SplitError, match='1 annotation ids occur in both'):
        tool.join_coco(clash, rest)
    other = json.loads(json.dumps(train))
    other['categories'] = other['categories'][:-1]
    with pytest.raises(tool.SplitError, match='categories'):
        tool.join_coco(other, rest)
    # through the CLI
    bad_train = tmp_path / 'train.json'
    clash = json.loads(json.dumps(train))
    clash['images'][0]['id'] = rest['images'][-1]['id']
    bad_train.write_text(json.dumps(clash))
    proc = run_cli(coco['val_ann'], write_ids(tmp_path / 'ids.txt', val_ids[:3]), tmp_path / 'out',
                   '--train-json', bad_train)
    assert proc.returncode == 1 and 'image ids occur in both' in proc.stderr
