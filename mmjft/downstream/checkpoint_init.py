"""A strict weight initializer for downstream models: load a converted mmjft checkpoint or fail with the key names.

mmengine's ``Pretrained`` initializer loads with ``strict=False`` and only logs what it skipped, so a renamed stage
silently stays randomly initialised. This one is used as the top-level ``init_cfg`` of a downstream model::

    model = dict(
        init_cfg=dict(type='mmjft.ConvertedCheckpoint', checkpoint='checkpoints/r101_jft300m_mmdet-c4.pth',
                      prefixes=('backbone.', 'roi_head.shared_head.')),
        backbone=dict(init_cfg=None), roi_head=dict(shared_head=dict(init_cfg=None)))

It checks, before touching the model, that every checkpoint key is a model key under ``prefixes`` with the same
shape and that every model parameter and buffer under ``prefixes`` is in the checkpoint (``num_batches_tracked``,
which old torchvision files lack and frozen BN never reads, excepted), and that the checkpoint's recorded input
normalisation (``meta['img_norm']``) is the model's ``data_preprocessor``'s. Then it copies every tensor.

Ordering: mmengine initialises a module's own ``init_cfg`` (other than ``Pretrained``) *before* its children's
``init_weights``, and mmdet's ResNet and ``ResLayer`` fall back to Kaiming init when their ``init_cfg`` is None,
which would overwrite the loaded weights. The submodules this initializer fills are therefore marked initialised
(``is_init = True``), so that their own ``init_weights`` is skipped; everything else (RPN, box head) is initialised
as usual.
"""
from typing import Optional, Sequence

import torch

from mmjft.registry import WEIGHT_INITIALIZERS
from mmjft.utils.compat import load_checkpoint_file

from .convert import ConversionError, img_norm_from_meta


def _listing(keys, limit=30):
    keys = list(keys)
    return '\n  '.join(str(k) for k in keys[:limit]) + (f'\n  ... and {len(keys) - limit} more' if len(keys) > limit
                                                         else '')


def check_img_norm(img_norm: dict, data_preprocessor, atol: float = 1e-3) -> None:
    """Raise ``ValueError`` unless ``data_preprocessor`` normalises input as ``img_norm`` says.

    Args:
        img_norm: ``dict(mean, std, to_rgb)`` recorded with the weights.
        data_preprocessor: an mmengine ``ImgDataPreprocessor`` (mmdet's, mmseg's, mmpose's, mmpretrain's).
    """
    mean, std = getattr(data_preprocessor, 'mean', None), getattr(data_preprocessor, 'std', None)
    if mean is None or std is None:
        raise ValueError(f'the weights were trained on input normalised with {img_norm}, the model\'s data '
                         f'preprocessor ({type(data_preprocessor).__name__}) does not normalise')
    got_mean, got_std = mean.detach().flatten().cpu().tolist(), std.detach().flatten().cpu().tolist()
    convert = getattr(data_preprocessor, '_channel_conversion', getattr(data_preprocessor, 'channel_conversion', None))
    want_mean, want_std = torch.tensor(img_norm['mean']), torch.tensor(img_norm['std'])
    ok = (len(got_mean) == len(want_mean) and torch.allclose(torch.tensor(got_mean), want_mean, atol=atol)
          and torch.allclose(torch.tensor(got_std), want_std, atol=atol))
    if convert is not None:
        ok = ok and bool(convert) == bool(img_norm.get('to_rgb', False))
    if not ok:
        raise ValueError(f'input normalisation mismatch: the checkpoint was trained with mean={img_norm["mean"]}, '
                         f'std={img_norm["std"]}, to_rgb={img_norm.get("to_rgb")}; the model\'s data_preprocessor '
                         f'has mean={got_mean}, std={got_std}, bgr_to_rgb={convert}')


