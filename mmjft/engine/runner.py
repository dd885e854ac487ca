"""mmengine's Runner plus what needs the real world size or the data at build time."""
from mmengine.dist import get_world_size
from mmengine.runner import Runner as MMEngineRunner

from mmjft.datasets.label_space import label_space_size
from mmjft.registry import RUNNERS
from .schedule import apply_auto_scale_schedule


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
    """

    def build_model(self, model):
        if isinstance(model, dict) and (model.get('head') or {}).get('num_classes') == 'auto':
            loader = self._train_dataloader or self._test_dataloader or self._val_dataloader
            dataset = loader.dataset if hasattr(loader, 'dataset') else loader['dataset']
            model['head']['num_classes'] = label_space_size(dataset)
            self.cfg.model.head.num_classes = model['head']['num_classes']
            self.logger.info(f"model.head.num_classes='auto' -> {model['head']['num_classes']} (the data's classes)")
        return super().build_model(model)

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
