"""Checkpoints are saved, resumed and used for init with torch.load(weights_only=True) on; code is refused."""
import os
import pickle
import re

import pytest
import torch
from mmengine.runner import load_checkpoint

from conftest import MINI_CONFIG, data_root_options, run_tool_main


class Payload:
    """An object whose unpickling runs code: what weights_only loading exists to refuse."""

    def __reduce__(self):
        return (os.system, ('echo pwned > /dev/null', ))


def test_weights_only_is_on_and_not_forced_off():
    assert 'TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD' not in os.environ
    import inspect
    assert inspect.signature(torch.load).parameters['weights_only'].default in (None, True)


def test_save_resume_and_init_through_the_runner(mini_jft, tmp_path):
    """tools/train.py (its ``main``, in this process: conftest.run_tool_main) saves a checkpoint that loads with
    weights_only=True, resumes from it, and a model initialised from the resumed run's checkpoint gets every tensor."""
    work = tmp_path / 'work'
    common = [*data_root_options(mini_jft['data_root']), 'train_cfg.val_interval=100',
              'default_hooks.checkpoint.interval=64', 'default_hooks.checkpoint.max_keep_ckpts=5']  # images
    run_tool_main('tools/train.py', [MINI_CONFIG, '--work-dir', work, '--cfg-options', 'train_cfg.max_iters=64',
                                     *common])
    ckpt = work / 'iter_2.pth'
    # what an mmengine checkpoint carries beyond tensors: numpy objects, HistoryBuffers, ConfigDicts
    raw = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert {'meta', 'state_dict', 'message_hub', 'optimizer', 'param_schedulers'} <= set(raw)
    assert raw['message_hub']['log_scalars'], 'no HistoryBuffer in the message hub'
    safe = torch.load(ckpt, map_location='cpu')  # weights_only=True by default on torch >= 2.6
    assert safe['meta']['iter'] == 2

    runner = run_tool_main('tools/train.py', [MINI_CONFIG, '--work-dir', work, '--resume', ckpt, '--cfg-options',
                                              'train_cfg.max_iters=128', *common])
    with open(os.path.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        log = f.read()
    assert re.search(r'resumed epoch: \d+, iter: 2', log), log[-3000:]
    resumed = torch.load(work / 'iter_4.pth', map_location='cpu')
    assert resumed['meta']['iter'] == 4
    assert len(resumed['message_hub']['log_scalars']['train/loss'].data[0]) >= 4  # history carried over

    # a model initialised from the checkpoint gets every tensor
    from mmengine.config import Config

    from mmjft.registry import MODELS
    from mmjft.utils import register_all_modules
    register_all_modules()
    cfg = Config.fromfile(MINI_CONFIG)
    cfg.model.backbone.init_cfg = dict(type='Pretrained', checkpoint=str(work / 'iter_4.pth'), prefix='backbone')
    model = MODELS.build(cfg.model)
    model.init_weights()
    for key, value in model.backbone.state_dict().items():
        assert torch.equal(value, resumed['state_dict']['backbone.' + key]), key


def test_checkpoint_carrying_code_is_refused(tmp_path):
    import mmjft  # noqa: F401  (installs the allow-list)
    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {'w': torch.zeros(1)}, 'meta': {'hook': Payload()}}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only|Unsupported global'):
        load_checkpoint(torch.nn.Linear(1, 1), str(path))


class SneakyGetattr:
    """A pickle that asks getattr for something other than a HistoryBuffer statistics method."""

    def __init__(self, target, name):
        self.target, self.name = target, name

    def __reduce__(self):
        return (getattr, (self.target, self.name))


def test_getattr_only_resolves_history_buffer_methods(tmp_path):
    import numpy as np
    from mmengine.logging import HistoryBuffer

    import mmjft  # noqa: F401
    ok = tmp_path / 'ok.pth'
    torch.save({'m': SneakyGetattr(HistoryBuffer, 'mean')}, ok)
    assert torch.load(ok)['m'] is HistoryBuffer.mean
    for name in ('min', 'max', 'current'):
        path = tmp_path / f'{name}.pth'
        torch.save({'m': SneakyGetattr(HistoryBuffer, name)}, path)
        assert torch.load(path)['m'] is getattr(HistoryBuffer, name)
    # public methods that change state are not statistics: a checkpoint must not reach them
    for target, name in [(HistoryBuffer, 'update'), (HistoryBuffer, 'register_statistics'),
                         (HistoryBuffer, 'statistics'), (HistoryBuffer, '__init__'), (np.ndarray, 'tofile'),
                         (HistoryBuffer, '_set_default_statistics')]:
        path = tmp_path / f'{name}.pth'
        torch.save({'m': SneakyGetattr(target, name)}, path)
        with pytest.raises(pickle.UnpicklingError, match='not allowed'):
            torch.load(path)


def test_checkpoint_pickled_under_numpy_1_loads(tmp_path):
    """Older OpenMMLab zoo files name numpy.core.multiarray._reconstruct (numpy 1.x); numpy 2 calls it numpy._core."""
    import numpy as np

    import mmjft  # noqa: F401
    path = tmp_path / 'np1.pth'
    obj = {'state_dict': {'w': torch.ones(2)}, 'meta': {'a': np.arange(3), 'f': np.float64(0.5)}}
    torch.save(obj, path, _use_new_zipfile_serialization=False)  # legacy format: the pickle's names are plain text
    raw = path.read_bytes()
    assert b'numpy._core.multiarray' in raw
    path.write_bytes(raw.replace(b'numpy._core.multiarray', b'numpy.core.multiarray'))
    loaded = torch.load(path)  # weights_only
    assert loaded['meta']['a'].tolist() == [0, 1, 2] and loaded['meta']['f'] == 0.5
