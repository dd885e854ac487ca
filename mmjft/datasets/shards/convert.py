"""JFT JSONL (+ classes + hierarchy) -> tar shards in webdataset's layout, read by :class:`JFTShardDataset`.

Layout of ``out_dir`` (all written by :func:`convert_jsonl_to_shards`)::

    <prefix>-index.json     {"format": "mmjft-shards", "version": 1, "labels": "raw" | "expanded",
                             "min_confidence": 0.0, "num_classes": C, "classes_file": "classes.txt",
                             "hierarchy_file": "hierarchy.json" | null, "num_samples": N,
                             "generation": "<G>", "label_space_sha1": {"classes.txt": "<sha1>", ...},
                             "shards": [{"name": "train-<G>-000000.tar", "samples": 1000}, ...],
                             "skipped": {"missing": m, "corrupt": c, "first": ["path (error)", ...]},
                             "partially_annotated_images": p, "source": "<the JSONL>"}
    classes.txt, hierarchy.json   the label space: copies, or the files themselves when they lie in this folder
    train-<G>-000000.tar ...  one sample = members sharing a key (webdataset groups members by the part of the name
                            before the first dot, so the key is the sample's 0-based position in the JSONL, 10
                            digits, never the path):
                              <key>.path    the original img_path (UTF-8), as written in the JSONL
                              <key>.labels  int16 little-endian label ids (full class space of classes.txt)
                              <key>.conf    float64 little-endian confidences (JFTDataset compares float64), raw
                                            labels with confidences only
                              <key>.img     the image file's bytes, unchanged

``labels='raw'`` stores the JSONL's labels (with their confidences): the reader applies ``min_confidence`` and the
hierarchy expansion per sample. ``labels='expanded'`` applies ``min_confidence`` at conversion and stores the sorted
ancestor-expanded ids (the reader then needs ``expand_hierarchy=True`` and the same ``min_confidence``); both
through the datasets' :class:`~mmjft.datasets.label_space.LabelRule`. Negatives (partially annotated evaluation
images) are not stored: shards are for training, which ignores them (as JFTDataset does); the images that had them
are counted in the index (``partially_annotated_images``), and :class:`JFTShardDataset` refuses to evaluate such
shards (``test_mode``): evaluate them with JFTDataset.

Deterministic: JSONL order, fixed samples per shard, tar members with mtime 0, uid/gid 0, sorted member names;
the same input gives byte-identical shards and index. A missing or undecodable image (checked with OpenCV's
decoder, the one mmcv's loader uses, unless ``verify_images=False``) is not written; it is counted and listed in
the index's ``skipped`` and in the returned report.

Generations: ``<G>`` is a digest of every sample written (and the shard size). The shards are written under temporary
names, renamed to their generation's names, and only then the index (renamed over the old one) names them; the
previous generation's shards are removed after. So a failed conversion leaves the previous shards and index whole,
an index never describes another conversion's shards, and :func:`check_shard_index` tells a reader when the folder
lacks the index's shards or its label space changed. A conversion that writes no sample is an error.
"""
import hashlib
import json
import os
import os.path as osp
from typing import Optional

import cv2
import numpy as np
import webdataset as wds

from mmjft.utils.atomic import (Staging, atomic_open, check_sha1, file_sha1, refuse_overwriting_inputs, remove_files,
                                stage_copy, temp_path)

from ..jsonl_record import parse_jsonl_record
from ..label_space import LabelRule, stored_label_space

INDEX_FORMAT = 'mmjft-shards'
INDEX_VERSION = 1
KEY_DIGITS = 10


def _check_image(path: str) -> Optional[str]:
    """None if ``path`` reads and decodes, else the reason."""
    try:
        with open(path, 'rb') as f:
            data = f.read()
    except OSError as e:
        return f'missing: {type(e).__name__}: {e.strerror or e}'
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) if data else None
    return None if img is not None else 'corrupt: does not decode'


