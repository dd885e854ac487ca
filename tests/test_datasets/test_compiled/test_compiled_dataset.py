"""Tests of JFTCompiledDataset (mmjft/datasets/compiled/dataset.py, selection.py): agreement with JFTDataset."""
import json
import os
import os.path as osp
import pickle

import numpy as np
import pytest
from mmcv.transforms import LoadImageFromFile, RandomFlip, Resize
from torch.utils.data import DataLoader

import mmjft.datasets.subset as subset
from conftest import ROOT, build_runner, mini_jft_lines, write_dirty_jsonl
from mmjft.datasets import JFTCompiledDataset, JFTDataset, JFTIndexSampler, compile_jsonl_index
from mmjft.datasets.sample_seed import sample_seed

CONFIG = os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-compiled-64px.py')
N = 300


@pytest.fixture(scope='module')
def world(mini_jft, tmp_path_factory):
    """300 mini-JFT train lines (clean, with a blank line) compiled raw and expanded; the first 20 plus a corrupt
    and a missing image (dirty)."""
    tmp = tmp_path_factory.mktemp('compiled')
    lines = mini_jft_lines(mini_jft, N)
    clean = tmp / 'clean.jsonl'
    clean.write_text(''.join(lines[:5]) + '\n' + ''.join(lines[5:]))
    dirty = write_dirty_jsonl(tmp, lines)
    files = dict(classes_file=mini_jft['classes_file'], hierarchy_file=mini_jft['hierarchy_file'])
    return dict(tmp=tmp, clean=str(clean), dirty=str(dirty), mini=mini_jft,
                raw=compile_jsonl_index(str(clean), out_dir=str(tmp / 'raw'), chunk_lines=64, **files),
                expanded=compile_jsonl_index(str(clean), out_dir=str(tmp / 'exp'), labels='expanded', **files),
                dirty_idx=compile_jsonl_index(str(dirty), out_dir=str(tmp / 'dirty'), **files))


def jft(world, ann, **kw):
    m = world['mini']
    return JFTDataset(ann_file=ann, classes_file=m['classes_file'], hierarchy_file=m['hierarchy_file'],
                      data_root=m['data_root'], **kw)


def compiled(world, index='raw', **kw):
    return JFTCompiledDataset(index_file=world[index]['index_file'], data_root=world['mini']['data_root'], **kw)


def infos(ds):
    """[(img_path, labels)] of a dataset, in its order."""
    return [(d['img_path'], d['gt_label'].tolist()) for d in (ds.get_data_info(i) for i in range(len(ds)))]


@pytest.mark.parametrize('kw', [
    dict(), dict(expand_hierarchy=False), dict(min_confidence=0.7), dict(subset_size=90, subset_seed=7),
    dict(subset_size=0.3, subset_seed=7), dict(classes_subset='leaf_classes.txt'),
    dict(classes_subset='leaf10', min_confidence=0.7, subset_size=40, subset_seed=2),
    dict(classes_subset='leaf10', expand_hierarchy=False)])
def test_same_samples_and_labels_as_jftdataset(world, kw):
    if kw.get('classes_subset') == 'leaf10':
        kw = dict(kw, classes_subset=open(world['mini']['leaf_classes_file']).read().split()[:10])
    ref = jft(world, world['clean'], **kw)
    ds = compiled(world, **kw)
    assert infos(ds) == infos(ref) and len(ds) > 0
    if isinstance(kw.get('subset_size'), int):
        assert len(ds) == kw['subset_size']
    assert ds.metainfo['classes'] == ref.metainfo['classes']
    if kw.get('expand_hierarchy', True) and 'min_confidence' not in kw:  # expanded at compilation: the same again
        assert infos(compiled(world, 'expanded', **kw)) == infos(ref)


def test_selection_is_cached_mapped_and_nested(world):
    ds = compiled(world, subset_size=90, subset_seed=7)
    cache = osp.join(osp.dirname(world['raw']['index_file']), 'cache')
    files = sorted(os.listdir(cache))
    again = compiled(world, subset_size=90, subset_seed=7)  # a second rank maps the cached selection
    assert sorted(os.listdir(cache)) == files and infos(again) == infos(ds)
    again.get_data_info(0)
    assert isinstance(again._selection, np.memmap) and again._selection.dtype == np.uint32
    smaller = {p for p, _ in infos(compiled(world, subset_size=30, subset_seed=7))}
    assert len(smaller) == 30 and smaller <= {p for p, _ in infos(ds)}
    state = pickle.loads(pickle.dumps(again))  # spawned workers get no copy of the arrays: they map them again
    assert state._arrays is None and state._selection is None and infos(state) == infos(ds)


