"""``StrictPretrained``: mmengine's ``Pretrained`` initializer that fills a module exactly or raises.

mmengine's ``Pretrained`` loads with ``strict=False`` and only logs what did not fit, so ResNet-18 weights given to a
ResNet-34 leave its extra blocks random and the run goes on. The ImageNet-initialised JFT configs
(configs/jft/*in1k-init*.py) use this one instead::

    model = dict(backbone=dict(init_cfg=dict(type='mmjft.StrictPretrained', prefix='backbone',
                                             checkpoint='checkpoints/resnet101_torchvision-in1k_mmpretrain.pth')))

Every tensor of the module (``num_batches_tracked`` excepted) must come from the checkpoint's ``prefix.*`` keys in its
own shape, and every such key must be used, or :class:`CheckpointFitError` names the first keys and the counts. For a
deliberately partial load use mmengine's ``type='Pretrained'``.

Ordering: mmengine runs a module's own ``init_cfg`` before its children's ``init_weights`` unless its type is the
string ``'Pretrained'``, and mmpretrain's ResNet zeroes each residual branch's last norm afterwards unless its
``init_cfg`` is ``Pretrained``. After loading, the module's submodules are therefore marked initialised and its
``zero_init_residual`` switched off, as mmengine and mmpretrain do for ``Pretrained``.
"""
from typing import Optional

import torch

from mmjft.registry import WEIGHT_INITIALIZERS
from mmjft.utils.compat import load_checkpoint_file
from .state_dict_fit import CheckpointFitError, StateDictFit


@WEIGHT_INITIALIZERS.register_module(name='StrictPretrained')
class StrictPretrainedInit:
    """Fill a module from a checkpoint, every tensor, or raise.

    Args:
        checkpoint (str): a checkpoint file (any path or URL mmengine's ``CheckpointLoader`` reads).
        prefix (str, optional): the module's key prefix in the checkpoint (``'backbone'``); None: the checkpoint's
            keys are the module's own.
        map_location (str): where to load the tensors.

    Raises:
        CheckpointFitError: a module tensor the checkpoint leaves unfilled or gives in another shape, or a
            checkpoint key under ``prefix`` the module lacks.
        NotACheckpointError: the file is not a checkpoint (:func:`mmjft.utils.compat.load_checkpoint_file`).
    """

    def __init__(self, checkpoint: str, prefix: Optional[str] = None, map_location: str = 'cpu'):
        self.checkpoint = checkpoint
        self.prefix = prefix.rstrip('.') + '.' if prefix else ''
        self.map_location = map_location
        self.wholemodule = False  # set by mmengine's initialize(); unused

    def __call__(self, module: torch.nn.Module) -> None:
        from mmengine.logging import print_log
        ckpt = load_checkpoint_file(self.checkpoint, map_location=self.map_location)
        state_dict = ckpt.get('state_dict', ckpt)
        state_dict = {(k[len('module.'):] if k.startswith('module.') else k): v for k, v in state_dict.items()}
        state_dict = {k[len(self.prefix):]: v for k, v in state_dict.items() if k.startswith(self.prefix)}
        if not state_dict:
            raise CheckpointFitError(f'{self.checkpoint} has no keys under {self.prefix!r} to initialise '
                                     f'{type(module).__name__} with; give the prefix its keys start with')
        fit = StateDictFit.of(module.state_dict(), state_dict)
        if not fit.complete:
            raise CheckpointFitError(
                f'{self.checkpoint} ({self.prefix or "all keys"}) does not fit {type(module).__name__}: '
                f'{fit.describe()}\nThe tensors it leaves out would stay random. Give the checkpoint of this '
                "architecture (depth, widths), or, for a deliberately partial init, mmengine's type='Pretrained'.")
        own = module.state_dict()
        with torch.no_grad():
            for key, value in state_dict.items():
                if key in own:  # (a num_batches_tracked the module does not keep is the only other case)
                    own[key].copy_(value)  # state_dict() tensors share storage with the parameters and buffers
        for sub in module.modules():
            if sub is not module and hasattr(sub, 'is_init'):
                sub.is_init = True  # their own init_weights must not overwrite what was loaded
        if getattr(module, 'zero_init_residual', False):
            module.zero_init_residual = False  # mmpretrain's ResNet skips it for Pretrained: so for this one
        if hasattr(module, '_params_init_info'):
            from mmengine.model.weight_init import update_init_info
            update_init_info(module, init_info=f'{type(self).__name__}: load from {self.checkpoint}')
        print_log(f'StrictPretrained: {len(state_dict)} tensors from {self.checkpoint} ({self.prefix or "all keys"}) '
                  f'into {type(module).__name__}', logger='current')