@WEIGHT_INITIALIZERS.register_module(name='ConvertedCheckpoint')
class ConvertedCheckpointInit:
    """Fill the submodules under ``prefixes`` from a converted checkpoint, exactly, or raise.

    Args:
        checkpoint (str): a file written by ``tools/model_converters/mmjft_to_downstream.py`` (any path or URL
            mmengine's ``CheckpointLoader`` reads).
        prefixes (Sequence[str], optional): model key prefixes to fill, e.g. ``('backbone.',
            'roi_head.shared_head.')``; defaults to the checkpoint's ``meta['prefixes']``.
        check_img_norm (bool): compare the checkpoint's ``meta['img_norm']`` with the model's data preprocessor.
        map_location (str): where to load the tensors.

    Raises:
        ConversionError: missing, unexpected or shape-mismatched keys (all listed).
        ValueError: the normalisation differs, or the checkpoint records none.
        NotACheckpointError: the file is not a checkpoint (:func:`mmjft.utils.compat.load_checkpoint_file`).
    """

    def __init__(self, checkpoint: str, prefixes: Optional[Sequence[str]] = None, check_img_norm: bool = True,
                 map_location: str = 'cpu'):
        self.checkpoint = checkpoint
        self.prefixes = tuple(prefixes) if prefixes else None
        self.check_img_norm = check_img_norm
        self.map_location = map_location
        self.wholemodule = False  # set by mmengine's initialize(); unused

    def __call__(self, module: torch.nn.Module) -> None:
        from mmengine.logging import print_log
        ckpt = load_checkpoint_file(self.checkpoint, map_location=self.map_location)
        state_dict = ckpt.get('state_dict', ckpt)
        meta = ckpt.get('meta', {}) if 'state_dict' in ckpt else {}
        prefixes = self.prefixes or tuple(meta.get('prefixes') or ())
        if not prefixes:
            raise ValueError(f'{self.checkpoint}: give prefixes= (the checkpoint\'s meta records none)')

        self.check_keys(state_dict, module, prefixes, source=self.checkpoint)
        if self.check_img_norm:
            if not hasattr(module, 'data_preprocessor'):
                raise ValueError(f'{type(module).__name__} has no data_preprocessor to check the normalisation of '
                                 f'{self.checkpoint} against; use this initializer on the whole model')
            check_img_norm(img_norm_from_meta(meta), module.data_preprocessor)

        own = module.state_dict()
        with torch.no_grad():
            for key, value in state_dict.items():
                own[key].copy_(value)  # state_dict() tensors share storage with the parameters and buffers
        for prefix in prefixes:
            sub = module.get_submodule(prefix.rstrip('.'))
            if hasattr(sub, '_params_init_info'):
                from mmengine.model.weight_init import update_init_info
                update_init_info(sub, init_info=f'{type(self).__name__}: {self.checkpoint}')
            if hasattr(sub, 'is_init'):
                sub.is_init = True  # its own (random) init_weights must not overwrite what was loaded
        print_log(f'{type(self).__name__}: {len(state_dict)} tensors from {self.checkpoint} into '
                  f'{", ".join(prefixes)}', logger='current')

    @staticmethod
    def check_keys(state_dict, module: torch.nn.Module, prefixes: Sequence[str], source: str = 'checkpoint'):
        """Raise :class:`ConversionError` listing every key that does not fit ``module`` under ``prefixes``."""
        prefixes = tuple(prefixes)
        own = module.state_dict()
        unexpected = [k for k in state_dict if k not in own or not k.startswith(prefixes)]
        mismatched = [f'{k}: checkpoint {tuple(v.shape)} vs model {tuple(own[k].shape)}'
                      for k, v in state_dict.items() if k in own and tuple(v.shape) != tuple(own[k].shape)]
        missing = [k for k in own if k.startswith(prefixes) and k not in state_dict
                   and not k.endswith('num_batches_tracked')]
        problems = []
        if missing:
            problems.append(f'{len(missing)} model keys under {prefixes} missing from the checkpoint:\n  '
                            + _listing(missing))
        if unexpected:
            problems.append(f'{len(unexpected)} checkpoint keys that are not model keys under {prefixes}:\n  '
                            + _listing(unexpected))
        if mismatched:
            problems.append(f'{len(mismatched)} shape mismatches:\n  ' + _listing(mismatched))
        if problems:
            raise ConversionError(f'{source} does not fit {type(module).__name__}: ' + '\n'.join(problems))
