"""Tests of the index compiler (mmjft/datasets/compiled/compile.py, index.py): format, determinism, bad input."""
import hashlib
import json
import os.path as osp

import numpy as np
import pytest

from conftest import mini_jft_lines, run_tool_main
from mmjft.datasets import JFTCompiledDataset, compile_jsonl_index
from mmjft.datasets.compiled.index import map_arrays, read_header


@pytest.fixture(scope='module')
def lines(mini_jft):
    return mini_jft_lines(mini_jft, 50)


def compile_(mini_jft, tmp_path, text, name='a', **kw):
    ann = tmp_path / f'{name}.jsonl'
    ann.write_bytes(text if isinstance(text, bytes) else text.encode())
    return compile_jsonl_index(str(ann), mini_jft['classes_file'], str(tmp_path / name),
                               hierarchy_file=mini_jft['hierarchy_file'], **kw)


def test_arrays_hold_the_jsonl_and_are_deterministic(mini_jft, lines, tmp_path):
    header = compile_(mini_jft, tmp_path, ''.join(lines), chunk_lines=7)
    again = compile_(mini_jft, tmp_path, ''.join(lines), name='b', chunk_lines=50)  # chunking changes nothing
    for spec in header['arrays'].values():
        assert (tmp_path / 'a' / spec['file']).read_bytes() == (tmp_path / 'b' / spec['file']).read_bytes()
    assert header['num_samples'] == 50 and header['labels'] == 'raw'
    arrays = map_arrays(header['index_file'], read_header(header['index_file']))
    assert isinstance(arrays['label_ids'], np.memmap) and not arrays['label_ids'].flags.writeable
    assert arrays['label_ids'].dtype == np.int16 and arrays['label_indptr'].dtype == np.uint64
    classes = open(mini_jft['classes_file']).read().split()
    for i in (0, 1, 17, 49):
        rec = json.loads(lines[i])
        off, ptr = arrays['path_offsets'], arrays['label_indptr']
        assert arrays['paths'][off[i]:off[i + 1]].tobytes().decode() == rec['img_path']
        ids = arrays['label_ids'][ptr[i]:ptr[i + 1]].tolist()
        assert ids == [x if isinstance(x, int) else classes.index(x) for x in rec['labels']]
        conf = arrays['label_conf'][ptr[i]:ptr[i + 1]].tolist()
        assert conf == rec.get('confidences', [np.inf] * len(ids))
    assert header['stats']['raw_labels'] == sum(len(json.loads(x)['labels']) for x in lines)
    assert header['source_sha1'] == hashlib.sha1(''.join(lines).encode()).hexdigest() == again['source_sha1']
    assert header['source'] == 'a.jsonl'


def test_expanded_labels_apply_min_confidence_at_compilation(mini_jft, lines, tmp_path):
    header = compile_(mini_jft, tmp_path, ''.join(lines), labels='expanded', min_confidence=0.7)
    assert 'label_conf' not in header['arrays'] and header['stats']['dropped_low_confidence'] > 0
    with pytest.raises(ValueError, match='made with min_confidence=0.7'):
        JFTCompiledDataset(index_file=header['index_file'])
    with pytest.raises(ValueError, match='expand_hierarchy=False'):
        JFTCompiledDataset(index_file=header['index_file'], min_confidence=0.7, expand_hierarchy=False)
    with pytest.raises(ValueError, match='raw labels keep the confidences'):
        compile_(mini_jft, tmp_path, ''.join(lines), min_confidence=0.7)


@pytest.mark.parametrize('bad, match', [
    ('{"img_path": "x.jpg", "labels": [1]', 'malformed JSON'),
    ('{"img_path": "x.jpg", "labels": ["no_such_class"]}', "unknown label 'no_such_class'"),
    ('{"img_path": "x.jpg", "labels": [99999]}', 'label id 99999 outside'),
    ('{"img_path": "x.jpg", "labels": [1], "confidences": [0.5, 0.5]}', 'as long as "labels"'),
    ('{"labels": [1]}', 'string "img_path"'),
    ('{"img_path": "\\ud800.jpg", "labels": [1]}', 'cannot be written as UTF-8'),
])
def test_bad_line_names_file_and_line(mini_jft, lines, tmp_path, bad, match):
    with pytest.raises(ValueError, match=match) as e:
        compile_(mini_jft, tmp_path, ''.join(lines[:3]) + '\n' + bad + '\n' + lines[3])
    assert 'a.jsonl:5:' in str(e.value)  # the blank line counts as a line of the file
    with pytest.raises(ValueError, match=r'b.jsonl:2: not UTF-8'):
        compile_(mini_jft, tmp_path, lines[0].encode() + b'{"img_path": "\xff.jpg"}\n', name='b')


