from .torchvision_resnet import TORCHVISION_IMG_NORM, torchvision_resnet_to_mmpretrain

__all__ = ['TORCHVISION_IMG_NORM', 'torchvision_resnet_to_mmpretrain']
