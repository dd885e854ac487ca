"""mmseg's PASCAL VOC segmentation dataset with its masks checked and mmjft's bad-image policy.

mmseg's ``PascalVOCDataset`` trains on whatever a mask PNG holds: a value >= ``num_classes`` other than 255 (an RGB
colour mask saved without its palette, a class list that does not fit the files) reaches the loss as an out-of-range
target, and a mask of another size than its image is silently cropped or padded with it. This subclass reads the
same files and, per sample, after loading:

- a mask with values outside ``[0, num_classes)`` other than ``ignore_index`` (255): ``ValueError`` naming the mask
  file, the values and their pixel counts;
- a mask whose size differs from its image's (``ori_shape``), or a mask that is not single-channel (a palette or
  grey PNG): ``ValueError`` naming both files and sizes.

A missing or corrupt image or mask in training follows the project's policy (:mod:`mmjft.datasets.bad_images`): the
loading transforms (up to the last ``LoadImageFromFile`` / ``LoadAnnotations``) are guarded, a failure is skipped
(mmengine draws another index), its path travels to the main process in the next sample (``'bad_images'``) where
:class:`~mmjft.engine.hooks.BadImageHook` totals it and applies ``max_bad_fraction``; a worker stops by itself after
``max_consecutive_bad`` failures in a row. At evaluation a missing file is an error.

``exclude_ids_file`` (a text file of image names as the split list gives them, one per line; see
:mod:`mmjft.datasets.exclusion`) leaves those images out (de-duplicated evaluation); a name not in the list is an
error.

``metainfo['classes']`` names the mask values ``0..C-1`` in order; unlike mmseg no label remapping is derived from
the class names (a mini dataset's own classes are not a subset of VOC's). It imports mmseg, so ``mmjft.datasets``
does not import it; segmentation configs list it in ``custom_imports`` and name it ``type='mmjft.CheckedVOCSegDataset'``.
"""
import os.path as osp
from typing import Optional

import numpy as np
from mmcv.transforms import LoadAnnotations, LoadImageFromFile
from mmengine.dataset import Compose
from mmseg.datasets import PascalVOCDataset

from mmjft.registry import DATASETS
from mmjft.structures import BAD_IMAGES_KEY
from mmjft.datasets.bad_images import ConsecutiveBadImages
from mmjft.datasets.exclusion import keep_not_excluded
from mmjft.datasets.loading import IMAGE_ERRORS, run_loading


def split_seg_loading(pipeline: Compose):
    """The transforms up to the last image or annotation loader, and the rest as a :class:`Compose`."""
    transforms = list(pipeline.transforms)
    loaders = [i for i, t in enumerate(transforms) if isinstance(t, (LoadImageFromFile, LoadAnnotations))]
    cut = loaders[-1] + 1 if loaders else 0
    return transforms[:cut], Compose(transforms[cut:])


def check_seg_map(results: dict, num_classes: int, ignore_index: int = 255) -> None:
    """Raise ``ValueError`` (naming the files) unless ``results['gt_seg_map']`` is a single-channel map of the image's
    size with values in ``[0, num_classes)`` or ``ignore_index``."""
    seg = results.get('gt_seg_map')
    if seg is None:
        return
    seg_path, img_path = results.get('seg_map_path', '?'), results.get('img_path', '?')
    if seg.ndim != 2:
        raise ValueError(f'{seg_path}: the mask has shape {seg.shape}, not a single-channel (palette or grey) PNG')
    ori = results.get('ori_shape')
    if ori is not None and tuple(seg.shape) != tuple(ori[:2]):
        raise ValueError(f'{seg_path}: mask of size {seg.shape[1]}x{seg.shape[0]} (w x h) for image {img_path} of '
                         f'size {ori[1]}x{ori[0]}')
    flat = seg.ravel()
    counts = np.bincount(flat, minlength=256) if flat.dtype == np.uint8 else None
    if counts is not None:
        bad = [v for v in np.flatnonzero(counts) if v >= num_classes and v != ignore_index]
        pixels = [int(counts[v]) for v in bad]
    else:
        values, n = np.unique(flat, return_counts=True)
        keep = ((values < 0) | (values >= num_classes)) & (values != ignore_index)
        bad, pixels = values[keep], n[keep].tolist()
    if len(bad):
        raise ValueError(f'{seg_path}: mask values {[int(v) for v in bad]} ({pixels} pixels) are outside '
                         f'[0, {num_classes}) and not the ignore index {ignore_index}')


