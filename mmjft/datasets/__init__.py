"""The pretraining data path: the JSONL record, the one label rule (:mod:`.label_space`), subsets, bad images,
exclusion and de-duplication, over three sibling storages of the same data: the JSONL itself (:class:`JFTDataset`),
a compiled memory-mapped index (:mod:`.compiled`) and tar shards (:mod:`.shards`); ``converters/`` reads public
datasets' real formats into the JSONL format and injects label noise or a long tail."""
from .bad_images import BAD_IMAGES_KEY, BadImageError, BadImageTracker
from .compiled import JFTCompiledDataset, JFTIndexSampler, compile_jsonl_index
from .jft_dataset import JFTDataset
from .shards import JFTShardDataset, convert_jsonl_to_shards
from .subset import select_subset, subset_keys
from .transforms import LoadJpegBytes, PackJpegInputs

__all__ = [
    'JFTDataset', 'JFTCompiledDataset', 'JFTShardDataset', 'JFTIndexSampler', 'compile_jsonl_index',
    'convert_jsonl_to_shards', 'BAD_IMAGES_KEY', 'BadImageError', 'BadImageTracker', 'select_subset', 'subset_keys',
    'LoadJpegBytes', 'PackJpegInputs'
]
