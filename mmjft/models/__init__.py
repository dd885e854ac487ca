from .data_preprocessors import JpegDecodeDataPreprocessor  # noqa: F401
from .heads import *  # noqa: F401,F403
from .utils import StrictPretrainedInit  # noqa: F401  (init_cfg type 'mmjft.StrictPretrained')
from .wrappers import JFTDistributedDataParallel  # noqa: F401  (model_wrapper_cfg type, plain name too)
