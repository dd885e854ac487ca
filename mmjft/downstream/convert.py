"""mmjft pretraining checkpoints -> initialisation weights for downstream models (mmdet, mmseg, mmpose).

A source is either an mmjft (mmpretrain ``ImageClassifier``) checkpoint as the Runner saves it -- ``state_dict``
with ``backbone.*`` (torchvision's ResNet key names) and ``head.fc.*``, ``meta['cfg']`` the config text -- or the
output of ``tools/model_converters/torchvision_to_mmpretrain.py`` (``meta['img_norm']`` already set).

Each target in :data:`DOWNSTREAM_TARGETS` maps the backbone's names into the downstream model's and says which
prefixes of that model the weights must fill completely (:class:`ConvertedCheckpointInit` checks it at init). The
output is ``{'state_dict': ..., 'meta': {'img_norm', 'target', 'prefixes', 'source', 'converter'}}``;
``img_norm = dict(mean, std, to_rgb)`` is the input normalisation the weights were trained with, which the
downstream config must repeat.

Adding a target (e.g. ``'mmpose'``) is one function ``backbone tensors -> {downstream key: tensor}`` and one entry in
the dict.
"""
import ast
import re
from collections import OrderedDict
from typing import Callable, Dict, Mapping, NamedTuple, Optional, Tuple

from mmjft.models.utils.torchvision_resnet import TORCHVISION_IMG_NORM

# normalisation of mmjft's JFT pretraining (configs/_base_/models/resnet101_jft.py): RGB pixels to [-1, 1]
JFT_IMG_NORM = dict(mean=[127.5, 127.5, 127.5], std=[127.5, 127.5, 127.5], to_rgb=True)
NAMED_IMG_NORMS = {'jft': JFT_IMG_NORM, 'torchvision': TORCHVISION_IMG_NORM}

# a ResNet backbone tensor as mmpretrain's and mmdet's ResNet (style='pytorch', no deep stem) name it
_RESNET_KEY = re.compile(
    r'^(conv1\.weight|bn1\.\w+|layer[1-4]\.\d+\.(conv[1-3]\.weight|bn[1-3]\.\w+|downsample\.[01]\.\w+))$')
# parts of a pretraining checkpoint that no downstream model uses: the JFT / ImageNet classifier (mmpretrain's
# LinearClsHead and mmjft's heads: one ``fc``), the pooling neck (no tensors, listed for completeness) and the data
# preprocessor's buffers
_DROPPED_PREFIXES = ('head.fc.', 'neck.', 'data_preprocessor.')
# what the other OpenMMLab models' checkpoints hold beside ``backbone.*``, to name a checkpoint that is not a
# pretraining classifier: mmdet's detectors, mmseg's encoder-decoders, mmpose's heads (HeatmapHead and G-RMI's
# GRMIHead: final_layer, deconv_layers, conv_layers; mmpose 0.x: keypoint_head)
_OTHER_MODELS = (('detection', ('rpn_head.', 'roi_head.', 'bbox_head.', 'mask_head.')),
                 ('segmentation', ('decode_head.', 'auxiliary_head.')),
                 ('pose', ('head.final_layer.', 'head.deconv_layers.', 'head.conv_layers.', 'keypoint_head.')))


class ConversionError(KeyError):
    """A checkpoint that does not fit the conversion; the message lists the offending keys."""

    def __str__(self):  # KeyError would print the message with quotes and escaped newlines
        return str(self.args[0]) if self.args else ''


class DownstreamTarget(NamedTuple):
    """How backbone tensors become a downstream model's initial weights.

    Attributes:
        convert: ``{ResNet key: tensor} -> {downstream model key: tensor}``.
        prefixes: the downstream model's key prefixes the converted weights must fill completely.
        description: one line for ``--help``.
    """
    convert: Callable[[Mapping], 'OrderedDict']
    prefixes: Tuple[str, ...]
    description: str


def _to_mmdet_c4(backbone: Mapping) -> OrderedDict:
    """Faster R-CNN C4 (paper §5.2): conv1..conv4 are the shared backbone, conv5 the RoI box head.

    mmdet's ``ResNet(num_stages=3)`` holds ``conv1``, ``bn1``, ``layer1-3``; its ``ResLayer`` shared head
    (``roi_head.shared_head``, stage 3) names conv5 ``layer4``, with the same block and layer names.
    """
    missing = [s for s in ('conv1.weight', 'layer1.', 'layer2.', 'layer3.', 'layer4.')
               if not any(k.startswith(s) for k in backbone)]
    if missing:
        raise ConversionError(f'mmdet-c4 needs a four-stage ResNet; no tensors for {missing}')
    out = OrderedDict()
    for key, value in backbone.items():
        out[('roi_head.shared_head.' if key.startswith('layer4.') else 'backbone.') + key] = value
    return out


