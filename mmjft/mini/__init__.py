"""Synthetic data in the real on-disk formats (plain numpy / Pillow: no torch, mmengine or registries)."""
from .mini_detection import (DEFAULT_DET_CATEGORIES, default_det_categories, make_mini_coco, make_mini_voc,
                             make_mini_voc_seg, sample_det_scene)
from .mini_jft import (COLOURS, SHAPES, build_hierarchy, corrupt_labels, make_mini_jft, render_scene,
                       sample_scene)

__all__ = [
    'COLOURS', 'SHAPES', 'build_hierarchy', 'corrupt_labels', 'make_mini_jft', 'render_scene', 'sample_scene',
    'DEFAULT_DET_CATEGORIES', 'default_det_categories', 'make_mini_coco', 'make_mini_voc', 'make_mini_voc_seg', 'sample_det_scene'
]
