"""What the converters share: the bad-row policy, the range checks, the hash split and the output files (written
aside and renamed into place at the end: :mod:`mmjft.utils.atomic`)."""
import argparse
import json
import math
import os.path as osp
from collections.abc import Iterable, Mapping, Sequence

import numpy as np

from mmjft.datasets.subset import fraction_threshold, subset_keys
from mmjft.structures import LabelHierarchy
from mmjft.utils.atomic import Staging

CLASSES_NAME = 'classes.txt'
CLASS_NAMES_NAME = 'class_names.txt'
HIERARCHY_NAME = 'hierarchy.json'
REPORT_NAME = 'conversion_report.json'


class ConversionError(ValueError):
    """Input a converter cannot turn into a correct dataset; the message says what and where (file:line, ids)."""


class BadRows:
    """Counts offending input rows, keeps the first ``show`` of them, and stops past a ceiling.

    Args:
        what (str): what the rows are (``'label rows'``, ``'wnids'``), for messages.
        max_fraction (float): the conversion fails when more than this fraction of the rows read is bad.
        show (int): how many offending rows are kept to show.
        check_after (int): the ceiling is also checked while reading, once this many rows were read, so a wrong
            file fails early.
    """

    def __init__(self, what: str, max_fraction: float = 0.001, show: int = 10, check_after: int = 100_000):
        if not 0.0 <= max_fraction <= 1.0:
            raise ValueError(f'max_fraction must lie in [0, 1], got {max_fraction}')
        self.what, self.max_fraction, self.show, self.check_after = what, max_fraction, show, check_after
        self.count = 0
        self.by_reason: dict[str, int] = {}
        self.first: list[str] = []

    def add(self, where: str, reason: str, detail: str = '') -> None:
        self.count += 1
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        if len(self.first) < self.show:
            self.first.append(f'{where}: {reason}' + (f' ({detail})' if detail else ''))

    def check(self, total: int, final: bool = False) -> None:
        """Raise :class:`ConversionError` if the bad fraction of ``total`` rows passes the ceiling."""
        if (final or total >= self.check_after) and total and self.count / total > self.max_fraction:
            raise ConversionError(
                f'{self.count} of {total} {self.what} ({self.count / total:.4%}) are bad, above the ceiling '
                f'{self.max_fraction:.4%} ({self.by_reason}); first ones:\n  ' + '\n  '.join(self.first))

    def summary(self) -> dict:
        return dict(count=self.count, by_reason=self.by_reason, first=self.first)


def range_error(name: str, value, low=None, high=None, high_open: bool = False) -> str | None:
    """The complaint about ``value`` of the option ``name`` outside ``[low, high]`` (``[low, high)`` with
    ``high_open``; a bound None is open-ended; NaN and infinities are out of range), or None when it is inside."""
    inside = isinstance(value, (int, float)) and math.isfinite(value) and (low is None or value >= low) and (
        high is None or (value < high if high_open else value <= high))
    if inside:
        return None
    if high is None:
        want = f'be >= {low}'
    elif low is None:
        want = f'be {"<" if high_open else "<="} {high}'
    else:
        want = f'lie in [{low}, {high}{")" if high_open else "]"}'
    return f'{name} must {want}, got {value}'


def check_range(name: str, value, low=None, high=None, high_open: bool = False) -> None:
    """Raise a ValueError naming ``name`` when ``value`` is outside the range (see :func:`range_error`)."""
    problem = range_error(name, value, low, high, high_open)
    if problem:
        raise ValueError(problem)


def range_arg(low=None, high=None, high_open: bool = False, kind=float):
    """An argparse ``type`` that parses ``kind`` and refuses values outside the range: argparse's message then names
    the option (``argument --zipf: must be >= 0, got -1.0``)."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f'expected a {kind.__name__}, got {text!r}') from None
        problem = range_error('', value, low, high, high_open)
        if problem:
            raise argparse.ArgumentTypeError(problem.strip())
        return value

    return parse


def hash_is_val(ids: Sequence[str], val_fraction: float, seed: int) -> np.ndarray:
    """Whether each id falls in the validation split: the project's subset hash of the id (with ``seed``) below
    the fraction's threshold, so the split is a pure function of (id, seed, fraction), stable across runs and
    machines, and a larger fraction's validation set contains a smaller one's. ``val_fraction`` in [0, 1)."""
    check_range('val_fraction', val_fraction, 0, 1, high_open=True)
    if not val_fraction:
        return np.zeros(len(ids), dtype=bool)
    return subset_keys(ids, seed) <= np.uint64(fraction_threshold(val_fraction))


def write_label_space(out_dir: str, classes: Sequence[str], parents: Mapping[str, Iterable[str]],
                      display_names: Sequence[str] | None = None, stage: Staging | None = None) -> LabelHierarchy:
    """Write classes.txt (+ class_names.txt aligned with it) and hierarchy.json; return the checked hierarchy
    (LabelHierarchy raises on unknown names and cycles before anything is written). With ``stage`` the files are
    staged there (renamed into place with the rest of the conversion), else each is written aside and renamed."""
    parents = {c: sorted(set(p)) for c, p in parents.items() if p}
    hierarchy = LabelHierarchy(classes, parents, source='converted hierarchy')
    with Staging() as own:
        stage = stage or own
        with stage.open(osp.join(out_dir, CLASSES_NAME)) as f:
            f.writelines(f'{c}\n' for c in classes)
        if display_names is not None:
            with stage.open(osp.join(out_dir, CLASS_NAMES_NAME)) as f:
                f.writelines(f'{n}\n' for n in display_names)
        with stage.open(osp.join(out_dir, HIERARCHY_NAME)) as f:
            json.dump(parents, f, indent=0, sort_keys=True)
    return hierarchy


def write_report(out_dir: str, report: dict, stage: Staging | None = None) -> str:
    """Write conversion_report.json (staged in ``stage`` when given: stage it last, so it appears last)."""
    path = osp.join(out_dir, REPORT_NAME)
    with Staging() as own:
        with (stage or own).open(path) as f:
            json.dump(report, f, indent=1)
    return path
