from .bad_images import BAD_IMAGES_KEY, BadImageError, BadImageTracker
from .jft_dataset import JFTDataset
from .subset import select_subset, subset_keys

__all__ = ['JFTDataset', 'BAD_IMAGES_KEY', 'BadImageError', 'BadImageTracker', 'select_subset', 'subset_keys']
