"""Stop a run before its first step when the head and the datasets disagree on the label space."""
from typing import Optional

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmengine.runner import BaseLoop

from mmjft.registry import HOOKS


def describe_dataset(dataset) -> str:
    """The files a dataset's label space comes from, for error messages."""
    while not hasattr(dataset, 'ann_file') and hasattr(dataset, 'dataset'):  # RepeatDataset & co.
        dataset = dataset.dataset
    parts = [f'{type(dataset).__name__} {getattr(dataset, "ann_file", "")}'.rstrip()]
    for attr in ('classes_file', 'classes_subset'):
        value = getattr(dataset, attr, None)
        if isinstance(value, str):
            parts.append(f'{attr} {value}')
        elif value is not None:
            parts.append(f'{attr} of {len(value)} names')
    return ', '.join(parts)


def _classes(loop) -> Optional[tuple]:
    if not isinstance(loop, BaseLoop):  # a loop not built (e.g. the train loop of a test run)
        return None
    classes = getattr(loop.dataloader.dataset, 'metainfo', {}).get('classes')
    return tuple(classes) if classes is not None else None


def _checkpoint_name(runner) -> str:
    """The file the runner loads: ``load_from``, else (auto resume) the latest checkpoint of the work dir."""
    if getattr(runner, '_load_from', None):
        return str(runner._load_from)
    from mmengine.runner import find_latest_checkpoint
    return find_latest_checkpoint(runner.work_dir) or f'(the latest of {runner.work_dir})'


def _first_difference(a, b) -> str:
    for i, (x, y) in enumerate(zip(a, b)):
        if x != y:
            return f'class {i} is {x!r} in one and {y!r} in the other'
    return f'one has {len(a)} classes, the other {len(b)}'


@HOOKS.register_module()
class LabelSpaceCheckHook(Hook):
    """Checks, before the first step, that the model's head and every dataset of the run share one label space.

    * ``head.num_classes`` equals the number of classes of the train, val and test datasets;
    * val and test use the training label space: the same classes in the same order;
    * a run that evaluates or resumes a checkpoint reads the checkpoint's ``meta.dataset_meta.classes`` (mmengine
      saves the train set's metainfo) and stops if the data's classes differ, or if the checkpoint records none
      (its label space cannot be checked; the error says how to record it).

    Without it a head smaller than the data fails at an arbitrary step with an index error (or, for an id that fits
    in the flat target, silently trains another image's label), and a val set in another class order reports a
    meaningless mAP. Models without ``head.num_classes`` and datasets without ``metainfo['classes']`` are skipped.
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        model = runner.model.module if is_model_wrapper(runner.model) else runner.model
        num_classes = getattr(getattr(model, 'head', None), 'num_classes', None)
        splits = {name: (getattr(runner, f'_{name}_loop', None)) for name in ('train', 'val', 'test')}
        classes = {name: _classes(loop) for name, loop in splits.items()}
        classes = {name: c for name, c in classes.items() if c is not None}
        for name, names in classes.items():
            if isinstance(num_classes, int) and len(names) != num_classes:
                raise ValueError(
                    f'the model head has num_classes={num_classes} but the {name} dataset has {len(names)} classes '
                    f'({describe_dataset(splits[name].dataloader.dataset)}): set model.head.num_classes to '
                    f"{len(names)} (or 'auto' to take it from the train dataset)")
        if 'train' in classes:
            for name in ('val', 'test'):
                if name in classes and classes[name] != classes['train']:
                    raise ValueError(
                        f'the {name} dataset ({describe_dataset(splits[name].dataloader.dataset)}) does not use the '
                        f"train dataset's label space ({describe_dataset(splits['train'].dataloader.dataset)}): "
                        f'{_first_difference(classes["train"], classes[name])}. Give both the same classes_file '
                        'and classes_subset.')

    def after_load_checkpoint(self, runner, checkpoint) -> None:
        if isinstance(getattr(runner, '_train_loop', None), BaseLoop) and not runner._resume:
            return  # fine-tuning from another label space (load_from) is legitimate: its head is not reused
        saved = ((checkpoint.get('meta') or {}).get('dataset_meta') or {}).get('classes')
        saved = tuple(saved) if saved is not None else None
        for name in ('train', 'val', 'test'):
            loop = getattr(runner, f'_{name}_loop', None)
            names = _classes(loop)
            if names is not None and saved is None:
                raise ValueError(
                    f'the checkpoint {_checkpoint_name(runner)} records no classes (meta.dataset_meta.classes), so '
                    f"its head's label space cannot be checked against the {name} dataset's {len(names)} classes "
                    f'({describe_dataset(loop.dataloader.dataset)}). tools/train.py records them; for a checkpoint '
                    'from elsewhere add the class names in the order of its head: ckpt = torch.load(F); '
                    "ckpt.setdefault('meta', {}).setdefault('dataset_meta', {})['classes'] = [...]; "
                    'torch.save(ckpt, F). Or skip this check: --cfg-options default_hooks.label_space=None')
            if names is not None and names != saved:
                raise ValueError(
                    f'the checkpoint was trained on {len(saved)} classes but the {name} dataset '
                    f'({describe_dataset(loop.dataloader.dataset)}) has another label space: '
                    f'{_first_difference(saved, names)}')
