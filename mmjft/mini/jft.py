"""Deterministic generator of 'mini-JFT': a small multi-label dataset in JFT-300M's on-disk format.

Sun et al. 2017 describe JFT-300M as ~300M images over 18,291 classes arranged in a hierarchy (a DAG), with
~1.26 labels per image, roughly 20% of the labels wrong and a heavy long tail. This module writes a tiny
stand-in with the same properties, so tests and demos can exercise the whole pipeline without the real data:

* ``classes.txt``: one class name per line; the line number is the 0-based class id.
* ``hierarchy.json``: ``{child_name: [parent_name, ...]}`` over the classes. Roots have no parents and
  therefore are not keys; several classes have two parents.
* ``train.jsonl`` / ``val.jsonl``: one image per line,
  ``{"img_path": "train/000123.jpg", "labels": [...], "confidences": [...]}``. Labels are class names, or
  0-based class ids on a small fraction of the lines; ``confidences`` is omitted on some train lines (a
  missing confidence means 1.0) and on every val line. ``img_path`` is relative to the data root.
* ``train/`` and ``val/``: the JPEG images.

Besides the real format it writes the ground truth, which the real JFT does not have:

* ``train_clean.jsonl`` / ``val_clean.jsonl``: ``{"img_path", "labels": [true leaf names],
  "objects": [{"label", "bbox": [x1, y1, x2, y2]}]}`` (for noise-robustness measurements and later
  detection / segmentation exports of the same scenes).
* ``meta.json``: the generation parameters and, per leaf class, its colour, shape and prior.

Visual design. Every leaf class is a (colour, shape) pair, e.g. ``red_disc``; an image holds 1-3 objects of
distinct leaves, each a flat-coloured shape at a random position and scale over a noisy, tinted grey
background with a gradient. All shapes are symmetric under a horizontal flip and identifiable at any scale,
so the labels survive random-resized crops and flips. Internal classes have no signature of their own: they
are implied by the hierarchy (the shape, its family, the colour temperature).

Hierarchy (default 8 shapes x 6 colours: 5 roots, 73 classes, depth 3 below the roots)::

    curved / angular / spiky           shape families (roots)
    warm / cool                        colour temperatures (roots)
      disc, ring, square, ...          shapes; parent: their family
        warm_disc, cool_square, ...    curved and angular shapes split by temperature;
                                       parents: [shape, temperature] (the DAG part)
          red_disc, blue_square, ...   leaves; parent: the temperature node, or the shape itself for
                                       spiky shapes (cross, star), which have no temperature split

Noise (train only; val is clean and dense, fasteval-like). Per true leaf of an image: with probability
``recall_drop`` it is not labelled at all; otherwise with probability ``label_noise`` the recorded label is a
random other leaf that is not in the image (precision noise); otherwise with probability ``coarse_rate`` it
is recorded at one of its ancestors instead of the leaf. Correct labels get confidences skewed towards 1.0,
wrong ones towards 0.3. With probability ``empty_rate`` an image has an empty label list.

Determinism: the image ``i`` of a split is drawn from its own ``numpy.random.default_rng([seed, split, i,
...])`` streams, so the same seed gives byte-identical JSONL and JPEG files, and image ``i`` does not depend on
how many images the split has. Images and files come from numpy and Pillow; the label noise is the model of
:mod:`mmjft.datasets.converters.label_noise`, which injects it into any JSONL.
"""
import functools
import io
import json
import os
import os.path as osp

import numpy as np
from PIL import Image, ImageDraw

from mmjft.datasets.converters.label_noise import corrupt_labels, zipf_weights

__all__ = [
    'COLOURS', 'SHAPES', 'build_hierarchy', 'sample_scene', 'render_scene', 'corrupt_labels',
    'make_mini_jft'
]

