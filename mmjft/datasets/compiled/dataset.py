"""JFTCompiledDataset: JFTDataset's images and labels, random access over a compiled index (see :mod:`.index`)."""
import hashlib
import os.path as osp
import random
from typing import Optional, Sequence

import numpy as np
from mmengine.dataset import Compose
from mmengine.logging import print_log
from torch.utils.data import Dataset

from mmjft.registry import DATASETS
from mmjft.structures import SAMPLE_SEED_KEY
from ..label_space import index_label_space
from ..loading import load_or_skip, split_loading
from ..options import JFTDataOptions, rooted
from ..sample_seed import sample_seed, seeded
from .index import map_array, map_arrays, read_header
from .selection import cached_selection, compute_selection


@DATASETS.register_module()
class JFTCompiledDataset(JFTDataOptions, Dataset):
    """:class:`~mmjft.datasets.JFTDataset` over a compiled index written by
    ``tools/dataset_converters/compile_jft_index.py``: same pipeline, labels, ``subset_size`` / ``subset_seed`` /
    ``classes_subset`` / ``min_confidence`` semantics, sample order, bad-image handling and ``metainfo['classes']``,
    with a per-process anonymous memory that does not grow with the number of images.

    Why: JFTDataset keeps one Python dict per image and mmengine serialises them (~200 GB per rank at 300M images).
    Here paths and labels stay in the index's files, mapped read-only and lazily (on first use in each process, so
    forked or spawned data loader workers map the same page-cache pages instead of copying them); a ``subset_size``
    or ``classes_subset`` becomes an index array of the kept positions, computed once in chunks, cached next to the
    index (``cache/``, or ``cache_dir``) and mapped too (see :mod:`.selection`). Pair it with
    :class:`~mmjft.datasets.JFTIndexSampler`, whose shuffled order is not a Python list either and which can start
    inside an epoch (resume without replaying data).

    ``dataset[i]`` takes an int, or the ``(index, epoch)`` pair :class:`~mmjft.datasets.JFTIndexSampler` yields
    (an int counts as epoch 0). The pipeline runs inside :func:`~mmjft.datasets.sample_seed.seeded` of
    ``sample_seed(seed, epoch, img_path)`` (the path as written in the JSONL, so moving ``data_root`` does not
    change the augmentation) and the seed is in the pipeline's input under ``'sample_seed'``. In training a missing
    or corrupt image is skipped and counted as in JFTDataset: another sample, drawn from the failed sample's seed
    (so a resumed run draws the same one), takes its place, and the failed path reaches
    :class:`~mmjft.engine.hooks.BadImageHook` in the next good sample's ``'bad_images'``.

    Config::

        train_dataloader = dict(
            batch_size=32, num_workers=8, persistent_workers=True,
            sampler=dict(type='JFTIndexSampler', shuffle=True),
            dataset=dict(type='JFTCompiledDataset', data_root='data/jft300m/',
                         index_file='train_index/index.json', pipeline=train_pipeline))

    Args:
        index_file (str): the compiler's ``index.json`` (relative to ``data_root`` unless absolute).
        data_root (str): root of the images (and of the index).
        pipeline (Sequence): transforms, as for JFTDataset.
        data_prefix (dict): ``img_path``: folder the JSONL's paths are relative to (relative to ``data_root``
            unless absolute). Defaults to ``data_root``.
        test_mode (bool): an unreadable image raises instead of being skipped. Negatives (partially annotated
            images) are not in the index: a ``test_mode`` dataset over a JSONL that had them is an error (evaluate
            it with JFTDataset). Defaults to False.
        seed (int): the run's seed of the per-sample augmentation seeds. Defaults to 0.
        cache_dir (str, optional): where selections are cached if the index's folder is read-only.
        metainfo (dict, optional): merged into ``metainfo``; ``classes`` comes from the index (and
            ``classes_subset``).
        **options: the options the three storages share (``expand_hierarchy``, ``subset_size``, ``subset_seed``,
            ``classes_subset``, ``min_confidence``, ``max_bad_fraction``, ``bad_check_after``,
            ``max_consecutive_bad``: see :class:`~mmjft.datasets.options.DataOptions`), as in JFTDataset. An index
            of expanded labels needs ``expand_hierarchy=True`` and the ``min_confidence`` it was compiled with.
            ``exclude_ids_file`` is refused (a ValueError): leave images out with JFTDataset.
    """

    def __init__(self,
                 index_file: str,
                 data_root: str = '',
                 pipeline: Sequence = (),
                 data_prefix: Optional[dict] = None,
                 test_mode: bool = False,
                 seed: int = 0,
                 cache_dir: Optional[str] = None,
                 metainfo: Optional[dict] = None,
                 **options):
        self.ann_file = self.index_file = rooted(index_file, data_root)
        self._init_options(options, data_root, source=self.index_file)
        with open(self.index_file, 'rb') as f:
            self._index_digest = hashlib.sha1(f.read()).hexdigest()
        self.header = header = read_header(self.index_file)
        partially_annotated = header['stats'].get('partially_annotated_images', 0)
        self._refuse_jsonl_only(self.index_file, header, partially_annotated, test_mode)
        self.classes_file, hierarchy = index_label_space(self.index_file, header, self.expand_hierarchy,
                                                         self.min_confidence)
        self._metainfo = self._init_label_space(hierarchy, header['labels'], metainfo)
        classes = self._metainfo['classes']
        self.num_samples = int(header['num_samples'])
        self._check_size(self.index_file, self.num_samples)
        self.img_prefix = rooted((data_prefix or {}).get('img_path', ''), data_root)
        self.seed, self.test_mode = seed, test_mode
        self.pipeline = Compose(pipeline)
        self._loading, self._after_loading = split_loading(self.pipeline)
        self._arrays = None  # mapped on first use in each process
        self._selection_spec = self._select(cache_dir or osp.join(osp.dirname(self.index_file), 'cache'), classes)
        self._selection = None
        self._len = self.num_samples if self._selection_spec is None else self._selection_spec[1]
        self._warn_small_subset(self.index_file, self.num_samples if self._selection_spec is None
                                else self._selection_spec[3], self._len)
        print_log(f'{type(self).__name__} {self.index_file}: {self._len} of {self.num_samples} images '
                  f'({header["labels"]} labels, {len(classes)} classes)', logger='current')

    # ------------------------------------------------------------------ mapped arrays
    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def _mapped(self) -> dict:
        if self._arrays is None:
            self._arrays = map_arrays(self.index_file, self.header)
        return self._arrays

    def __getstate__(self):
        """Pickled for spawned workers without the mappings (np.memmap would pickle as a copy of the data)."""
        state = dict(self.__dict__)
        state['_arrays'] = state['_selection'] = None
        return state

    def _select(self, cache_dir: str, classes) -> Optional[tuple]:
        """(file, length, dtype, left) of the kept positions (``left``: the samples the label rules left for the
        subset), None when every sample is kept."""
        if self.subset_size is None and self.classes_subset is None:
            return None
        names_digest = None if self.classes_subset is None else hashlib.sha1('\n'.join(classes).encode()).hexdigest()
        settings = dict(index=self._index_digest, source=self.header['source_sha1'], subset_size=self.subset_size,
                        subset_seed=self.subset_seed, classes_subset=names_digest,
                        min_confidence=self.min_confidence, expand_hierarchy=self.expand_hierarchy)

        def build(out_file, dtype):
            return compute_selection(self._mapped(), self._rule, self.subset_size, self.subset_seed, out_file, dtype,
                                     lambda left: self._check_size(self.index_file, self.num_samples, left))

        return cached_selection(cache_dir, settings, self.num_samples, build, f'{type(self).__name__}')

    def position(self, idx: int) -> int:
        """The index position (0-based JSONL record, blank lines not counted) of dataset sample ``idx``."""
        if not 0 <= idx < self._len:
            raise IndexError(f'{type(self).__name__}: index {idx} out of range for {self._len} samples')
        if self._selection_spec is None:
            return idx
        if self._selection is None:
            file, length, dtype, _ = self._selection_spec
            self._selection = map_array(file, dtype, length)
        return int(self._selection[idx])

    # ------------------------------------------------------------------ samples
    def __len__(self) -> int:
        return self._len

    def img_key(self, idx: int) -> str:
        """Sample ``idx``'s img_path as written in the JSONL."""
        a = self._mapped()
        p = self.position(idx)
        return a['paths'][int(a['path_offsets'][p]):int(a['path_offsets'][p + 1])].tobytes().decode('utf-8')

    def get_data_info(self, idx: int) -> dict:
        """``img_path`` (under ``data_prefix``), ``gt_label`` (int64, the dataset's label space) and ``sample_idx``."""
        a = self._mapped()
        p = self.position(idx)
        lo, hi = int(a['label_indptr'][p]), int(a['label_indptr'][p + 1])
        conf = a.get('label_conf')
        labels = self._rule.labels(np.asarray(a['label_ids'][lo:hi]), None if conf is None else np.asarray(conf[lo:hi]))
        return dict(img_path=osp.join(self.img_prefix, self.img_key(idx)), gt_label=labels, sample_idx=idx)

    def __getitem__(self, item):
        idx, epoch = item if isinstance(item, tuple) else (item, 0)
        replacements = None  # successive draws of the first failed sample's seed: no cycle back to itself
        while True:  # ConsecutiveBadImages ends a run of failures
            key = self.img_key(idx)
            seed = sample_seed(self.seed, epoch, key)
            data = self._prepare(idx, seed)
            if data is not None:
                return data
            if self.test_mode:
                raise RuntimeError(f'{type(self).__name__}: the test pipeline returned nothing for sample {idx}')
            replacements = replacements or random.Random(seed)
            idx = replacements.randrange(self._len)

    def _prepare(self, idx: int, seed: int):
        info = self.get_data_info(idx)
        info[SAMPLE_SEED_KEY] = seed
        with seeded(seed):
            return load_or_skip(self._loading, self._after_loading, info, self._bad, self.test_mode)
