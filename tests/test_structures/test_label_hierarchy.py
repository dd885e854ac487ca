import json

import numpy as np
import pytest
import scipy.sparse as sp

from mmjft.structures import LabelHierarchy, load_classes

# food        thing
#   |           |
# fruit      red_thing
#  /   \      /
# banana  apple          (apple has two parents: fruit and red_thing)
CLASSES = ['food', 'fruit', 'apple', 'red_thing', 'banana', 'thing']
PARENTS = {'fruit': ['food'], 'apple': ['fruit', 'red_thing'], 'banana': ['fruit'], 'red_thing': ['thing']}


def names(h, ids):
    return sorted(h.classes[i] for i in ids)


@pytest.fixture
def h():
    return LabelHierarchy(CLASSES, PARENTS)


def test_basic_properties(h):
    assert h.num_classes == 6 and h.classes == CLASSES
    assert h.class_to_idx['apple'] == 2
    assert names(h, h.parents[2]) == ['fruit', 'red_thing']
    assert h.parents[0].size == 0
    assert isinstance(h.ancestors, sp.csr_matrix) and h.ancestors.dtype == bool
    assert h.ancestors.shape == (6, 6)
    expected = {'food': [], 'fruit': ['food'], 'apple': ['food', 'fruit', 'red_thing', 'thing'],
                'red_thing': ['thing'], 'banana': ['food', 'fruit'], 'thing': []}
    for c, anc in expected.items():
        assert names(h, h.ancestors[h.class_to_idx[c]].indices) == anc, c
    # food thing fruit red_thing apple banana
    assert dict(zip(CLASSES, h.depth.tolist())) == dict(
        food=0, fruit=1, apple=2, red_thing=1, banana=2, thing=0)
    assert dict(zip(CLASSES, h.fan_out.tolist())) == dict(
        food=1, fruit=2, apple=0, red_thing=1, banana=0, thing=1)


def test_expand(h):
    idx = h.class_to_idx
    out = h.expand([idx['apple']])
    assert out.dtype == np.int64
    assert out.tolist() == sorted(idx[c] for c in ['apple', 'fruit', 'food', 'red_thing', 'thing'])
    # duplicates and unsorted input
    out = h.expand([idx['banana'], idx['red_thing'], idx['banana']])
    assert names(h, out) == ['banana', 'food', 'fruit', 'red_thing', 'thing']
    assert h.expand([]).size == 0
    with pytest.raises(ValueError):
        h.expand([6])
    batch = h.expand_batch([[idx['apple']], [], [idx['banana'], idx['fruit']], [idx['thing']]])
    assert [b.tolist() for b in batch] == [h.expand([idx['apple']]).tolist(), [],
                                           h.expand([idx['banana']]).tolist(), [idx['thing']]]
    M = h.expansion_matrix()
    onehot = np.zeros((1, 6), dtype=bool)
    onehot[0, idx['banana']] = True
    assert names(h, np.flatnonzero((sp.csr_matrix(onehot) @ M).toarray())) == ['banana', 'food', 'fruit']


def test_stats(h):
    s = h.stats()
    assert s['num_classes'] == 6
    assert s['num_roots'] == 2  # food, thing
    assert s['num_leaves'] == 2  # apple, banana
    assert s['num_edges'] == 5
    assert s['max_depth'] == 2
    assert s['mean_depth'] == pytest.approx((0 + 1 + 2 + 1 + 2 + 0) / 6)
    assert s['max_fan_out'] == 2 and s['max_fan_out_class'] == 'fruit'
    assert s['mean_fan_out_internal'] == pytest.approx((1 + 2 + 1 + 1) / 4)
    assert s['num_multi_parent'] == 1


def test_depth_is_longest_path():
    # c has a root parent (a) and a depth-1 parent (b): its depth is 2, not 1.
    h = LabelHierarchy(['c', 'b', 'a'], {'c': ['a', 'b'], 'b': ['a']})
    assert h.depth.tolist() == [2, 1, 0]
    assert names(h, h.ancestors[0].indices) == ['a', 'b']


def test_cycle_errors():
    # d hangs below the cycle: the message names the cycle only.
    with pytest.raises(ValueError, match='hier.json') as e:
        LabelHierarchy(['d', 'a', 'b', 'c'], {'d': ['a'], 'a': ['b'], 'b': ['c'], 'c': ['a']},
                       source='hier.json')
    assert any(r in str(e.value) for r in
               ['a -> b -> c -> a', 'b -> c -> a -> b', 'c -> a -> b -> c'])
    assert 'd ->' not in str(e.value)
    with pytest.raises(ValueError, match='x -> x'):
        LabelHierarchy(['x', 'y'], {'y': ['x'], 'x': ['x']})


def test_validation_errors():
    with pytest.raises(ValueError, match=r"'pear'.*h\.json|h\.json.*'pear'"):
        LabelHierarchy(CLASSES, {'pear': ['fruit']}, source='h.json')
    with pytest.raises(ValueError, match="'veg'"):
        LabelHierarchy(CLASSES, {'apple': ['veg']})
    with pytest.raises(ValueError, match="'apple'"):
        LabelHierarchy(CLASSES, {'apple': 'fruit'})  # not a list
    with pytest.raises(ValueError, match="'apple'"):
        LabelHierarchy(CLASSES, {'apple': ['fruit', 3]})
    with pytest.raises(ValueError, match='object'):
        LabelHierarchy(CLASSES, [['apple', 'fruit']])
    with pytest.raises(ValueError, match="'fruit'"):
        LabelHierarchy(['fruit', 'apple', 'fruit'])


