from .bad_image_hook import BadImageHook
from .invalid_loss_hook import InvalidLossError, StopOnInvalidLossHook
from .label_space_check_hook import LabelSpaceCheckHook

__all__ = ['BadImageHook', 'InvalidLossError', 'StopOnInvalidLossHook', 'LabelSpaceCheckHook']
