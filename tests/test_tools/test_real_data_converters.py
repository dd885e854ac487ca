"""The two real-data converters end to end, in-process (their ``main(argv)``, what the commands run; their command
lines' errors are tested in test_converter_outputs.py): their output loads and dataset_stats counts it (its ``main``,
in-process too; test_dataset_stats.py runs it as a command)."""
import json
import os
import sys

from conftest import run_tool_main

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'test_datasets'))
from test_converters.oi_world import write_data_noun, write_oi  # noqa: E402


def stats_of(tmp_path, out, capsys, split='train'):
    """What tools/analysis_tools/dataset_stats.py prints and writes for the conversion in ``out``."""
    js = tmp_path / f'stats_{split}.json'
    capsys.readouterr()  # what was printed before
    run_tool_main('tools/analysis_tools/dataset_stats.py', [
        '--ann-file', out / f'{split}.jsonl', '--classes-file', out / 'classes.txt', '--hierarchy-file',
        out / 'hierarchy.json', '--json', js])
    return capsys.readouterr().out, json.loads(js.read_text())


def test_open_images_command_then_dataset_stats(tmp_path, capsys):
    oi = write_oi(tmp_path)
    out = tmp_path / 'oi'
    run_tool_main('tools/dataset_converters/open_images_to_jft.py', [
        out, '--labels', *oi['labels'], '--classes', oi['classes'], '--hierarchy', oi['hierarchy'],
        '--val-fraction', '0', '--max-bad-fraction', '0.2'])
    stdout = capsys.readouterr().out
    assert '4 of 6 classes in the tree, 4 roots' in stdout and 'skipped 2 bad label rows' in stdout
    stdout, stats = stats_of(tmp_path, out, capsys)
    assert 'images: 4' in stdout
    assert stats['images'] == 4 and stats['classes'] == 6
    assert stats['labels_per_image_raw'] == 5 / 4 and stats['labels_per_image_expanded'] == 8 / 4
    assert stats['top_classes'][0] == ['/m/a', 3]


def test_imagenet21k_command_then_dataset_stats(tmp_path, capsys):
    w = write_data_noun(tmp_path / 'data.noun')
    for n, k in (('dog', 3), ('cat', 2), ('rex', 1)):
        (tmp_path / 'imgs' / w[n]).mkdir(parents=True)
        for i in range(k):
            (tmp_path / 'imgs' / w[n] / f'{i}.JPEG').write_bytes(b'')
    out = tmp_path / 'in21k'
    run_tool_main('tools/dataset_converters/imagenet21k_to_jft.py', [
        tmp_path / 'imgs', out, '--data-noun', tmp_path / 'data.noun'])
    assert '3 classes + 2 ancestors (collapse): max depth 3' in capsys.readouterr().out
    stdout, stats = stats_of(tmp_path, out, capsys)
    assert stats['images'] == 6 and stats['classes'] == 5 and stats['max_depth'] == 3
    # rex -> dog -> animal -> object: 1*4 + 3*3 (dog) + 2*3 (cat) = 19 labels
    assert stats['labels_per_image_expanded'] == 19 / 6
    assert dict(map(tuple, stats['top_classes']))[w['dog']] == 4
