"""The fast-step switches: bf16 (AmpOptimWrapper), channels_last and compile (mmjft's Runner), on CPU."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from conftest import MINI_CONFIG, ROOT, build_runner
from mmjft.engine.amp import AmpOptimWrapper
from mmjft.engine.runner import use_channels_last
from mmjft.registry import MODELS
from mmjft.utils import register_all_modules

register_all_modules()
R101 = osp.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py')


@pytest.fixture(autouse=True)
def one_thread():
    """One torch thread: on a shared 2-core machine two OpenMP threads can wait on each other for seconds."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


BF16 = {'optim_wrapper.type': 'AmpOptimWrapper', 'optim_wrapper.dtype': 'bfloat16',
        'optim_wrapper.loss_scale': dict(enabled=False)}


def test_jft_configs_turn_the_fast_gpu_step_on_and_the_mini_config_does_not():
    for path in (R101, osp.join(ROOT, 'configs/jft/resnet50_8xb32_in1k-init_jft300m-299px.py')):
        cfg = Config.fromfile(path)
        assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype) == ('AmpOptimWrapper', 'bfloat16')
        assert cfg.optim_wrapper.loss_scale == dict(enabled=False)
        assert cfg.channels_last is True and cfg.compile is True and cfg.env_cfg.cudnn_benchmark is True
    mini = Config.fromfile(MINI_CONFIG)
    assert mini.optim_wrapper.get('type', 'OptimWrapper') == 'OptimWrapper'
    assert not mini.get('channels_last') and not mini.get('compile')


def _backbone_inputs(runner):
    seen = []
    runner.model.backbone.register_forward_pre_hook(lambda module, args: seen.append(args[0]))
    return seen


def test_bf16_channels_last_run_two_iterations_on_cpu(mini_jft, tmp_path):
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, {
        **BF16, 'channels_last': True, 'train_dataloader.batch_size': 4, 'train_cfg.max_iters': 8, 'val_cfg': None,
        'val_dataloader': None, 'val_evaluator': None, 'train_dataloader.num_workers': 0,
        'default_hooks.checkpoint': None})
    convs = [p for p in runner.model.parameters() if p.dim() == 4]
    assert convs and all(p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    assert not all(p.is_contiguous() for p in convs)  # (a 1x1 kernel is both)
    seen = _backbone_inputs(runner)
    runner.train()
    assert runner.iter == 2 and len(seen) == 2
    for x in seen:  # what the backbone was given: the preprocessed batch, NHWC in memory
        assert x.dim() == 4 and x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
    wrapper = runner.optim_wrapper
    assert isinstance(wrapper, AmpOptimWrapper) and wrapper.cast_dtype == torch.bfloat16
    assert not wrapper.loss_scaler.is_enabled()
    state = wrapper.optimizer.state[convs[0]]  # the optimizer's buffers follow the parameters' layout
    assert all(v.is_contiguous(memory_format=torch.channels_last) for v in state.values() if v.dim() == 4)
    assert all(torch.isfinite(p).all() for p in runner.model.parameters())


def test_switches_off_from_the_command_line(mini_jft, tmp_path):
    """--cfg-options optim_wrapper.type=OptimWrapper channels_last=False on a config that turns them on."""
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, {
        **BF16, 'channels_last': False, 'optim_wrapper.type': 'OptimWrapper'})
    assert all(p.is_contiguous() for p in runner.model.parameters())
    wrapper = runner.build_optim_wrapper(runner.optim_wrapper)  # dtype / loss_scale dropped for OptimWrapper
    assert type(wrapper).__name__ == 'OptimWrapper' and not hasattr(wrapper, 'cast_dtype')


def test_amp_optim_wrapper_on_cpu_autocasts_in_bf16_only():
    layer = torch.nn.Linear(4, 3)
    wrapper = AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), dtype='bfloat16')
    with wrapper.optim_context(layer):
        out = layer(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    before = layer.weight.detach().clone()
    wrapper.update_params(out.float().square().sum())
    assert not torch.equal(before, layer.weight) and wrapper.state_dict()['loss_scaler'] == {}
    with pytest.raises(ValueError, match='bfloat16 only'):
        AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), dtype='float16')


