"""tools/analysis_tools/dataset_stats.py from annotation files, as a command (what a shell sees), and from a config,
its ``main(argv)`` in-process."""
import json
from collections import Counter

from conftest import MINI_CONFIG, data_root_options, run_tool, run_tool_main


def test_dataset_stats_from_files_and_from_config(mini_jft, tmp_path):
    out = tmp_path / 'stats.json'
    proc = run_tool(['tools/analysis_tools/dataset_stats.py', '--ann-file', mini_jft['train_ann'],
                     '--classes-file', mini_jft['classes_file'], '--hierarchy-file', mini_jft['hierarchy_file'],
                     '--json', str(out), '--top', '3'])
    stats = json.loads(out.read_text())
    assert 'classes_under_100_images' in proc.stdout and 'top_classes:' in proc.stdout
    assert stats['images'] == mini_jft['num_train']
    assert stats['classes'] == mini_jft['num_classes']
    raw = mini_jft['num_train_labels'] / mini_jft['num_train']
    assert abs(stats['labels_per_image_raw'] - raw) < 1e-9
    assert stats['labels_per_image_expanded'] > stats['labels_per_image_raw']  # ancestors were added
    parents = json.load(open(mini_jft['hierarchy_file']))
    fan_out = Counter(p for ps in parents.values() for p in ps)
    assert stats['max_fan_out'] == max(fan_out.values())
    assert len(stats['top_classes']) == 3 and stats['top_classes'][0][1] >= stats['top_classes'][1][1]

    run_tool_main('tools/analysis_tools/dataset_stats.py', [MINI_CONFIG, '--split', 'val', '--json', out,
                                                            '--cfg-options', *data_root_options(mini_jft['data_root'])])
    assert json.loads(out.read_text())['images'] == mini_jft['num_val']
