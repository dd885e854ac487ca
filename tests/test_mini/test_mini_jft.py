"""Tests of the mini-JFT generator (mmjft/mini/jft.py).

The checks read the written files back with their own parsers (not the generator's helpers), so a broken
format, hierarchy, noise model or rendering fails here rather than in a later training run.
"""
import json
import os
import os.path as osp
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import tree_digest
from mmjft.mini import build_hierarchy, make_mini_jft, render_scene

REPO = osp.abspath(osp.join(osp.dirname(__file__), '..', '..'))
NUM_TRAIN, NUM_VAL, SEED, NOISE = 1000, 300, 0, 0.2


# ------------------------------------------------------------------------------------------ helpers
def read_jsonl(path):
    with open(path, encoding='utf-8') as f:
        lines = f.read().splitlines()
    return [json.loads(line) for line in lines]


def read_classes(root):
    with open(osp.join(root, 'classes.txt'), encoding='utf-8') as f:
        return f.read().splitlines()


def read_hierarchy(root):
    with open(osp.join(root, 'hierarchy.json'), encoding='utf-8') as f:
        return json.load(f)


def ancestors(hierarchy, name):
    seen, stack = set(), list(hierarchy.get(name, ()))
    while stack:
        p = stack.pop()
        if p not in seen:
            seen.add(p)
            stack.extend(hierarchy.get(p, ()))
    return seen


def leaves_of(classes, hierarchy):
    parents = {p for ps in hierarchy.values() for p in ps}
    return [c for c in classes if c not in parents]


def to_names(labels, classes):
    return [classes[lb] if isinstance(lb, int) else lb for lb in labels]




def average_precision(scores, positives):
    order = np.argsort(-scores, kind='stable')
    pos = positives[order].astype(np.float64)
    hits = np.cumsum(pos)
    prec = hits / np.arange(1, len(pos) + 1)
    return float((prec * pos).sum() / pos.sum())


@pytest.fixture(scope='module')
def mini(tmp_path_factory):
    root = str(tmp_path_factory.mktemp('mini_jft'))
    res = make_mini_jft(root, num_train=NUM_TRAIN, num_val=NUM_VAL, img_size=64, seed=SEED, label_noise=NOISE)
    return root, res


# ------------------------------------------------------------------------------------------ API / format
def test_returned_paths_and_counts(mini):
    root, res = mini
    assert res['data_root'] == osp.abspath(root)
    for key, name in (('classes_file', 'classes.txt'), ('hierarchy_file', 'hierarchy.json'),
                      ('train_ann', 'train.jsonl'), ('val_ann', 'val.jsonl'),
                      ('train_clean_ann', 'train_clean.jsonl'), ('val_clean_ann', 'val_clean.jsonl'),
                      ('meta_file', 'meta.json')):
        assert res[key] == osp.join(res['data_root'], name)
        assert osp.isfile(res[key])
    classes = read_classes(root)
    assert res['num_classes'] == len(classes)
    assert 40 <= len(classes) <= 80
    assert res['num_leaf_classes'] == len(leaves_of(classes, read_hierarchy(root)))
    # the class list of the classes ablation: exactly the hierarchy's leaves
    leaf_list = open(res['leaf_classes_file'], encoding='utf-8').read().split()
    assert sorted(leaf_list) == sorted(leaves_of(classes, read_hierarchy(root))) and len(leaf_list) == len(set(leaf_list))
    assert res['num_train'] == len(read_jsonl(res['train_ann'])) == NUM_TRAIN
    assert res['num_val'] == len(read_jsonl(res['val_ann'])) == NUM_VAL
    assert res['num_train_labels'] == sum(len(x['labels']) for x in read_jsonl(res['train_ann']))
    assert res['num_val_labels'] == sum(len(x['labels']) for x in read_jsonl(res['val_ann']))
    assert res['num_train_empty'] == sum(not x['labels'] for x in read_jsonl(res['train_ann']))
    clean = read_jsonl(res['train_clean_ann'])
    for leaf, n in res['leaf_counts_train'].items():
        assert n == sum(leaf in x['labels'] for x in clean)
    meta = json.load(open(res['meta_file']))
    assert meta['params']['seed'] == SEED and meta['params']['num_train'] == NUM_TRAIN
    assert abs(sum(lf['prior'] for lf in meta['leaves']) - 1) < 1e-4


