"""The generated mini world: one scene generator whose scenes serve every task, written in the real on-disk formats
(mini-JFT's JPEG + JSONL + classes + hierarchy; COCO boxes, VOC boxes, VOC masks and COCO keypoints of the same
scenes). Plain numpy / Pillow, with the label-noise model of ``mmjft.datasets.converters``; no registry and no
downstream library. Test and demo data: nothing else in the package imports it."""
from .downstream import (DEFAULT_DET_CATEGORIES, default_det_categories, make_mini_coco, make_mini_coco_keypoints,
                         make_mini_voc, make_mini_voc_seg, sample_det_scene)
from .jft import COLOURS, SHAPES, build_hierarchy, corrupt_labels, make_mini_jft, render_scene, sample_scene

__all__ = [
    'COLOURS', 'SHAPES', 'build_hierarchy', 'corrupt_labels', 'make_mini_jft', 'render_scene', 'sample_scene',
    'DEFAULT_DET_CATEGORIES', 'default_det_categories', 'make_mini_coco', 'make_mini_coco_keypoints', 'make_mini_voc',
    'make_mini_voc_seg', 'sample_det_scene'
]
