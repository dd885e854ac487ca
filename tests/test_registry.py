import importlib

import pytest

from mmjft.registry import DATASETS, METRICS, MODELS


@pytest.mark.parametrize('lib', ['mmpretrain', 'mmdet', 'mmseg', 'mmpose'])
def test_every_library_resolves_an_mmjft_name(lib):
    registry = importlib.import_module(f'{lib}.registry')
    from mmjft.models import HierarchicalMultiLabelHead
    assert registry.MODELS.get('mmjft.HierarchicalMultiLabelHead') is HierarchicalMultiLabelHead
    head = registry.MODELS.build(dict(type='mmjft.HierarchicalMultiLabelHead', num_classes=3, in_channels=2))
    assert isinstance(head, HierarchicalMultiLabelHead)
    assert registry.DATASETS.get('mmjft.JFTDataset').__name__ == 'JFTDataset'
    assert registry.METRICS.get('mmjft.MAPAtK').__name__ == 'MAPAtK'


def test_mmjft_registries_are_children_of_mmpretrain():
    from mmpretrain import registry as pre
    for ours, theirs in [(MODELS, pre.MODELS), (DATASETS, pre.DATASETS), (METRICS, pre.METRICS)]:
        assert ours.scope == 'mmjft' and ours.parent is theirs
    # names mmjft does not hold fall through to mmpretrain
    assert MODELS.get('ImageClassifier') is pre.MODELS.get('ImageClassifier')


def test_register_all_modules_sets_default_scope():
    from mmengine import DefaultScope

    from mmjft.utils import register_all_modules
    register_all_modules(init_default_scope=True)
    assert DefaultScope.get_current_instance().scope_name == 'mmjft'
    assert 'RMSpropTF' in importlib.import_module('mmjft.registry').OPTIMIZERS.module_dict


def test_every_tree_a_run_builds_from_has_an_mmjft_node():
    from mmengine import registry as root
    from mmjft import registry as ours
    for name in ('PARAM_SCHEDULERS', 'OPTIM_WRAPPER_CONSTRUCTORS', 'VISUALIZERS', 'VISBACKENDS', 'LOG_PROCESSORS'):
        assert getattr(root, name)._search_child('mmjft') is getattr(ours, name)
    assert root.EVALUATOR._search_child('mmjft') is ours.EVALUATORS


def test_mini_train_and_test_log_no_registry_fallback(mini_jft, tmp_path, capfd):
    """mmengine builds in the default scope's node of each registry tree; a tree without an 'mmjft' node logs "Failed
    to search registry with scope 'mmjft' ..." (parameter schedulers, optimizer wrapper constructors, log processors,
    evaluators, visualizers, vis backends) and builds from the root. One iteration of 2 images, 2 images evaluated."""
    from conftest import MINI_CONFIG, data_root_options, run_log, run_tool_main
    options = [*data_root_options(mini_jft['data_root']), 'train_dataloader.batch_size=2', 'train_cfg.max_iters=2',
               'train_cfg.val_interval=2', 'default_hooks.checkpoint.interval=2']
    options += [f'{split}_dataloader.num_workers=0' for split in ('train', 'val', 'test')]
    options += [f'{split}_dataloader.dataset.indices=2' for split in ('val', 'test')]
    run_tool_main('tools/train.py', [MINI_CONFIG, '--work-dir', tmp_path / 'train', '--cfg-options', *options])
    metrics = run_tool_main('tools/test.py', [MINI_CONFIG, tmp_path / 'train' / 'iter_1.pth', '--work-dir',
                                              tmp_path / 'test', '--cfg-options', *options])
    assert 'jft/mAP@100' in metrics
    printed = capfd.readouterr()
    for text in (run_log(tmp_path / 'train'), run_log(tmp_path / 'test'), printed.out + printed.err):
        assert 'INFO' in text and 'Failed to search registry' not in text, text[-3000:]
