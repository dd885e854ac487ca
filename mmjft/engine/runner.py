"""mmengine's Runner plus what needs the real world size or the data at build time; the checked checkpoint load of
tools/test.py and --resume (any runner class)."""
import functools
import re

import torch
from mmengine.dist import get_world_size
from mmengine.model import is_model_wrapper
from mmengine.runner import Runner as MMEngineRunner

from mmjft.datasets.label_space import label_space_size
from mmjft.models.utils.state_dict_fit import CheckpointFitError, StateDictFit
from mmjft.registry import RUNNERS
from mmjft.utils.compat import load_checkpoint_file
from .amp import AMP_ONLY_KEYS
from .schedule import apply_auto_scale_schedule


def _batch_to_channels_last(module, args, output):
    """Forward hook of a data preprocessor: its 4-D image batch in ``torch.channels_last`` (NHWC in memory)."""
    inputs = output.get('inputs') if isinstance(output, dict) else None
    if isinstance(inputs, torch.Tensor) and inputs.dim() == 4:
        output['inputs'] = inputs.contiguous(memory_format=torch.channels_last)
    return output


def use_channels_last(model: torch.nn.Module) -> torch.nn.Module:
    """``model``'s 4-D parameters and buffers (convolution weights) in ``torch.channels_last``, and the batch its data
    preprocessor returns too, so that every convolution runs NHWC (cuDNN's fast layout for bf16 / fp16 tensor cores)
    without a layout conversion. The optimizer's state, built later from the parameters, follows their layout."""
    model.to(memory_format=torch.channels_last)
    preprocessor = getattr(model, 'data_preprocessor', None)
    if isinstance(preprocessor, torch.nn.Module):
        preprocessor.register_forward_hook(_batch_to_channels_last)
    return model


def load_checkpoint_checked(runner, filename, map_location='cpu', strict=False, revise_keys=((r'^module\.', ''), ),
                            refuse_partial=True):
    """What ``runner.load_checkpoint`` does (mmengine's: read, ``after_load_checkpoint`` hooks, load into the model),
    with the file read by :func:`~mmjft.utils.compat.load_checkpoint_file` and the fit of its tensors checked.

    The keys the model lacks, the model keys it lacks and the shapes that differ are counted (after the hooks, key
    renames ``revise_keys`` applied, as the model receives them) and recorded as ``runner.message_hub`` info
    ``'load_status'`` (:meth:`StateDictFit.status`: checkpoint, strict, missing, unexpected, mismatched,
    first_keys; not resumed from a checkpoint's message hub, so a resumed run records its own load).

    Args:
        refuse_partial (bool): raise :class:`CheckpointFitError` (the counts and the first keys) instead of loading
            a checkpoint that does not fit exactly.
        others: as :meth:`mmengine.runner.Runner.load_checkpoint`'s.
    """
    from mmengine.runner.checkpoint import _load_checkpoint_to_model
    checkpoint = load_checkpoint_file(filename, map_location=map_location)
    runner.call_hook('after_load_checkpoint', checkpoint=checkpoint)
    model = runner.model.module if is_model_wrapper(runner.model) else runner.model
    state_dict = checkpoint.get('state_dict', checkpoint)
    for pattern, replacement in revise_keys:
        state_dict = {re.sub(pattern, replacement, k): v for k, v in state_dict.items()}
    fit = StateDictFit.of(model.state_dict(), state_dict)
    if refuse_partial and not fit.complete:
        raise CheckpointFitError(
            f'checkpoint {filename} does not fit the model ({type(model).__name__}): {fit.describe()}\n'
            'The model keys it leaves out would keep their initial (random) values. Give the checkpoint of this '
            "config's model, or pass --allow-partial-load to load what fits (the run's load_status records it).")
    checkpoint = _load_checkpoint_to_model(model, checkpoint, strict, logger='current', revise_keys=list(revise_keys))
    runner.message_hub.update_info('load_status', fit.status(filename, strict=refuse_partial), resumed=False)
    runner._has_loaded = True
    runner.logger.info(f'Load checkpoint from {filename} ({fit.counts()} keys{"" if fit.complete else ", allowed"})')
    return checkpoint


def check_checkpoint_loads(runner, refuse_partial=True):
    """Route every checkpoint ``runner`` loads (``load_from``, ``resume``) through :func:`load_checkpoint_checked`.

    Set on the instance, so that it holds for any runner class: mmjft's, or mmengine's that a task library's config
    builds. tools/test.py refuses a partial load unless ``--allow-partial-load``; tools/train.py refuses one when
    resuming (a fine-tuning ``load_from`` may leave out the old head: its status is recorded only).
    """
    runner.load_checkpoint = functools.partial(load_checkpoint_checked, runner, refuse_partial=refuse_partial)
    return runner


