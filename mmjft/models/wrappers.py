"""mmengine's data-parallel wrapper with an optional gradient compression hook for the all-reduce.

JFT's classifier is 18,291 classes x 2048 features: 37M parameters, nearly as many as the ResNet-101 trunk (42.5M)
and more than the ResNet-50 one (23.5M), so each step all-reduces ~80M fp32 gradients (~320 MB) for ResNet-101.
Across nodes that all-reduce, not the GPUs, can bound the step time; ``comm_hook='bf16'`` halves the bytes sent
(torch's ``bf16_compress_hook``: gradients are cast to bfloat16, divided by the world size, summed, cast back), at
the cost of bf16's 8-bit mantissa in the averaged gradient. mmengine 0.10.7 has no such option (its wrappers pass
``**kwargs`` to torch's DDP only).
"""
from mmengine.model import MMDistributedDataParallel
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from torch.distributed.algorithms.ddp_comm_hooks import default_hooks

from mmjft.registry import MODEL_WRAPPERS

COMM_HOOKS = dict(bf16=default_hooks.bf16_compress_hook, fp16=default_hooks.fp16_compress_hook)


@MODEL_WRAPPERS.register_module()
class JFTDistributedDataParallel(MMDistributedDataParallel):
    """:class:`mmengine.model.MMDistributedDataParallel` that registers a DDP communication hook by name.

    Config (``type='JFTDistributedDataParallel'`` works too, as it is also registered in mmengine's root registry,
    where ``Runner.wrap_model`` looks a plain name up, whatever the default scope)::

        model_wrapper_cfg = dict(type='mmjft.JFTDistributedDataParallel', comm_hook='bf16')

    Args:
        module (nn.Module): the model.
        comm_hook (str, optional): 'bf16' (bfloat16 all-reduce: fp32's range, NCCL >= 2.10 or gloo), 'fp16'
            (float16: finer mantissa, but sums beyond 65504 overflow, values under ~6e-8 vanish) or None (fp32,
            torch's default).
        **kwargs: torch's ``DistributedDataParallel`` arguments. ``broadcast_buffers`` defaults to False (unless
            ``forward_sync_buffers`` is given), as in the wrapper the Runner builds when ``model_wrapper_cfg`` is
            not given: batch-norm statistics stay per replica, not synchronised at start either.
    """

    def __init__(self, module, comm_hook=None, **kwargs):
        if comm_hook is not None and comm_hook not in COMM_HOOKS:
            raise ValueError(f'model_wrapper_cfg.comm_hook: unknown hook {comm_hook!r}; choose one of '
                             f'{sorted(COMM_HOOKS)} or None')
        if 'forward_sync_buffers' not in kwargs:  # torch's newer name; giving both makes torch warn
            kwargs.setdefault('broadcast_buffers', False)
        super().__init__(module=module, **kwargs)
        self.comm_hook = comm_hook
        if comm_hook is not None:
            self.register_comm_hook(state=None, hook=COMM_HOOKS[comm_hook])


# Runner.wrap_model calls mmengine's MODEL_WRAPPERS.get(type) before building: a plain name is found only there
MMENGINE_MODEL_WRAPPERS.register_module(module=JFTDistributedDataParallel)
