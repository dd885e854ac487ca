"""The statistics the paper reports for JFT-300M (§3), for any JFT-style dataset."""
from typing import Sequence

import numpy as np


def label_statistics(class_counts: np.ndarray, classes: Sequence[str], load_stats: dict, hierarchy_stats: dict,
                     top: int = 10, tails: Sequence[int] = (100, 20)) -> dict:
    """Summarise a dataset's label distribution.

    Args:
        class_counts: images per class of the label space (after ancestor expansion).
        classes: the label space's class names.
        load_stats: :attr:`JFTDataset.load_stats` (lines, images, raw_labels, labels, empty_label_images, ...).
        hierarchy_stats: :meth:`LabelHierarchy.stats` (max_depth, max_fan_out, ...).
        top: how many most and least frequent classes to list.
        tails: thresholds t for 'classes with fewer than t images'.
    """
    counts = np.asarray(class_counts)
    order = np.argsort(-counts, kind='stable')
    present = order[counts[order] > 0]
    images = max(load_stats['images'], 1)
    return dict(
        images=load_stats['images'],
        labels_per_image_raw=load_stats['raw_labels'] / max(load_stats['lines'], 1),
        labels_per_image_expanded=load_stats['labels'] / images,
        empty_label_images=load_stats['empty_label_images'],
        dropped_low_confidence=load_stats['dropped_low_confidence'],
        classes=len(classes),
        classes_with_images=int((counts > 0).sum()),
        max_depth=hierarchy_stats['max_depth'],
        max_fan_out=hierarchy_stats['max_fan_out'],
        **{f'classes_under_{t}_images': int((counts < t).sum()) for t in tails},
        top_classes=[(classes[i], int(counts[i])) for i in order[:top]],
        bottom_classes=[(classes[i], int(counts[i])) for i in present[::-1][:top]],
    )
