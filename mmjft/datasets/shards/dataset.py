"""JFTShardDataset: JFTDataset's images and labels streamed from tar shards (see :mod:`.convert`)."""
import hashlib
import json
import os
import os.path as osp
import random
import tarfile
import tempfile
from typing import Optional, Sequence

import mmcv
import numpy as np
import webdataset as wds
from mmcv.transforms import LoadImageFromFile
from mmengine.dataset import Compose
from mmengine.dist import broadcast_object_list, get_dist_info, get_rank, is_distributed
from mmengine.logging import print_log
from torch.utils.data import IterableDataset, get_worker_info

from mmjft.registry import DATASETS
from mmjft.structures import SAMPLE_SEED_KEY, STREAM_POSITION_KEY, load_classes
from ..label_space import index_label_space
from ..loading import load_or_skip, split_loading
from ..options import JFTDataOptions, rooted
from ..sample_seed import sample_seed, seeded
from ..subset import parse_size, count_threshold, fraction_threshold, subset_keys
from .convert import INDEX_FORMAT, INDEX_VERSION, check_shard_index


class _LoadFromShardBytes:
    """mmcv's ``LoadImageFromFile`` with the same settings, decoding the bytes the shard holds (``img_bytes``)."""

    def __init__(self, loader: LoadImageFromFile):
        self.loader = loader

    def __call__(self, results: dict) -> dict:
        img = mmcv.imfrombytes(results.pop('img_bytes'), flag=self.loader.color_type,
                               backend=self.loader.imdecode_backend)
        if img is None:
            raise OSError('image bytes do not decode')
        if self.loader.to_float32:
            img = img.astype(np.float32)
        results.update(img=img, img_shape=img.shape[:2], ori_shape=img.shape[:2])
        return results


def _label_members(path: str):
    """A local shard's samples without their ``.img`` members, as webdataset groups them (``__key__`` and the
    member suffixes); tarfile seeks over the members it does not read."""
    sample = None
    with tarfile.open(path, 'r:') as tar:
        for member in tar:
            if not member.isfile():
                continue
            key, _, suffix = osp.basename(member.name).partition('.')
            key = osp.join(osp.dirname(member.name), key)
            if sample is None or sample['__key__'] != key:
                if sample is not None:
                    yield sample
                sample = {'__key__': key}
            if suffix != 'img':
                sample[suffix] = tar.extractfile(member).read()
    if sample is not None:
        yield sample


def spilled_count_cut(keys, count: int) -> tuple:
    """``(t, n, below, equal)`` of a stream of uint64 subset ``keys``: the count subset's threshold
    (:func:`~mmjft.datasets.subset.count_threshold`), the number of keys, and how many lie below and at ``t``. The
    keys are spilled to a temporary file (8 bytes each) and read back in chunks: memory does not grow with ``n``.
    ``t`` is None when there is no key or fewer than ``count``."""
    with tempfile.TemporaryFile() as spill:
        for chunk in _chunks(keys, 1 << 20):
            np.asarray(chunk, dtype=np.uint64).tofile(spill)
        n = spill.tell() // 8
        if not n or count > n:
            return None, n, 0, 0
        keys = np.memmap(spill, dtype=np.uint64, mode='r', shape=(n, ))
        t = count_threshold(keys, count)
        below, equal = (sum(int(op(keys[lo:lo + (1 << 22)], np.uint64(t)).sum()) for lo in range(0, n, 1 << 22))
                        for op in (np.less, np.equal))
        del keys
    return t, n, below, equal


def _chunks(items, size: int):
    """Lists of up to ``size`` consecutive items."""
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _is_url(name: str) -> bool:
    return name.startswith('pipe:') or '://' in name


