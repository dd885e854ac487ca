from .utils.compat import allow_openmmlab_checkpoint_globals
from .version import __version__, version_info

# torch >= 2.6 loads checkpoints with weights_only=True: allow-list what OpenMMLab checkpoints contain (see
# mmjft/utils/compat.py). Done on import so tools, tests and downstream configs (custom_imports) all get it.
allow_openmmlab_checkpoint_globals()

__all__ = ['__version__', 'version_info']