def test_classes_and_hierarchy(mini):
    root, _ = mini
    classes = read_classes(root)
    hierarchy = read_hierarchy(root)
    assert len(set(classes)) == len(classes) and all(c and c.strip() == c for c in classes)
    names = set(classes)
    for child, parents in hierarchy.items():
        assert child in names
        assert isinstance(parents, list) and parents and set(parents) <= names
        assert len(set(parents)) == len(parents) and child not in parents
    # acyclic (Kahn's algorithm over child -> parent edges)
    indeg = {c: 0 for c in classes}
    for parents in hierarchy.values():
        for p in parents:
            indeg[p] += 1
    queue = [c for c in classes if indeg[c] == 0]
    seen = 0
    while queue:
        c = queue.pop()
        seen += 1
        for p in hierarchy.get(c, ()):
            indeg[p] -= 1
            if indeg[p] == 0:
                queue.append(p)
    assert seen == len(classes), 'hierarchy has a cycle'
    # a DAG, not a tree; a few roots; 2-3 levels below them; internal nodes are classes
    assert sum(len(p) >= 2 for p in hierarchy.values()) >= 3
    roots = [c for c in classes if c not in hierarchy]
    assert 2 <= len(roots) <= 8

    def depth(c):
        return 0 if c not in hierarchy else 1 + max(depth(p) for p in hierarchy[c])

    assert max(depth(c) for c in classes) in (2, 3)
    leaves = leaves_of(classes, hierarchy)
    internal = [c for c in classes if c not in leaves]
    assert len(leaves) >= 30 and len(internal) >= 10
    # every internal node has a leaf below it (it is implied by some image)
    implied = set().union(*(ancestors(hierarchy, lf) for lf in leaves))
    assert implied == set(internal)


def test_annotation_format(mini):
    root, _ = mini
    classes = read_classes(root)
    n_int_lines = n_name_lines = n_no_conf = 0
    for split, n in (('train', NUM_TRAIN), ('val', NUM_VAL)):
        with open(osp.join(root, f'{split}.jsonl'), encoding='utf-8') as f:
            raw = f.read()
        assert raw.endswith('\n')
        lines = raw.splitlines()
        assert len(lines) == n
        paths = set()
        for line in lines:
            rec = json.loads(line)
            assert set(rec) <= {'img_path', 'labels', 'confidences'} and {'img_path', 'labels'} <= set(rec)
            assert rec['img_path'].startswith(f'{split}/') and rec['img_path'].endswith('.jpg')
            assert not osp.isabs(rec['img_path'])
            paths.add(rec['img_path'])
            assert osp.isfile(osp.join(root, rec['img_path']))
            labels = rec['labels']
            assert isinstance(labels, list)
            for lb in labels:
                if isinstance(lb, int):
                    assert not isinstance(lb, bool) and 0 <= lb < len(classes)
                else:
                    assert isinstance(lb, str) and lb in classes
            if labels and all(isinstance(lb, int) for lb in labels):
                n_int_lines += 1
            elif labels:
                assert all(isinstance(lb, str) for lb in labels), 'one line mixes names and ids'
                n_name_lines += 1
            names = to_names(labels, classes)
            assert len(set(names)) == len(names), 'duplicate label in a line'
            if 'confidences' in rec:
                assert split == 'train'
                conf = rec['confidences']
                assert len(conf) == len(labels)
                assert all(isinstance(c, float) and 0.3 <= c <= 1.0 for c in conf)
            else:
                n_no_conf += split == 'train'
        assert len(paths) == n
    assert n_int_lines > 0.03 * (NUM_TRAIN + NUM_VAL) and n_name_lines > 0.8 * (NUM_TRAIN + NUM_VAL)
    assert 0.05 * NUM_TRAIN < n_no_conf < 0.5 * NUM_TRAIN


def test_images_decode_as_jpeg_of_requested_size(mini):
    root, _ = mini
    for split in ('train', 'val'):
        recs = read_jsonl(osp.join(root, f'{split}.jsonl'))
        for rec in recs[:: 7]:
            with Image.open(osp.join(root, rec['img_path'])) as im:
                assert im.format == 'JPEG'
                assert im.size == (64, 64) and im.mode == 'RGB'
                im.load()


def test_small_image_size(tmp_path):
    res = make_mini_jft(str(tmp_path), num_train=5, num_val=3, img_size=32, seed=3)
    for rec in read_jsonl(res['train_ann']) + read_jsonl(res['val_ann']):
        with Image.open(osp.join(res['data_root'], rec['img_path'])) as im:
            assert im.format == 'JPEG' and im.size == (32, 32)


