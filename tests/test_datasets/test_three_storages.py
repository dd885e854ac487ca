"""The three storages of the pretraining data give the same samples and labels from the same JSONL lines:
JFTDataset over the JSONL, JFTCompiledDataset over a compiled index and JFTShardDataset over tar shards, both
converted with raw and with expanded labels (one label rule: mmjft/datasets/label_space.py, one set of options:
mmjft/datasets/options.py). What only JFTDataset supports (``exclude_ids_file``, ``"negatives"``) the other two
refuse with an error naming it. The options are checked alike in the three, against the data where its size is
known: out-of-range values, a subset count above the data, empty inputs and no image left are errors naming the
file, a small subset a WARNING."""
import json
import logging
import os.path as osp
import re
import shutil
from dataclasses import fields

import pytest
from mmengine.logging import MMLogger

from conftest import mini_jft_lines
from mmjft.datasets import (JFTCompiledDataset, JFTDataset, JFTShardDataset, compile_jsonl_index,
                            convert_jsonl_to_shards)
from mmjft.datasets.options import DataOptions, JFTDataOptions

MIN_CONFIDENCE = 0.5  # the expanded storages are converted once per min_confidence the cases use
STORAGES = ['compiled-raw', 'compiled-expanded', 'shards-raw', 'shards-expanded']


def edge_lines(mini, tmp):
    """Lines the mini-JFT file lacks, with images of their own (absolute paths): every label under
    MIN_CONFIDENCE, a label repeated and given with its parent, an internal class alone, and no labels."""
    hierarchy = json.load(open(mini['hierarchy_file']))
    child = sorted(hierarchy)[0]
    parent = hierarchy[child][0]
    records = [dict(labels=[child, parent], confidences=[0.2, 0.4]),
               dict(labels=[child, child, parent], confidences=[0.9, 0.3, 0.6]),
               dict(labels=[parent]), dict(labels=[], confidences=[])]
    lines = []
    for i, rec in enumerate(records):
        path = str(tmp / f'edge{i}.jpg')
        shutil.copyfile(osp.join(mini['data_root'], 'train/000000.jpg'), path)
        lines.append(json.dumps(dict(rec, img_path=path)) + '\n')
    return lines


@pytest.fixture(scope='module')
def world(mini_jft, tmp_path_factory):
    """60 mini-JFT lines (names and ids, raw confidences, missing confidences, empty label lists) and edge lines,
    as a JSONL, compiled indexes and shards (raw, and expanded for min_confidence 0 and MIN_CONFIDENCE)."""
    tmp = tmp_path_factory.mktemp('three_storages')
    ann = tmp / 'ann.jsonl'
    ann.write_text(''.join(mini_jft_lines(mini_jft, 60) + edge_lines(mini_jft, tmp)))
    files = dict(classes_file=mini_jft['classes_file'], hierarchy_file=mini_jft['hierarchy_file'])
    built = {}
    for name, labels, conf in [('raw', 'raw', 0.0), ('expanded', 'expanded', 0.0),
                               ('expanded-conf', 'expanded', MIN_CONFIDENCE)]:
        built[f'compiled-{name}'] = compile_jsonl_index(str(ann), out_dir=str(tmp / f'compiled-{name}'),
                                                        labels=labels, min_confidence=conf, **files)
        built[f'shards-{name}'] = convert_jsonl_to_shards(str(ann), out_dir=str(tmp / f'shards-{name}'),
                                                          labels=labels, min_confidence=conf, samples_per_shard=16,
                                                          img_root=mini_jft['data_root'], **files)
    leaves = open(mini_jft['leaf_classes_file']).read().split()
    internal = [c for c in open(mini_jft['classes_file']).read().split() if c not in leaves]
    return dict(tmp=tmp, ann=str(ann), files=files, root=mini_jft['data_root'], built=built,
                leaves_file=mini_jft['leaf_classes_file'], mixed=leaves[:8][::-1] + internal[:3])


def build(world, storage, **kw):
    """The dataset of ``storage`` ('jsonl' or one of STORAGES) with the options ``kw``, no pipeline."""
    if storage == 'jsonl':  # not serialised: mmengine's serialisation runs a gc.collect() (0.4 s in a test run)
        return JFTDataset(ann_file=world['ann'], data_root=world['root'], serialize_data=False, **world['files'], **kw)
    expanded_conf = storage.endswith('expanded') and kw.get('min_confidence', 0)
    index = world['built'][storage + ('-conf' if expanded_conf else '')]['index_file']
    if storage.startswith('compiled'):
        return JFTCompiledDataset(index_file=index, data_root=world['root'], **kw)
    return JFTShardDataset(index_file=index, data_root=world['root'], rank=0, world_size=1, **kw)


