import json

import numpy as np
import pytest
from PIL import Image

from mmjft.datasets import BAD_IMAGES_KEY, BadImageError, JFTDataset

CLASSES = ['food', 'fruit', 'apple', 'banana', 'red_thing', 'vehicle', 'car']
HIERARCHY = {'fruit': ['food'], 'apple': ['fruit', 'red_thing'], 'banana': ['fruit'], 'car': ['vehicle']}


def write_world(root, lines, n_images=None, hierarchy=HIERARCHY):
    (root / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
    (root / 'hierarchy.json').write_text(json.dumps(hierarchy))
    (root / 'imgs').mkdir(exist_ok=True)
    text = []
    for i, rec in enumerate(lines):
        if isinstance(rec, str):  # a raw (possibly malformed) line
            text.append(rec)
            continue
        rec = dict(rec)
        rec.setdefault('img_path', f'imgs/{i}.jpg')
        Image.new('RGB', (8, 8), (i % 255, 0, 0)).save(root / rec['img_path'])
        text.append(json.dumps(rec))
    (root / 'ann.jsonl').write_text('\n'.join(text) + '\n')
    return dict(data_root=str(root), ann_file='ann.jsonl', classes_file='classes.txt',
                hierarchy_file='hierarchy.json')


def labels_of(ds):
    return [sorted(ds.metainfo['classes'][j] for j in ds.get_data_info(i)['gt_label']) for i in range(len(ds))]


def test_names_ids_confidence_expansion(tmp_path):
    cfg = write_world(tmp_path, [
        dict(labels=['apple'], confidences=[0.9]),
        dict(labels=[6, 'banana'], confidences=[0.2, 0.8]),  # int = line of the classes file: car
        dict(labels=['banana']),  # no confidences: 1.0
        dict(labels=[]),  # all negatives
    ])
    ds = JFTDataset(**cfg, min_confidence=0.5)
    assert ds.metainfo['classes'] == tuple(CLASSES)
    assert labels_of(ds) == [['apple', 'food', 'fruit', 'red_thing'], ['banana', 'food', 'fruit'],
                             ['banana', 'food', 'fruit'], []]
    assert ds.load_stats['dropped_low_confidence'] == 1
    assert ds.load_stats['empty_label_images'] == 1
    assert ds.get_data_info(0)['img_path'] == str(tmp_path / 'imgs/0.jpg')
    np.testing.assert_array_equal(ds.class_counts(), [3, 3, 1, 2, 1, 0, 0])
    # without expansion (and without a confidence threshold) the raw labels stay
    raw = JFTDataset(**cfg, expand_hierarchy=False)
    assert labels_of(raw) == [['apple'], ['banana', 'car'], ['banana'], []]


def test_classes_subset_remaps_and_drops_images(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple']), dict(labels=['car']), dict(labels=['banana'])])
    (tmp_path / 'subset.txt').write_text('red_thing\nvehicle\n')
    ds = JFTDataset(**cfg, classes_subset='subset.txt')
    assert ds.metainfo['classes'] == ('red_thing', 'vehicle')
    # expansion happens before the restriction: 'apple' brings 'red_thing', 'car' brings 'vehicle'
    assert [list(ds.get_data_info(i)['gt_label']) for i in range(len(ds))] == [[0], [1]]
    assert ds.load_stats['dropped_outside_classes_subset'] == 1
    with pytest.raises(ValueError, match="'plane'"):
        JFTDataset(**cfg, classes_subset=['vehicle', 'plane'])


def test_subset_is_nested_and_applied_last(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple' if i % 2 else 'car']) for i in range(60)])
    paths = {n: {ds.get_data_info(i)['img_path'] for i in range(len(ds))}
             for n in (10, 30) for ds in [JFTDataset(**cfg, subset_size=n, subset_seed=5)]}
    assert len(paths[10]) == 10 and len(paths[30]) == 30 and paths[10] <= paths[30]
    sub = JFTDataset(**cfg, classes_subset=['vehicle'], subset_size=10)
    assert len(sub) == 10  # 10 of the 30 'car' images that the class restriction kept


@pytest.mark.parametrize('line, message', [
    ('{"img_path": "a.jpg", "labels": ["apple"', r'ann\.jsonl:2: malformed JSON'),
    ('{"img_path": "a.jpg", "labels": ["pear"]}', r"ann\.jsonl:2: unknown label 'pear'"),
    ('{"img_path": "a.jpg", "labels": [7]}', r'ann\.jsonl:2: label id 7 outside'),
    ('{"img_path": "a.jpg", "labels": ["apple"], "confidences": [1, 2]}', r'ann\.jsonl:2: "confidences"'),
    ('{"labels": ["apple"]}', r'ann\.jsonl:2: .*"img_path"'),
])
def test_bad_lines_name_file_and_line(tmp_path, line, message):
    cfg = write_world(tmp_path, [dict(labels=['apple']), line])
    with pytest.raises(ValueError, match=message):
        JFTDataset(**cfg)


def test_hierarchy_cycle_is_named(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple'])], hierarchy={'fruit': ['apple'], 'apple': ['fruit']})
    with pytest.raises(ValueError, match='cycle.*(apple -> fruit -> apple|fruit -> apple -> fruit)'):
        JFTDataset(**cfg)


PIPELINE = [dict(type='LoadImageFromFile'), dict(type='PackInputs')]


def test_missing_and_corrupt_images_are_skipped_and_handed_on(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple']) for _ in range(20)])
    (tmp_path / 'imgs/3.jpg').unlink()  # missing
    (tmp_path / 'imgs/7.jpg').write_bytes(b'not a jpeg')  # corrupt
    good = (tmp_path / 'imgs/5.jpg').read_bytes()
    (tmp_path / 'imgs/9.jpg').write_bytes(good[:len(good) // 2])  # truncated
    ds = JFTDataset(**cfg, pipeline=PIPELINE)
    out = [ds[i] for i in range(len(ds))]
    assert all(o['inputs'].shape == (3, 8, 8) for o in out)  # a good image took each bad one's place
    # each failed path travels in the next good sample (a random replacement may hit a bad file again)
    failed = [p for o in out for p in o[BAD_IMAGES_KEY].split('\n') if p]
    assert set(failed) == {str(tmp_path / f'imgs/{i}.jpg') for i in (3, 7, 9)}
    assert out[3][BAD_IMAGES_KEY].startswith(str(tmp_path / 'imgs/3.jpg'))
    # a worker whose every read fails stops by itself, naming the files
    for i in range(20):
        (tmp_path / f'imgs/{i}.jpg').unlink(missing_ok=True)
    gone = JFTDataset(**cfg, pipeline=PIPELINE, max_consecutive_bad=5)
    with pytest.raises(BadImageError, match=r'5 images in a row .*imgs/\d+\.jpg'):
        gone[0]


class BuggyTransform:
    """A transform after loading whose bug raises what a decoder would raise."""

    def __call__(self, results):
        raise ValueError('bug in a transform')


def test_a_bug_after_loading_surfaces_and_is_not_counted_as_a_bad_image(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple']) for _ in range(3)])
    ds = JFTDataset(**cfg, pipeline=[dict(type='LoadImageFromFile'), BuggyTransform(),
                                     dict(type='PackInputs')])
    with pytest.raises(ValueError, match='bug in a transform'):
        ds[0]
    assert ds._bad.pending == []


def test_evaluation_image_that_does_not_load_is_an_error(tmp_path):
    cfg = write_world(tmp_path, [dict(labels=['apple']) for _ in range(5)])
    (tmp_path / 'imgs/3.jpg').unlink()
    # evaluation never replaces an image: it fails with the path
    test_ds = JFTDataset(**cfg, pipeline=PIPELINE, test_mode=True)
    with pytest.raises(RuntimeError, match=r'imgs/3\.jpg'):
        test_ds[3]


def test_samples_carry_a_seed_from_pythons_generator_for_device_augmentation(tmp_path):
    """Each sample's ``sample_seed`` (read by the GPU-decode preprocessor) comes from Python's ``random``, which
    mmengine seeds per worker: the same sequence again after reseeding, another per draw; numpy's generator, which
    the CPU transforms use, is left alone."""
    import random
    cfg = write_world(tmp_path, [dict(labels=['apple']) for _ in range(4)])
    ds = JFTDataset(**cfg, pipeline=[dict(type='PackInputs', meta_keys=('img_path', 'sample_seed'))])

    def seeds():
        random.seed(3)
        np.random.seed(3)
        out = [ds[i]['data_samples'].sample_seed for i in (0, 1, 0)]
        return out, np.random.rand()

    first, second = seeds(), seeds()
    assert first == second
    assert len(set(first[0])) == 3 and all(0 <= s < 2 ** 64 for s in first[0])
    np.random.seed(3)
    assert first[1] == np.random.rand()