# ------------------------------------------------------------------------------------------ determinism
def test_deterministic_by_seed(tmp_path, mini):
    kw = dict(num_train=40, num_val=15, img_size=64)
    a = tree_digest(make_mini_jft(str(tmp_path / 'a'), seed=SEED, **kw)['data_root'])
    b = tree_digest(make_mini_jft(str(tmp_path / 'b'), seed=SEED, **kw)['data_root'])
    c = tree_digest(make_mini_jft(str(tmp_path / 'c'), seed=SEED + 1, **kw)['data_root'])
    assert a == b
    assert len(a) == 8 + 40 + 15
    for key in ('train.jsonl', 'val.jsonl', 'train_clean.jsonl', 'meta.json'):
        assert a[key] != c[key]
    jpgs = [k for k in a if k.endswith('.jpg')]
    assert sum(a[k] != c[k] for k in jpgs) == len(jpgs)
    assert a['classes.txt'] == c['classes.txt'] and a['hierarchy.json'] == c['hierarchy.json']
    # image i of a split does not depend on the split's size: the first 40 train images of the big fixture
    # (same seed) are the same images with the same lines
    big = tree_digest(mini[0])
    assert all(a[k] == big[k] for k in jpgs)
    big_lines = read_jsonl(osp.join(mini[0], 'train.jsonl'))[:40]
    assert read_jsonl(str(tmp_path / 'a' / 'train.jsonl')) == big_lines


def test_render_scene_is_deterministic_and_returns_boxes():
    objs = ['red_disc', 'blue_square', {'label': 'green_star', 'bbox': (2, 3, 30, 31)}]
    img1, out1 = render_scene(np.random.default_rng(5), 64, objs, return_masks=True)
    img2, out2 = render_scene(np.random.default_rng(5), 64, objs, return_masks=True)
    img3, _ = render_scene(np.random.default_rng(6), 64, objs)
    assert img1.size == (64, 64) and img1.mode == 'RGB'
    assert img1.tobytes() == img2.tobytes() and img1.tobytes() != img3.tobytes()
    assert [o['label'] for o in out1] == ['red_disc', 'blue_square', 'green_star']
    assert out1[2]['bbox'] == [2, 3, 30, 31]
    px = np.asarray(img1, dtype=np.float32)
    for o, o2 in zip(out1, out2):
        assert o['bbox'] == o2['bbox']
        x1, y1, x2, y2 = o['bbox']
        assert 0 <= x1 < x2 <= 64 and 0 <= y1 < y2 <= 64 and x2 - x1 >= 10
        m = o['mask']
        assert m.shape == (64, 64) and m.dtype == bool and m.sum() > 20
        ys, xs = np.nonzero(m)
        assert xs.min() >= x1 and xs.max() < x2 and ys.min() >= y1 and ys.max() < y2
    # the visible masks do not overlap, and the object colours are where the masks say
    assert not (out1[0]['mask'] & out1[1]['mask']).any() and not (out1[1]['mask'] & out1[2]['mask']).any()
    red, blue, green = (px[out1[i]['mask']].mean(0) for i in range(3))
    assert red[0] > red[1] + 80 and red[0] > red[2] + 80
    assert blue[2] > blue[0] + 80 and blue[2] > blue[1] + 80
    assert green[1] > green[0] + 80 and green[1] > green[2] + 80
    with pytest.raises(ValueError):
        render_scene(np.random.default_rng(0), 64, ['red_blob'])


def test_generator_draws_the_label_noise_of_the_converters_and_loads_no_downstream_library():
    """The mini world uses the label-noise model of mmjft.datasets.converters (never the other way round), and
    generating it loads none of mmdet, mmseg or mmpose."""
    code = ('import sys\n'
            'import mmjft.mini.jft as mini\n'
            'from mmjft.datasets.converters import label_noise\n'
            'assert mini.corrupt_labels is label_noise.corrupt_labels\n'
            'assert mini.zipf_weights is label_noise.zipf_weights\n'
            'heavy = [m for m in ("mmdet", "mmseg", "mmpose") if m in sys.modules]\n'
            'assert not heavy, heavy\n')
    subprocess.run([sys.executable, '-c', code], check=True, cwd=REPO, env=dict(os.environ, PYTHONPATH=REPO))


