"""Label noise and long-tail injection for any JFT-style JSONL (paper finding 5: robust to ~20% noise and the tail).

Streams the JSONL twice (pass 1 counts each image's main class -- only when a Zipf exponent is asked --, pass 2
writes), so memory is O(classes), not O(images). Deterministic by seed and input order. The noise itself is
:func:`corrupt_labels`, which the mini-JFT generator draws its labels with too (a label is dropped with
``recall_drop``, else replaced with ``noise`` by a class drawn uniformly from a pool: every class ('random') or the
label's siblings in the hierarchy ('sibling', the confusable kind); a label whose pool is empty stays), and the
frequencies :func:`zipf_weights`.

Zipf resampling only subsamples (no image is duplicated): an image counts for its main class (its most confident
label, else its first); the class of current rank k keeps ``scale * k ** -exponent / sum`` of its images, with the
largest scale every class can afford (``min_count`` leaves classes rarer than it out of that bound, kept whole).
The exponent is >= 0: 0 asks for equal frequencies (every class cut to the rarest bounding class), a larger one for a
longer tail. Images without labels are written unchanged.

The output is written aside and renamed over ``dst`` at the end (a failed run leaves a previous file as it was); an
output that is one of the inputs, and an input without images, are errors.
"""
import json
from collections import Counter
from typing import Dict, List, Optional

import numpy as np

from mmjft.utils.atomic import atomic_open, refuse_overwriting_inputs

from .common import ConversionError, check_range

MODES = ('random', 'sibling')


def corrupt_labels(rng, true_leaves, ancestors_of, label_noise=0.2, recall_drop=0.1, coarse_rate=0.1,
                   empty_rate=0.02):
    """JFT-like noisy labels of one image.

    Args:
        rng (numpy.random.Generator): randomness.
        true_leaves (list[int]): class ids of the leaves present (distinct).
        ancestors_of (dict): leaf class id -> list of its ancestor class ids, for every leaf: a wrong label
            is drawn uniformly from its keys that are not in the image (nor already recorded).
        label_noise (float): probability that a labelled leaf is recorded as a wrong class instead (precision
            noise; confidence skewed towards 0.3).
        recall_drop (float): probability that a present leaf is not labelled at all.
        coarse_rate (float): probability that a correct label is recorded at one of its ancestors.
        empty_rate (float): probability that the image's label list is empty.

    Returns:
        list[tuple]: ``(class_id, confidence, kind)``, kind in ``'leaf'``, ``'coarse'`` (an ancestor of a
        true leaf), ``'wrong'``.
    """
    labels, used = [], set()
    for leaf in true_leaves:
        if rng.random() < recall_drop:
            continue
        if rng.random() < label_noise:
            pool = [i for i in sorted(ancestors_of) if i not in used and i not in true_leaves]
            if not pool:
                continue
            cid = int(pool[rng.integers(len(pool))])
            conf, kind = 0.3 + 0.7 * rng.beta(1.5, 3.0), 'wrong'
        else:
            cid, kind = leaf, 'leaf'
            if rng.random() < coarse_rate and ancestors_of[leaf]:
                anc = ancestors_of[leaf]
                cid, kind = int(anc[rng.integers(len(anc))]), 'coarse'
            conf = 0.3 + 0.7 * rng.beta(4.0, 1.2)
        if cid in used:
            continue
        used.add(cid)
        labels.append((cid, round(float(conf), 3), kind))
    if rng.random() < empty_rate:
        return []
    return labels


def zipf_weights(num, exponent):
    """Zipf frequencies of ranks 1..num (most common first): ``k ** -exponent``, normalised to sum to 1."""
    p = 1.0 / np.arange(1, num + 1, dtype=np.float64) ** exponent
    return p / p.sum()


def sibling_pools(classes: List[str], hierarchy: Dict[str, List[str]]) -> Dict[str, List[str]]:
    """class -> the other children of its parents (sorted); roots' siblings are the other roots."""
    children: Dict[Optional[str], set] = {}
    for cls in classes:
        for parent in hierarchy.get(cls) or [None]:
            children.setdefault(parent, set()).add(cls)
    return {cls: sorted(set().union(*(children[p] for p in (hierarchy.get(cls) or [None]))) - {cls})
            for cls in classes}


def _records(path, classes):
    """(line number, record with its labels as class names: integer ids, which the JFT format allows, resolved)."""
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise ConversionError(f'{path}:{lineno}: malformed JSON line ({e.msg})') from None
            if not isinstance(rec, dict) or not isinstance(rec.get('labels', []), list):
                raise ConversionError(f'{path}:{lineno}: each line must be an object with a "labels" list')
            labels = rec.get('labels') or []
            if any(isinstance(c, int) and not isinstance(c, bool) for c in labels):
                bad = [c for c in labels if isinstance(c, int) and not 0 <= c < len(classes)]
                if bad:
                    raise ConversionError(f'{path}:{lineno}: class ids outside the class list: {bad[:5]}')
                rec['labels'] = [classes[c] if isinstance(c, int) else c for c in labels]
            yield lineno, rec


def _main_class(rec) -> Optional[str]:
    labels = rec.get('labels') or []
    if not labels:
        return None
    conf = rec.get('confidences')
    return labels[int(np.argmax(conf))] if conf and len(conf) == len(labels) else labels[0]


