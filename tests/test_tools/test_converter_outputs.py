"""The dataset converter commands (in-process ``main(argv)``): an output that is an input is refused, a value out of
range is an error naming the option, a failed run leaves the previous output as it was, no image is an error."""
import json

import pytest

from conftest import load_tool, run_tool_main

NOISE = 'tools/dataset_converters/inject_label_noise.py'


@pytest.fixture
def jsonl(tmp_path):
    (tmp_path / 'classes.txt').write_text('a\nb\nc\n')
    src = tmp_path / 'x.jsonl'
    src.write_text(''.join(json.dumps(dict(img_path=f'{i}.jpg', labels=['abc'[i % 3]])) + '\n' for i in range(20)))
    return src, tmp_path / 'classes.txt'


def test_inject_label_noise_refuses_its_input_as_output(jsonl):
    src, classes = jsonl
    before = src.read_bytes()
    with pytest.raises(SystemExit, match=r'error: the output .*x.jsonl is the input .*x.jsonl'):
        run_tool_main(NOISE, [src, src, '--classes', classes])
    assert src.read_bytes() == before


@pytest.mark.parametrize('option, value, message', [
    ('--zipf', '-1', 'must be >= 0, got -1.0'), ('--noise', '1.5', r'must lie in [0, 1], got 1.5'),
    ('--recall-drop', '-0.1', 'must lie in [0, 1], got -0.1'), ('--min-count', '-1', 'must be >= 0, got -1')])
def test_inject_label_noise_ranges_name_the_option(jsonl, capsys, option, value, message):
    src, classes = jsonl
    with pytest.raises(SystemExit):
        run_tool_main(NOISE, [src, src.with_name('o.jsonl'), '--classes', classes, option, value])
    assert f'argument {option}: {message}' in capsys.readouterr().err
    assert not src.with_name('o.jsonl').exists()


def test_inject_label_noise_failed_rerun_leaves_the_previous_output(jsonl):
    src, classes = jsonl
    dst = src.with_name('o.jsonl')
    run_tool_main(NOISE, [src, dst, '--classes', classes, '--noise', '0.5'])
    before = dst.read_bytes(), dst.with_name('o.jsonl.report.json').read_bytes()
    with open(src, 'a') as f:
        f.write('{"img_path": "late.jpg", "labels": [\n')  # fails at its last line
    with pytest.raises(SystemExit, match=r'x.jsonl:21: malformed JSON line'):
        run_tool_main(NOISE, [src, dst, '--classes', classes, '--noise', '0.1'])
    assert (dst.read_bytes(), dst.with_name('o.jsonl.report.json').read_bytes()) == before


def test_inject_label_noise_names_a_broken_hierarchy(jsonl, capsys):
    src, classes = jsonl
    hierarchy = src.with_name('hierarchy.json')
    hierarchy.write_text('{"b": ["a"],\n "c": ["a"]\n')
    with pytest.raises(SystemExit, match=r'error: .*hierarchy.json:3:1: invalid JSON'):
        run_tool_main(NOISE, [src, src.with_name('o.jsonl'), '--classes', classes, '--hierarchy', hierarchy,
                              '--mode', 'sibling', '--noise', '0.5'])
    assert not src.with_name('o.jsonl').exists()


def test_val_fraction_names_its_option(tmp_path, capsys):
    for tool in ('open_images_to_jft.py', 'imagenet21k_to_jft.py'):
        argv = ([tmp_path / 'o', '--labels', 'l.csv', '--classes', 'c.csv'] if tool.startswith('open')
                else [tmp_path / 'wnids.txt', tmp_path / 'o'])
        with pytest.raises(SystemExit):
            run_tool_main(f'tools/dataset_converters/{tool}', argv + ['--val-fraction', '1.5'])
        assert 'argument --val-fraction: must lie in [0, 1), got 1.5' in capsys.readouterr().err


def test_shards_of_no_image_fail(jsonl):
    src, classes = jsonl
    with pytest.raises(SystemExit, match=r'x.jsonl: no sample written: 20 missing and 0 corrupt images among 20'):
        run_tool_main('tools/dataset_converters/jsonl_to_shards.py', [src, classes, src.with_name('shards')])
    assert not src.with_name('shards').joinpath('train-index.json').exists()


def test_classes_subset_refuses_its_input_and_an_empty_match(jsonl, capsys):
    _, classes = jsonl
    wanted = classes.with_name('wanted.txt')
    wanted.write_text('zebra\n')
    tool = 'tools/dataset_converters/make_classes_subset.py'
    with pytest.raises(SystemExit, match=r'the output .*wanted.txt is the input'):
        run_tool_main(tool, [classes, wanted, wanted])
    with pytest.raises(SystemExit, match=r'no entry of .*wanted.txt \(column 1\) matches a class of'):
        run_tool_main(tool, [classes, wanted, classes.with_name('subset.txt')])
    assert wanted.read_text() == 'zebra\n' and not classes.with_name('subset.txt').exists()


def test_coco_minival_split_refuses_its_input_as_output(tmp_path, capsys):
    val = tmp_path / 'instances_minival.json'  # the input where an output goes
    val.write_text(json.dumps(dict(images=[dict(id=1), dict(id=2)], annotations=[], categories=[])))
    (tmp_path / 'ids.txt').write_text('1\n')
    before = val.read_bytes()
    tool = load_tool('tools/dataset_converters/coco_minival_split.py')
    assert tool.main([str(val), str(tmp_path / 'ids.txt'), str(tmp_path)]) == 1
    assert 'is the input' in capsys.readouterr().err and val.read_bytes() == before
