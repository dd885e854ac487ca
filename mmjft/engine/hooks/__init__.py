from .bad_image_hook import BadImageHook
from .data_position_hook import DataPositionHook
from .images_seen_hook import ImagesSeenCheckpointHook, images_tag
from .invalid_loss_hook import InvalidLossError, StopOnInvalidLossHook
from .label_space_check_hook import LabelSpaceCheckHook
from .run_result_hook import RESULT_FILE, RunResultHook, read_result_file

__all__ = ['BadImageHook', 'DataPositionHook', 'ImagesSeenCheckpointHook', 'images_tag', 'InvalidLossError', 'StopOnInvalidLossHook',
           'LabelSpaceCheckHook', 'RESULT_FILE', 'RunResultHook', 'read_result_file']