# name -> (base RGB, temperature). The order matters: the first ``num_colours`` are used, alternating
# temperatures and as far apart in RGB as possible.
COLOURS = {
    'red': ((220, 30, 30), 'warm'),
    'blue': ((30, 70, 235), 'cool'),
    'yellow': ((235, 215, 30), 'warm'),
    'green': ((30, 190, 50), 'cool'),
    'magenta': ((210, 40, 210), 'warm'),
    'cyan': ((30, 210, 220), 'cool'),
    'orange': ((245, 130, 20), 'warm'),
    'white': ((245, 245, 245), 'cool'),
}
# name -> family. The first ``num_shapes`` are used; the first four cover every family.
SHAPES = {
    'disc': 'curved',
    'square': 'angular',
    'triangle': 'angular',
    'cross': 'spiky',
    'ring': 'curved',
    'frame': 'angular',
    'diamond': 'angular',
    'star': 'spiky',
}
# Families whose shapes are split by colour temperature (this is where the classes with 2 parents are).
_TEMPERATURE_SPLIT = ('curved', 'angular')
_SPLIT_CODES = {'train': 0, 'val': 1}
_NUM_OBJECTS_P = (0.55, 0.30, 0.15)  # P(1, 2, 3 objects in an image)


# ----------------------------------------------------------------------------------------------------------
# hierarchy
# ----------------------------------------------------------------------------------------------------------
def build_hierarchy(num_shapes=8, num_colours=6):
    """The class list and the DAG of mini-JFT.

    Args:
        num_shapes (int): how many of :data:`SHAPES` to use (1-8).
        num_colours (int): how many of :data:`COLOURS` to use (1-8).

    Returns:
        dict: ``classes`` (list of names; roots first, then each level, leaves last), ``hierarchy``
        (``{child: [parents]}``, roots are not keys), ``leaves`` (list of dicts ``name``, ``colour``,
        ``shape``, in class-id order).
    """
    if not 1 <= num_shapes <= len(SHAPES):
        raise ValueError(f'num_shapes must be in [1, {len(SHAPES)}], got {num_shapes}')
    if not 1 <= num_colours <= len(COLOURS):
        raise ValueError(f'num_colours must be in [1, {len(COLOURS)}], got {num_colours}')
    shapes = list(SHAPES)[:num_shapes]
    colours = list(COLOURS)[:num_colours]
    temps = []
    for c in colours:
        if COLOURS[c][1] not in temps:
            temps.append(COLOURS[c][1])
    families = []
    for s in shapes:
        if SHAPES[s] not in families:
            families.append(SHAPES[s])
    split_shapes = [s for s in shapes if SHAPES[s] in _TEMPERATURE_SPLIT]
    if not split_shapes:  # no DAG part would be left: there must be something to split
        raise ValueError('the shapes must include a curved or angular one (disc, square, ...)')

    classes = list(families) + list(temps)
    hierarchy = {}
    for s in shapes:
        classes.append(s)
        hierarchy[s] = [SHAPES[s]]
    for s in split_shapes:
        for t in temps:
            name = f'{t}_{s}'
            classes.append(name)
            hierarchy[name] = [s, t]
    leaves = []
    for s in shapes:
        for c in colours:
            name = f'{c}_{s}'
            classes.append(name)
            hierarchy[name] = [f'{COLOURS[c][1]}_{s}'] if s in split_shapes else [s]
            leaves.append(dict(name=name, colour=c, shape=s))
    assert len(set(classes)) == len(classes)
    return dict(classes=classes, hierarchy=hierarchy, leaves=leaves)


def _ancestors(hierarchy, name):
    out, stack = [], list(hierarchy.get(name, ()))
    while stack:
        p = stack.pop()
        if p not in out:
            out.append(p)
            stack.extend(hierarchy.get(p, ()))
    return sorted(out)


# ----------------------------------------------------------------------------------------------------------
# scenes
# ----------------------------------------------------------------------------------------------------------
def _parse_leaf(label):
    colour, _, shape = label.partition('_')
    if colour not in COLOURS or shape not in SHAPES:
        raise ValueError(f'{label!r} is not a mini-JFT leaf class (expected "<colour>_<shape>")')
    return colour, shape