def test_tie_at_the_cut_of_a_count_broken_by_path_like_jftdataset(world, monkeypatch, tmp_path):
    keys = {'z.jpg': 3 << 50, 'b.jpg': 3 << 50, 'a.jpg': 3 << 50, 'c.jpg': 1, 'd.jpg': 9 << 60, 'e.jpg': 5 << 40}
    ann = tmp_path / 't.jsonl'
    ann.write_text(''.join(json.dumps(dict(img_path=p, labels=[0])) + '\n' for p in keys))
    m = world['mini']
    index = compile_jsonl_index(str(ann), m['classes_file'], str(tmp_path / 'idx'), m['hierarchy_file'])

    class FakeHash:  # subset keys chosen per path
        def __init__(self, data, digest_size):
            self.key = keys[data.split(b'\x00', 1)[1].decode()]

        def digest(self):
            return self.key.to_bytes(8, 'little')

    monkeypatch.setattr(subset.hashlib, 'blake2b', FakeHash)
    ref = JFTDataset(ann_file=str(ann), classes_file=m['classes_file'], hierarchy_file=m['hierarchy_file'],
                     subset_size=4)
    ds = JFTCompiledDataset(index_file=index['index_file'], subset_size=4)
    assert [d[0] for d in infos(ds)] == [d[0] for d in infos(ref)] == ['b.jpg', 'a.jpg', 'c.jpg', 'e.jpg']


def test_bad_image_skipped_counted_and_replaced_deterministically(world):
    pipeline = [LoadImageFromFile()]
    ds = compiled(world, 'dirty_idx', pipeline=pipeline)
    assert len(ds) == 22
    out = [ds[(i, 0)] for i in range(len(ds))]
    reported = [(i, d['bad_images']) for i, d in enumerate(out) if d['bad_images']]
    assert [i for i, _ in reported] == [10, 21]  # the corrupt line 11 and the missing line 22 were replaced
    assert 'corrupt.jpg' in reported[0][1] and 'missing.jpg' in reported[1][1]
    assert all(d['img'].shape[:2] == (64, 64) and 'corrupt' not in d['img_path'] for d in out)
    assert ds[(10, 0)]['img_path'] == out[10]['img_path']  # the replacement follows from the sample's seed
    with pytest.raises(RuntimeError, match='corrupt.jpg'):
        compiled(world, 'dirty_idx', pipeline=pipeline, test_mode=True)[10]


def test_a_replacement_drawing_the_bad_sample_itself_draws_again(world, tmp_path):
    """Two samples, the first missing, with a seed whose first replacement draw is that missing sample again: the
    next draw of the same generator gives the good one (a fresh draw from the same seed would repeat forever)."""
    import random
    good = mini_jft_lines(world['mini'], 1)[0]
    ann = tmp_path / 'two.jsonl'
    ann.write_text(json.dumps(dict(img_path='missing.jpg', labels=[0])) + '\n' + good)
    index = compile_jsonl_index(str(ann), out_dir=str(tmp_path / 'idx'), classes_file=world['mini']['classes_file'],
                                hierarchy_file=world['mini']['hierarchy_file'])
    def draws(s):
        gen = random.Random(sample_seed(s, 0, 'missing.jpg'))
        return [gen.randrange(2) for _ in range(2)]

    seed = next(s for s in range(100) if draws(s) == [0, 1])  # first the missing sample again, then the good one
    ds = JFTCompiledDataset(index_file=index['index_file'], data_root=world['mini']['data_root'], seed=seed,
                            pipeline=[LoadImageFromFile()], max_consecutive_bad=5)
    out = ds[(0, 0)]
    assert out['img_path'].endswith(json.loads(good)['img_path']) and 'missing.jpg' in out['bad_images']