# ------------------------------------------------------------------------------------------ statistics
def test_long_tail(mini):
    root, res = mini
    counts = np.array(sorted(res['leaf_counts_train'].values()))
    assert counts.max() >= 20 * max(counts.min(), 1)
    assert counts.min() < 8  # some leaves have only a handful of images in 1000
    assert (counts < 10).sum() >= 3
    assert counts.max() > 0.15 * NUM_TRAIN
    # every leaf is possible; the ranking is a property of the seed (a different seed moves the head)
    meta = json.load(open(res['meta_file']))
    assert all(lf['prior'] > 0 for lf in meta['leaves'])


def _noise_stats(root):
    classes = read_classes(root)
    hierarchy = read_hierarchy(root)
    leaves = set(leaves_of(classes, hierarchy))
    noisy = read_jsonl(osp.join(root, 'train.jsonl'))
    clean = read_jsonl(osp.join(root, 'train_clean.jsonl'))
    st = dict(labels=0, wrong=0, coarse=0, empty=0, dropped=0, objects=0, conf_right=[], conf_wrong=[])
    for n, c in zip(noisy, clean):
        assert n['img_path'] == c['img_path']
        true = set(c['labels'])
        assert true and true <= leaves and len(c['objects']) == len(c['labels'])
        assert [o['label'] for o in c['objects']] == c['labels']
        implied = set(true).union(*(ancestors(hierarchy, t) for t in true))
        names = to_names(n['labels'], classes)
        st['labels'] += len(names)
        st['objects'] += len(true)
        st['empty'] += not names
        if names:  # a true leaf recorded neither as itself nor as one of its ancestors
            st['dropped'] += sum(t not in names and not ancestors(hierarchy, t) & set(names) for t in true)
        for i, x in enumerate(names):
            wrong = x not in implied
            st['wrong'] += wrong
            st['coarse'] += (x in implied and x not in leaves)
            if 'confidences' in n:
                st['conf_wrong' if wrong else 'conf_right'].append(n['confidences'][i])
    return st


def test_train_noise_rate_matches_label_noise(mini):
    root, res = mini
    st = _noise_stats(root)
    rate = st['wrong'] / st['labels']
    assert abs(rate - NOISE) < 0.05, rate
    assert abs(res['train_noise_rate'] - rate) < 1e-9
    assert st['coarse'] > 0.03 * st['labels']  # some labels recorded at an internal node
    assert 0.005 * NUM_TRAIN <= st['empty'] <= 0.08 * NUM_TRAIN
    assert st['dropped'] > 0.03 * st['objects']  # recall noise: present objects left unlabelled
    assert st['labels'] < st['objects']  # fewer labels than objects, JFT-like ~1.3-1.5 per image
    assert 1.1 < st['labels'] / NUM_TRAIN < 1.8
    assert np.mean(st['conf_wrong']) < np.mean(st['conf_right']) - 0.2
    assert min(st['conf_wrong'] + st['conf_right']) >= 0.3


@pytest.mark.parametrize('noise', [0.0, 0.45])
def test_noise_knob(tmp_path, noise):
    res = make_mini_jft(str(tmp_path), num_train=300, num_val=1, seed=1, label_noise=noise)
    st = _noise_stats(res['data_root'])
    rate = st['wrong'] / st['labels']
    assert abs(rate - noise) < 0.08
    assert (st['wrong'] == 0) == (noise == 0)


def test_val_is_clean_and_dense(mini):
    root, _ = mini
    classes = read_classes(root)
    leaves = set(leaves_of(classes, read_hierarchy(root)))
    val = read_jsonl(osp.join(root, 'val.jsonl'))
    clean = read_jsonl(osp.join(root, 'val_clean.jsonl'))
    for v, c in zip(val, clean):
        assert v['img_path'] == c['img_path']
        assert 'confidences' not in v
        names = to_names(v['labels'], classes)
        assert names == c['labels'] and 1 <= len(names) <= 3 and set(names) <= leaves
        assert [o['label'] for o in c['objects']] == names
    assert len({lb for v in val for lb in to_names(v['labels'], classes)}) > 0.5 * len(leaves)


def test_build_hierarchy_sizes():
    h = build_hierarchy(num_shapes=4, num_colours=2)
    assert len(h['leaves']) == 8
    assert [lf['name'] for lf in h['leaves']] == h['classes'][-8:]
    assert all(lf['name'] == f"{lf['colour']}_{lf['shape']}" for lf in h['leaves'])
    with pytest.raises(ValueError):
        build_hierarchy(num_shapes=9)


