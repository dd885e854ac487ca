import pytest

from mmjft.datasets import BadImageError, BadImageTracker


def test_early_bad_file_does_not_stop_and_is_counted():
    t = BadImageTracker(max_fraction=1e-3, min_reads=1000, source='x.jsonl')
    t.bad('a.jpg', OSError('truncated'))
    for _ in range(2000):
        t.ok()
    assert t.num_bad == 1 and t.reads == 2001


def test_ceiling_is_judged_once_min_reads_is_reached():
    t = BadImageTracker(max_fraction=1e-3, min_reads=1000, source='x.jsonl')
    for i in range(3):  # 3 bad in the first reads: 0.3% once 1,000 images were read
        t.bad(f'bad{i}.jpg', FileNotFoundError('missing'))
    for _ in range(996):
        t.ok()
    with pytest.raises(BadImageError, match=r'bad0\.jpg, bad1\.jpg, bad2\.jpg'):
        t.ok()  # the 1,000th read


def test_ceiling_after_min_reads_names_files_and_source():
    t = BadImageTracker(max_fraction=0.01, min_reads=10, source='ann.jsonl')
    for _ in range(100):
        t.ok()
    t.bad('b1.jpg', OSError())  # 1/101 < 1%
    with pytest.raises(BadImageError, match=r'ann\.jsonl.*b1\.jpg, b2\.jpg'):
        t.bad('b2.jpg', OSError())  # 2/102 > 1%


def test_bad_fraction_validated():
    with pytest.raises(ValueError):
        BadImageTracker(max_fraction=2)
