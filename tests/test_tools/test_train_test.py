"""End to end through the command lines: mini data -> tools/train.py -> checkpoint -> tools/test.py -> mAP@100."""
import json
import numpy as np

from conftest import MINI_CONFIG, data_root_options, run_tool
from mmjft.evaluation.functional import map_at_k


def chance_map(val_ann, classes_file, hierarchy_file, seeds=3):
    """mAP@100 of random scores on the val split: the level a model that learned nothing reaches."""
    from mmjft.datasets import JFTDataset
    ds = JFTDataset(ann_file=val_ann, classes_file=classes_file, hierarchy_file=hierarchy_file, test_mode=True)
    targets = np.zeros((len(ds), len(ds.metainfo['classes'])), dtype=np.int64)
    for i in range(len(ds)):
        targets[i, ds.get_data_info(i)['gt_label']] = 1
    rng = np.random.default_rng(0)
    return max(map_at_k(rng.random(targets.shape), targets, k=100) for _ in range(seeds))


def test_train_then_test_learns_mini_jft(mini_jft, tmp_path):
    work = tmp_path / 'work'
    run_tool(['tools/train.py', MINI_CONFIG, '--work-dir', str(work), '--cfg-options',
              *data_root_options(mini_jft['data_root']), 'train_cfg.max_iters=9600', 'train_cfg.val_interval=9600',
              'default_hooks.checkpoint.interval=9600'])  # images: 300 iterations of 32
    ckpt = work / 'iter_300.pth'
    assert ckpt.exists()
    proc = run_tool(['tools/test.py', MINI_CONFIG, str(ckpt), '--work-dir', str(work / 'test'), '--cfg-options',
                     *data_root_options(mini_jft['data_root'])])
    metrics = json.loads(proc.stdout.strip().splitlines()[-1])
    assert set(metrics) == {'jft/mAP@100', 'jft/mAP@100_uniform'}
    written = json.loads((work / 'test' / 'test_metrics.json').read_text())
    assert abs(written['jft/mAP@100'] - metrics['jft/mAP@100']) < 1e-6
    chance = chance_map(mini_jft['val_ann'], mini_jft['classes_file'], mini_jft['hierarchy_file'])
    print(f'mAP@100 after 300 iterations: {metrics["jft/mAP@100"]:.4f}, random scores: {chance:.4f}')
    assert metrics['jft/mAP@100'] > chance + 0.25
