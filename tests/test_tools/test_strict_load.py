"""tools/test.py and tools/train.py --resume refuse a checkpoint that does not fit the model (mmengine loads with
strict=False and only logs); --allow-partial-load loads what fits; the run records its load status as the message
hub's info 'load_status' (not a metric)."""
import copy

import pytest
import torch
from mmengine.config import Config
from mmengine.registry import DefaultScope

from conftest import MINI_CONFIG, build_runner, data_root_options, run_tool_main
from mmjft.engine.runner import check_checkpoint_loads
from mmjft.models.utils import CheckpointFitError
from mmjft.registry import MODELS
from mmjft.utils.compat import NotACheckpointError


@pytest.fixture(scope='module')
def checkpoints(mini_jft, tmp_path_factory):
    """Two checkpoints that record the mini data's classes: the mini model without its classifier (``headless``),
    and another width's backbone without one (``foreign``: every layer mis-shaped, as a converted pose checkpoint)."""
    folder = tmp_path_factory.mktemp('strict_load')
    classes = open(mini_jft['classes_file']).read().split()
    paths, model = {}, Config.fromfile(MINI_CONFIG).model
    for name, backbone in (('headless', {}), ('foreign', dict(base_channels=8, stem_channels=8))):
        cfg = copy.deepcopy(model)
        cfg.backbone.update(backbone)
        with DefaultScope.overwrite_default_scope('mmjft'):
            state = MODELS.build(cfg).state_dict()
        state = {k: v + 1 if v.is_floating_point() else v for k, v in state.items() if not k.startswith('head.fc')}
        paths[name] = str(folder / f'{name}.pth')
        torch.save(dict(state_dict=state, meta=dict(dataset_meta=dict(classes=classes))), paths[name])
    return paths


def test_test_refuses_a_checkpoint_whose_weights_do_not_fit(mini_jft, checkpoints, tmp_path):
    told = (r'(?s)foreign\.pth does not fit the model \(ImageClassifier\): 2 missing, 0 unexpected, 100 '
            r'shape-mismatched\n  missing from the checkpoint: head\.fc\.weight, head\.fc\.bias\n  shape mismatch .*'
            r'backbone\.conv1\.weight \(8, 3, 7, 7\) vs \(16, 3, 7, 7\).*--allow-partial-load')
    with pytest.raises(CheckpointFitError, match=told):
        run_tool_main('tools/test.py', [MINI_CONFIG, checkpoints['foreign'], '--work-dir', tmp_path, '--cfg-options',
                                        *data_root_options(mini_jft['data_root'])])
    assert not (tmp_path / 'test_metrics.json').exists()


def test_resume_refuses_it_and_an_allowed_partial_load_is_recorded(mini_jft, checkpoints, tmp_path):
    """The runner tools/train.py --resume builds (its refusal is tools/train.py's refuses_partial_load, tested in
    test_train_args.py), resuming a checkpoint without the classifier; then the same load allowed."""
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path,
                          dict(resume=True, load_from=checkpoints['headless']))
    before = runner.model.state_dict()['backbone.conv1.weight'].clone()
    with pytest.raises(CheckpointFitError, match=r'headless\.pth does not fit the model .*: 2 missing'):
        check_checkpoint_loads(runner).load_or_resume()  # what Runner.train() calls: resume() -> load_checkpoint()
    assert torch.equal(runner.model.state_dict()['backbone.conv1.weight'], before)  # refused before loading
    assert runner.message_hub.get_info('load_status') is None

    check_checkpoint_loads(runner, refuse_partial=False).load_checkpoint(checkpoints['headless'])
    saved = torch.load(checkpoints['headless'])['state_dict']
    assert torch.equal(runner.model.state_dict()['backbone.conv1.weight'], saved['backbone.conv1.weight'])
    assert runner.message_hub.get_info('load_status') == dict(
        checkpoint=checkpoints['headless'], strict=False, missing=2, unexpected=0, mismatched=0,
        first_keys=['head.fc.weight', 'head.fc.bias'])

    text = tmp_path / 'iter_300.pth'
    text.write_text('not saved: the run was killed\n')
    with pytest.raises(NotACheckpointError, match=r'iter_300\.pth is not a checkpoint: it is text'):
        runner.load_checkpoint(str(text))
