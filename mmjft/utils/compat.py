"""The two repairs the OpenMMLab stack needs on torch >= 2.6, in one place.

1. Checkpoints. torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
   without the argument, so an mmengine checkpoint (whose ``meta`` and ``message_hub`` carry numpy scalars and
   arrays, and mmengine's own ``HistoryBuffer``) fails to load. Instead of switching the safety off for the whole
   process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), :func:`allow_openmmlab_checkpoint_globals` adds exactly the
   data classes such checkpoints contain to torch's allow-list. A checkpoint that carries anything else (a function,
   a class with a custom ``__reduce__``: code) is still refused by torch.

2. Multi-process runs without a GPU. mmengine's pytorch launcher calls ``torch.cuda.set_device(local_rank)``
   unconditionally and the Runner wraps the model in DDP with ``device_ids=[LOCAL_RANK]``. On a CPU host
   :func:`setup_cpu_distributed` initialises the gloo process group itself (the Runner then skips its own
   ``init_dist``) and makes the wrapper's ``device_ids`` None.
"""
import os
import pickle
import subprocess

import numpy as np
import torch

_ALLOWED = False


def _numpy_globals():
    """numpy's reconstructors, array and dtype classes, under the names numpy 2.x and numpy 1.x pickle them with.

    A checkpoint written under numpy 1.x (most files of the OpenMMLab model zoos) names
    ``numpy.core.multiarray._reconstruct`` and ``numpy.core.multiarray.scalar``; numpy 2 moved them to
    ``numpy._core``. Both names are allow-listed for the same objects.
    """
    objs = [np.ndarray, np.dtype]
    try:  # numpy >= 2
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    objs += [_reconstruct, scalar]
    objs += [(_reconstruct, 'numpy.core.multiarray._reconstruct'), (scalar, 'numpy.core.multiarray.scalar'),
             (_reconstruct, 'numpy._core.multiarray._reconstruct'), (scalar, 'numpy._core.multiarray.scalar')]
    # each concrete dtype class (numpy.dtypes.Float64DType, ...) and each scalar type (np.float64, np.int64, ...)
    objs += [type(np.dtype(t)) for t in np.sctypeDict.values()]
    objs += list(set(np.sctypeDict.values()))
    return objs


# What mmengine 0.10.7 itself puts in HistoryBuffer._statistics_methods (HistoryBuffer._set_default_statistics), the
# only methods a checkpoint's message hub refers to.
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')


def _history_buffer_getattr(obj, name):
    """Stands in for ``builtins.getattr`` while unpickling with ``weights_only``: resolves only HistoryBuffer methods.

    mmengine pickles each ``HistoryBuffer`` with its ``statistics_methods`` ({'min': HistoryBuffer.min, ...}), and
    pickle writes a method of a class as ``getattr(HistoryBuffer, 'min')``. Allowing the real ``getattr`` would let a
    crafted checkpoint walk from any allowed object to arbitrary code; this stand-in answers exactly those lookups:
    the statistics mmengine registers itself (:data:`HISTORY_BUFFER_STATISTICS`), never ``update`` or
    ``register_statistics``, which change state.
    """
    from mmengine.logging import HistoryBuffer
    if obj is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(f'weights_only load: getattr({obj!r}, {name!r}) is not allowed in a checkpoint')


def allow_openmmlab_checkpoint_globals():
    """Allow-list, for ``torch.load(weights_only=True)``, what OpenMMLab checkpoints really contain.

    Idempotent; called on ``import mmjft``. Covers numpy arrays, dtypes and scalars, mmengine's
    :class:`HistoryBuffer` (message hub state) with its statistics methods (see :func:`_history_buffer_getattr`),
    mmengine's ``ConfigDict`` and python's ``collections`` containers that ``dataset_meta`` and optimizer states use.
    """
    global _ALLOWED
    if _ALLOWED:
        return
    import collections

    from mmengine.config import ConfigDict
    from mmengine.logging import HistoryBuffer
    allowed = _numpy_globals() + [
        HistoryBuffer, ConfigDict, collections.OrderedDict, collections.defaultdict, collections.deque,
        set, frozenset, (_history_buffer_getattr, 'builtins.getattr')]
    torch.serialization.add_safe_globals(allowed)
    _ALLOWED = True


def setup_cpu_distributed(cfg, launcher):
    """Prepare a gloo run for ``launcher`` when no GPU is present; a no-op with a GPU or ``launcher='none'``.

    Args:
        cfg (mmengine.Config): the run's config; its ``env_cfg.dist_cfg.backend`` becomes ``'gloo'`` and its
            ``model_wrapper_cfg`` gets ``device_ids=None``.
        launcher (str): 'none', 'pytorch' or 'slurm'.

    Returns:
        bool: whether the CPU set-up was applied.
    """
    if launcher == 'none' or torch.cuda.is_available():
        return False
    import torch.distributed as dist
    dist_cfg = cfg.setdefault('env_cfg', {}).setdefault('dist_cfg', {})
    dist_cfg['backend'] = 'gloo'
    wrapper = cfg.get('model_wrapper_cfg') or dict(type='MMDistributedDataParallel', broadcast_buffers=False)
    wrapper['device_ids'] = None
    cfg.model_wrapper_cfg = wrapper
    if not dist.is_initialized():
        if launcher == 'slurm':
            _slurm_env_to_torch_env()
        dist.init_process_group(backend='gloo')
    return True


def _slurm_env_to_torch_env():
    """Translate Slurm's task variables into torch's RANK/WORLD_SIZE/LOCAL_RANK; MASTER_ADDR, when not exported, is the
    job's first node (``scontrol show hostname $SLURM_NODELIST``, as mmengine's GPU slurm launcher finds it)."""
    env = os.environ
    env.setdefault('RANK', env['SLURM_PROCID'])
    env.setdefault('WORLD_SIZE', env['SLURM_NTASKS'])
    env.setdefault('LOCAL_RANK', env.get('SLURM_LOCALID', '0'))
    env.setdefault('MASTER_PORT', '29500')
    if 'MASTER_ADDR' not in env and env.get('SLURM_NODELIST'):
        try:
            first = subprocess.run(['scontrol', 'show', 'hostname', env['SLURM_NODELIST']], capture_output=True,
                                   text=True).stdout.split()
        except OSError:  # no scontrol on this host
            first = []
        if first:
            env['MASTER_ADDR'] = first[0]
    if 'MASTER_ADDR' not in env:
        raise RuntimeError('slurm launcher without GPU: MASTER_ADDR is not set and `scontrol show hostname '
                           '$SLURM_NODELIST` names no node; export MASTER_ADDR (the first node of the job)')
