from .state_dict_fit import CheckpointFitError, StateDictFit
from .strict_pretrained_init import StrictPretrainedInit
from .torchvision_resnet import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain

__all__ = [
    'CheckpointFitError', 'StateDictFit', 'StrictPretrainedInit', 'TORCHVISION_IMG_NORM',
    'torchvision_resnet_to_mmpretrain'
]