@DATASETS.register_module()
class CheckedVOCSegDataset(PascalVOCDataset):
    """:class:`mmseg.datasets.PascalVOCDataset` that checks every mask and skips unreadable training files.

    Args:
        max_bad_fraction (float): ceiling on the fraction of unreadable training samples (totals, applied by
            :class:`~mmjft.engine.hooks.BadImageHook` once ``bad_check_after`` were read). Defaults to 0.001.
        bad_check_after (int): see ``max_bad_fraction``. Defaults to 1000.
        max_consecutive_bad (int): a worker stops after this many failed reads in a row. Defaults to 50.
        exclude_ids_file (str, optional): image names to leave out, one per line. Defaults to None.
        **kwargs: :class:`mmseg.datasets.PascalVOCDataset` (``ann_file``, ``data_root``, ``data_prefix``,
            ``metainfo``, ``pipeline``, ``test_mode``, ...).
    """

    def __init__(self, *args, max_bad_fraction: float = 1e-3, bad_check_after: int = 1000,
                 max_consecutive_bad: int = 50, exclude_ids_file: Optional[str] = None, **kwargs):
        if not 0.0 <= max_bad_fraction <= 1.0:
            raise ValueError(f'max_bad_fraction must lie in [0, 1], got {max_bad_fraction}')
        self.max_bad_fraction, self.bad_check_after = max_bad_fraction, bad_check_after
        self._max_consecutive_bad = max_consecutive_bad
        self.exclude_ids_file = exclude_ids_file
        super().__init__(*args, **kwargs)
        self._bad = ConsecutiveBadImages(max_consecutive_bad, source=self.ann_file)
        self._loading, self._after_loading = split_seg_loading(self.pipeline)

    def load_data_list(self) -> list:
        data_list = super().load_data_list()
        img_dir = self.data_prefix.get('img_path', '')
        names = [osp.relpath(d['img_path'], img_dir) if img_dir else d['img_path'] for d in data_list]
        names = [n[:-len(self.img_suffix)] if self.img_suffix and n.endswith(self.img_suffix) else n for n in names]
        return keep_not_excluded(data_list, names, self.exclude_ids_file, f'{type(self).__name__}({self.ann_file})')

    @classmethod
    def get_label_map(cls, new_classes: Optional[list] = None):
        return None  # metainfo['classes'] names the mask values in order: no remapping (module docstring)

    def _update_palette(self) -> list:
        # VOC's colour map, cut to the classes (mask value k has VOC's colour k; mmseg would demand a subset's order)
        palette, classes = self._metainfo.get('palette', []), self._metainfo.get('classes', [])
        if len(palette) >= len(classes):
            return list(palette)[:len(classes)]
        return super()._update_palette()

    @property
    def num_classes(self) -> int:
        return len(self.metainfo['classes'])

    def prepare_data(self, idx: int):
        info = self.get_data_info(idx)
        try:
            data = run_loading(self._loading, info)
        except IMAGE_ERRORS as e:
            if self.test_mode:
                raise RuntimeError(f'cannot read evaluation sample {info["img_path"]} / {info.get("seg_map_path")}: '
                                   f'{e}') from e
            self._bad.bad(f'{info["img_path"]} / {info.get("seg_map_path")}', e)
            return None
        check_seg_map(data, self.num_classes, self.ignore_index)  # malformed data: an error, never skipped
        data = self._after_loading(data)
        if data is not None and not self.test_mode:
            data[BAD_IMAGES_KEY] = self._bad.take()
        return data
