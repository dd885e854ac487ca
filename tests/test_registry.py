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
