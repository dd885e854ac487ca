"""The head and the datasets must share one label space before the first step (LabelSpaceCheckHook)."""
import os
from types import SimpleNamespace

import pytest
from mmengine.runner import BaseLoop

from conftest import MINI_CONFIG, ROOT, build_runner

LEAF_CONFIG = os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-leaf-classes-64px.py')
FAST = {'train_dataloader.batch_size': 4, 'train_dataloader.num_workers': 0, 'val_dataloader.num_workers': 0,
        'test_dataloader.num_workers': 0, 'train_cfg.val_interval': 10_000}


def test_head_smaller_than_the_data_stops_before_the_first_step(mini_jft, tmp_path):
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, {**FAST, 'model.head.num_classes': 60})
    with pytest.raises(ValueError, match=r'num_classes=60 but the train dataset has 73 classes .*classes\.txt'):
        runner.train()
    assert runner.iter == 0


def test_val_in_another_label_space_is_an_error(mini_jft, tmp_path):
    options = {**FAST, 'model.head.num_classes': 73}
    # the val set restricted to the leaf classes while training uses all 73: different sizes
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path,
                          {**options, 'val_dataloader.dataset.classes_subset': 'leaf_classes.txt'})
    with pytest.raises(ValueError, match=r'val dataset has 48 classes'):
        runner.train()
    # same size, another order: the val set's class list reversed
    classes = open(mini_jft['classes_file']).read().split()
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'b',
                          {**options, 'val_dataloader.dataset.classes_subset': classes[::-1]})
    with pytest.raises(ValueError, match=r"val dataset .*does not use the train dataset's label space .*: class 0 is"):
        runner.train()


def test_classes_subset_config_trains_and_evaluates_in_its_label_space(mini_jft, tmp_path):
    """The README's classes ablation: head size and val set follow the class list; a checkpoint of it cannot be
    evaluated on the full label space."""
    runner = build_runner(LEAF_CONFIG, mini_jft['data_root'], tmp_path,
                          {**FAST, 'train_cfg.max_iters': 8, 'default_hooks.checkpoint.interval': 8})
    runner.train()
    assert runner.iter == 2
    assert runner.model.head.num_classes == 48 == len(runner.train_dataloader.dataset.metainfo['classes'])
    assert runner.val_dataloader.dataset.metainfo['classes'] == runner.train_dataloader.dataset.metainfo['classes']
    ckpt = str(tmp_path / 'iter_2.pth')
    # the full 73-class test set against the 48-class checkpoint (head 'auto' follows the test data): refused
    tester = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path / 'test',
                          {**FAST, 'load_from': ckpt, 'model.head.num_classes': 'auto'})
    with pytest.raises(ValueError, match=r'checkpoint was trained on 48 classes but the test dataset'):
        tester.test()


class _Loop(BaseLoop):
    """A built loop over a dataset that only has classes (what the hook reads)."""

    def __init__(self, classes):
        self.dataloader = SimpleNamespace(dataset=SimpleNamespace(metainfo=dict(classes=classes), ann_file='val.jsonl'))

    def run(self):
        pass


@pytest.mark.parametrize('resume', [False, True])
def test_a_checkpoint_without_classes_is_an_error_on_test_and_resume(tmp_path, resume):
    from mmjft.engine.hooks import LabelSpaceCheckHook
    runner = SimpleNamespace(_train_loop=_Loop(('cat', 'dog')) if resume else None, _val_loop=None,
                             _test_loop=_Loop(('cat', 'dog')), _resume=resume,
                             _load_from=str(tmp_path / 'converted.pth'), work_dir=str(tmp_path))
    hook = LabelSpaceCheckHook()
    with pytest.raises(ValueError, match=r'converted\.pth records no classes \(meta\.dataset_meta\.classes\).* '
                                         r"against the (train|test) dataset's 2 classes .*val\.jsonl.*"
                                         r"\['classes'\] = \[\.\.\.\]"):
        hook.after_load_checkpoint(runner, dict(state_dict={}, meta=dict(dataset_meta=dict())))
    hook.after_load_checkpoint(runner, dict(state_dict={}, meta=dict(dataset_meta=dict(classes=['cat', 'dog']))))
    # fine-tuning (load_from without resume) from another label space stays allowed
    runner._resume, runner._train_loop = False, _Loop(('cat', 'dog'))
    hook.after_load_checkpoint(runner, dict(state_dict={}, meta={}))