def samples(ds, root: str) -> dict:
    """{img_path under ``root``: labels} of a dataset (a shard dataset streams, in another order: a dict)."""
    if isinstance(ds, JFTShardDataset):  # paths as written in the JSONL
        return {osp.join(root, d['img_path']): d['gt_label'].tolist() for d in ds}
    return {d['img_path']: d['gt_label'].tolist() for d in (ds.get_data_info(i) for i in range(len(ds)))}


CASES = [
    dict(),
    dict(expand_hierarchy=False),
    dict(min_confidence=MIN_CONFIDENCE),
    dict(classes_subset='leaves'),
    dict(classes_subset='mixed'),
    dict(classes_subset='mixed', expand_hierarchy=False),
    dict(subset_size=25, subset_seed=3),
    dict(subset_size=0.4, subset_seed=1),
    dict(classes_subset='mixed', min_confidence=MIN_CONFIDENCE, subset_size=6, subset_seed=2),
]


@pytest.fixture(scope='module')
def reference(world):
    """JFTDataset's (samples, classes) per case, built once."""
    cache = {}

    def get(**kw):
        key = json.dumps(kw, sort_keys=True)
        if key not in cache:
            ds = build(world, 'jsonl', **kw)
            cache[key] = samples(ds, world['root']), ds.metainfo['classes']
            assert len(cache[key][0]) == len(ds) > 0
        return cache[key]

    return get


@pytest.mark.parametrize('storage', STORAGES)
@pytest.mark.parametrize('case', CASES, ids=lambda c: ','.join(f'{k}={v}' for k, v in c.items()) or 'defaults')
def test_same_samples_and_labels_in_every_storage(world, reference, case, storage):
    kw = dict(case)
    if 'classes_subset' in kw:
        kw['classes_subset'] = world['leaves_file'] if kw['classes_subset'] == 'leaves' else world['mixed']
    expected, classes = reference(**kw)
    if isinstance(kw.get('subset_size'), int):
        assert len(expected) == kw['subset_size']
    if storage.endswith('expanded') and not kw.get('expand_hierarchy', True):
        with pytest.raises(ValueError, match='expand_hierarchy=False'):  # expanded labels cannot be unexpanded
            build(world, storage, **kw)
        return
    ds = build(world, storage, **kw)
    assert samples(ds, world['root']) == expected
    assert ds.metainfo['classes'] == classes


def test_the_cases_cover_what_they_say(world):
    """Raw and missing confidences, empty label lists (kept unless a classes_subset drops them), labels dropped
    under min_confidence and images outside a classes_subset."""
    stats = build(world, 'jsonl', min_confidence=MIN_CONFIDENCE, classes_subset=world['mixed']).load_stats
    assert stats['dropped_low_confidence'] > 0 and stats['dropped_outside_classes_subset'] > 0
    lines = [json.loads(line) for line in open(world['ann'])]
    assert any('confidences' not in r for r in lines) and any('confidences' in r for r in lines)
    assert any(not r['labels'] for r in lines) and any(isinstance(x, int) for r in lines for x in r['labels'])
    assert build(world, 'jsonl', min_confidence=MIN_CONFIDENCE).load_stats['empty_label_images'] > \
        build(world, 'jsonl').load_stats['empty_label_images'] > 0


@pytest.mark.parametrize('storage', ['jsonl'] + STORAGES)
def test_shared_options_are_attributes_and_checked_in_one_place(world, storage):
    kw = dict(subset_size=10, subset_seed=4, classes_subset='leaf_classes.txt', min_confidence=0,
              max_bad_fraction=0.01, bad_check_after=7, max_consecutive_bad=3)
    ds = build(world, storage, **kw)
    assert {k: getattr(ds, k) for k in kw} == dict(kw, classes_subset=world['leaves_file'])
    assert ds.expand_hierarchy is True and ds.exclude_ids_file is None and isinstance(ds.min_confidence, float)
    assert ds._bad.max_consecutive == 3
    with pytest.raises(ValueError, match=r'max_bad_fraction must lie in \[0, 1\], got 1.5'):
        build(world, storage, max_bad_fraction=1.5)
    with pytest.raises(TypeError, match='subset_sise'):
        build(world, storage, subset_sise=10)


