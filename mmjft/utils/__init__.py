from .compat import allow_openmmlab_checkpoint_globals, setup_cpu_distributed
from .setup_env import register_all_modules

__all__ = ['allow_openmmlab_checkpoint_globals', 'setup_cpu_distributed', 'register_all_modules']
