"""Tests of the shard converter and JFTShardDataset (mmjft/datasets/shards): agreement with JFTDataset."""
import json
import os
import os.path as osp

import cv2
import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile
from torch.utils.data import DataLoader

from conftest import MINI_CONFIG, build_runner, mini_jft_lines, write_dirty_jsonl
from mmjft.datasets import JFTDataset, JFTShardDataset, convert_jsonl_to_shards
from mmjft.datasets.shards.convert import check_shard_index

N = 300


@pytest.fixture(scope='module')
def world(mini_jft, tmp_path_factory):
    """300 mini-JFT train lines (clean), the same plus a corrupt and a missing image (dirty), and their shards."""
    tmp = tmp_path_factory.mktemp('shards')
    lines = mini_jft_lines(mini_jft, N)
    clean = tmp / 'clean.jsonl'
    clean.write_text(''.join(lines))
    dirty = write_dirty_jsonl(tmp, lines)
    files = dict(classes_file=mini_jft['classes_file'], hierarchy_file=mini_jft['hierarchy_file'],
                 img_root=mini_jft['data_root'])
    raw = convert_jsonl_to_shards(str(clean), out_dir=str(tmp / 'raw'), samples_per_shard=20, **files)
    expanded = convert_jsonl_to_shards(str(clean), out_dir=str(tmp / 'exp'), labels='expanded',
                                       samples_per_shard=20, **files)
    dirty_idx = convert_jsonl_to_shards(str(dirty), out_dir=str(tmp / 'dirty'), samples_per_shard=8, **files)
    unverified = convert_jsonl_to_shards(str(dirty), out_dir=str(tmp / 'unverified'), samples_per_shard=8,
                                         verify_images=False, **files)
    return dict(tmp=tmp, clean=str(clean), dirty=str(dirty), raw=raw, expanded=expanded, dirty_idx=dirty_idx,
                unverified=unverified, mini=mini_jft, files=files)


def jft(world, ann, **kw):
    m = world['mini']
    return JFTDataset(ann_file=ann, classes_file=m['classes_file'], hierarchy_file=m['hierarchy_file'],
                      data_root=m['data_root'], **kw)


def reference(world, **kw):
    """{original img_path: labels} of JFTDataset."""
    ds = jft(world, world['clean'], **kw)
    root = world['mini']['data_root']
    return {osp.relpath(d['img_path'], root): d['gt_label'].tolist() for d in (ds.get_data_info(i) for i in range(len(ds)))}


def streamed(index, **kw):
    ds = JFTShardDataset(index_file=index['index_file'], rank=0, world_size=1, **kw)
    return {d['img_path']: d['gt_label'].tolist() for d in ds}


def _identity(x):
    return x


def test_round_trip_raw_and_expanded(world):
    ref = reference(world)
    assert len(ref) == N
    for index in (world['raw'], world['expanded']):
        assert index['num_samples'] == N and len(index['shards']) == N // 20
        assert index['skipped'] == dict(missing=0, corrupt=0, first=[])
        got = streamed(index)
        assert got == ref
    # raw labels, not expanded by the reader: JFTDataset's expand_hierarchy=False
    assert streamed(world['raw'], expand_hierarchy=False) == reference(world, expand_hierarchy=False)
    # the label space travels with the shards
    ds = JFTShardDataset(index_file=world['raw']['index_file'])
    assert ds.metainfo['classes'] == jft(world, world['clean']).metainfo['classes']
    with pytest.raises(ValueError, match='expand_hierarchy=False'):
        JFTShardDataset(index_file=world['expanded']['index_file'], expand_hierarchy=False)
    with pytest.raises(ValueError, match='min_confidence'):
        JFTShardDataset(index_file=world['expanded']['index_file'], min_confidence=0.5)


def test_conversion_deterministic_and_counts_bad_input(world, tmp_path):
    again = convert_jsonl_to_shards(world['clean'], out_dir=str(tmp_path), samples_per_shard=20,
                                    **world['files'])
    for shard in again['shards']:
        a = (tmp_path / shard['name']).read_bytes()
        b = open(osp.join(osp.dirname(world['raw']['index_file']), shard['name']), 'rb').read()
        assert a == b
    assert open(again['index_file']).read() == open(world['raw']['index_file']).read()
    d = world['dirty_idx']
    assert d['num_samples'] == 20 and d['skipped']['missing'] == 1 and d['skipped']['corrupt'] == 1
    assert any('corrupt.jpg (corrupt' in s for s in d['skipped']['first'])
    assert any('missing.jpg (missing' in s for s in d['skipped']['first'])
    u = world['unverified']  # without decoding, the corrupt file is written (the reader skips it), the missing not
    assert u['num_samples'] == 21 and u['skipped']['missing'] == 1 and u['skipped']['corrupt'] == 0