def test_options_list_is_the_one_the_datasets_document():
    assert [f.name for f in fields(DataOptions)] == [
        'expand_hierarchy', 'subset_size', 'subset_seed', 'classes_subset', 'min_confidence', 'max_bad_fraction',
        'bad_check_after', 'max_consecutive_bad', 'exclude_ids_file']


@pytest.mark.parametrize('storage', STORAGES)
def test_exclude_ids_file_is_jftdataset_only(world, storage, tmp_path):
    drop = tmp_path / 'drop.txt'
    drop.write_text(json.loads(open(world['ann']).readline())['img_path'] + '\n')
    assert build(world, 'jsonl', exclude_ids_file=str(drop)).load_stats['excluded'] == 1
    with pytest.raises(ValueError, match=rf'exclude_ids_file {drop} is not supported .*use JFTDataset on ann.jsonl'):
        build(world, storage, exclude_ids_file=str(drop))


@pytest.fixture(scope='module')
def partial(world, mini_jft):
    """The JSONL with two partially annotated lines ("negatives"), compiled and converted to shards."""
    lines = open(world['ann']).read().splitlines(keepends=True)
    for i in (1, 4):
        rec = json.loads(lines[i])
        rec['negatives'] = [c for c in json.load(open(mini_jft['hierarchy_file'])) if c not in rec['labels']][:2]
        lines[i] = json.dumps(rec) + '\n'
    ann = world['tmp'] / 'partial.jsonl'
    ann.write_text(''.join(lines))
    out = world['tmp'] / 'partial'
    return dict(ann=str(ann), **{
        'compiled-raw': compile_jsonl_index(str(ann), out_dir=str(out / 'compiled'), **world['files']),
        'shards-raw': convert_jsonl_to_shards(str(ann), out_dir=str(out / 'shards'), samples_per_shard=16,
                                              img_root=world['root'], **world['files'])})


@pytest.mark.parametrize('storage', ['compiled-raw', 'shards-raw'])
def test_negatives_are_counted_at_conversion_and_refused_at_evaluation(world, partial, storage):
    ref = JFTDataset(ann_file=partial['ann'], data_root=world['root'], **world['files'], test_mode=True,
                     pipeline=[dict(type='PackInputs', algorithm_keys=('gt_negative', ))], serialize_data=False)
    assert ref.load_stats['partially_annotated_images'] == 2
    converted = partial[storage]
    counted = converted['stats'] if storage.startswith('compiled') else converted
    assert counted['partially_annotated_images'] == 2
    world = dict(world, built={storage: converted})
    with pytest.raises(ValueError, match=r'2 images of partial.jsonl carry "negatives".*evaluate them with JFTDataset'):
        build(world, storage, test_mode=True)
    # in training the negatives are ignored, as JFTDataset's training does
    assert samples(build(world, storage), world['root']) == samples(ref, world['root'])


# ---------------------------------------------------------------------- the options checked against the data
ALL = ['jsonl'] + STORAGES
NUM_LINES = 64  # the world's JSONL: 60 mini-JFT lines and 4 edge lines


def source(world, storage) -> str:
    """The file a dataset of ``storage`` names in its messages."""
    return world['ann'] if storage == 'jsonl' else world['built'][storage]['index_file']


@pytest.fixture
def warnings_logged():
    """The WARNING records print_log sends to mmengine's current logger meanwhile."""
    logger, records = MMLogger.get_current_instance(), []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append
    logger.addHandler(handler)
    yield records
    logger.removeHandler(handler)


@pytest.mark.parametrize('storage', ALL)
@pytest.mark.parametrize('bad, message', [
    (dict(min_confidence=2.0), r'min_confidence must lie in \[0, 1\] \(a label confidence\), got 2.0'),
    (dict(min_confidence=-0.5), r'min_confidence must lie in \[0, 1\]'),
    (dict(subset_size=1.5), r'subset_size 1.5 is neither a fraction in \(0, 1\] nor an integral image count'),
    (dict(subset_size=0.0), r'subset_size must be positive .*got 0.0'),
    (dict(classes_subset=[]), 'classes_subset is an empty list: name at least one class')])
def test_options_out_of_range_are_errors_before_the_data_is_read(world, storage, bad, message):
    gone = dict(world, ann='missing.jsonl', built={k: dict(index_file='missing/index.json') for k in world['built']})
    with pytest.raises(ValueError, match=message):  # not the missing file: the options come first
        build(gone, storage, **bad)


