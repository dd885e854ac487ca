"""bf16 autocast through mmengine's ``AmpOptimWrapper``: on a GPU exactly mmengine's, on a CPU host as well.

mmengine 0.10.7's ``AmpOptimWrapper`` asserts a CUDA / NPU / MLU / MUSA device when it is built, so a config that asks
for it (the JFT configs' fast GPU step: ``optim_wrapper=dict(type='AmpOptimWrapper', dtype='bfloat16', ...)``) could
not even be built on a CPU host. In mmjft-scoped configs (``default_scope='mmjft'``) the name ``AmpOptimWrapper``
resolves to the subclass below: with an accelerator it is mmengine's wrapper unchanged; without one it runs the step
under CPU autocast in bfloat16 (mmengine's ``autocast`` on the 'cpu' device) with no loss scaling, which bfloat16,
having float32's exponent range, does not need. ``type='mmengine.AmpOptimWrapper'`` names mmengine's own.
"""
import logging

import torch
from mmengine.device import is_cuda_available, is_mlu_available, is_musa_available, is_npu_available
from mmengine.logging import print_log
from mmengine.optim import AmpOptimWrapper as MMEngineAmpOptimWrapper
from mmengine.optim import OptimWrapper

from mmjft.registry import OPTIM_WRAPPERS

# the keys only an AmpOptimWrapper takes: mmjft's Runner drops them when a config switches to a plain OptimWrapper
AMP_ONLY_KEYS = ('dtype', 'loss_scale', 'use_fsdp')


def has_accelerator() -> bool:
    """Whether mmengine's AmpOptimWrapper can be built here (its own test)."""
    return is_cuda_available() or is_npu_available() or is_mlu_available() or is_musa_available()


@OPTIM_WRAPPERS.register_module()
class AmpOptimWrapper(MMEngineAmpOptimWrapper):
    """mmengine's :class:`~mmengine.optim.AmpOptimWrapper`, also buildable and runnable on a CPU host.

    Args are mmengine's (``loss_scale``, ``dtype``, ``use_fsdp``, ``**kwargs`` of ``OptimWrapper``). For bfloat16
    give ``loss_scale=dict(enabled=False)``: a disabled ``GradScaler`` skips the scaling, the unscaling pass over
    every gradient and the device-to-host read of the overflow check that mmengine's default ``'dynamic'`` costs
    each step. On a CPU host only ``dtype='bfloat16'`` (or None, which means it there) is accepted, and
    ``loss_scale`` and ``use_fsdp`` are ignored.
    """

    def __init__(self, loss_scale='dynamic', dtype=None, use_fsdp: bool = False, **kwargs):
        if dtype in ('float16', torch.float16) and isinstance(loss_scale, dict) and loss_scale.get('enabled') is False:
            # e.g. a JFT config (loss_scale for bfloat16) set to float16 by hand; tools/train.py --amp sets 'dynamic'
            print_log("AmpOptimWrapper: float16 without loss scaling lets small gradients underflow to zero; give "
                      "loss_scale='dynamic' (the JFT configs' loss_scale=dict(enabled=False) is for bfloat16)",
                      logger='current', level=logging.WARNING)
        if has_accelerator():
            super().__init__(loss_scale=loss_scale, dtype=dtype, use_fsdp=use_fsdp, **kwargs)
            return
        dtype = getattr(torch, dtype) if isinstance(dtype, str) else dtype
        if dtype not in (None, torch.bfloat16):
            raise ValueError(f'AmpOptimWrapper on a CPU host: autocast runs in bfloat16 only, got dtype={dtype}')
        OptimWrapper.__init__(self, **kwargs)
        self._scale_update_param = None
        self.loss_scaler = torch.amp.GradScaler('cpu', enabled=False)
        self.cast_dtype = torch.bfloat16