def _place(rng, img_size, placed, min_frac=0.28, max_frac=0.5, max_overlap=0.2, tries=30):
    """A square box (x1, y1, x2, y2) that overlaps the ``placed`` boxes little (best of ``tries``)."""
    lo = max(4, int(round(min_frac * img_size)))
    hi = max(lo, int(round(max_frac * img_size)))
    best, best_ov = None, None
    for _ in range(tries):
        s = int(rng.integers(lo, hi + 1))
        x1 = int(rng.integers(0, img_size - s + 1))
        y1 = int(rng.integers(0, img_size - s + 1))
        box = (x1, y1, x1 + s, y1 + s)
        ov = 0.0
        for b in placed:
            iw = min(box[2], b[2]) - max(box[0], b[0])
            ih = min(box[3], b[3]) - max(box[1], b[1])
            if iw > 0 and ih > 0:
                small = min((box[2] - box[0]) * (box[3] - box[1]), (b[2] - b[0]) * (b[3] - b[1]))
                ov = max(ov, iw * ih / small)
        if best is None or ov < best_ov:
            best, best_ov = box, ov
        if ov <= max_overlap:
            break
    return best


def _star_points(x1, y1, x2, y2, inner=0.45):
    ang = -np.pi / 2 + np.arange(10) * np.pi / 5
    rad = np.where(np.arange(10) % 2 == 0, 1.0, inner)
    px, py = rad * np.cos(ang), rad * np.sin(ang)
    px = x1 + (px - px.min()) / (px.max() - px.min()) * (x2 - x1)
    py = y1 + (py - py.min()) / (py.max() - py.min()) * (y2 - y1)
    return [(float(a), float(b)) for a, b in zip(px, py)]


@functools.lru_cache(maxsize=4096)
def _shape_alpha(shape, w, h, ss=2):
    """Anti-aliased coverage (read-only float32 ``h x w`` in [0, 1]) of ``shape`` filling a ``w x h`` box.

    Drawn at ``ss`` times the resolution and box-filtered down; every shape touches all four sides of its box
    and is symmetric under a horizontal flip. Cached: it depends on nothing random.
    """
    canvas = Image.new('L', (w * ss, h * ss), 0)
    d = ImageDraw.Draw(canvas)
    x1 = y1 = 0
    x2, y2 = w * ss - 1, h * ss - 1  # PIL boxes include their end pixel
    cx, cy = x2 / 2, y2 / 2
    m = min(x2, y2)
    if shape in ('disc', 'ring', 'square', 'frame'):  # ring and frame: a disc and a square with a hole
        draw = d.ellipse if shape in ('disc', 'ring') else d.rectangle
        draw([x1, y1, x2, y2], fill=255)
        hole = {'ring': 0.27, 'frame': 0.25}.get(shape)
        if hole is not None:
            t = max(2 * ss, round(hole * m))
            draw([x1 + t, y1 + t, x2 - t, y2 - t], fill=0)
    elif shape == 'triangle':
        d.polygon([(cx, y1), (x2, y2), (x1, y2)], fill=255)
    elif shape == 'diamond':
        d.polygon([(cx, y1), (x2, cy), (cx, y2), (x1, cy)], fill=255)
    elif shape == 'cross':
        t = max(ss, 0.17 * m)
        d.rectangle([cx - t, y1, cx + t, y2], fill=255)
        d.rectangle([x1, cy - t, x2, cy + t], fill=255)
    elif shape == 'star':
        d.polygon(_star_points(x1, y1, x2, y2), fill=255)
    else:
        raise ValueError(f'unknown shape {shape!r}')
    if ss > 1:
        canvas = canvas.resize((w, h), Image.BOX)
    alpha = np.asarray(canvas, dtype=np.float32) * np.float32(1.0 / 255.0)
    alpha.flags.writeable = False
    return alpha


def _background(rng, img_size):
    """Tinted grey (low saturation, never as saturated as an object) with a linear gradient."""
    grey = rng.uniform(40.0, 160.0)
    base = (grey + rng.uniform(-12.0, 12.0, size=3)).astype(np.float32)
    ang = rng.uniform(0.0, 2 * np.pi)
    amp = rng.uniform(0.0, 25.0)
    t = (np.arange(img_size, dtype=np.float32) + 0.5) / img_size - 0.5
    grad = np.float32(amp * np.cos(ang)) * t[None, :] + np.float32(amp * np.sin(ang)) * t[:, None]
    return grad[:, :, None] + base[None, None, :]