def test_two_ranks_two_workers_read_disjoint_shards_each_sample_once(world):
    index = world['raw']['index_file']
    seen, shards = [], {}
    for rank in range(2):
        ds = JFTShardDataset(index_file=index, rank=rank, world_size=2, shuffle_buffer=16, seed=3)
        for w in range(2):
            shards[(rank, w)] = set(ds.worker_shards(0, rank, 2, w, 2))
        loader = DataLoader(ds, batch_size=None, num_workers=2, collate_fn=_identity)
        seen += [(rank, d['img_path'], d['shard']) for d in loader]
    everyone = set().union(*shards.values())
    assert sum(len(s) for s in shards.values()) == len(everyone) == N // 20
    assert sorted(p for _, p, _ in seen) == sorted(reference(world))
    for rank in range(2):  # a rank reads only its workers' shards
        urls = {ds.shard_urls[i] for w in range(2) for i in shards[(rank, w)]}
        assert {s for r, _, s in seen if r == rank} <= urls
    # shuffled: not in shard order; another epoch, another order
    order = [p for _, p, _ in seen]
    assert order != sorted(order)
    ds = JFTShardDataset(index_file=index, rank=0, world_size=1, seed=3)
    first, second = [d['img_path'] for d in ds], [d['img_path'] for d in ds]
    assert sorted(first) == sorted(second) and first != second


@pytest.mark.parametrize('size', [0.3, 0.1, 90, 30])
def test_subset_rule_matches_jftdataset_and_nests(world, size):
    got = streamed(world['raw'], subset_size=size, subset_seed=7)
    ref = reference(world, subset_size=size, subset_seed=7)
    assert got == ref
    smaller = {0.3: 0.1, 0.1: 0.05, 90: 30, 30: 10}[size]
    assert set(streamed(world['raw'], subset_size=smaller, subset_seed=7)) <= set(got)
    if isinstance(size, int):  # the count became a threshold cached next to the index
        cache = osp.splitext(world['raw']['index_file'])[0] + '.subset-cache.json'
        assert osp.exists(cache) and len(got) == size


def test_classes_subset_and_min_confidence_match_jftdataset(world):
    leaves = world['mini']['leaf_classes_file']
    names = open(leaves).read().split()[:10]
    for kw in (dict(classes_subset=leaves), dict(classes_subset=names), dict(min_confidence=0.7),
               dict(min_confidence=0.7, classes_subset=names, subset_size=40, subset_seed=2)):
        assert streamed(world['raw'], **kw) == reference(world, **kw), kw
    assert streamed(world['expanded'], classes_subset=names) == reference(world, classes_subset=names)


def test_bad_image_skipped_and_reported_in_next_sample(world):
    ds = JFTShardDataset(index_file=world['unverified']['index_file'], rank=0, world_size=1, shuffle=False,
                         pipeline=[LoadImageFromFile()])
    out = list(ds)
    assert len(out) == 20
    assert all(d['img'].shape[:2] == (64, 64) for d in out)
    reported = [(i, d['bad_images']) for i, d in enumerate(out) if d['bad_images']]
    assert len(reported) == 1 and reported[0][0] == 10  # the 11th line was corrupt: the 11th good sample tells
    assert 'corrupt.jpg' in reported[0][1] and 'shard' in reported[0][1]
    with pytest.raises(RuntimeError, match='corrupt.jpg'):
        list(JFTShardDataset(index_file=world['unverified']['index_file'], shuffle=False, test_mode=True,
                             pipeline=[LoadImageFromFile()]))


def test_bad_shards_raise_naming_them(world, tmp_path):
    index = json.load(open(world['raw']['index_file']))
    src = osp.dirname(world['raw']['index_file'])
    for name in ('classes.txt', 'hierarchy.json'):
        (tmp_path / name).write_bytes(open(osp.join(src, name), 'rb').read())
    first = index['shards'][0]['name']
    index['shards'] = [dict(name=first, samples=21), dict(name='gone.tar', samples=1)]
    (tmp_path / first).write_bytes(open(osp.join(src, first), 'rb').read())
    (tmp_path / 'i.json').write_text(json.dumps(index))
    # shard_root: the shards are looked at when read (next to the index, a missing one fails at construction)
    ds = JFTShardDataset(index_file=str(tmp_path / 'i.json'), shard_root=str(tmp_path), shuffle=False)
    with pytest.raises(ValueError, match=f'{first}: holds 20 samples, the index'):
        list(ds)
    ds.shards[0] = (first, 20)
    with pytest.raises(ValueError, match='gone.tar'):
        list(ds)