@RUNNERS.register_module()
class Runner(MMEngineRunner):
    """mmengine's :class:`~mmengine.runner.Runner` (``runner_type = 'mmjft.Runner'``) with three additions:

    1. ``auto_scale_schedule = dict(enable=True, base_batch_size=B)``: the schedule's counts (max_iters, val and
       checkpoint intervals, scheduler steps, milestones, warm-up) are written for B images per iteration and are
       converted, once the process group exists, to iterations of the real global batch
       (:mod:`mmjft.engine.schedule`); the conversion is logged and written into the run's config dump.
    2. ``model.head.num_classes='auto'``: the head gets the number of classes of the training set's label space
       (its ``classes_subset`` or classes file; the test set's in a test-only run), so a class-list ablation needs
       no hand-counted head size.
    3. ``default_hooks=dict(name=None)`` switches off any default hook, mmjft's too (``label_space``,
       ``bad_images``, ``invalid_loss``); mmengine accepts None only for its own six.
    4. ``channels_last=True``: the model's convolution weights and the data preprocessor's output batch in
       ``torch.channels_last`` (:func:`use_channels_last`), set before the model is moved and wrapped.
    5. ``compile=True`` (or a dict of ``torch.compile`` options) compiles the model's ``backbone`` and ``neck`` in
       place (``nn.Module.compile``: state-dict keys unchanged), where the FLOPs are, and the optimizer's ``step``
       (timm's RMSpropTF: a Python loop of per-parameter operations, fused when compiled), instead of mmengine's
       ``torch.compile(model.train_step)``: a whole step holds the data preprocessor's per-image Python and the
       head's per-sample label lists (a new graph for each batch's label counts). ``compile=dict(modules=[...])``
       names other submodules (and ``'optimizer'``); ``modules=['train_step']`` is mmengine's behaviour.

    The fast GPU step is three config switches (the JFT configs turn all three on; docs/benchmarks.md)::

        optim_wrapper = dict(type='AmpOptimWrapper', dtype='bfloat16', loss_scale=dict(enabled=False))
        channels_last = True   # this Runner's
        compile = True         # torch.compile of the backbone, neck and optimizer step (see 5.)

    and each switches off from the command line: ``--cfg-options optim_wrapper.type=OptimWrapper channels_last=False
    compile=False`` (a plain ``OptimWrapper`` drops the AMP-only keys ``dtype``, ``loss_scale``, ``use_fsdp``).
    In mmjft configs ``AmpOptimWrapper`` is :class:`mmjft.engine.amp.AmpOptimWrapper`: mmengine's on a GPU, bf16 CPU
    autocast on a CPU host.
    """

    def build_model(self, model):
        if isinstance(model, dict) and (model.get('head') or {}).get('num_classes') == 'auto':
            loader = self._train_dataloader or self._test_dataloader or self._val_dataloader
            dataset = loader.dataset if hasattr(loader, 'dataset') else loader['dataset']
            model['head']['num_classes'] = label_space_size(dataset)
            self.cfg.model.head.num_classes = model['head']['num_classes']
            self.logger.info(f"model.head.num_classes='auto' -> {model['head']['num_classes']} (the data's classes)")
        model = super().build_model(model)
        if self.cfg.get('channels_last', False):
            use_channels_last(model)
            self.logger.info('channels_last=True: convolution weights and input batches in torch.channels_last')
        return model

    def _maybe_compile(self, target: str) -> None:
        options = self.cfg.get('compile', None)
        if not options:
            return
        options = {} if options is True else dict(options)
        names = list(options.pop('modules', ('backbone', 'neck', 'optimizer')))
        if target in names:  # mmengine's: torch.compile(model.<target>)
            self.cfg.compile = options or True
            return super()._maybe_compile(target)
        model = self.model.module if hasattr(self.model, 'module') else self.model
        done = []
        for name in names:
            module = getattr(model, name, None)
            if name == 'optimizer':
                self._compile_optimizer_step(options)
                done.append('optimizer.step')
            elif isinstance(module, torch.nn.Module):
                module.compile(**options)
                done.append(name)
            elif name != 'neck':  # the default names a neck the model may lack
                raise ValueError(f'compile.modules: the model has no submodule {name!r}')
        self.logger.info(f'compile: torch.compile of model.{", model.".join(done)} (in place); the first '
                         'iterations compile')

    def _compile_optimizer_step(self, options: dict) -> None:
        optimizers = ([w.optimizer for w in self.optim_wrapper.values()] if hasattr(self.optim_wrapper, 'values')
                      else [self.optim_wrapper.optimizer])
        for optimizer in optimizers:
            optimizer.step = torch.compile(optimizer.step, **options)

    def build_optim_wrapper(self, optim_wrapper):
        if isinstance(optim_wrapper, dict) and 'optimizer' in optim_wrapper and \
                optim_wrapper.get('type', 'OptimWrapper') in ('OptimWrapper', 'mmengine.OptimWrapper'):
            dropped = [k for k in AMP_ONLY_KEYS if k in optim_wrapper]
            if dropped:
                optim_wrapper = {k: v for k, v in optim_wrapper.items() if k not in dropped}
                self.logger.info(f'optim_wrapper.type=OptimWrapper (float32): dropped the AMP-only {dropped}')
        return super().build_optim_wrapper(optim_wrapper)

    def register_hooks(self, default_hooks=None, custom_hooks=None):
        if default_hooks is not None:
            own = ('runtime_info', 'timer', 'sampler_seed', 'logger', 'param_scheduler', 'checkpoint')
            default_hooks = {k: v for k, v in default_hooks.items() if v is not None or k in own}
        if isinstance(self._train_loop, dict) and isinstance(self._train_dataloader, dict):
            lines = apply_auto_scale_schedule(
                self.cfg.get('auto_scale_schedule'), get_world_size(), self._train_dataloader['batch_size'],
                self._train_loop, self.param_schedulers, default_hooks)
            for name, value in (('train_cfg', self._train_loop), ('param_scheduler', self.param_schedulers),
                                ('default_hooks', default_hooks)):
                if value is not None:
                    self.cfg[name] = value
            self.logger.info('\n'.join(lines))
        super().register_hooks(default_hooks, custom_hooks)