def _to_mmseg(backbone: Mapping) -> OrderedDict:
    """DeepLab (paper §5.3): mmseg's plain ``ResNet`` (``deep_stem=False``, ``style='pytorch'``; dilations only
    change padding and dilation, not tensors) holds all four stages under ``backbone.`` with torchvision's names."""
    missing = [s for s in ('conv1.weight', 'layer1.', 'layer2.', 'layer3.', 'layer4.')
               if not any(k.startswith(s) for k in backbone)]
    if missing:
        raise ConversionError(f'mmseg needs a four-stage ResNet; no tensors for {missing}')
    return OrderedDict(('backbone.' + key, value) for key, value in backbone.items())


def _to_mmpose(backbone: Mapping) -> OrderedDict:
    """G-RMI top-down pose (paper §5.4): mmpose's ``ResNet`` (``deep_stem=False``, ``style='pytorch'``; the atrous
    conv4 / conv5 of output stride 8 change no tensor) has torchvision's key names: all four stages under
    ``backbone.``."""
    missing = [s for s in ('conv1.weight', 'layer1.', 'layer2.', 'layer3.', 'layer4.')
               if not any(k.startswith(s) for k in backbone)]
    if missing:
        raise ConversionError(f'mmpose needs a four-stage ResNet; no tensors for {missing}')
    return OrderedDict(('backbone.' + key, value) for key, value in backbone.items())


DOWNSTREAM_TARGETS: Dict[str, DownstreamTarget] = {
    'mmdet-c4': DownstreamTarget(_to_mmdet_c4, ('backbone.', 'roi_head.shared_head.'),
                                 'mmdet Faster R-CNN C4: conv1-4 -> backbone (num_stages=3), conv5 -> '
                                 'roi_head.shared_head.layer4'),
    'mmseg': DownstreamTarget(_to_mmseg, ('backbone.', ),
                              'mmseg EncoderDecoder (DeepLab-ASPP-L): conv1-5 -> backbone (plain ResNet, no deep stem)'),
    'mmpose': DownstreamTarget(_to_mmpose, ('backbone.', ),
                               'mmpose TopdownPoseEstimator (G-RMI): conv1-5 -> backbone (plain ResNet, output stride 8)'),
}


def split_pretraining_state_dict(state_dict: Mapping, source: str = 'the checkpoint') -> Tuple[OrderedDict, list]:
    """The ResNet backbone tensors of an mmpretrain classifier state dict, keyed without ``backbone.``.

    Args:
        state_dict: ``backbone.*`` (a ResNet), ``head.fc.*`` (the classifier), ``neck.*``, ``data_preprocessor.*``.
        source: names the checkpoint in error messages.

    Returns:
        tuple: ``(backbone, dropped)``: the backbone tensors, and the keys left out (classifier head, neck,
        preprocessor).

    Raises:
        ConversionError: a detection, segmentation or pose checkpoint (named as such, with the keys that tell), or
            listing every key that is neither a ResNet backbone tensor nor one of the dropped parts.
    """
    backbone, dropped, unknown = OrderedDict(), [], []
    for key, value in state_dict.items():
        name = key[len('module.'):] if key.startswith('module.') else key
        if name.startswith('backbone.') and _RESNET_KEY.match(name[len('backbone.'):]):
            backbone[name[len('backbone.'):]] = value
        elif name.startswith(_DROPPED_PREFIXES):
            dropped.append(key)
        else:
            unknown.append(name)
    for kind, prefixes in _OTHER_MODELS:
        found = sorted({p for p in prefixes for k in unknown if k.startswith(p)})
        if found:
            first = [k for k in unknown if k.startswith(tuple(found))][:3]
            raise ConversionError(
                f'{source} is a {kind} checkpoint ({", ".join(p + "*" for p in found)}: {", ".join(first)}), not a '
                'pretraining classifier (backbone.* and head.fc.*): convert the checkpoint of the classification '
                'pretraining it started from (a configs/jft/ run, or torchvision_to_mmpretrain.py\'s output)')
    if unknown:
        raise ConversionError(f'{source} is not an mmjft / mmpretrain ResNet classifier checkpoint: {len(unknown)} '
                              f'unexpected keys: {unknown[:20]}{" ..." if len(unknown) > 20 else ""}')
    if not backbone:
        raise ConversionError(f'no backbone.* ResNet tensors in {source}')
    return backbone, dropped


