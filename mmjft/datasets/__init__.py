from .bad_images import BadImageError, BadImageTracker
from .jft_dataset import JFTDataset
from .subset import select_subset, subset_keys

__all__ = ['JFTDataset', 'BadImageError', 'BadImageTracker', 'select_subset', 'subset_keys']