def test_augmentation_seeded_per_sample_and_epoch(world):
    pipeline = [LoadImageFromFile(), Resize(scale=(80, 80)), RandomFlip(prob=0.5, direction='horizontal')]
    ds = compiled(world, pipeline=pipeline, seed=5)
    np.random.seed(0)
    a = [ds[(i, 3)] for i in range(12)]
    np.random.seed(1)  # the global state does not matter
    b = [ds[(i, 3)] for i in reversed(range(12))][::-1]
    assert [x['flip'] for x in a] == [x['flip'] for x in b] and len({x['flip'] for x in a}) == 2
    assert a[4]['sample_seed'] == sample_seed(5, 3, 'train/' + osp.basename(a[4]['img_path']))
    assert [x['flip'] for x in a] != [ds[(i, 4)]['flip'] for i in range(12)]
    assert ds[2]['sample_seed'] == ds[(2, 0)]['sample_seed']


def _identity(x):
    return x


def test_loader_workers_map_the_index_and_give_the_in_process_samples(world):
    pipeline = [LoadImageFromFile(), RandomFlip(prob=0.5, direction='horizontal')]
    compiled(world, subset_size=40, subset_seed=1)  # computes and caches the selection
    ds = compiled(world, pipeline=pipeline, subset_size=40, subset_seed=1)
    assert ds._arrays is None  # a cached selection needs no array: nothing is mapped before the workers fork
    sampler = JFTIndexSampler(ds, seed=3, rank=0, world_size=1)
    sampler.set_epoch(2)
    loader = DataLoader(ds, sampler=sampler, batch_size=None, num_workers=2, collate_fn=_identity)
    got = [(d['img_path'], d['flip'], d['gt_label'].tolist()) for d in loader]
    ref = [(d['img_path'], d['flip'], d['gt_label'].tolist()) for d in (ds[item] for item in iter(sampler))]
    assert got == ref and len({p for p, _, _ in got}) == 40


def test_resumable_loop_continues_with_the_same_batches_and_crops(world):
    """mmjft's ResumableIterBasedTrainLoop position (epoch, batches done) through set_epoch + set_start: a resumed
    iterator yields the uninterrupted one's next batches, crops and flips included, in epoch 0 and in epoch 1."""
    import torch
    from mmengine.dataset import pseudo_collate

    from mmjft.engine.loops import _PositionedIterator
    from mmpretrain.datasets.transforms import PackInputs, RandomCrop
    pipeline = [LoadImageFromFile(), RandomCrop(crop_size=16), RandomFlip(prob=0.5, direction='horizontal'),
                PackInputs()]

    def loader():
        ds = compiled(world, pipeline=pipeline, subset_size=40, subset_seed=1)
        return DataLoader(ds, batch_size=4, sampler=JFTIndexSampler(ds, seed=2, rank=0, world_size=1),
                          collate_fn=pseudo_collate)

    def draw(it, n):
        return [(lambda b: ([d.img_path for d in b['data_samples']], torch.stack(b['inputs'])))(next(it))
                for _ in range(n)]

    reference, states, batches = _PositionedIterator(loader()), {}, []
    for n in range(16):  # 10 batches per epoch
        batches += draw(reference, 1)
        if n + 1 in (3, 13):
            states[n + 1] = json.loads(json.dumps(reference.state()))  # as stored in a checkpoint
    assert len({p for paths, _ in batches[:10] for p in paths}) == 40 and states[13]['epoch'] == 1
    for done, state in states.items():
        resumed = _PositionedIterator(loader())
        resumed.seek(state)
        for (paths, inputs), (ref_paths, ref_inputs) in zip(draw(resumed, 16 - done), batches[done:]):
            assert paths == ref_paths and torch.equal(inputs, ref_inputs)


def test_runner_trains_with_the_compiled_config(world, tmp_path):
    runner = build_runner(CONFIG, world['mini']['data_root'], tmp_path, {
        'train_dataloader.dataset.index_file': world['raw']['index_file'], 'train_dataloader.batch_size': 8,
        'train_dataloader.num_workers': 0,
        'train_cfg.max_iters': 24, 'default_hooks.checkpoint.interval': 10_000,
        'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None})
    runner.train()
    assert runner.iter == 3
    assert isinstance(runner.train_dataloader.sampler, JFTIndexSampler)
    assert isinstance(runner.train_dataloader.dataset, JFTCompiledDataset) and len(runner.train_dataloader) == 38
