from .bad_image_hook import BadImageHook
from .images_seen_hook import ImagesSeenCheckpointHook, images_tag
from .invalid_loss_hook import InvalidLossError, StopOnInvalidLossHook
from .label_space_check_hook import LabelSpaceCheckHook

__all__ = ['BadImageHook', 'ImagesSeenCheckpointHook', 'images_tag', 'InvalidLossError', 'StopOnInvalidLossHook',
           'LabelSpaceCheckHook']