def convert_jsonl_to_shards(ann_file: str, classes_file: str, out_dir: str, hierarchy_file: Optional[str] = None,
                            img_root: str = '', labels: str = 'raw', min_confidence: float = 0.0,
                            samples_per_shard: int = 1000, prefix: str = 'train', verify_images: bool = True,
                            keep_bad: int = 100) -> dict:
    """Write the shards, the index and the label space; return the index (a dict) with ``index_file`` added.

    Args:
        ann_file, classes_file, hierarchy_file: JFTDataset's files (absolute or relative to the working directory).
        out_dir: output folder (created); shards of the same prefix already there are replaced when this conversion
            is complete, and stay as they were when it fails.
        img_root: folder the JSONL's ``img_path`` values are relative to (JFTDataset's ``data_root`` +
            ``data_prefix``).
        labels: ``'raw'`` or ``'expanded'`` (see the module docstring).
        min_confidence: for ``'expanded'`` only: labels under it are dropped before expansion.
        samples_per_shard: images per tar (the last one may hold fewer).
        verify_images: decode every image once to catch corrupt files (else only missing ones are caught).
        keep_bad: how many skipped paths the index lists (all are counted).
    """
    if samples_per_shard < 1:
        raise ValueError(f'samples_per_shard must be positive, got {samples_per_shard}')
    index_file = osp.join(out_dir, f'{prefix}-index.json')
    refuse_overwriting_inputs([ann_file, classes_file, hierarchy_file], [index_file])
    hierarchy = stored_label_space(classes_file, hierarchy_file, labels, min_confidence)
    rule = LabelRule(hierarchy, min_confidence)  # 'expanded': min_confidence and the ancestors, at conversion
    os.makedirs(out_dir, exist_ok=True)
    old = _read_index(index_file)
    replaceable = {old[k] for k in ('classes_file', 'hierarchy_file') if isinstance(old.get(k), str)}
    with Staging() as stage:  # the label space copies, renamed into place once the shards are complete
        classes_name = stage_copy(classes_file, out_dir, 'classes.txt', stage, replaceable)
        hierarchy_name = (None if hierarchy_file is None else
                          stage_copy(hierarchy_file, out_dir, 'hierarchy.json', stage, replaceable))
        writer = _ShardWriter(out_dir, prefix, samples_per_shard)
        try:
            found = _write_samples(writer, ann_file, hierarchy, rule, img_root, labels, verify_images, keep_bad)
            shards = writer.finish()
        except BaseException:
            writer.discard()
            raise
    digests = {n: file_sha1(osp.join(out_dir, n)) for n in (classes_name, hierarchy_name) if n is not None}
    missing, corrupt, skipped, partial = found
    index = dict(format=INDEX_FORMAT, version=INDEX_VERSION, labels=labels, min_confidence=float(min_confidence),
                 num_classes=hierarchy.num_classes, classes_file=classes_name, hierarchy_file=hierarchy_name,
                 num_samples=sum(s['samples'] for s in shards), generation=writer.generation,
                 label_space_sha1=digests, shards=shards,
                 skipped=dict(missing=missing, corrupt=corrupt, first=skipped), partially_annotated_images=partial,
                 source=osp.basename(ann_file))
    with atomic_open(index_file) as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    replaced = {s.get('name') for s in old.get('shards', []) if isinstance(s, dict)} - {s['name'] for s in shards}
    remove_files(osp.join(out_dir, n) for n in replaced if isinstance(n, str) and osp.basename(n) == n)
    return dict(index, index_file=index_file)


def _read_index(index_file: str) -> dict:
    """The index being replaced ({} when there is none or it does not parse)."""
    try:
        with open(index_file, 'rb') as f:
            index = json.loads(f.read())
        return index if isinstance(index, dict) else {}
    except (OSError, ValueError):
        return {}


