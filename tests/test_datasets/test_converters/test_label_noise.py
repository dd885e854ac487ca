"""Label-noise and long-tail injection: the asked rates come out, wrong labels come from the asked pool, the class
frequencies follow the Zipf exponent, the same seed gives the same file."""
import json

import numpy as np
import pytest

from mmjft.datasets.converters import ConversionError
from mmjft.datasets.converters.label_noise import inject_label_noise, sibling_pools

# 4 parents x 5 children
PARENTS = [f'p{i}' for i in range(4)]
LEAVES = [f'p{i}_c{j}' for i in range(4) for j in range(5)]
CLASSES = PARENTS + LEAVES
HIERARCHY = {leaf: [leaf.split('_')[0]] for leaf in LEAVES}


def write_jsonl(path, n=2000, seed=0, counts=None):
    rng = np.random.default_rng(seed)
    with open(path, 'w') as f:
        if counts:  # one label per image, given counts per leaf
            for leaf, c in counts.items():
                for k in range(c):
                    f.write(json.dumps(dict(img_path=f'{leaf}_{k}.jpg', labels=[leaf], confidences=[0.9])) + '\n')
            return
        for k in range(n):
            labels = list(rng.choice(LEAVES, size=2, replace=False))
            f.write(json.dumps(dict(img_path=f'{k}.jpg', labels=labels, confidences=[0.9, 0.6])) + '\n')


def read(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


def test_random_noise_rate_recall_and_determinism(tmp_path):
    src = str(tmp_path / 'train.jsonl')
    write_jsonl(src)
    report = inject_label_noise(src, str(tmp_path / 'a.jsonl'), CLASSES, noise=0.3, recall_drop=0.1, seed=3)
    assert report['labels_in'] == 4000 and report['images_out'] == 2000
    # recall first (10% dropped), then 30% of the rest replaced (a few merge with a label already there)
    assert abs(report['dropped_fraction'] - 0.1) < 0.02
    assert abs(report['replaced_fraction'] - 0.9 * 0.3) < 0.03
    out = read(tmp_path / 'a.jsonl')
    assert all(len(r['labels']) == len(r['confidences']) == len(set(r['labels'])) for r in out)
    assert {c for r in out for c in r['labels']} - set(LEAVES)  # random pool: parents show up too
    inject_label_noise(src, str(tmp_path / 'b.jsonl'), CLASSES, noise=0.3, recall_drop=0.1, seed=3)
    inject_label_noise(src, str(tmp_path / 'c.jsonl'), CLASSES, noise=0.3, recall_drop=0.1, seed=4)
    assert (tmp_path / 'a.jsonl').read_bytes() == (tmp_path / 'b.jsonl').read_bytes()
    assert (tmp_path / 'a.jsonl').read_bytes() != (tmp_path / 'c.jsonl').read_bytes()


def test_sibling_noise_stays_among_siblings(tmp_path):
    assert sibling_pools(CLASSES, HIERARCHY)['p1_c0'] == ['p1_c1', 'p1_c2', 'p1_c3', 'p1_c4']
    src = str(tmp_path / 'train.jsonl')
    write_jsonl(src)
    report = inject_label_noise(src, str(tmp_path / 's.jsonl'), CLASSES, HIERARCHY, noise=0.5, mode='sibling')
    assert abs(report['replaced_fraction'] - 0.5) < 0.05 and report['labels_dropped'] == 0
    for before, after in zip(read(src), read(tmp_path / 's.jsonl')):
        parents = {HIERARCHY[c][0] for c in before['labels']}
        assert all(HIERARCHY[c][0] in parents for c in after['labels'])  # a confusable class, never a far one


def test_zipf_resampling_follows_the_exponent(tmp_path):
    src = str(tmp_path / 'uniform.jsonl')
    write_jsonl(src, counts={leaf: 400 for leaf in LEAVES[:10]})
    report = inject_label_noise(src, str(tmp_path / 'z.jsonl'), CLASSES, noise=0.0, zipf_exponent=1.0, seed=0)
    after = sorted((c[1] for c in report['main_class_counts'].values()), reverse=True)
    want = 400 * np.arange(1, 11, dtype=float) ** -1.0  # the top class keeps all its images
    assert after[0] == 400 and np.all(np.abs(np.array(after) - want) < 4 * np.sqrt(want) + 2)
    assert report['images_out'] + report['images_dropped_zipf'] == 4000 and report['labels_replaced'] == 0


def test_bad_input_names_the_line(tmp_path):
    src = tmp_path / 'bad.jsonl'
    src.write_text(json.dumps(dict(img_path='a.jpg', labels=[4])) + '\n' +  # an id: the JFT format allows it
                   json.dumps(dict(img_path='b.jpg', labels=['nope'])) + '\n')
    with pytest.raises(ConversionError, match=r'bad.jsonl:2: labels not in the class list'):
        inject_label_noise(str(src), str(tmp_path / 'o.jsonl'), CLASSES)
    src.write_text(json.dumps(dict(img_path='a.jpg', labels=[len(CLASSES)])) + '\n')
    with pytest.raises(ConversionError, match=r'bad.jsonl:1: class ids outside the class list: \[24\]'):
        inject_label_noise(str(src), str(tmp_path / 'o.jsonl'), CLASSES)
    with pytest.raises(ValueError, match='needs the class hierarchy'):
        inject_label_noise(str(src), str(tmp_path / 'o.jsonl'), CLASSES, mode='sibling')


def test_ranges_same_file_empty_input_and_failed_rerun(tmp_path):
    src = tmp_path / 'train.jsonl'
    write_jsonl(src, n=20)
    dst = tmp_path / 'o.jsonl'
    for kw, match in ((dict(zipf_exponent=-1.0), r'zipf_exponent must be >= 0, got -1.0'),
                      (dict(noise=1.5), r'noise must lie in \[0, 1\], got 1.5'),
                      (dict(recall_drop=float('nan')), r'recall_drop must lie in \[0, 1\], got nan'),
                      (dict(zipf_exponent=1.0, min_count=-1), r'min_count must be >= 0, got -1')):
        with pytest.raises(ValueError, match=match):
            inject_label_noise(str(src), str(dst), CLASSES, **kw)
    before = src.read_bytes()
    with pytest.raises(ConversionError, match=r'the output .*train.jsonl is the input'):
        inject_label_noise(str(src), str(src), CLASSES)
    assert src.read_bytes() == before
    inject_label_noise(str(src), str(dst), CLASSES, seed=1)
    written = dst.read_bytes()
    src.write_text(before.decode() + '{"img_path": "late.jpg", "labels": [\n')  # fails at its last line
    with pytest.raises(ConversionError, match=r'train.jsonl:21: malformed JSON line'):
        inject_label_noise(str(src), str(dst), CLASSES, seed=2)
    assert dst.read_bytes() == written and sorted(p.name for p in tmp_path.iterdir()) == ['o.jsonl', 'train.jsonl']
    src.write_text('\n')
    with pytest.raises(ConversionError, match=r'train.jsonl: no image'):
        inject_label_noise(str(src), str(dst), CLASSES)
    assert dst.read_bytes() == written
