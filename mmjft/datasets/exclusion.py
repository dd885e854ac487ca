"""Evaluation ids to leave out (de-duplication against the pretraining set: ``tools/analysis_tools/find_duplicates.py``).

Every evaluation dataset of mmjft takes ``exclude_ids_file``: a text file, one id per line (blank lines and lines
starting with ``#`` are skipped). The id is what the dataset calls an image: ``img_path`` as written in the JSONL
(:class:`~mmjft.datasets.JFTDataset`), the COCO image id (:class:`~mmjft.downstream.detection.dataset.CheckedCocoDataset`)
or the image name of the split list (:class:`~mmjft.downstream.segmentation.dataset.CheckedVOCSegDataset`). An id that the
dataset does not hold is an error (the list belongs to another set), listing the first ones; the excluded count is
logged.
"""
from typing import Iterable, List, Optional, Sequence

from mmengine.logging import print_log

SHOW = 20  # absent ids shown in the error


def read_exclude_ids(path: str) -> List[str]:
    """The ids of an exclusion file, in order, without duplicates."""
    with open(path, encoding='utf-8') as f:
        ids = [line.strip() for line in f]
    return list(dict.fromkeys(i for i in ids if i and not i.startswith('#')))


def excluded_mask(ids: Sequence, path: Optional[str], owner: str) -> List[bool]:
    """Per id of ``ids`` (compared as strings): whether ``path`` excludes it; all False when ``path`` is None.

    Raises ``ValueError`` listing the excluded ids that are not among ``ids``.
    """
    if path is None:
        return [False] * len(ids)
    drop = read_exclude_ids(path)
    keys = [str(i) for i in ids]
    known = set(keys)
    absent = [i for i in drop if i not in known]
    if absent:
        more = f' ... ({len(absent) - SHOW} more)' if len(absent) > SHOW else ''
        raise ValueError(f'{owner}: {len(absent)} of the {len(drop)} ids in exclude_ids_file {path} are not in this '
                         f'dataset: {absent[:SHOW]}{more}')
    drop = set(drop)
    mask = [k in drop for k in keys]
    print_log(f'{owner}: excluded {sum(mask)} of {len(keys)} images listed in {path}', logger='current')
    return mask


def keep_not_excluded(items: Iterable, ids: Sequence, path: Optional[str], owner: str) -> list:
    """``items`` (parallel to ``ids``) without those ``path`` excludes."""
    items = list(items)
    return [x for x, out in zip(items, excluded_mask(ids, path, owner)) if not out]