class _ShardWriter:
    """Samples into tar files under temporary names; :meth:`finish` renames them after their generation (a digest of
    every sample and the shard size) and returns the index's ``shards``; :meth:`discard` removes them."""

    def __init__(self, out_dir: str, prefix: str, samples_per_shard: int):
        self.out_dir, self.prefix, self.per_shard = out_dir, prefix, samples_per_shard
        self.digest = hashlib.sha1(f'{samples_per_shard};'.encode())
        self.temps, self.counts = [], []
        self.tar = None
        self.generation = None

    def write(self, sample: dict) -> None:
        if self.tar is None or self.counts[-1] == self.per_shard:
            self._close()
            self.temps.append(temp_path(osp.join(self.out_dir, f'{self.prefix}-{len(self.temps):06d}.tar')))
            self.tar = wds.TarWriter(self.temps[-1], encoder=False, mtime=0.0)
            self.counts.append(0)
        for member in sorted(sample):
            data = sample[member].encode() if member == '__key__' else sample[member]
            self.digest.update(f'{member}:{len(data)};'.encode())
            self.digest.update(data)
        self.tar.write(sample)
        self.counts[-1] += 1

    def _close(self) -> None:
        if self.tar is not None:
            self.tar.close()
            self.tar = None

    def finish(self) -> list:
        self._close()
        self.generation = self.digest.hexdigest()[:16]
        shards = []
        for i, (tmp, n) in enumerate(zip(self.temps, self.counts)):
            name = f'{self.prefix}-{self.generation}-{i:06d}.tar'
            os.replace(tmp, osp.join(self.out_dir, name))
            shards.append(dict(name=name, samples=n))
        return shards

    def discard(self) -> None:
        try:
            self._close()
        finally:
            remove_files(self.temps)


def _write_samples(writer: _ShardWriter, ann_file: str, hierarchy, rule: LabelRule, img_root: str, labels: str,
                   verify_images: bool, keep_bad: int) -> tuple:
    """Every readable image of ``ann_file`` into ``writer``; return (missing, corrupt, first skipped, partially
    annotated). No sample written is an error naming the file and the first skipped images."""
    skipped, missing, corrupt, partial, lines = [], 0, 0, 0, 0
    with open(ann_file, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            lines += 1
            path, ids, conf, negatives = parse_jsonl_record(line, f'{ann_file}:{lineno}', hierarchy)
            partial += negatives is not None
            full = osp.join(img_root, path)
            problem = _check_image(full) if verify_images else (None if osp.isfile(full) else 'missing')
            if problem is not None:
                missing += problem.startswith('missing')
                corrupt += problem.startswith('corrupt')
                if len(skipped) < keep_bad:
                    skipped.append(f'{path} ({problem})')
                continue
            sample = {'__key__': f'{lineno - 1:0{KEY_DIGITS}d}', 'path': path.encode('utf-8')}
            if labels == 'expanded':
                sample['labels'] = rule.labels(ids, conf).astype('<i2').tobytes()
            else:
                sample['labels'] = ids.astype('<i2').tobytes()
                if conf is not None:
                    sample['conf'] = conf.astype('<f8').tobytes()
            with open(full, 'rb') as img:
                sample['img'] = img.read()
            writer.write(sample)
    if not writer.temps:
        raise ValueError(f'{ann_file}: no sample written: {missing} missing and {corrupt} corrupt images among '
                         f'{lines} lines (img_root {img_root!r}); first: {skipped[:3]}. Check img_root (the folder '
                         'the img_path values are relative to)')
    return missing, corrupt, skipped, partial


def check_shard_index(index_file: str, index: dict, shard_root: Optional[str] = None) -> None:
    """Check that the index's generation is what its folder holds: its label space has the digests it recorded and,
    when the shards lie next to the index (``shard_root`` None), every shard it names is there. A ValueError names the
    index and the file (an index of another conversion: restored, or copied without its shards). An index without a
    ``generation`` (written by hand or by an older converter) is taken as it is."""
    here = osp.dirname(index_file)
    check_sha1(index_file, here, index.get('label_space_sha1') or {})
    if shard_root is not None or index.get('generation') is None:
        return
    local = [s['name'] for s in index.get('shards', []) if '://' not in s['name'] and not s['name'].startswith('pipe:')]
    gone = [n for n in local if not osp.isfile(osp.join(here, n))]
    if gone:
        raise ValueError(f'{index_file}: {len(gone)} of its {len(index["shards"])} shards are not in {here} '
                         f'(generation {index.get("generation")}; first: {gone[:3]}): the folder holds another '
                         'conversion (the index restored or copied without its shards?); convert again')