def sample_scene(rng, leaf_prior, p_num_objects=_NUM_OBJECTS_P):
    """Indices of the distinct leaves in one image: how many by ``p_num_objects`` (P(1), P(2), ...), which
    by ``leaf_prior`` (a probability vector), drawn without replacement (Efraimidis-Spirakis keys)."""
    leaf_prior = np.asarray(leaf_prior, dtype=np.float64)
    n = int(np.searchsorted(np.cumsum(p_num_objects), rng.random() * np.sum(p_num_objects), side='right')) + 1
    n = min(n, len(p_num_objects), int(np.count_nonzero(leaf_prior)))
    with np.errstate(divide='ignore'):
        keys = np.log(rng.random(len(leaf_prior))) / leaf_prior  # -inf where the prior is 0
    return [int(i) for i in np.argsort(-keys, kind='stable')[:n]]


def render_scene(rng, img_size, objects, return_masks=False, noise_std=8.0, colour_jitter=25.0):
    """Draw one image.

    Args:
        rng (numpy.random.Generator): the source of all randomness (placement, colours, background).
        img_size (int): the image is ``img_size x img_size`` RGB.
        objects (list): leaf names ``'<colour>_<shape>'`` (e.g. ``'red_disc'``), drawn in order (later
            ones on top), or dicts with ``label`` and optionally ``bbox`` (x1, y1, x2, y2), inside the image,
            to place an object by hand; otherwise boxes are square, 28-50% of the side, placed to overlap
            little.
        return_masks (bool): also give each object's visible mask (bool HxW; the parts of it that later
            objects cover are excluded).
        noise_std (float): std of the per-pixel (uniform) noise.
        colour_jitter (float): each object's colour is its base colour +- this much per channel.

    Returns:
        tuple: ``(PIL.Image (RGB), [dict(label=str, bbox=[x1, y1, x2, y2]) ...])``, boxes in pixels with
        exclusive ends (the object covers columns x1..x2-1). With ``return_masks``, each dict has ``mask``.
    """
    img = _background(rng, img_size)
    placed, out, alphas = [], [], []
    for obj in objects:
        if isinstance(obj, dict):
            label, bbox = obj['label'], obj.get('bbox')
        else:
            label, bbox = obj, None
        colour, shape = _parse_leaf(label)
        if bbox is None:
            bbox = _place(rng, img_size, placed)
        else:
            bbox = tuple(int(v) for v in bbox)
            if not (0 <= bbox[0] < bbox[2] <= img_size and 0 <= bbox[1] < bbox[3] <= img_size):
                raise ValueError(f'bbox {bbox} is not inside a {img_size}x{img_size} image')
        x1, y1, x2, y2 = bbox
        placed.append(bbox)
        alpha = _shape_alpha(shape, x2 - x1, y2 - y1)[:, :, None]
        rgb = np.clip(np.asarray(COLOURS[colour][0], np.float32)
                      + rng.uniform(-colour_jitter, colour_jitter, size=3), 0, 255).astype(np.float32)
        patch = img[y1:y2, x1:x2]
        patch += alpha * (rgb - patch)
        alphas.append(alpha[:, :, 0])
        out.append(dict(label=label, bbox=list(bbox)))
    # uniform per-pixel noise of std noise_std (as good as Gaussian here, and 4x cheaper to draw)
    noise = rng.random(img.shape, dtype=np.float32)
    img += (noise - np.float32(0.5)) * np.float32(noise_std * 12 ** 0.5)
    np.clip(img, 0, 255, out=img)
    image = Image.fromarray(np.rint(img).astype(np.uint8), 'RGB')
    if return_masks:
        covered = np.zeros((img_size, img_size), bool)
        for o, alpha in zip(reversed(out), reversed(alphas)):
            x1, y1, x2, y2 = o['bbox']
            m = np.zeros((img_size, img_size), bool)
            m[y1:y2, x1:x2] = alpha > 0.5
            o['mask'] = m & ~covered
            covered |= m
    return image, out