def test_files(tmp_path, h):
    cf = tmp_path / 'classes.txt'
    cf.write_text('\n'.join(['  food', 'fruit ', '', 'apple', 'red_thing', '\t', 'banana', 'thing']) + '\n')
    assert load_classes(str(cf)) == CLASSES
    hf = tmp_path / 'hier.json'
    hf.write_text(json.dumps(PARENTS))
    h2 = LabelHierarchy.from_files(str(cf), str(hf))
    assert h2.classes == CLASSES
    assert (h2.ancestors != h.ancestors).nnz == 0
    assert h2.depth.tolist() == h.depth.tolist()
    assert LabelHierarchy.from_files(str(cf)).stats()['num_roots'] == 6

    dup = tmp_path / 'dup.txt'
    dup.write_text('a\nb\n\nc\nb\n')
    with pytest.raises(ValueError, match=r"'b'.*line 2.*line 5"):
        load_classes(str(dup))

    bad = tmp_path / 'bad.json'
    bad.write_text('{\n "apple": ["fruit"],\n "banana": ["fruit",]\n}')
    with pytest.raises(ValueError, match=r'bad\.json:3'):
        LabelHierarchy.from_files(str(cf), str(bad))
    unknown = tmp_path / 'unknown.json'
    unknown.write_text(json.dumps({'apple': ['pome']}))
    with pytest.raises(ValueError, match=r"unknown\.json.*'pome'"):
        LabelHierarchy.from_files(str(cf), str(unknown))
    notobj = tmp_path / 'list.json'
    notobj.write_text('["apple"]')
    with pytest.raises(ValueError, match=r'list\.json'):
        LabelHierarchy.from_files(str(cf), str(notobj))


def random_dag(num_classes=18291, depth=12, seed=0):
    """A layered random DAG: each non-root has a parent one level up plus up to 2 more above."""
    rng = np.random.default_rng(seed)
    level = np.sort(rng.integers(0, depth + 1, num_classes))
    level[:20] = 0
    level[-1] = depth
    names_ = [f'n{i}' for i in range(num_classes)]
    start = np.searchsorted(level, np.arange(depth + 2))  # level d occupies [start[d], start[d+1])
    parents = {}
    for i in range(start[1], num_classes):
        d = level[i]
        ps = {int(rng.integers(start[d - 1], start[d]))}  # one parent on the level just above
        ps |= set(rng.integers(0, start[d], rng.integers(0, 3)).tolist())  # 0-2 more, any level above
        parents[names_[i]] = [names_[p] for p in ps]
    perm = rng.permutation(num_classes)  # class order unrelated to topological order
    return [names_[p] for p in perm], parents, level[perm]


def test_large_random_dag():
    classes, parents, level = random_dag()
    h = LabelHierarchy(classes, parents)
    assert h.num_classes == 18291
    # every non-root has a parent exactly one level up and none at its level or below
    assert h.depth.tolist() == level.tolist()
    assert h.stats()['max_depth'] == 12
    assert h.stats()['num_multi_parent'] > 0

    def brute(name):  # DFS over the parent lists
        seen, stack = set(), list(parents.get(name, []))
        while stack:
            p = stack.pop()
            if p not in seen:
                seen.add(p)
                stack.extend(parents.get(p, []))
        return seen

    rng = np.random.default_rng(1)
    sample = rng.choice(len(classes), 300, replace=False)
    for i in sample:
        anc = brute(classes[i])
        assert {classes[j] for j in h.ancestors[i].indices} == anc
        assert {classes[j] for j in h.expand([i])} == anc | {classes[i]}
    batch = h.expand_batch([[i, j] for i, j in zip(sample[:50], sample[50:100])])
    for (i, j), got in zip(zip(sample[:50], sample[50:100]), batch):
        assert got.tolist() == np.union1d(h.expand([i]), h.expand([j])).tolist()


def test_empty_and_broken_files_are_errors_naming_them(tmp_path):
    cf = tmp_path / 'classes.txt'
    cf.write_text('a\nb\n')
    empty = tmp_path / 'empty.txt'
    empty.write_text('\n \n')
    for load in (load_classes, LabelHierarchy.from_files):
        with pytest.raises(ValueError, match=r'empty\.txt: holds no class name \(the file is empty\): write one'):
            load(str(empty))
    binary = tmp_path / 'binary.json'
    binary.write_bytes(b'{"a": ["\xff"]}')
    with pytest.raises(ValueError, match=r'binary\.json: not UTF-8 text \(invalid start byte at byte 8\)'):
        LabelHierarchy.from_files(str(cf), str(binary))
    from mmjft.structures.label_hierarchy import load_hierarchy_json  # what the converters' tools read hierarchies with
    broken = tmp_path / 'broken.json'
    broken.write_text('{\n "a": ["b"\n}')
    with pytest.raises(ValueError, match=r"broken\.json:3:1: invalid JSON: Expecting ',' delimiter; the hierarchy is"):
        load_hierarchy_json(str(broken))
