import numpy as np

from mmjft.datasets.stats import label_statistics


def test_label_statistics_by_hand():
    counts = np.array([500, 0, 19, 99, 100, 3])
    classes = ['a', 'b', 'c', 'd', 'e', 'f']
    load = dict(lines=10, images=8, raw_labels=13, labels=24, empty_label_images=1, dropped_low_confidence=2)
    stats = label_statistics(counts, classes, load, dict(max_depth=4, max_fan_out=7), top=2)
    assert stats['images'] == 8
    assert stats['labels_per_image_raw'] == 1.3 and stats['labels_per_image_expanded'] == 3.0
    assert stats['classes'] == 6 and stats['classes_with_images'] == 5
    assert stats['classes_under_100_images'] == 4  # b, c, d, f
    assert stats['classes_under_20_images'] == 3  # b, c, f
    assert stats['top_classes'] == [('a', 500), ('e', 100)]
    assert stats['bottom_classes'] == [('f', 3), ('c', 19)]  # classes without images are not 'bottom' classes
    assert (stats['max_depth'], stats['max_fan_out']) == (4, 7)
