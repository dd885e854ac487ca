"""Run a command-line script's ``main(argv)`` inside this process, with what it changed undone afterwards.

The study runner runs its cells this way (tools/run_study.py: each lane is one long-lived process that pays the
stack's imports once, ~12 s, instead of once per cell), and so do the tests that call tools/ in-process. The code
path is the script's own: ``main`` of tools/train.py is what ``python tools/train.py`` runs.
"""
import importlib.util
import os
import os.path as osp

__all__ = ['load_script', 'save_process_state', 'restore_process_state', 'run_script_main']


def load_script(path: str, name: str = None):
    """The Python file ``path`` (e.g. tools/train.py) imported as a module (a fresh module object each call)."""
    name = name or 'mmjft_script_' + osp.splitext(osp.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _manager_classes():
    """mmengine's ``ManagerMixin`` and every subclass (DefaultScope, MMLogger, MessageHub, Visualizer, ...): each
    class keeps its own named instances."""
    from mmengine.utils import ManagerMixin
    classes, todo = [], [ManagerMixin]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    return classes


def save_process_state() -> dict:
    """What running a tool's ``main`` in this process changes, for :func:`restore_process_state`: the environment
    (``LOCAL_RANK`` from the parser, ``OMP_NUM_THREADS`` & co.), the working directory, mmengine's named instances
    (the Runner makes a DefaultScope, an MMLogger, a MessageHub and a Visualizer named after its experiment,
    ``<config>_<timestamp>``: unique only to the second, and they would stay the current ones), the random generators
    the Runner seeds, torch's and OpenCV's thread counts, cuDNN's flags, the multiprocessing start method (the Runner
    forces its ``mp_cfg``'s) and whether a process group exists."""
    import multiprocessing
    import random

    import cv2
    import numpy as np
    import torch
    import torch.distributed as dist
    return dict(
        environ=dict(os.environ), cwd=os.getcwd(),
        instances={cls: list(cls._instance_dict.items()) for cls in _manager_classes()},
        rng=(random.getstate(), np.random.get_state(), torch.get_rng_state(),
             torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None),
        threads=(torch.get_num_threads(), cv2.getNumThreads()),
        cudnn=(torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic,
               torch.are_deterministic_algorithms_enabled()),
        start_method=multiprocessing.get_start_method(allow_none=True),
        process_group=dist.is_available() and dist.is_initialized())


def restore_process_state(state: dict) -> None:
    """Put back what :func:`save_process_state` saved; the MMLoggers made since have their handlers (the run's log
    file) closed, a process group made since is destroyed."""
    import multiprocessing
    import random

    import cv2
    import numpy as np
    import torch
    import torch.distributed as dist
    os.chdir(state['cwd'])
    os.environ.clear()
    os.environ.update(state['environ'])
    for cls in _manager_classes():
        kept = state['instances'].get(cls, [])
        for name, instance in list(cls._instance_dict.items()):
            if name not in dict(kept):
                for handler in list(getattr(instance, 'handlers', ())):
                    handler.close()
                    instance.removeHandler(handler)
        cls._instance_dict.clear()
        cls._instance_dict.update(kept)
    random.setstate(state['rng'][0])
    np.random.set_state(state['rng'][1])
    torch.set_rng_state(state['rng'][2])
    if state['rng'][3] is not None:
        torch.cuda.set_rng_state_all(state['rng'][3])
    torch.set_num_threads(state['threads'][0])
    cv2.setNumThreads(state['threads'][1])
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = state['cudnn'][:2]
    torch.use_deterministic_algorithms(state['cudnn'][2])
    multiprocessing.set_start_method(state['start_method'], force=True)
    if not state['process_group'] and dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def run_script_main(path: str, argv, cwd: str = None):
    """``main(argv)`` of the script ``path`` in this process, from ``cwd`` (default: the current folder), with
    ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` unset (weights_only loading stays on), and what it changed in the process
    undone afterwards. Returns what ``main`` returns (tools/train.py: the runner, tools/test.py: the metrics)."""
    state = save_process_state()
    os.environ.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)
    if cwd:
        os.chdir(cwd)
    try:
        return load_script(path).main([str(a) for a in argv])
    finally:
        restore_process_state(state)