def test_runner_trains_from_shards(world, tmp_path):
    pipeline = [dict(type='LoadImageFromFile'), dict(type='RandomCrop', crop_size=64), dict(type='PackInputs')]
    runner = build_runner(MINI_CONFIG, world['mini']['data_root'], tmp_path, {
        'train_dataloader.dataset': dict(_delete_=True, type='JFTShardDataset',
                                         index_file=world['raw']['index_file'], pipeline=pipeline,
                                         shuffle_buffer=32),
        'train_dataloader.sampler': None, 'train_dataloader.batch_size': 8, 'train_dataloader.num_workers': 2,
        'train_cfg.max_iters': 24, 'train_cfg.val_interval': 10_000, 'default_hooks.checkpoint.interval': 10_000,
        'default_hooks.logger.interval': 1, 'model.head.num_classes': 'auto',
        'train_dataloader.collate_fn': dict(type='default_collate')})  # as the ResNet-101 shard config
    runner.train()
    assert runner.model.head.num_classes == 73  # 'auto': the classes file the shard index names
    assert runner.iter == 3
    position = runner.train_loop.data_position()  # read from the stacked batches' position strings
    assert (position['epoch'], position['batches'], sorted(position['workers'])) == (0, 3, ['0', '1'])
    assert runner.train_dataloader.sampler is not None  # torch's own for an IterableDataset
    assert isinstance(runner.train_dataloader.dataset, JFTShardDataset)


def tiny(folder, labels, missing=False):
    """classes a, b, c; one 4x4 PNG per entry of ``labels`` (class ids) and its JSONL line (the image absent with
    ``missing``); returns the converter's keyword arguments but ``out_dir``."""
    (folder / 'classes.txt').write_text('a\nb\nc\n')
    lines = []
    for i, c in enumerate(labels):
        if not missing:
            cv2.imwrite(str(folder / f'{i}.png'), np.full((4, 4, 3), 40 * i, np.uint8))
        lines.append(json.dumps(dict(img_path=f'{i}.png', labels=[c])) + '\n')
    (folder / 'train.jsonl').write_text(''.join(lines))
    return dict(ann_file=str(folder / 'train.jsonl'), classes_file=str(folder / 'classes.txt'),
                img_root=str(folder), samples_per_shard=2)


def test_failed_reconversion_leaves_the_shards_whole_and_no_sample_is_an_error(tmp_path):
    kw = tiny(tmp_path, [0, 1, 2, 0])
    out = tmp_path / 'out'
    convert_jsonl_to_shards(out_dir=str(out), **kw)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    lines = (tmp_path / 'train.jsonl').read_text().splitlines(keepends=True)
    (tmp_path / 'train.jsonl').write_text(''.join(lines[::-1]) + '{"img_path": "0.png", "labels": [7]}\n')
    with pytest.raises(ValueError, match=r'train.jsonl:5: .*label id 7 outside'):
        convert_jsonl_to_shards(out_dir=str(out), **kw)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # and no temporary file left
    (tmp_path / 'gone').mkdir()
    kw = tiny(tmp_path / 'gone', [0, 1], missing=True)
    with pytest.raises(ValueError, match=r'train.jsonl: no sample written: 2 missing and 0 corrupt images among 2'):
        convert_jsonl_to_shards(out_dir=str(tmp_path / 'gone' / 'out'), **kw)
    assert not (tmp_path / 'gone' / 'out' / 'train-index.json').exists()


def test_an_old_index_never_reads_new_shards(tmp_path):
    kw = tiny(tmp_path, [0, 1, 2, 0])
    first = convert_jsonl_to_shards(out_dir=str(tmp_path / 'out'), **kw)
    old = open(first['index_file'], 'rb').read()
    kw = tiny(tmp_path, [1, 2, 0, 1])  # the same images and counts, other labels
    second = convert_jsonl_to_shards(out_dir=str(tmp_path / 'out'), **kw)
    assert first['generation'] != second['generation']
    assert first['shards'][0]['name'] not in os.listdir(tmp_path / 'out')  # the replaced generation is removed
    with open(first['index_file'], 'wb') as f:
        f.write(old)
    with pytest.raises(ValueError, match=r'2 of its 2 shards are not in .*another conversion'):
        check_shard_index(first['index_file'], json.loads(old))
    with pytest.raises(ValueError, match=first['shards'][0]['name']):
        list(JFTShardDataset(index_file=first['index_file'], shuffle=False))