def zipf_keep_fractions(counts: Dict[str, int], exponent: float, min_count: int = 1) -> Dict[str, float]:
    """class -> fraction of its images to keep so that frequencies by rank follow ``k ** -exponent``."""
    check_range('zipf_exponent', exponent, 0)
    check_range('min_count', min_count, 0)
    ranked = sorted(counts, key=lambda c: (-counts[c], c))
    weights = zipf_weights(len(ranked), exponent)
    bounded = [(c, w) for c, w in zip(ranked, weights) if counts[c] >= min_count]
    if not bounded:
        return {c: 1.0 for c in counts}
    scale = min(counts[c] / w for c, w in bounded)
    return {c: min(1.0, scale * w / counts[c]) if counts[c] >= min_count else 1.0 for c, w in zip(ranked, weights)}


def inject_label_noise(src: str, dst: str, classes: List[str], hierarchy: Optional[Dict[str, List[str]]] = None,
                       noise: float = 0.2, mode: str = 'random', recall_drop: float = 0.0,
                       zipf_exponent: Optional[float] = None, min_count: int = 1, seed: int = 0) -> dict:
    """Write ``dst``: ``src`` with noisy labels (and a Zipf-resampled class frequency); return the report.

    Args:
        src, dst: JFT-format JSONL files (``img_path``, ``labels``, optional ``confidences`` / other fields, kept;
            integer label ids are written as class names).
        classes: the class list (the random pool; labels outside it are an error naming the line).
        hierarchy: ``{child: [parents]}``; needed by ``mode='sibling'``.
        noise: probability that a kept label is replaced by a wrong one.
        mode: 'random' (any class) or 'sibling' (another child of the label's parents).
        recall_drop: probability that a label is dropped (the recall side of machine labels).
        zipf_exponent: resample class frequencies to this exponent, >= 0 (None: keep every image; 0: equal
            frequencies).
        min_count: classes with fewer images do not bound the Zipf scale (kept whole); >= 0.
        seed: everything random follows it (and the input order).
    """
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    check_range('noise', noise, 0, 1)
    check_range('recall_drop', recall_drop, 0, 1)
    if zipf_exponent is not None:
        check_range('zipf_exponent', zipf_exponent, 0)
    check_range('min_count', min_count, 0)
    refuse_overwriting_inputs([src], [dst], ConversionError)
    if mode == 'sibling' and not hierarchy:
        raise ValueError("mode='sibling' needs the class hierarchy")
    index = {c: i for i, c in enumerate(classes)}
    pools = sibling_pools(classes, hierarchy) if mode == 'sibling' else None
    all_classes = {i: [] for i in range(len(classes))}

    keep = None
    counts_before: Counter = Counter()
    if zipf_exponent is not None:  # pass 1: main-class counts
        for _, rec in _records(src, classes):
            cls = _main_class(rec)
            if cls is not None:
                counts_before[cls] += 1
        keep = zipf_keep_fractions(counts_before, zipf_exponent, min_count)

    noise_rng, zipf_rng = np.random.default_rng([seed, 0]), np.random.default_rng([seed, 1])
    stats = Counter()
    counts_after: Counter = Counter()
    with atomic_open(dst) as out:
        for lineno, rec in _records(src, classes):  # pass 2
            stats['images_in'] += 1
            labels = rec.get('labels') or []
            unknown = [c for c in labels if c not in index]
            if unknown:
                raise ConversionError(f'{src}:{lineno}: labels not in the class list: {unknown[:5]}')
            main = _main_class(rec)
            if keep is not None and main is not None and zipf_rng.random() >= keep[main]:
                stats['images_dropped_zipf'] += 1
                continue
            conf = rec.get('confidences')
            conf_of = dict(zip(labels, conf)) if conf and len(conf) == len(labels) else {}
            new_labels, new_conf = [], []
            for label in labels:
                stats['labels_in'] += 1
                cid = index[label]
                pool = all_classes if mode == 'random' else {cid: [], **{index[s]: [] for s in pools[label]}}
                out_labels = corrupt_labels(noise_rng, [cid], pool, label_noise=noise, recall_drop=recall_drop,
                                            coarse_rate=0.0, empty_rate=0.0)
                if not out_labels:
                    stats['labels_dropped'] += 1
                    continue
                new_cid, new_c, kind = out_labels[0]
                name = classes[new_cid]
                if name in new_labels or (kind == 'wrong' and name in labels):
                    stats['labels_merged'] += 1  # the wrong class is already on the image
                    continue
                stats['labels_replaced' if kind == 'wrong' else 'labels_kept'] += 1
                new_labels.append(name)
                new_conf.append(new_c if kind == 'wrong' else conf_of.get(label, new_c))
            rec = dict(rec, labels=new_labels)
            if conf is not None:
                rec['confidences'] = new_conf
            out.write(json.dumps(rec, ensure_ascii=False) + '\n')
            stats['images_out'] += 1
            if main is not None:
                counts_after[main] += 1
        if not stats['images_in']:
            raise ConversionError(f'{src}: no image (an empty JSONL?); nothing to write to {dst}')
    report = dict(src=src, dst=dst, seed=seed, mode=mode, noise=noise, recall_drop=recall_drop,
                  zipf_exponent=zipf_exponent, min_count=min_count, **{k: int(v) for k, v in sorted(stats.items())})
    for key in ('labels_in', 'labels_replaced', 'labels_dropped', 'labels_kept', 'labels_merged',
                'images_dropped_zipf'):
        report.setdefault(key, 0)
    report['replaced_fraction'] = report['labels_replaced'] / max(report['labels_in'], 1)
    report['dropped_fraction'] = report['labels_dropped'] / max(report['labels_in'], 1)
    if zipf_exponent is not None:
        ranked = sorted(counts_before, key=lambda c: (-counts_before[c], c))
        report['main_class_counts'] = {c: [counts_before[c], counts_after.get(c, 0)] for c in ranked}
    return report
