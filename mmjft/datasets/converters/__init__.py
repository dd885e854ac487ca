"""Readers of public datasets' real formats that write the JFT format (JSONL + classes + hierarchy).

Plain code (standard library, numpy, the project's LabelHierarchy and subset hash): no registry, runner or config.
The command lines are thin wrappers under ``tools/dataset_converters/``.
"""
from .common import BadRows, ConversionError
from .classes_subset import match_classes
from .imagenet21k import WordNet, convert_imagenet21k, wordnet_hierarchy
from .open_images import convert_open_images, open_images_hierarchy

__all__ = ['BadRows', 'ConversionError', 'WordNet', 'convert_imagenet21k', 'wordnet_hierarchy',
           'convert_open_images', 'open_images_hierarchy', 'match_classes']