# ----------------------------------------------------------------------------------------------------------
# the dataset
# ----------------------------------------------------------------------------------------------------------
def _zipf_prior(rng, num_leaves, exponent):
    """Zipf-like leaf frequencies, ranks assigned to leaves by a seeded permutation."""
    p = zipf_weights(num_leaves, exponent)
    prior = np.empty(num_leaves)
    prior[rng.permutation(num_leaves)] = p
    return prior


def _dump(obj):
    return json.dumps(obj, ensure_ascii=False)


def make_mini_jft(out_dir, num_train=1000, num_val=200, img_size=64, seed=0, label_noise=0.2,
                  num_shapes=8, num_colours=6, zipf_exponent=1.2, recall_drop=0.1, coarse_rate=0.1,
                  empty_rate=0.02, int_label_rate=0.1, no_confidence_rate=0.2, jpeg_quality=90):
    """Write a mini-JFT dataset under ``out_dir`` (created if needed; existing files are overwritten).

    Args:
        out_dir (str): the data root.
        num_train, num_val (int): images per split.
        img_size (int): images are ``img_size x img_size`` RGB JPEGs (>= 16).
        seed (int): everything is a function of it (and of the other arguments).
        label_noise (float): probability that a recorded train label is a wrong leaf.
        num_shapes, num_colours (int): leaves are their product (default 8 x 6 = 48; 73 classes).
        zipf_exponent (float): leaf frequency of the k-th most common leaf ~ k ** -zipf_exponent.
        recall_drop (float): probability that a present object gets no train label.
        coarse_rate (float): probability that a correct train label is recorded at an ancestor.
        empty_rate (float): probability that a train image has an empty label list.
        int_label_rate (float): fraction of annotation lines (both splits) whose labels are class ids.
        no_confidence_rate (float): fraction of train lines without ``confidences``.
        jpeg_quality (int): Pillow JPEG quality (4:4:4 chroma).

    Returns:
        dict: paths ``data_root``, ``classes_file``, ``leaf_classes_file`` (the 48 leaf classes, one per line: a
        class list for the ``classes_subset`` ablation), ``hierarchy_file``, ``train_ann``, ``val_ann``,
        ``train_clean_ann``, ``val_clean_ann``, ``meta_file``; counts ``num_classes``,
        ``num_leaf_classes``, ``num_train``, ``num_val``, ``num_train_labels``, ``num_val_labels``,
        ``num_train_empty``, ``train_noise_rate`` (the measured fraction of wrong train labels),
        ``leaf_counts_train`` / ``leaf_counts_val`` (leaf name -> images that contain it).
    """
    if img_size < 16:
        raise ValueError(f'img_size must be >= 16, got {img_size}')
    if num_train < 0 or num_val < 0:
        raise ValueError('num_train and num_val must be >= 0')
    for name, v in dict(label_noise=label_noise, recall_drop=recall_drop, coarse_rate=coarse_rate,
                        empty_rate=empty_rate, int_label_rate=int_label_rate,
                        no_confidence_rate=no_confidence_rate).items():
        if not 0.0 <= v <= 1.0:
            raise ValueError(f'{name} must be in [0, 1], got {v}')
    seed = int(seed)
    if seed < 0:
        raise ValueError('seed must be >= 0')

    h = build_hierarchy(num_shapes, num_colours)
    classes, hierarchy, leaves = h['classes'], h['hierarchy'], h['leaves']
    cls_id = {c: i for i, c in enumerate(classes)}
    leaf_ids = [cls_id[lf['name']] for lf in leaves]
    ancestors_of = {cls_id[lf['name']]: [cls_id[a] for a in _ancestors(hierarchy, lf['name'])]
                    for lf in leaves}
    prior = _zipf_prior(np.random.default_rng([seed, 99]), len(leaves), zipf_exponent)

    data_root = osp.abspath(out_dir)
    os.makedirs(data_root, exist_ok=True)
    paths = dict(
        data_root=data_root,
        classes_file=osp.join(data_root, 'classes.txt'),
        leaf_classes_file=osp.join(data_root, 'leaf_classes.txt'),
        hierarchy_file=osp.join(data_root, 'hierarchy.json'),
        train_ann=osp.join(data_root, 'train.jsonl'),
        val_ann=osp.join(data_root, 'val.jsonl'),
        train_clean_ann=osp.join(data_root, 'train_clean.jsonl'),
        val_clean_ann=osp.join(data_root, 'val_clean.jsonl'),
        meta_file=osp.join(data_root, 'meta.json'),
    )
    with open(paths['classes_file'], 'w', encoding='utf-8') as f:
        f.write(''.join(c + '\n' for c in classes))
    with open(paths['leaf_classes_file'], 'w', encoding='utf-8') as f:  # the fine label space (classes_subset)
        f.write(''.join(lf['name'] + '\n' for lf in leaves))
    with open(paths['hierarchy_file'], 'w', encoding='utf-8') as f:  # one child per line
        f.write('{\n' + ',\n'.join(f' {_dump(k)}: {_dump(v)}' for k, v in hierarchy.items()) + '\n}\n')
    params = dict(num_train=num_train, num_val=num_val, img_size=img_size, seed=seed, label_noise=label_noise,
                  num_shapes=num_shapes, num_colours=num_colours, zipf_exponent=zipf_exponent,
                  recall_drop=recall_drop, coarse_rate=coarse_rate, empty_rate=empty_rate,
                  int_label_rate=int_label_rate, no_confidence_rate=no_confidence_rate,
                  jpeg_quality=jpeg_quality)
    meta = dict(generator='mmjft.mini.make_mini_jft', params=params,
                leaves=[dict(lf, prior=round(float(p), 6)) for lf, p in zip(leaves, prior)])
    with open(paths['meta_file'], 'w', encoding='utf-8') as f:
        json.dump(meta, f, indent=1)
        f.write('\n')

    result = dict(paths, num_classes=len(classes), num_leaf_classes=len(leaves))
    for split, num in (('train', num_train), ('val', num_val)):
        img_dir = osp.join(data_root, split)
        os.makedirs(img_dir, exist_ok=True)
        width = max(6, len(str(max(num - 1, 0))))
        code = _SPLIT_CODES[split]
        counts = dict.fromkeys((lf['name'] for lf in leaves), 0)
        n_labels = n_wrong = n_empty = 0
        with open(paths[f'{split}_ann'], 'w', encoding='utf-8') as fa, \
                open(paths[f'{split}_clean_ann'], 'w', encoding='utf-8') as fc:
            for i in range(num):
                scene_rng = np.random.default_rng([seed, code, i, 0])
                label_rng = np.random.default_rng([seed, code, i, 1])
                true = [leaf_ids[j] for j in sample_scene(scene_rng, prior)]
                image, objs = render_scene(scene_rng, img_size, [classes[c] for c in true])
                rel = f'{split}/{i:0{width}d}.jpg'
                buf = io.BytesIO()
                image.save(buf, format='JPEG', quality=jpeg_quality, subsampling=0)
                with open(osp.join(data_root, rel), 'wb') as f:
                    f.write(buf.getbuffer())
                for c in true:
                    counts[classes[c]] += 1
                fc.write(_dump(dict(img_path=rel, labels=[classes[c] for c in true], objects=objs)) + '\n')

                if split == 'train':
                    recorded = corrupt_labels(label_rng, true, ancestors_of,
                                              label_noise=label_noise, recall_drop=recall_drop,
                                              coarse_rate=coarse_rate, empty_rate=empty_rate)
                    with_conf = label_rng.random() >= no_confidence_rate
                else:  # clean and dense: every object, no confidences
                    recorded = [(c, 1.0, 'leaf') for c in true]
                    with_conf = False
                as_ids = label_rng.random() < int_label_rate
                line = dict(img_path=rel,
                            labels=[c if as_ids else classes[c] for c, _, _ in recorded])
                if with_conf:
                    line['confidences'] = [conf for _, conf, _ in recorded]
                fa.write(_dump(line) + '\n')
                n_labels += len(recorded)
                n_wrong += sum(kind == 'wrong' for _, _, kind in recorded)
                n_empty += not recorded
        result[f'num_{split}'] = num
        result[f'num_{split}_labels'] = n_labels
        result[f'leaf_counts_{split}'] = counts
        if split == 'train':
            result['num_train_empty'] = n_empty
            result['train_noise_rate'] = n_wrong / max(n_labels, 1)
    return result