def test_truncated_array_is_named(mini_jft, lines, tmp_path):
    header = compile_(mini_jft, tmp_path, ''.join(lines))
    ids = osp.join(osp.dirname(header['index_file']), header['arrays']['label_ids']['file'])
    with open(ids, 'r+b') as f:
        f.truncate(10)
    ds = JFTCompiledDataset(index_file=header['index_file'])  # mapped lazily: the first read fails
    with pytest.raises(ValueError, match=r'label_ids-\w+\.i2: 10 bytes, the index header says'):
        ds.get_data_info(0)


def tiny(folder, labels, name='train.jsonl'):
    """A data folder: classes a <- b, c and a JSONL of one image per entry of ``labels`` (class ids)."""
    folder.mkdir(exist_ok=True)
    (folder / 'classes.txt').write_text('a\nb\nc\n')
    (folder / 'hierarchy.json').write_text('{"b": ["a"], "c": ["a"]}')
    (folder / name).write_text(''.join(json.dumps(dict(img_path=f'{i}.jpg', labels=[c])) + '\n'
                                       for i, c in enumerate(labels)))
    return [str(folder / name), str(folder / 'classes.txt'), str(folder / 'hierarchy.json')]


def snapshot(folder):
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_compiling_into_the_data_folder_uses_its_label_space(tmp_path):
    ann, classes, hierarchy = tiny(tmp_path, [1, 2])
    header = run_tool_main('tools/dataset_converters/compile_jft_index.py',
                           [ann, classes, tmp_path, '--hierarchy', hierarchy])
    assert (header['classes_file'], header['hierarchy_file']) == ('classes.txt', 'hierarchy.json')
    ds = JFTCompiledDataset(index_file=header['index_file'])
    assert [ds.get_data_info(i)['gt_label'].tolist() for i in range(2)] == [[0, 1], [0, 2]]


def test_failed_recompile_leaves_the_index_whole(tmp_path):
    ann, classes, hierarchy = tiny(tmp_path, [1, 2])
    compile_jsonl_index(ann, classes, str(tmp_path / 'idx'), hierarchy)
    before = snapshot(tmp_path / 'idx')
    with open(ann, 'a') as f:
        f.write('{"img_path": "late.jpg", "labels": [9]}\n')  # fails at its last line
    with pytest.raises(ValueError, match=r'train.jsonl:3: .*label id 9 outside'):
        compile_jsonl_index(ann, classes, str(tmp_path / 'idx'), hierarchy)
    assert snapshot(tmp_path / 'idx') == before  # byte-identical, and no temporary file left


def test_a_header_never_reads_another_compilations_files(tmp_path):
    ann, classes, hierarchy = tiny(tmp_path, [1, 2])
    out = tmp_path / 'idx'
    first = compile_jsonl_index(ann, classes, str(out), hierarchy)
    old_header = (out / 'index.json').read_bytes()
    tiny(tmp_path, [2, 1])  # the same sizes, other labels
    second = compile_jsonl_index(ann, classes, str(out), hierarchy)
    assert first['generation'] != second['generation']
    assert not (out / first['arrays']['label_ids']['file']).exists()  # the replaced generation is removed
    (out / 'index.json').write_bytes(old_header)
    with pytest.raises(ValueError, match=r'its array file \w+-\w+\.\w+ is not in .*another compilation'):
        JFTCompiledDataset(index_file=str(out / 'index.json'))
    compile_jsonl_index(ann, classes, str(out), hierarchy)
    (out / 'classes.txt').write_text('a\nc\nb\n')  # same count, other order
    with pytest.raises(ValueError, match=r'classes.txt changed since the header was written'):
        JFTCompiledDataset(index_file=str(out / 'index.json'))


def test_empty_jsonl_and_writing_over_the_input_are_errors(tmp_path):
    ann, classes, _ = tiny(tmp_path, [])
    with pytest.raises(ValueError, match=r'train.jsonl: no sample \(0 blank lines\)'):
        compile_jsonl_index(ann, classes, str(tmp_path / 'idx'))
    assert not (tmp_path / 'idx' / 'index.json').exists()
    ann, classes, _ = tiny(tmp_path, [1], name='index.json')
    with pytest.raises(ValueError, match=r'the output .*index.json is the input'):
        compile_jsonl_index(ann, classes, str(tmp_path))
    assert json.loads((tmp_path / 'index.json').read_text())['img_path'] == '0.jpg'