# ------------------------------------------------------------------------------------------ learnability
def _pixels(root, recs, size=16):
    x = np.empty((len(recs), size * size * 3), np.float32)
    for i, rec in enumerate(recs):
        with Image.open(osp.join(root, rec['img_path'])) as im:
            x[i] = np.asarray(im.convert('RGB').resize((size, size), Image.BOX), np.float32).ravel() / 255.0
    return x


def _leaf_data(root, num_train=600):
    classes = read_classes(root)
    leaves = leaves_of(classes, read_hierarchy(root))
    lid = {c: i for i, c in enumerate(leaves)}
    train = read_jsonl(osp.join(root, 'train_clean.jsonl'))[:num_train]
    val = read_jsonl(osp.join(root, 'val_clean.jsonl'))

    def targets(recs):
        y = np.zeros((len(recs), len(leaves)), np.float32)
        for i, r in enumerate(recs):
            y[i, [lid[lb] for lb in r['labels']]] = 1
        return y

    return train, val, targets(train), targets(val)


def _ridge_leaf_ap(ftr, fva, ytr, yva, lam):
    """Per-leaf AP on val of a ridge regression (standardised features), and each leaf's chance AP (its
    positive rate), over the leaves with >= 3 val and >= 10 train positives."""
    mu, sd = ftr.mean(0), ftr.std(0) + 1e-3
    ftr, fva = (ftr - mu) / sd, (fva - mu) / sd
    w = np.linalg.solve(ftr.T @ ftr + lam * np.eye(ftr.shape[1]), ftr.T @ (ytr - ytr.mean(0)))
    scores = fva @ w
    keep = [j for j in range(ytr.shape[1]) if yva[:, j].sum() >= 3 and ytr[:, j].sum() >= 10]
    assert len(keep) >= 10
    ap = np.array([average_precision(scores[:, j], yva[:, j]) for j in keep])
    return ap, yva[:, keep].mean(0)


def test_labels_are_visible_in_pixels(mini):
    """Ridge regression on the 16x16 pixels of 600 train images (clean labels) ranks the val images of each
    leaf well above chance (chance AP = the leaf's positive rate). A linear model of raw pixels mostly sees
    colour; images shuffled against their labels would score at chance."""
    root, _ = mini
    train, val, ytr, yva = _leaf_data(root)
    xtr, xva = _pixels(root, train), _pixels(root, val)
    ap, chance = _ridge_leaf_ap(xtr, xva, ytr, yva, lam=1000.0)
    print(f'pixel ridge: per-leaf AP over {len(ap)} leaves: mean {ap.mean():.3f} vs chance {chance.mean():.3f}')
    assert ap.mean() > 2.5 * chance.mean()
    assert ap.mean() > 0.2
    assert (ap > chance).mean() >= 0.9


def test_shapes_are_visible_to_translation_invariant_features(mini):
    """Random 3x3 conv filters + ReLU + global max/mean pooling (a frozen one-layer CNN) and a ridge on top
    separate the leaves far better than raw pixels can, i.e. the (colour, shape) signature is learnable
    wherever the object is."""
    root, _ = mini
    train, val, ytr, yva = _leaf_data(root)
    rng = np.random.default_rng(0)
    k, nf = 3, 256
    filt = rng.standard_normal((3 * k * k, nf)).astype(np.float32)
    bias = rng.standard_normal(nf).astype(np.float32)

    def feats(x):
        n = len(x)
        x = x.reshape(n, 16, 16, 3)
        p = np.concatenate([x[:, dy:16 - k + 1 + dy, dx:16 - k + 1 + dx] for dy in range(k) for dx in range(k)],
                           axis=3).reshape(-1, 3 * k * k)
        z = np.maximum(p @ filt - bias, 0).reshape(n, -1, nf)
        return np.concatenate([z.max(1), z.mean(1)], 1)

    ftr, fva = feats(_pixels(root, train)), feats(_pixels(root, val))
    ap, chance = _ridge_leaf_ap(ftr, fva, ytr, yva, lam=10.0)
    print(f'random-conv ridge: per-leaf AP over {len(ap)} leaves: mean {ap.mean():.3f} '
          f'vs chance {chance.mean():.3f}')
    assert ap.mean() > 0.5
    assert ap.mean() > 5 * chance.mean()
    assert (ap > 2 * chance).mean() >= 0.9