@DATASETS.register_module()
class JFTShardDataset(JFTDataOptions, IterableDataset):
    """:class:`~mmjft.datasets.JFTDataset` read as a stream of tar shards written by
    ``tools/dataset_converters/jsonl_to_shards.py``: same pipeline, labels, ``subset_size`` / ``subset_seed`` /
    ``classes_subset`` / ``min_confidence`` semantics, bad-image handling and ``metainfo['classes']``. An index of
    no sample, or a ``subset_size`` count above its samples (above those the label rules leave: found by the count's
    pass), is an error. Without a count there is no pass at build: a ``classes_subset`` that leaves no image is not
    caught before the stream starts, and a fraction's small-subset warning counts against the index's samples
    before the label rules (it says "about").

    Each rank and data loader worker reads its own shards (shard ``i`` of the epoch's shard order goes to global
    worker ``i % (world_size * num_workers)``, global worker ``rank * num_workers + worker_id``), so an epoch
    reads every sample exactly once over all ranks and workers; samples pass a shuffle buffer. The order is
    deterministic from ``seed``, the epoch (:meth:`set_epoch`; otherwise it advances on each new iteration of a
    persistent worker), rank and worker; augmentation draws from a seed per sample (seed, epoch, img_path: see
    :mod:`mmjft.datasets.sample_seed`). Each sample carries its stream position; with
    :class:`~mmjft.engine.ResumableIterBasedTrainLoop` a checkpoint holds where every rank's workers stand and
    ``--resume`` continues there without replaying the data and without repeating or skipping a sample. A count
    ``subset_size`` becomes a key threshold of :mod:`mmjft.datasets.subset` computed by one streamed pass over the
    shards (labels and paths only) and cached next to the index (``<index>.subset-cache.json``); a fraction needs no
    pass.

    Config (mmengine's Runner builds an IterableDataset's DataLoader without a sampler when ``sampler=None``, and
    IterBasedTrainLoop restarts the iterator when an epoch ends)::

        train_dataloader = dict(
            batch_size=32, num_workers=8, persistent_workers=True,
            sampler=None,  # the dataset splits the shards itself
            dataset=dict(type='JFTShardDataset', data_root='data/jft300m_shards/',
                         index_file='train-index.json', pipeline=train_pipeline))

    Args:
        index_file (str): the converter's ``<prefix>-index.json`` (relative to ``data_root`` unless absolute).
        data_root (str): folder of the index, the label space files and (by default) the shards.
        pipeline (Sequence): transforms, as for JFTDataset; its ``LoadImageFromFile`` decodes the shard's bytes with
            the same settings (color type, backend, to_float32).
        shard_root (str, optional): where the shards lie if not next to the index: a folder, or a prefix that
            webdataset opens (``pipe:aws s3 cp s3://bucket/``, ``https://host/``): shard names are appended.
        shuffle (bool): shuffle the shard order per epoch and the samples within blocks. Defaults to True.
        shuffle_buffer (int): samples of a worker's shuffle block: each worker reads its shards' samples in blocks
            of this many consecutive samples and yields each block in a random order, so a worker holds at most
            one block of encoded images (the memory of a shuffle buffer of this size). A block, unlike a rolling
            buffer, has a position that a resumed run can return to exactly. Defaults to 1000.
        seed (int): seed of the shard order, the shuffle blocks and the per-sample augmentation seeds. Defaults to 0.
        rank, world_size (int, optional): default: mmengine.dist's (tests inject them).
        test_mode (bool): an unreadable image raises instead of being skipped. Negatives (partially annotated
            images) are not in the shards: a ``test_mode`` dataset over shards of a JSONL that had them is an error
            (evaluate it with JFTDataset). Defaults to False.
        metainfo (dict, optional): merged into ``metainfo``; ``classes`` comes from the index (and
            ``classes_subset``).
        **options: the options the three storages share (``expand_hierarchy``, ``subset_size``, ``subset_seed``,
            ``classes_subset``, ``min_confidence``, ``max_bad_fraction``, ``bad_check_after``,
            ``max_consecutive_bad``: see :class:`~mmjft.datasets.options.DataOptions`), as in JFTDataset. Shards of
            expanded labels need ``expand_hierarchy=True`` and the ``min_confidence`` they were converted with.
            ``exclude_ids_file`` is refused (a ValueError): leave images out with JFTDataset.
    """

    def __init__(self,
                 index_file: str,
                 data_root: str = '',
                 pipeline: Sequence = (),
                 shard_root: Optional[str] = None,
                 shuffle: bool = True,
                 shuffle_buffer: int = 1000,
                 seed: int = 0,
                 rank: Optional[int] = None,
                 world_size: Optional[int] = None,
                 test_mode: bool = False,
                 metainfo: Optional[dict] = None,
                 **options):
        self.ann_file = self.index_file = rooted(index_file, data_root)
        self._init_options(options, data_root, source=self.index_file)
        with open(self.index_file, 'rb') as f:
            raw = f.read()
        self._index_digest = hashlib.sha1(raw).hexdigest()
        index = json.loads(raw)
        if not isinstance(index, dict) or index.get('format') != INDEX_FORMAT or index.get('version') != INDEX_VERSION:
            raise ValueError(f'{self.index_file}: not a {INDEX_FORMAT} index of version {INDEX_VERSION}')
        check_shard_index(self.index_file, index, shard_root)  # its label space and shards are this conversion's
        self._refuse_jsonl_only(self.index_file, index, index.get('partially_annotated_images', 0), test_mode)
        self.classes_file, hierarchy = index_label_space(self.index_file, index, self.expand_hierarchy,
                                                         self.min_confidence)
        self.stored = index['labels']
        self._metainfo = self._init_label_space(hierarchy, self.stored, metainfo)
        root = osp.dirname(self.index_file) if shard_root is None else shard_root
        self.shards = [(s['name'], int(s['samples'])) for s in index['shards']]
        self.shard_urls = [n if _is_url(n) else (root + n if _is_url(root) else osp.join(root, n))
                           for n, _ in self.shards]
        self.num_samples = int(index['num_samples'])
        self._check_size(self.index_file, self.num_samples)
        self.shuffle, self.shuffle_buffer, self.seed = shuffle, shuffle_buffer, seed
        self.rank, self.world_size = rank, world_size
        self.test_mode = test_mode
        self.pipeline = Compose(pipeline)
        loading, self._after_loading = split_loading(self.pipeline)
        for t in loading:
            if isinstance(t, LoadImageFromFile) and type(t) is not LoadImageFromFile and \
                    not getattr(t, 'takes_img_bytes', False):
                raise ValueError(f'{type(self).__name__} decodes shard bytes with LoadImageFromFile\'s settings; '
                                 f'the loader {type(t).__name__} does not take the shard\'s bytes (takes_img_bytes)')
        # a loader that takes ``img_bytes`` itself (``takes_img_bytes = True``, e.g. one keeping the JPEG for decoding
        # on the GPU) is used as it is
        self._loading = [_LoadFromShardBytes(t) if type(t) is LoadImageFromFile else t for t in loading]
        self._threshold, self._tied = self._subset_rule()
        self._epoch = 0
        self._resume = None

    # ------------------------------------------------------------------ label space and subset
    @property
    def metainfo(self) -> dict:
        return dict(self._metainfo)

    def _labels(self, sample: dict, where: str) -> Optional[np.ndarray]:
        """The sample's labels in the dataset's label space (JFTDataset's order of rules), None if dropped."""
        try:
            ids = np.frombuffer(sample['labels'], dtype='<i2').astype(np.int64)
            conf = sample.get('conf')
            if conf is not None:
                conf = np.frombuffer(conf, dtype='<f8')
                if conf.size != ids.size:
                    raise ValueError(f'{conf.size} confidences for {ids.size} labels')
        except KeyError as e:
            raise ValueError(f'{where}: sample lacks the member {e.args[0]!r}') from None
        except ValueError as e:
            raise ValueError(f'{where}: bad label members ({e})') from None
        if ids.size and (ids.min() < 0 or ids.max() >= self.hierarchy.num_classes):
            raise ValueError(f'{where}: label ids outside the classes file (0..{self.hierarchy.num_classes - 1})')
        return self._rule.labels(ids, conf)

    def _raw_samples(self, url: str, expected: Optional[int] = None, images: bool = True):
        """The shard's samples (dicts of bytes); an unreadable tar, a sample without a path, or a sample count other
        than the index's raise errors naming the shard. ``images=False``: a local shard's image members are not
        read (tarfile seeks over them: a pass over labels reads the tar headers and the small members only)."""
        n = 0
        samples = (_label_members(url) if not images and not _is_url(url)
                   else wds.tariterators.tarfile_samples([dict(url=url)]))
        try:
            for sample in samples:
                if 'path' not in sample:
                    raise ValueError(f'member {sample.get("__key__")}.path missing')
                n += 1
                yield sample
        except (OSError, ValueError, EOFError) as e:
            raise ValueError(f'shard {url}: {type(e).__name__}: {e}') from e
        except Exception as e:  # tarfile.ReadError & co.
            raise ValueError(f'shard {url}: unreadable ({type(e).__name__}: {e})') from e
        if expected is not None and n != expected:
            raise ValueError(f'shard {url}: holds {n} samples, the index {self.index_file} says {expected}')

    def _cache_key(self) -> str:
        subset = self.classes_subset
        if subset is not None:
            names = load_classes(subset) if isinstance(subset, str) else list(subset)
            subset = hashlib.sha1('\n'.join(names).encode()).hexdigest()
        return json.dumps(dict(index=self._index_digest, size=self.subset_size, seed=self.subset_seed,
                               classes_subset=subset, min_confidence=self.min_confidence,
                               expand_hierarchy=self.expand_hierarchy), sort_keys=True)

    def _subset_rule(self):
        """(threshold, tied paths kept) of the subset: keep ``key < t``, and ``key == t`` if ``tied`` is None or
        holds the path; (None, None): no subset."""
        if self.subset_size is None:
            return None, None
        fraction, count = parse_size(self.subset_size)
        if fraction is not None:  # of the images the label rules leave: at most num_samples
            self._warn_small_subset(self.index_file, self.num_samples)
            return fraction_threshold(fraction), None
        if is_distributed() and self.rank is None:  # one rank counts (or reads the cache), the others are told
            entry = [None]
            if get_rank() == 0:
                try:
                    entry = [self._cached_count(count)]
                except ValueError as e:  # every rank raises it, none waits for the others
                    entry = [dict(error=str(e))]
            broadcast_object_list(entry, src=0)
            entry = entry[0]
            if 'error' in entry:
                raise ValueError(entry['error'])
        else:
            entry = self._cached_count(count)
        self._warn_small_subset(self.index_file, entry['images'], count)
        return entry['threshold'], entry['tied']

    def _cached_count(self, count: int) -> dict:
        """The count subset's rule from the cache next to the index, or from a pass over the shards' labels (then
        cached)."""
        cache_file = osp.splitext(self.index_file)[0] + '.subset-cache.json'
        key = self._cache_key()
        cache = {}
        if osp.exists(cache_file):
            with open(cache_file, encoding='utf-8') as f:
                cache = json.load(f)
            if 'images' in cache.get(key, {}):
                return cache[key]
        entry = self._count_pass(count)
        cache[key] = entry
        try:  # atomic: ranks computing it at once each write a whole file
            tmp = f'{cache_file}.{os.getpid()}.tmp'
            with open(tmp, 'w', encoding='utf-8') as f:
                json.dump(cache, f, indent=1)
            os.replace(tmp, cache_file)
        except OSError as e:
            print_log(f'{type(self).__name__}: cannot cache the subset threshold in {cache_file} ({e})',
                      logger='current', level=30)
        return entry

    def _candidates(self):
        """(img_path, key) of every sample the label rules keep, over all shards, in index order."""
        for url, (_, n) in zip(self.shard_urls, self.shards):
            for sample in self._raw_samples(url, n, images=False):
                if self._labels(sample, f'shard {url} sample {sample["__key__"]}') is not None:
                    path = sample['path'].decode('utf-8')
                    yield path, subset_keys([path], self.subset_seed)[0]

    def _count_pass(self, count: int) -> dict:
        """The count subset's threshold from one pass over the shards' labels: the keys of the images the label
        rules keep are spilled to a temporary file (8 bytes an image) and read back in chunks
        (:func:`~mmjft.datasets.subset.count_threshold`), so memory does not grow with the index."""
        t, n, below, equal = spilled_count_cut((k for _, k in self._candidates()), count)
        self._check_size(self.index_file, self.num_samples, n)
        need = count - below
        tied = None
        if count < n and equal > need:  # ties at the cut: JFTDataset's path order
            tied = sorted(p for p, k in self._candidates() if k == t)[:need]
        print_log(f'{type(self).__name__} {self.index_file}: subset of {count} of {n} images: key threshold '
                  f'{t}', logger='current')
        return dict(threshold=int(t), tied=tied, images=n)

    def _in_subset(self, path: str) -> bool:
        if self._threshold is None:
            return True
        key = int(subset_keys([path], self.subset_seed)[0])
        return key < self._threshold or (key == self._threshold and (self._tied is None or path in self._tied))

    # ------------------------------------------------------------------ streaming
    def __len__(self) -> int:
        """An estimate of the samples one rank reads per epoch (mmengine's Runner asks the DataLoader's length for
        ``epoch_length``): the index's count, or the subset's, over the world size. ``classes_subset`` and uneven
        shards make the true number differ; nothing in mmjft relies on it."""
        n = self.num_samples
        if self.subset_size is not None:
            fraction, count = parse_size(self.subset_size)
            n = min(n, count) if count is not None else int(n * fraction)
        world_size = get_dist_info()[1] if self.world_size is None else self.world_size
        return max(1, n // world_size)

    def set_epoch(self, epoch: int) -> None:
        """The epoch of the next :meth:`__iter__` (later ones count on from it)."""
        self._epoch = epoch

    def set_resume(self, state: Optional[dict]) -> None:
        """Make the next :meth:`__iter__` continue an epoch where a run stopped: ``state`` is what
        :class:`~mmjft.engine.ResumableIterBasedTrainLoop` saved for this rank: ``epoch``, ``num_workers``,
        ``workers`` ({logical worker: [block, position] of the last sample consumed}) and ``next_worker`` (the
        logical worker whose batch came next). None: start epochs from their beginning."""
        self._resume = state

    def worker_shards(self, epoch: int, rank: int, world_size: int, worker: int, num_workers: int) -> list:
        """Indices of the shards one worker reads in ``epoch``."""
        order = list(range(len(self.shards)))
        if self.shuffle:
            random.Random(f'{self.seed}/{epoch}').shuffle(order)
        return order[rank * num_workers + worker::world_size * num_workers]

    def __iter__(self):
        """This worker's samples of the epoch: its shards' samples in blocks of ``shuffle_buffer`` consecutive
        samples, each block shuffled (deterministically from seed, epoch, rank, worker and block). Each sample
        carries its position (:data:`STREAM_POSITION_KEY`, ``'epoch/worker/block/index'``) so that a train loop can
        save where each worker stands and a later :meth:`set_resume` restarts there exactly: the resumed stream
        skips whole shards and blocks without reading their images and drops the block's samples already consumed
        before decoding them."""
        rank, world_size = get_dist_info()
        rank = rank if self.rank is None else self.rank
        world_size = world_size if self.world_size is None else self.world_size
        info = get_worker_info()
        worker_id, num_workers = (0, 1) if info is None else (info.id, info.num_workers)
        epoch = self._epoch
        self._epoch += 1
        resume, self._resume = self._resume, None
        start = None
        if resume is not None and resume['epoch'] == epoch:
            if resume['num_workers'] != num_workers:
                raise ValueError(f'{type(self).__name__} {self.index_file}: the position to resume was saved with '
                                 f'{resume["num_workers"]} data loader workers per rank, this run has {num_workers}')
            # the data loader asks its workers for batches in turn from worker 0: the worker that delivered next
            # takes that place, so batches keep the uninterrupted run's order
            worker = (worker_id + resume['next_worker']) % num_workers
            start = resume['workers'].get(str(worker), resume['workers'].get(worker))
        else:
            worker = worker_id
        shard_ids = self.worker_shards(epoch, rank, world_size, worker, num_workers)
        first_block, last_done = (0, -1) if start is None else (int(start[0]), int(start[1]))
        # the state is read above, when the iterator is made (a generator's body would run at its first next())
        return self._stream(shard_ids, epoch, rank, worker, first_block, last_done)

    def _stream(self, shard_ids, epoch, rank, worker, first_block, last_done):
        for block, infos in self._blocks(shard_ids, first_block):
            if self.shuffle:
                random.Random(f'{self.seed}/{epoch}/{rank}/{worker}/{block}').shuffle(infos)
            for i in range(last_done + 1 if block == first_block else 0, len(infos)):
                data = self._prepare(infos[i], epoch)
                if data is not None:
                    data[STREAM_POSITION_KEY] = f'{epoch}/{worker}/{block}/{i}'
                    yield data

    def _blocks(self, shard_ids: Sequence[int], first_block: int = 0):
        """``(block number, infos)`` of the worker's samples that the label and subset rules keep, block ``b``
        holding the shards' samples ``b * shuffle_buffer`` to ``(b + 1) * shuffle_buffer - 1`` in the worker's
        shard order; blocks before ``first_block`` are skipped (shards wholly before it are not opened)."""
        size = max(1, int(self.shuffle_buffer))
        skip = first_block * size
        block, infos, pos = first_block, [], 0
        for i in shard_ids:
            n = self.shards[i][1]
            if pos + n <= skip:
                pos += n
                continue
            for sample in self._raw_samples(self.shard_urls[i], n):
                pos += 1
                if pos <= skip:
                    continue
                info = self._info(sample, self.shard_urls[i])
                if info is not None:
                    infos.append(info)
                if (pos - skip) % size == 0:
                    yield block, infos
                    block, infos = block + 1, []
        if infos:
            yield block, infos

    def _info(self, sample: dict, url: str) -> Optional[dict]:
        where = f'shard {url} sample {sample["__key__"]}'
        labels = self._labels(sample, where)
        if labels is None:
            return None
        path = sample['path'].decode('utf-8')
        if not self._in_subset(path):
            return None
        if 'img' not in sample:
            raise ValueError(f'{where}: member {sample["__key__"]}.img missing')
        return dict(img_path=path, gt_label=labels, img_bytes=sample['img'], shard=url)

    def _prepare(self, info: dict, epoch: int = 0):
        seed = sample_seed(self.seed, epoch, info['img_path'])
        info[SAMPLE_SEED_KEY] = seed
        with seeded(seed):
            return load_or_skip(self._loading, self._after_loading, info, self._bad, self.test_mode,
                                name=f'{info["img_path"]} (shard {info["shard"]})')
