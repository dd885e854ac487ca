"""mmdet's ``CocoDataset`` with its annotations checked: bad boxes are counted and logged, unknown ids are errors.

mmdet's reader drops, without a word, boxes that lie outside their image, boxes of zero size and annotations whose
``category_id`` the file does not declare, and keeps boxes that cross the border unclipped; a config whose class
names are not all in the file silently shifts its labels. This subclass reads the same files and produces the same
data list for clean input, and on bad input:

- ``category_id`` not among the file's ``categories``: ``ValueError`` listing the annotation and category ids
  (the file is malformed; guessing would train on wrong labels);
- a class name of ``metainfo['classes']`` not among the file's categories: ``ValueError``;
- a box entirely outside its image, or of width/height < 1 pixel, or ``area <= 0``: skipped, counted and logged
  (``bad_box='error'`` raises instead);
- a box crossing the border: clipped to the image, counted and logged.

``exclude_ids_file`` (a text file of COCO image ids, one per line; see :mod:`mmjft.datasets.exclusion`) leaves those
images out (de-duplicated evaluation; ``mmjft.CocoDetMetric`` then scores only the images evaluated); an id not in
the file is an error. The counts are kept in ``self.annotation_report``. It imports mmdet, so it is not imported by ``mmjft.datasets``;
detection configs list it in ``custom_imports`` and name it ``type='mmjft.CheckedCocoDataset'``.
"""
from collections import Counter, defaultdict

from mmdet.datasets import CocoDataset
from mmengine.logging import print_log

from mmjft.registry import DATASETS
from mmjft.datasets.exclusion import keep_not_excluded


@DATASETS.register_module()
class CheckedCocoDataset(CocoDataset):
    """:class:`mmdet.datasets.CocoDataset` that checks every annotation (see the module docstring).

    Args:
        bad_box (str): ``'skip'`` (count, log and drop boxes outside the image or degenerate) or ``'error'``.
        exclude_ids_file (str, optional): image ids to leave out, one per line. Defaults to None.
        *args, **kwargs: as :class:`mmdet.datasets.CocoDataset`.
    """

    def __init__(self, *args, bad_box: str = 'skip', exclude_ids_file=None, **kwargs):
        if bad_box not in ('skip', 'error'):
            raise ValueError(f"bad_box must be 'skip' or 'error', got {bad_box!r}")
        self.bad_box = bad_box
        self.exclude_ids_file = exclude_ids_file
        self.annotation_report = {}
        super().__init__(*args, **kwargs)

    def load_data_list(self):
        self._counts, self._examples, self._unknown, self._classes_checked = Counter(), defaultdict(list), [], False
        data_list = super().load_data_list()
        n_images = len(data_list)
        data_list = keep_not_excluded(data_list, [d['img_id'] for d in data_list], self.exclude_ids_file,
                                      f'{type(self).__name__}({self.ann_file})')
        counts, examples = self._counts, self._examples
        self.annotation_report = dict(counts, unknown_category=len(self._unknown))
        if self.exclude_ids_file is not None:
            self.annotation_report['excluded_images'] = n_images - len(data_list)
        if self._unknown:
            cats = sorted({c for _, c in self._unknown})
            raise ValueError(f'{self.ann_file}: {len(self._unknown)} annotations have a category_id that is not among '
                             f'the file\'s categories: category ids {cats[:20]}; (annotation id, category id) '
                             f'{self._unknown[:10]}')
        bad = counts['outside'] + counts['degenerate']
        if bad and self.bad_box == 'error':
            raise ValueError(f'{self.ann_file}: {counts["outside"]} boxes outside their image (annotation ids '
                             f'{examples["outside"][:10]}), {counts["degenerate"]} degenerate boxes (ids '
                             f'{examples["degenerate"][:10]})')
        if bad or counts['clipped']:
            print_log(f'{type(self).__name__}({self.ann_file}): of {counts["total"]} annotations, skipped '
                      f'{counts["outside"]} boxes outside their image (ids {examples["outside"][:10]}) and '
                      f'{counts["degenerate"]} degenerate boxes (ids {examples["degenerate"][:10]}); clipped '
                      f'{counts["clipped"]} boxes crossing the border (ids {examples["clipped"][:10]})',
                      logger='current', level=30)
        return data_list

    def _check_classes(self):
        names = {c['name'] for c in self.coco.cats.values()}
        absent = [c for c in self.metainfo['classes'] if c not in names]
        if absent:
            raise ValueError(f'{self.ann_file}: classes {absent} of the config\'s metainfo are not categories of '
                             f'the file (it has {sorted(names)[:20]})')
        self._classes_checked = True

    def parse_data_info(self, raw_data_info: dict):
        if not self._classes_checked:
            self._check_classes()
        img = raw_data_info['raw_img_info']
        width, height = img['width'], img['height']
        kept = []
        for ann in raw_data_info['raw_ann_info']:
            self._counts['total'] += 1
            if ann['category_id'] not in self.coco.cats:
                self._unknown.append((ann.get('id'), ann['category_id']))
                continue
            if ann.get('ignore', False):
                kept.append(ann)
                continue
            x, y, w, h = ann['bbox']
            x1, y1, x2, y2 = max(x, 0), max(y, 0), min(x + w, width), min(y + h, height)
            kind = None
            if w < 1 or h < 1 or ann.get('area', 1) <= 0:
                kind = 'degenerate'
            elif x2 - x1 < 1 or y2 - y1 < 1:
                kind = 'outside'
            if kind:
                self._counts[kind] += 1
                self._examples[kind].append(ann.get('id'))
                continue
            if (x1, y1, x2, y2) != (x, y, x + w, y + h):
                self._counts['clipped'] += 1
                self._examples['clipped'].append(ann.get('id'))
                ann = dict(ann, bbox=[x1, y1, x2 - x1, y2 - y1])
            kept.append(ann)
        return super().parse_data_info(dict(raw_data_info, raw_ann_info=kept))
