"""The options the three storages of the JFT data share (:class:`~mmjft.datasets.JFTDataset` over the JSONL,
:class:`~mmjft.datasets.JFTCompiledDataset` over a compiled index, :class:`~mmjft.datasets.JFTShardDataset` over tar
shards): their one list with defaults and meaning (:class:`DataOptions`, the place where they are checked), and what
the three derive from them alike (:class:`JFTDataOptions`: the attributes, the bad-image counter, the label rule and
the class names, the checks against the data's size, and what only JFTDataset supports)."""
import logging
import os.path as osp
from dataclasses import dataclass, fields
from typing import Optional, Sequence, Union

from mmengine.logging import print_log

from .bad_images import ConsecutiveBadImages
from .label_space import LabelRule, classes_subset_map
from .subset import parse_size

SMALL_SUBSET_IMAGES = 100  # a subset under this many images, or under SMALL_SUBSET_FRACTION of the data: a WARNING
SMALL_SUBSET_FRACTION = 0.01


def rooted(path: Optional[str], data_root: str) -> Optional[str]:
    """``path`` under ``data_root`` unless it is absolute (or None)."""
    return path if path is None or osp.isabs(path) else osp.join(data_root, path)


@dataclass
class DataOptions:
    """The label, subset and bad-image options of the three storages. Each dataset takes them as flat keyword
    arguments (``dataset=dict(type='JFTShardDataset', ..., subset_size=1e7)``) and keeps them as attributes of the
    same names. Checked here, when a dataset is built.

    Args:
        expand_hierarchy (bool): add every label's ancestors. Defaults to True.
        subset_size (int | float, optional): an image count (an int, or an integral float above 1 such as
            ``1e7``), or a fraction in (0, 1]: the nested random subset of :mod:`mmjft.datasets.subset`, applied
            last. ``1`` is one image, ``1.0`` all of them. A count above the images left by the label rules is an
            error; a subset under 1% of them or under 100 images is logged as a WARNING. Defaults to None (all).
        subset_seed (int): seed of the subset; equal seeds give nested subsets. Defaults to 0.
        classes_subset (str | Sequence[str], optional): class names, or a file of them, one per line (relative to
            the dataset's ``data_root`` unless absolute): the label space becomes those classes, in that order, and
            images left without a label are dropped (the paper's 1K-classes ablation).
        min_confidence (float): labels with a lower confidence are dropped; in [0, 1]. Defaults to 0.0.
        max_bad_fraction (float): in training, a missing or corrupt image is skipped (another image takes its
            place), counted and logged; past this fraction of all images read (totals over workers, ranks and
            epochs, judged by :class:`~mmjft.engine.hooks.BadImageHook` once ``bad_check_after`` images were read)
            training stops and names the files. Only the loading transforms are guarded: an error in any later
            transform propagates. Must lie in [0, 1]. Defaults to 0.001.
        bad_check_after (int): see ``max_bad_fraction``. Defaults to 1000.
        max_consecutive_bad (int): a data loader worker stops by itself after this many failed reads in a row
            (storage gone). Defaults to 50.
        exclude_ids_file (str, optional): a text file of ``img_path`` values (as written in the JSONL), one per
            line, left out before everything else (de-duplicated evaluation, :mod:`mmjft.datasets.exclusion`); an
            id not in the data is an error. JFTDataset only: the datasets over converted data refuse it. Defaults
            to None.
    """
    expand_hierarchy: bool = True
    subset_size: Union[int, float, None] = None
    subset_seed: int = 0
    classes_subset: Union[str, Sequence[str], None] = None
    min_confidence: float = 0.0
    max_bad_fraction: float = 1e-3
    bad_check_after: int = 1000
    max_consecutive_bad: int = 50
    exclude_ids_file: Optional[str] = None

    def __post_init__(self):
        self.min_confidence = float(self.min_confidence)
        if not 0.0 <= self.min_confidence <= 1.0:  # also NaN
            raise ValueError(f'min_confidence must lie in [0, 1] (a label confidence), got {self.min_confidence}: '
                             'above 1 it would drop every label that has a confidence')
        if not 0.0 <= self.max_bad_fraction <= 1.0:
            raise ValueError(f'max_bad_fraction must lie in [0, 1], got {self.max_bad_fraction}')
        if self.subset_size is not None:
            parse_size(self.subset_size)  # a count, or a fraction in (0, 1]
        if self.classes_subset is not None and not isinstance(self.classes_subset, str) and \
                not len(self.classes_subset):
            raise ValueError('classes_subset is an empty list: name at least one class, or None for all of them')

    @classmethod
    def take(cls, kwargs: dict) -> 'DataOptions':
        """The options among a constructor's keyword arguments ``kwargs``, checked and taken out of it."""
        return cls(**{f.name: kwargs.pop(f.name) for f in fields(cls) if f.name in kwargs})