# ---------------------------------------------------------------------------------------------------------------
# normalisation recorded with the weights
# ---------------------------------------------------------------------------------------------------------------
def _literal(node):
    """Evaluate a config-text node made of literals, lists, tuples, ``{...}`` and ``dict(k=v)`` only."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == 'dict' and not node.args:
        return {kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg is not None}
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values)}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_literal(e) for e in node.elts]
    return ast.literal_eval(node)


def _keyword(node, name):
    """The value node of key ``name`` in a ``dict(...)`` call or ``{...}`` node, else None."""
    if isinstance(node, ast.Call):
        return next((kw.value for kw in node.keywords if kw.arg == name), None)
    if isinstance(node, ast.Dict):
        return next((v for k, v in zip(node.keys, node.values)
                     if isinstance(k, ast.Constant) and k.value == name), None)
    return None


def img_norm_from_config_text(cfg_text: str) -> dict:
    """``dict(mean, std, to_rgb)`` of the data preprocessor in a saved config (``checkpoint['meta']['cfg']``).

    The text is parsed, never executed: a config is Python, and running the one inside a checkpoint would turn a
    ``weights_only`` load back into arbitrary code execution. Like mmengine's Runner, ``model.data_preprocessor``
    wins over a top-level ``data_preprocessor``.

    Raises:
        ValueError: the text has no data preprocessor with literal ``mean`` and ``std``.
    """
    top = {}
    for stmt in ast.parse(cfg_text).body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
            top[stmt.targets[0].id] = stmt.value
    pre = _keyword(top['model'], 'data_preprocessor') if 'model' in top else None
    if pre is None:
        pre = top.get('data_preprocessor')
    if pre is None:
        raise ValueError('the checkpoint config has no data_preprocessor (model.data_preprocessor or top-level)')
    fields = {k: _keyword(pre, k) for k in ('mean', 'std', 'to_rgb', 'bgr_to_rgb')}
    if fields['mean'] is None or fields['std'] is None:
        raise ValueError('the checkpoint config\'s data_preprocessor has no mean/std: cannot tell how its input '
                         'was normalised')
    to_rgb = fields['to_rgb'] if fields['to_rgb'] is not None else fields['bgr_to_rgb']
    return dict(mean=[float(v) for v in _literal(fields['mean'])], std=[float(v) for v in _literal(fields['std'])],
                to_rgb=bool(_literal(to_rgb)) if to_rgb is not None else False)


def img_norm_from_meta(meta: Optional[Mapping]) -> dict:
    """The input normalisation recorded in a checkpoint's meta: ``meta['img_norm']``, else read from ``meta['cfg']``.

    Raises:
        ValueError: neither is there (pass the normalisation explicitly, e.g. ``--img-norm torchvision``).
    """
    meta = meta or {}
    if meta.get('img_norm'):
        norm = meta['img_norm']
        return dict(mean=[float(v) for v in norm['mean']], std=[float(v) for v in norm['std']],
                    to_rgb=bool(norm.get('to_rgb', False)))
    if meta.get('cfg'):
        return img_norm_from_config_text(meta['cfg'])
    raise ValueError('the checkpoint records no input normalisation (meta has neither img_norm nor cfg)')


def pretraining_meta(meta: Optional[Mapping], checkpoint_path: Optional[str] = None) -> dict:
    """What a downstream result is keyed by (the results tool reads it from the converted checkpoint's meta): what
    the pretraining read and trained, as :class:`~mmjft.engine.hooks.RunResultHook` recorded it: the checkpoint's
    own ``meta['run_result']``, else the train section of ``run_result.json`` beside ``checkpoint_path`` (the
    work_dir of the run that saved the checkpoint, when that run wrote it); ``read_from`` says which.

    Fields: ``train_images`` (images in the training set as read), ``dataset``, ``subset_size`` (as asked),
    ``subset_seed``, ``classes_subset``, ``num_classes``, ``classes_digest``, ``depth``, ``init`` (random /
    imagenet), ``seed``, ``config``, ``config_hash``, ``commit``; from the checkpoint itself ``images_seen``
    (``ImagesSeenCheckpointHook``), ``iter``, ``epoch``, ``experiment``, ``converter``. A checkpoint with neither
    record (saved before runs recorded one) keeps ``train_images=None`` with the config's request (``subset_size``,
    ``subset_seed``, ``classes_subset``, ``num_classes``, ``depth`` from ``meta['cfg']``; ``read_from='config (as
    asked)'``); torchvision weights carry no config: their fields are None.
    """
    import os.path as osp
    meta = meta or {}
    out = dict(train_images=None, dataset=None, depth=None, subset_size=None, subset_seed=None, classes_subset=None,
               num_classes=None, classes_digest=None, init=None, seed=meta.get('seed'), config=None, config_hash=None,
               commit=None, images_seen=meta.get('images_seen'), iter=meta.get('iter'), epoch=meta.get('epoch'),
               experiment=meta.get('experiment_name'), converter=meta.get('converter'), read_from=None)
    record = None
    if meta.get('run_result'):  # the checkpoint's own record travels with it
        record, out['read_from'] = meta['run_result'], 'checkpoint meta'
    path = osp.join(osp.dirname(osp.abspath(checkpoint_path)), 'run_result.json') if checkpoint_path else None
    if record is None and path and osp.isfile(path):
        from mmjft.engine.hooks.run_result_hook import read_result_file
        train = read_result_file(path).get('train') or {}
        runs = {s.get('experiment') for s in train.get('sessions') or []}
        if train and (out['experiment'] is None or out['experiment'] in runs):  # the run that saved the checkpoint
            record, out['read_from'] = train, path
    if record is not None:
        data, model = record.get('train_set') or {}, record.get('model') or {}
        out.update(train_images=data.get('images'), dataset=data.get('dataset'), depth=model.get('depth'),
                   subset_size=data.get('subset_size'), subset_seed=data.get('subset_seed'),
                   classes_subset=data.get('classes_subset'), num_classes=data.get('classes'),
                   classes_digest=data.get('classes_digest'), seed=record.get('seed', out['seed']),
                   init='imagenet' if any(str(i.get('type')).split('.')[-1] in ('Pretrained', 'StrictPretrained')
                                          for i in model.get('init') or []) else 'random',
                   config=record.get('config'), config_hash=record.get('config_hash'), commit=record.get('commit'))
        return out
    if not meta.get('cfg'):
        return out
    from mmengine.config import Config
    try:
        cfg = Config.fromstring(meta['cfg'], '.py')
    except Exception:  # noqa: BLE001  (a config text this mmengine cannot read: keep what meta itself says)
        return out
    model, data = cfg.get('model') or {}, ((cfg.get('train_dataloader') or {}).get('dataset') or {})
    out.update(depth=(model.get('backbone') or {}).get('depth'), subset_size=data.get('subset_size'),
               # JFTDataset's default seed is 0
               subset_seed=data.get('subset_seed', 0) if data.get('subset_size') is not None else None,
               classes_subset=data.get('classes_subset'), num_classes=(model.get('head') or {}).get('num_classes'),
               read_from='config (as asked)')
    return out


def convert_for_downstream(checkpoint: Mapping, target: str, img_norm: Optional[dict] = None,
                           source: str = '') -> dict:
    """Convert a pretraining checkpoint for ``target`` (a key of :data:`DOWNSTREAM_TARGETS`).

    Args:
        checkpoint: ``{'state_dict': ..., 'meta': ...}`` (a bare state dict is accepted with ``img_norm`` given).
        target: e.g. ``'mmdet-c4'``.
        img_norm: ``dict(mean, std, to_rgb)`` or a name in :data:`NAMED_IMG_NORMS`; overrides the checkpoint's.
        source: recorded in the output's meta; the checkpoint's path, whose folder's ``run_result.json`` (the work_dir
            of the run that saved it) gives ``meta['pretraining']`` (:func:`pretraining_meta`).

    Returns:
        dict: ``{'state_dict', 'meta'}``, ``meta = dict(img_norm, target, prefixes, source, converter, dropped,
        pretraining)`` (``pretraining``: :func:`pretraining_meta`).
    """
    if target not in DOWNSTREAM_TARGETS:
        raise ValueError(f'unknown target {target!r}; known: {sorted(DOWNSTREAM_TARGETS)}')
    spec = DOWNSTREAM_TARGETS[target]
    has_sd = 'state_dict' in checkpoint
    state_dict = checkpoint['state_dict'] if has_sd else checkpoint
    meta = (checkpoint.get('meta') or {}) if has_sd else {}
    if meta.get('converter') == 'mmjft.downstream.convert':  # this converter's output (torchvision_to_mmpretrain's
        raise ConversionError(f'{source or "the checkpoint"} is already converted (for {meta.get("target")}, from '
                              f'{meta.get("source") or "?"}), not a pretraining classifier: convert its source')
    if isinstance(img_norm, str):
        img_norm = NAMED_IMG_NORMS[img_norm]
    norm = dict(img_norm) if img_norm is not None else img_norm_from_meta(checkpoint.get('meta') if has_sd else None)
    backbone, dropped = split_pretraining_state_dict(state_dict, source=source or 'the checkpoint')
    out = spec.convert(backbone)
    meta = dict(img_norm=norm, target=target, prefixes=list(spec.prefixes), source=source,
                converter='mmjft.downstream.convert', dropped=sorted(dropped),
                pretraining=pretraining_meta(checkpoint.get('meta') if has_sd else None, source or None))
    return dict(state_dict=out, meta=meta)
