from .hooks import *  # noqa: F401,F403
from .loops import ResumableIterBasedTrainLoop
from .optimizers import *  # noqa: F401,F403
from .runner import Runner
from .schedule import apply_auto_scale_schedule, plan_schedule

__all__ = ['ResumableIterBasedTrainLoop', 'Runner', 'apply_auto_scale_schedule', 'plan_schedule']
