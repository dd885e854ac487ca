import pytest

from mmjft.datasets import BadImageError, BadImageTracker
from mmjft.datasets.bad_images import ConsecutiveBadImages


def test_early_bad_file_does_not_stop_and_is_counted():
    t = BadImageTracker(max_fraction=1e-3, min_reads=1000, source='x.jsonl')
    t.add(reads=1, bad_paths=['a.jpg'])
    t.check()  # 1 of 1 read, but fewer than min_reads: not judged
    t.add(reads=2000)
    t.check()
    assert t.num_bad == 1 and t.reads == 2001 and 'bad images: 1 of 2001' in t.summary()


def test_ceiling_applies_to_totals_and_names_files_and_source():
    t = BadImageTracker(max_fraction=1e-3, min_reads=1000, source='ann.jsonl')
    t.add(reads=500, bad_paths=['bad0.jpg'])  # one worker
    t.add(reads=500, bad_paths=['bad1.jpg'])  # another: each alone 0.2%, but together 2 of 1,000 = 0.2%
    with pytest.raises(BadImageError, match=r'2 of 1000 images read from ann\.jsonl.*bad0\.jpg, bad1\.jpg'):
        t.check()


def test_counts_beyond_the_kept_paths():
    t = BadImageTracker(keep_paths=2)
    t.add(reads=10, bad_paths=['a', 'b', 'c'])
    t.add(reads=10, bad_paths=['d'], num_bad=5)  # a reduction over ranks: more failures than paths gathered
    assert (t.num_bad, t.bad_paths) == (8, ['a', 'b'])


def test_a_run_of_failures_stops_one_worker():
    w = ConsecutiveBadImages(max_consecutive=3, source='ann.jsonl')
    w.bad('a.jpg', OSError('x'))
    w.bad('b.jpg', OSError('x'))
    assert w.take() == 'a.jpg\nb.jpg' and w.take() == ''  # a good read hands them on and resets the run
    w.bad('c.jpg', OSError('x'))
    w.bad('d.jpg', OSError('x'))
    with pytest.raises(BadImageError, match=r'3 images in a row from ann\.jsonl'):
        w.bad('e.jpg', OSError('x'))


def test_bad_fraction_validated():
    with pytest.raises(ValueError):
        BadImageTracker(max_fraction=2)
