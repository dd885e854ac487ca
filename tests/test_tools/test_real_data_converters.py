"""The two real-data converter commands end to end: their output loads and dataset_stats counts it."""
import json
import os
import sys

from conftest import run_tool

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), 'test_datasets'))
from test_converters.oi_world import write_data_noun, write_oi  # noqa: E402


def stats_of(tmp_path, out, split='train'):
    js = tmp_path / f'stats_{split}.json'
    proc = run_tool(['tools/analysis_tools/dataset_stats.py', '--ann-file', str(out / f'{split}.jsonl'),
                     '--classes-file', str(out / 'classes.txt'), '--hierarchy-file', str(out / 'hierarchy.json'),
                     '--json', str(js)])
    return proc.stdout, json.loads(js.read_text())


def test_open_images_command_then_dataset_stats(tmp_path):
    oi = write_oi(tmp_path)
    out = tmp_path / 'oi'
    proc = run_tool(['tools/dataset_converters/open_images_to_jft.py', str(out), '--labels', *oi['labels'],
                     '--classes', oi['classes'], '--hierarchy', oi['hierarchy'], '--val-fraction', '0',
                     '--max-bad-fraction', '0.2'])
    assert '4 of 6 classes in the tree, 4 roots' in proc.stdout and 'skipped 2 bad label rows' in proc.stdout
    stdout, stats = stats_of(tmp_path, out)
    assert 'images: 4' in stdout
    assert stats['images'] == 4 and stats['classes'] == 6
    assert stats['labels_per_image_raw'] == 5 / 4 and stats['labels_per_image_expanded'] == 8 / 4
    assert stats['top_classes'][0] == ['/m/a', 3]


def test_imagenet21k_command_then_dataset_stats(tmp_path):
    w = write_data_noun(tmp_path / 'data.noun')
    for n, k in (('dog', 3), ('cat', 2), ('rex', 1)):
        (tmp_path / 'imgs' / w[n]).mkdir(parents=True)
        for i in range(k):
            (tmp_path / 'imgs' / w[n] / f'{i}.JPEG').write_bytes(b'')
    out = tmp_path / 'in21k'
    proc = run_tool(['tools/dataset_converters/imagenet21k_to_jft.py', str(tmp_path / 'imgs'), str(out),
                     '--data-noun', str(tmp_path / 'data.noun')])
    assert '3 classes + 2 ancestors (collapse): max depth 3' in proc.stdout
    stdout, stats = stats_of(tmp_path, out)
    assert stats['images'] == 6 and stats['classes'] == 5 and stats['max_depth'] == 3
    # rex -> dog -> animal -> object: 1*4 + 3*3 (dog) + 2*3 (cat) = 19 labels
    assert stats['labels_per_image_expanded'] == 19 / 6
    assert dict(map(tuple, stats['top_classes']))[w['dog']] == 4
