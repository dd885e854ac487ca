from .hooks import *  # noqa: F401,F403
from .loops import DataPositionHook, ResumableIterBasedTrainLoop
from .optimizers import *  # noqa: F401,F403
from .runner import Runner
from .schedule import apply_auto_scale_schedule, plan_schedule

__all__ = ['DataPositionHook', 'ResumableIterBasedTrainLoop', 'Runner', 'apply_auto_scale_schedule', 'plan_schedule']
