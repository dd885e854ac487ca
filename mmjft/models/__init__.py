from .data_preprocessors import JpegDecodeDataPreprocessor  # noqa: F401
from .heads import *  # noqa: F401,F403
from .utils import ConvertedCheckpointInit  # noqa: F401  (registers the 'ConvertedCheckpoint' weight initializer)
from .wrappers import JFTDistributedDataParallel  # noqa: F401  (model_wrapper_cfg type, plain name too)