class JFTDataOptions:
    """Base of the three storages' datasets: what they make of :class:`DataOptions` alike.

    A constructor calls :meth:`_init_options` with its keyword arguments, then :meth:`_init_label_space` with the
    data's hierarchy; the datasets over converted data also call :meth:`_refuse_jsonl_only`.
    """

    def _init_options(self, kwargs: dict, data_root: str, source: str, base_kwargs: bool = False) -> None:
        """Check the options among ``kwargs`` (taken out of it) and keep them as attributes, ``classes_subset`` as a
        list or a path under ``data_root``; set up the bad-image counter of ``source`` (the data's file, named in
        messages). ``base_kwargs``: the rest of ``kwargs`` goes to a base class (left in it), else it is an
        error."""
        options = DataOptions.take(kwargs)
        if kwargs and not base_kwargs:
            raise TypeError(f'{type(self).__name__} got unexpected keyword arguments {sorted(kwargs)}')
        for field in fields(options):
            setattr(self, field.name, getattr(options, field.name))
        if isinstance(self.classes_subset, str):
            self.classes_subset = rooted(self.classes_subset, data_root)
        self._bad = ConsecutiveBadImages(self.max_consecutive_bad, source=source)

    def _init_label_space(self, hierarchy, stored: str = 'raw', metainfo: Optional[dict] = None) -> dict:
        """Keep ``hierarchy`` and the label rule for data holding ``stored`` labels (``'raw'`` or ``'expanded'``,
        see :class:`~mmjft.datasets.label_space.LabelRule`); return ``metainfo`` with the label space's
        ``classes``."""
        self.hierarchy = hierarchy
        label_map, classes = classes_subset_map(hierarchy, self.classes_subset)
        self._rule = LabelRule(hierarchy, self.min_confidence, self.expand_hierarchy, label_map, stored)
        return dict(metainfo or {}, classes=tuple(classes))

    def _check_size(self, source: str, total: int, candidates: Optional[int] = None) -> None:
        """Check the options against the data's size where a dataset knows it: ``total`` images in ``source`` (the
        data's file, named in the messages), ``candidates`` of them left for the subset by ``exclude_ids_file`` and
        the label rules (None: ``total``). An empty source, no image left and a subset count above the candidates
        are errors."""
        if not total:
            raise ValueError(f'{source}: holds no image (it is empty): a dataset needs at least one')
        candidates = total if candidates is None else candidates
        if not candidates:
            raise ValueError(f'{source}: no image is left of its {total} after {self._dropping()}: check these '
                             'options against the data')
        count = None if self.subset_size is None else parse_size(self.subset_size)[1]
        if count is not None and count > candidates:
            left = '' if candidates == total else f' left after {self._dropping()}'
            raise ValueError(f'{source}: subset_size={self.subset_size!r} asks for {count} images, there are '
                             f'{candidates}{left}: give a count up to {candidates}, or a fraction in (0, 1] '
                             '(1.0: all of them)')

    def _warn_small_subset(self, source: str, candidates: int, kept: Optional[int] = None) -> None:
        """A WARNING when the subset keeps ``kept`` (None: estimated from the fraction) of ``candidates`` images
        and that is under ``SMALL_SUBSET_FRACTION`` of them or under ``SMALL_SUBSET_IMAGES`` images."""
        if self.subset_size is None or not candidates:
            return
        fraction, count = parse_size(self.subset_size)
        about = 'about ' if kept is None and count is None else ''
        kept = (count if count is not None else round(fraction * candidates)) if kept is None else kept
        if kept >= candidates or (kept >= SMALL_SUBSET_IMAGES and kept >= SMALL_SUBSET_FRACTION * candidates):
            return
        hint = ' (subset_size=1 is one image; 1.0 is all of them)' if count == 1 else ''
        print_log(f'{source}: subset_size={self.subset_size!r} keeps {about}{kept} of {candidates} images '
                  f'({100 * kept / candidates:.2g}%): a subset under {SMALL_SUBSET_FRACTION:.0%} of the data or '
                  f'under {SMALL_SUBSET_IMAGES} images; check that this is the size you meant{hint}',
                  logger='current', level=logging.WARNING)

    def _dropping(self) -> str:
        """The options that leave images out, as the messages name them."""
        rules = [] if self.exclude_ids_file is None else [f'exclude_ids_file {self.exclude_ids_file}']
        if self.classes_subset is not None:
            subset = self.classes_subset if isinstance(self.classes_subset, str) else 'the list'
            n = self._rule.num_labels
            rules.append(f'classes_subset ({subset}: {n} class{"es" if n != 1 else ""}'
                         + (f', labels under min_confidence={self.min_confidence} dropped)' if self.min_confidence
                            else ')'))
        return ' and '.join(rules) or 'the label rules'

    def _refuse_jsonl_only(self, index_file: str, index: dict, partially_annotated: int, test_mode: bool) -> None:
        """Refuse what only JFTDataset supports, over data converted from a JSONL (``index_file`` and its
        ``index``), which keeps neither a way to leave its images out nor the negatives: ``exclude_ids_file``, and
        evaluation (``test_mode``) of data whose JSONL had ``partially_annotated`` images (``"negatives"``, counted
        at conversion), which would be scored as dense."""
        name = type(self).__name__
        if self.exclude_ids_file is not None:
            raise ValueError(f'{name} {index_file}: exclude_ids_file {self.exclude_ids_file} is not supported over '
                             f'converted data: use JFTDataset on {index["source"]} to leave images out')
        if test_mode and partially_annotated:
            raise ValueError(f'{name} {index_file}: {partially_annotated} images of {index["source"]} carry '
                             '"negatives" (partially annotated), which converted data does not keep; they would be '
                             'scored as dense: evaluate them with JFTDataset')
