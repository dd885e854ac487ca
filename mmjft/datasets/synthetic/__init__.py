"""Synthetic data in the real on-disk formats (plain numpy / Pillow: no torch, mmengine or registries)."""
from .mini_jft import (COLOURS, SHAPES, build_hierarchy, corrupt_labels, make_mini_jft, render_scene,
                       sample_scene)

__all__ = [
    'COLOURS', 'SHAPES', 'build_hierarchy', 'corrupt_labels', 'make_mini_jft', 'render_scene', 'sample_scene'
]