def test_amp_optim_wrapper_is_mmengines_where_there_is_an_accelerator(monkeypatch):
    from mmengine.optim.optimizer import amp_optimizer_wrapper
    monkeypatch.setattr('mmjft.engine.amp.has_accelerator', lambda: True)
    monkeypatch.setattr(amp_optimizer_wrapper, 'is_cuda_available', lambda: True)
    layer = torch.nn.Linear(4, 3)
    with pytest.warns(Warning):  # torch's CUDA GradScaler, here without CUDA, disables itself
        wrapper = AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), dtype='bfloat16',
                                  loss_scale=dict(enabled=False))
    assert wrapper.cast_dtype == torch.bfloat16 and wrapper.loss_scaler.__class__.__module__.startswith('torch')
    logged = []
    monkeypatch.setattr('mmjft.engine.amp.print_log', lambda msg, **kwargs: logged.append(msg))
    with pytest.warns(Warning):  # e.g. tools/train.py --amp (float16) on a JFT config: its loss_scale is bf16's
        AmpOptimWrapper(optimizer=torch.optim.SGD(layer.parameters(), lr=0.1), dtype='float16',
                        loss_scale=dict(enabled=False))
    assert len(logged) == 1 and 'underflow' in logged[0]


def test_use_channels_last_on_meta():
    cfg = Config.fromfile(MINI_CONFIG)
    model = use_channels_last(MODELS.build(cfg.model).to('meta'))
    convs = [p for p in model.parameters() if p.dim() == 4]
    assert all(p.is_meta and p.is_contiguous(memory_format=torch.channels_last) for p in convs)
    out = model.data_preprocessor(dict(inputs=torch.zeros(2, 3, 8, 8, dtype=torch.uint8, device='meta')), True)
    assert out['inputs'].is_contiguous(memory_format=torch.channels_last) and not out['inputs'].is_contiguous()


def test_compile_compiles_backbone_and_optimizer_step_in_place(mini_jft, tmp_path):
    """compile=True: the backbone compiled in place (state-dict keys unchanged, checkpoints stay loadable) and the
    optimizer's step, not mmengine's whole train_step (per-image Python, per-sample label lists)."""
    runner = build_runner(MINI_CONFIG, mini_jft['data_root'], tmp_path, {'compile': True})
    keys = list(runner.model.state_dict())
    runner.optim_wrapper = runner.build_optim_wrapper(runner.optim_wrapper)
    runner._maybe_compile('train_step')
    assert runner.model.backbone._compiled_call_impl is not None
    assert list(runner.model.state_dict()) == keys
    assert getattr(runner.model.train_step, '__self__', None) is runner.model  # the bound method, uncompiled
    assert hasattr(runner.optim_wrapper.optimizer.step, '_torchdynamo_orig_callable')
    with pytest.raises(ValueError, match="compile.modules: the model has no submodule 'trunk'"):
        runner.cfg.compile = dict(modules=['trunk'])
        runner._maybe_compile('train_step')


def test_compiled_optimizer_step_follows_the_schedulers_lr():
    """The compiled RMSpropTF step equals the eager one through lr changes (a scheduler writes param_groups)."""
    from mmjft.registry import OPTIMIZERS
    torch.manual_seed(0)
    x = torch.randn(8, 4)
    models = [torch.nn.Linear(4, 3) for _ in range(2)]
    models[1].load_state_dict(models[0].state_dict())
    opts = [OPTIMIZERS.build(dict(type='RMSpropTF', params=m.parameters(), lr=0.1, alpha=0.9, eps=1.0,
                                  momentum=0.9, weight_decay=1e-4)) for m in models]
    opts[1].step = torch.compile(opts[1].step)
    start = models[0].weight.detach().clone()
    for lr in (0.1, 0.05, 0.05, 0.02):
        for model, opt in zip(models, opts):
            for group in opt.param_groups:
                group['lr'] = lr
            opt.zero_grad()
            model(x).square().sum().backward()
            opt.step()
    assert torch.allclose(models[0].weight, models[1].weight, atol=1e-6)
    assert not torch.allclose(models[0].weight, start, atol=1e-3)
