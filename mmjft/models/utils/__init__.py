from .converted_checkpoint_init import ConvertedCheckpointInit, check_img_norm
from .downstream_convert import (DOWNSTREAM_TARGETS, JFT_IMG_NORM, NAMED_IMG_NORMS, ConversionError,
                                 convert_for_downstream, img_norm_from_config_text, img_norm_from_meta,
                                 split_pretraining_state_dict)
from .torchvision_resnet import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain

__all__ = [
    'TORCHVISION_IMG_NORM', 'torchvision_resnet_to_mmpretrain', 'ConvertedCheckpointInit', 'check_img_norm',
    'DOWNSTREAM_TARGETS', 'JFT_IMG_NORM', 'NAMED_IMG_NORMS', 'ConversionError', 'convert_for_downstream',
    'img_norm_from_config_text', 'img_norm_from_meta', 'split_pretraining_state_dict'
]