@pytest.mark.parametrize('storage', ALL)
def test_subset_count_above_the_data_is_an_error(world, reference, storage):
    with pytest.raises(ValueError, match=rf'{re.escape(source(world, storage))}: subset_size=65 asks for 65 images, '
                                         rf'there are {NUM_LINES}: give a count up to {NUM_LINES}, or a fraction'):
        build(world, storage, subset_size=NUM_LINES + 1)
    left = len(reference(classes_subset=world['mixed'])[0])  # fewer images carry the subset's classes
    with pytest.raises(ValueError, match=rf'subset_size={left + 1} asks for {left + 1} images, there are {left} left '
                                         r'after classes_subset \(the list: 11 classes\)'):
        build(world, storage, classes_subset=world['mixed'], subset_size=left + 1)
    assert len(samples(build(world, storage, subset_size=NUM_LINES), world['root'])) == NUM_LINES  # all: no error


@pytest.mark.parametrize('storage', ALL)
def test_one_image_is_a_warning_and_one_point_zero_all(world, storage, warnings_logged):
    assert len(samples(build(world, storage, subset_size=1), world['root'])) == 1
    assert [r.getMessage() for r in warnings_logged] == [
        f'{source(world, storage)}: subset_size=1 keeps 1 of {NUM_LINES} images (1.6%): a subset under 1% of the '
        'data or under 100 images; check that this is the size you meant (subset_size=1 is one image; 1.0 is all '
        'of them)']
    warnings_logged.clear()
    assert len(samples(build(world, storage, subset_size=1.0), world['root'])) == NUM_LINES
    assert not warnings_logged


def test_a_subset_under_one_percent_is_a_warning(warnings_logged):
    options = JFTDataOptions()
    options.subset_size = 0.005
    options._warn_small_subset('train.jsonl', 1_000_000)
    options.subset_size = 5000
    options._warn_small_subset('train.jsonl', 1_000_000)
    options._warn_small_subset('train.jsonl', 500_000)  # 1%: no warning
    assert [r.getMessage().split(': a subset')[0] for r in warnings_logged] == [
        'train.jsonl: subset_size=0.005 keeps about 5000 of 1000000 images (0.5%)',
        'train.jsonl: subset_size=5000 keeps 5000 of 1000000 images (0.5%)']
    assert all(r.levelno == logging.WARNING for r in warnings_logged)


@pytest.mark.parametrize('storage', ALL)
def test_empty_inputs_are_errors_naming_the_file(world, storage, tmp_path):
    empty_subset = tmp_path / 'no_classes.txt'
    empty_subset.write_text('\n')
    with pytest.raises(ValueError, match=rf'{re.escape(str(empty_subset))}: holds no class name \(the file is empty\)'):
        build(world, storage, classes_subset=str(empty_subset))
    if storage == 'jsonl':
        empty = tmp_path / 'empty.jsonl'
        empty.write_text('\n')
        world = dict(world, ann=str(empty))
    else:  # an index of no sample (the converters refuse to write one)
        index = json.load(open(source(world, storage)))
        index.update(num_samples=0, shards=[])
        empty = osp.join(osp.dirname(source(world, storage)), 'empty-index.json')
        with open(empty, 'w') as f:
            json.dump(index, f)
        world = dict(world, built={storage: dict(index_file=empty)})
    with pytest.raises(ValueError, match=rf'{re.escape(str(empty))}: holds no image \(it is empty\)'):
        build(world, storage)


@pytest.mark.parametrize('storage', ['jsonl', 'compiled-raw', 'compiled-expanded', 'shards-raw'])
def test_no_image_left_by_the_rules_is_an_error(world, storage):
    ref = build(world, 'jsonl')
    carried = {c for d in (ref.get_data_info(i) for i in range(len(ref))) for c in d['gt_label'].tolist()}
    unused = [c for i, c in enumerate(ref.metainfo['classes']) if i not in carried]
    assert unused
    # the shards find it at their count pass: a subset_size count
    kw = dict(subset_size=1) if storage.startswith('shards') else {}
    with pytest.raises(ValueError, match=rf'{re.escape(source(world, storage))}: no image is left of its {NUM_LINES} '
                                         r'after classes_subset \(the list: 1 class\): check these options'):
        build(world, storage, classes_subset=unused[:1], **kw)
