"""The transfer tasks: a package per task (``detection``, ``segmentation``, ``pose``), each with its checked dataset,
its head or codec and its metric, registered in mmjft's registries; and what carries pretrained weights across:
the converter's table of targets (:mod:`.convert`, plain key maps) and the strict ``ConvertedCheckpoint``
initializer (:mod:`.checkpoint_init`).

Importing this package loads no task library: a task's package imports its own (mmdet, mmseg or mmpose; mmseg and
mmpose take seconds each), and its configs load it with ``custom_imports`` (``'mmjft.downstream.detection'``, ...).
Pretraining never imports anything here (tests/test_import_directions.py).
"""
from .checkpoint_init import ConvertedCheckpointInit, check_img_norm
from .convert import (DOWNSTREAM_TARGETS, JFT_IMG_NORM, NAMED_IMG_NORMS, ConversionError, convert_for_downstream,
                      img_norm_from_config_text, img_norm_from_meta, split_pretraining_state_dict)

__all__ = [
    'ConvertedCheckpointInit', 'check_img_norm', 'DOWNSTREAM_TARGETS', 'JFT_IMG_NORM', 'NAMED_IMG_NORMS',
    'ConversionError', 'convert_for_downstream', 'img_norm_from_config_text', 'img_norm_from_meta',
    'split_pretraining_state_dict'
]
