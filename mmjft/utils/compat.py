"""The two repairs the OpenMMLab stack needs on torch >= 2.6, in one place.

1. Checkpoints. torch >= 2.6 loads with ``weights_only=True`` by default, and mmengine 0.10.7 calls ``torch.load``
   without the argument, so an mmengine checkpoint (whose ``meta`` and ``message_hub`` carry numpy scalars and
   arrays, and mmengine's own ``HistoryBuffer``) fails to load. Instead of switching the safety off for the whole
   process (``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1``), :func:`allow_openmmlab_checkpoint_globals` adds exactly the
   data classes such checkpoints contain to torch's allow-list. A checkpoint that carries anything else (a function,
   a class with a custom ``__reduce__``: code) is still refused by torch. :func:`load_checkpoint_file` is how mmjft
   loads a checkpoint: a file that is not one (text, random bytes, empty) and a refused one get an error that says so
   and names the file, never torch's advice to load with ``weights_only=False``.

2. Multi-process runs without a GPU. mmengine's pytorch launcher calls ``torch.cuda.set_device(local_rank)``
   unconditionally and the Runner wraps the model in DDP with ``device_ids=[LOCAL_RANK]``. On a CPU host
   :func:`setup_cpu_distributed` initialises the gloo process group itself (the Runner then skips its own
   ``init_dist``) and makes the wrapper's ``device_ids`` None.
"""
import os
import os.path as osp
import pickle
import re
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


# how torch.save's files begin: a zip archive (torch >= 1.6), or the legacy format's pickle (protocol >= 2)
TORCH_FILE_HEADERS = (b'PK\x03\x04', b'\x80')
# torch's words for a file it cannot parse, as opposed to a readable checkpoint its RuntimeError is about (a CUDA
# tensor on a CPU host: torch's own message says what to do)
_FORMAT_ERROR = re.compile(r'PytorchStreamReader|zip archive|magic number|protocol version|corrupt|Unsupported operand',
                           re.IGNORECASE)
# the weights_only unpickler's refusals of an object outside the allow-list (mmjft's getattr stand-in's too)
_REFUSED = re.compile(r'GLOBAL (\S+)|unrecognized function|allowlisted via|is not allowed in a checkpoint')


class NotACheckpointError(ValueError):
    """A file given as a checkpoint that torch cannot read as one: text, random bytes, empty, truncated."""


def _what_the_file_is(filename):
    """Why a local file cannot be a torch checkpoint ('the file is empty', 'it is text ...'), or None when it
    begins as one (or is not a local file: a URL, an ``open-mmlab://`` name)."""
    path = osp.expanduser(str(filename))
    if not osp.isfile(path):
        return None
    size = osp.getsize(path)
    with open(path, 'rb') as f:
        head = f.read(64)
    if size == 0:
        return 'the file is empty'
    if head.startswith(TORCH_FILE_HEADERS):
        return None
    text = head.decode('utf-8', errors='replace')
    if '\ufffd' not in text[:-3] and all(c.isprintable() or c in '\n\r\t' for c in text[:-3]):
        return f'it is text ({size} bytes) beginning {text[:40]!r}'
    return f'its {size} bytes begin {head[:8]!r}, neither a zip archive (torch.save) nor a pickle'


def _torch_reason(error):
    """torch's message without its advice to load with ``weights_only=False``: the unpickler's own words."""
    message = str(error).replace(getattr(torch.serialization, 'UNSAFE_MESSAGE', ''), '')
    message = message.split('WeightsUnpickler error:')[-1].split('Check the documentation of torch.load')[0]
    lines = [line.strip() for line in message.splitlines() if line.strip() and 'weights_only' not in line]
    reason = ' '.join(lines)[:200]
    return f'{type(error).__name__}: {reason}' if reason else type(error).__name__


def _explain_load_error(filename, error):
    """The error to raise instead of ``error`` (torch's, loading ``filename``), or None to keep torch's."""
    what = _what_the_file_is(filename)
    if what is not None:
        return NotACheckpointError(f'{filename} is not a checkpoint: {what}; torch.load cannot read it '
                                   f'({_torch_reason(error)}). Give a .pth file written by tools/train.py (or '
                                   'torch.save).')
    refused = _REFUSED.search(str(error)) if isinstance(error, pickle.UnpicklingError) else None
    if refused:
        name = refused.group(1) or 'an object outside the allow-list'
        return pickle.UnpicklingError(
            f'{filename} is refused: it holds {name}, which could run code while it is loaded; checkpoints load with '
            'torch.load(weights_only=True) and the allow-list of what OpenMMLab checkpoints hold '
            '(mmjft/utils/compat.py). Use a checkpoint written by tools/train.py, or by torch.save of tensors and '
            'plain containers, from a source you trust.')
    if isinstance(error, RuntimeError) and not _FORMAT_ERROR.search(str(error)):
        return None
    return NotACheckpointError(f'{filename} is not a readable checkpoint: it begins as a torch file but torch.load '
                               f'fails ({_torch_reason(error)}); truncated or corrupt? Copy or write it again.')


def load_checkpoint_file(filename, map_location='cpu'):
    """A checkpoint loaded as mmengine loads one (``CheckpointLoader``: paths, URLs, ``open-mmlab://``; on torch >=
    2.6 with ``weights_only`` and :func:`allow_openmmlab_checkpoint_globals`'s allow-list), its failures said plainly.

    Args:
        filename (str): the checkpoint.
        map_location: as :func:`torch.load`'s.

    Returns:
        dict: the checkpoint (``state_dict``, ``meta``, ...) or a bare state dict.

    Raises:
        FileNotFoundError: no such file (mmengine's message).
        NotACheckpointError: not a checkpoint (text, random bytes, empty, truncated, or a torch file of something
            other than a dict), naming the file and what it is.
        pickle.UnpicklingError: the file holds an object outside the allow-list (code): refused, naming it.
    """
    from mmengine.runner import CheckpointLoader
    allow_openmmlab_checkpoint_globals()
    try:
        checkpoint = CheckpointLoader.load_checkpoint(str(filename), map_location=map_location)
    except OSError:  # not found, a folder, not readable: mmengine's and the system's messages name the file
        raise
    except Exception as error:  # noqa: BLE001  (random bytes raise KeyError, struct.error, ... in the unpickler)
        explained = _explain_load_error(filename, error)
        if explained is None:
            raise
        raise explained from None  # torch's message, chained, would repeat the weights_only=False advice
    if not isinstance(checkpoint, dict):
        raise NotACheckpointError(f'{filename} is not a checkpoint: torch.load reads a {type(checkpoint).__name__}, '
                                  'not a dict of state_dict and meta (or a state dict)')
    return checkpoint


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
