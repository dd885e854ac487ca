"""Truncated JPEGs read by 2 data loader workers are counted in the main process, over epochs, against the totals."""
import json
import os
import shutil

import pytest

from conftest import MINI_CONFIG, build_runner
from mmjft.datasets import BadImageError


def _world_with_truncated(mini_jft, tmp_path, num_good=60, num_bad=3):
    """An annotation file of ``num_good`` mini-JFT images and ``num_bad`` truncated copies."""
    root = tmp_path / 'data'
    root.mkdir()
    for name in ('classes.txt', 'hierarchy.json'):
        shutil.copy(os.path.join(mini_jft['data_root'], name), root / name)
    lines = open(mini_jft['train_ann']).read().splitlines()[:num_good + num_bad]
    truncated = []
    for i in range(num_bad):
        rec = json.loads(lines[i])
        src = os.path.join(mini_jft['data_root'], rec['img_path'])
        data = open(src, 'rb').read()
        rec['img_path'] = f'truncated_{i}.jpg'
        (root / rec['img_path']).write_bytes(data[:len(data) * 2 // 3])
        truncated.append(str(root / rec['img_path']))
        lines[i] = json.dumps(rec)
    for i in range(num_bad, len(lines)):
        rec = json.loads(lines[i])
        rec['img_path'] = os.path.join(mini_jft['data_root'], rec['img_path'])  # absolute: the shared images
        lines[i] = json.dumps(rec)
    (root / 'train.jsonl').write_text('\n'.join(lines) + '\n')
    return str(root), truncated


def _options(data_root, batch, iters, workers=2, **extra):
    """Training only: no validation loop (its dataset and its run at the last iteration are not what is tested)."""
    opts = {'train_dataloader.dataset.data_root': data_root, 'train_dataloader.batch_size': batch,
            'train_dataloader.num_workers': workers, 'train_dataloader.persistent_workers': False,
            'train_cfg.max_iters': iters * batch, 'val_dataloader': None, 'val_cfg': None, 'val_evaluator': None,
            'default_hooks.checkpoint.interval': 10**6, 'default_hooks.logger.interval': 5}
    opts.update({f'train_dataloader.dataset.{k}': v for k, v in extra.items()})
    return opts


def test_two_workers_two_epochs_totals_logged(mini_jft, tmp_path):
    data_root, truncated = _world_with_truncated(mini_jft, tmp_path)
    # 63 images (3 truncated) in batches of 9: 7 iterations per epoch, 14 = two epochs
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'work', _options(data_root, 9, 14))
    runner.train()
    hook = next(h for h in runner.hooks if type(h).__name__ == 'BadImageHook')
    totals = hook.totals
    assert totals.num_bad >= 2 * 3  # each truncated file is drawn once per epoch (and maybe again as a refetch)
    assert set(totals.bad_paths) == set(truncated)
    assert totals.reads == 14 * 9 + totals.num_bad  # every delivered image plus every failed read
    log = open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')).read()
    assert f'bad images: {totals.num_bad} of {totals.reads} read from' in log  # the summary at the end
    assert log.count('bad images: ') >= 2  # and at a logger interval that saw one


def test_ceiling_on_totals_stops_training_naming_files(mini_jft, tmp_path):
    data_root, truncated = _world_with_truncated(mini_jft, tmp_path)
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'work',
                          _options(data_root, 9, 14, workers=0, max_bad_fraction=0.01, bad_check_after=20))
    # (in-process loading: a run stopped by an exception leaves loader workers to a slow clean-up in a test)
    with pytest.raises(BadImageError, match=r'failed to load .*truncated_\d\.jpg'):
        runner.train()
