"""JFT JSONL (+ classes + hierarchy) -> tar shards in webdataset's layout, read by :class:`JFTShardDataset`.

Layout of ``out_dir`` (all written by :func:`convert_jsonl_to_shards`)::

    <prefix>-index.json     {"format": "mmjft-shards", "version": 1, "labels": "raw" | "expanded",
                             "min_confidence": 0.0, "num_classes": C, "classes_file": "classes.txt",
                             "hierarchy_file": "hierarchy.json" | null, "num_samples": N,
                             "shards": [{"name": "train-000000.tar", "samples": 1000}, ...],
                             "skipped": {"missing": m, "corrupt": c, "first": ["path (error)", ...]},
                             "partially_annotated_images": p, "source": "<the JSONL>"}
    classes.txt, hierarchy.json   the label space, copied once
    train-000000.tar ...    one sample = members sharing a key (webdataset groups members by the part of the name
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
"""
import json
import os
import os.path as osp
import shutil
from typing import Optional

import cv2
import numpy as np
import webdataset as wds

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
        out_dir: output folder (created); existing shards of the same prefix are overwritten.
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
    hierarchy = stored_label_space(classes_file, hierarchy_file, labels, min_confidence)
    rule = LabelRule(hierarchy, min_confidence)  # 'expanded': min_confidence and the ancestors, at conversion
    os.makedirs(out_dir, exist_ok=True)
    shutil.copyfile(classes_file, osp.join(out_dir, 'classes.txt'))
    if hierarchy_file is not None:
        shutil.copyfile(hierarchy_file, osp.join(out_dir, 'hierarchy.json'))

    shards, skipped, missing, corrupt, partial = [], [], 0, 0, 0
    writer, count = None, 0

    def close():
        if writer is not None:
            writer.close()
            shards.append(dict(name=f'{prefix}-{len(shards):06d}.tar', samples=count))

    with open(ann_file, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
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
            if writer is None or count == samples_per_shard:
                close()
                writer = wds.TarWriter(osp.join(out_dir, f'{prefix}-{len(shards):06d}.tar'), encoder=False,
                                       mtime=0.0)
                count = 0
            writer.write(sample)
            count += 1
    close()
    index = dict(format=INDEX_FORMAT, version=INDEX_VERSION, labels=labels, min_confidence=float(min_confidence),
                 num_classes=hierarchy.num_classes, classes_file='classes.txt',
                 hierarchy_file='hierarchy.json' if hierarchy_file is not None else None,
                 num_samples=sum(s['samples'] for s in shards), shards=shards,
                 skipped=dict(missing=missing, corrupt=corrupt, first=skipped), partially_annotated_images=partial,
                 source=osp.basename(ann_file))
    index_file = osp.join(out_dir, f'{prefix}-index.json')
    with open(index_file, 'w', encoding='utf-8') as f:
        json.dump(index, f, indent=1)
        f.write('\n')
    return dict(index, index_file=index_file)
