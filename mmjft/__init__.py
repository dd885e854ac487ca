from .utils.compat import allow_openmmlab_checkpoint_globals
from .utils.config_cache import remember_config_work
from .version import __version__, version_info

# torch >= 2.6 loads checkpoints with weights_only=True: allow-list what OpenMMLab checkpoints contain (see
# mmjft/utils/compat.py). Done on import so tools, tests and downstream configs (custom_imports) all get it.
allow_openmmlab_checkpoint_globals()
# mmengine's Config formats the same merged text with yapf and parses every metafile of mmdet/mmseg for each
# 'package::' base, again and again: remember both answers (see mmjft/utils/config_cache.py).
remember_config_work()

__all__ = ['__version__', 'version_info']
