from .bad_images import BAD_IMAGES_KEY, BadImageError, BadImageTracker
from .compiled import JFTCompiledDataset, JFTIndexSampler, compile_jsonl_index
from .jft_dataset import JFTDataset
from .shards import JFTShardDataset, convert_jsonl_to_shards
from .subset import select_subset, subset_keys
from .transforms import LoadJpegBytes, PackJpegInputs

__all__ = ['JFTDataset', 'JFTShardDataset', 'convert_jsonl_to_shards', 'BAD_IMAGES_KEY', 'BadImageError', 'BadImageTracker', 'select_subset', 'subset_keys',
           'LoadJpegBytes', 'PackJpegInputs']
__all__ += ['JFTCompiledDataset', 'JFTIndexSampler', 'compile_jsonl_index']
