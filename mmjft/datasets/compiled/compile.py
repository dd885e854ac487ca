"""JFT JSONL (+ classes + hierarchy) -> a compiled index (see :mod:`.index` for the layout), read by
:class:`~mmjft.datasets.JFTCompiledDataset`.

One streamed pass over the JSONL: lines are parsed in chunks of ``chunk_lines`` and appended to the array files, so
the writer holds one chunk, never N records. Every line goes through JFTDataset's parser
(:func:`~mmjft.datasets.jsonl_record.parse_jsonl_record`), so the checks and their ``file:line`` errors are the same:
malformed JSON, a line that is not an object with a string ``img_path``, ``labels`` / ``confidences`` /
``negatives`` of the wrong type or length, unknown class names, ids outside the classes file, a class both in
``labels`` and ``negatives``. On top: bytes that are not UTF-8, and an ``img_path`` that cannot be written as
UTF-8 (a lone surrogate escape), both naming ``file:line``. Blank lines are skipped (as JFTDataset does) and counted.

``labels='raw'`` stores the JSONL's labels with their confidences: the dataset applies ``min_confidence`` and the
hierarchy expansion per sample, so one index serves every choice of them. ``labels='expanded'`` applies
``min_confidence`` here and stores the sorted ancestor-expanded ids (the dataset then needs
``expand_hierarchy=True`` and the same ``min_confidence``; both through the datasets'
:class:`~mmjft.datasets.label_space.LabelRule`); no confidences are stored. Negatives (partially annotated evaluation
images) are counted in the header's stats (``partially_annotated_images``), not stored: the index is for training,
which ignores them (as JFTDataset does), and :class:`~mmjft.datasets.JFTCompiledDataset` refuses to evaluate such an
index (``test_mode``): evaluate it with JFTDataset.

Images are not opened: the index is built from the JSONL alone (for 300M images in minutes, not days); a missing or
corrupt image is skipped and counted by the dataset when it is read, as JFTDataset does. Deterministic: the same
files give byte-identical arrays and header.

Atomic: the arrays are written aside and named after their generation, the header is renamed over the old one last
(see :mod:`.index`), so a failed compilation leaves the previous index whole. The output folder may be the data
folder: a classes or hierarchy file that lies there is named by the header, not copied onto itself. A JSONL without
a sample is an error.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
from typing import Optional

import numpy as np

from mmjft.utils.atomic import Staging, file_sha1, refuse_overwriting_inputs, stage_copy

from ..jsonl_record import parse_jsonl_record
from ..label_space import LabelRule, stored_label_space
from .index import HEADER_FILE, ArrayFiles, write_header


def compile_jsonl_index(ann_file: str, classes_file: str, out_dir: str, hierarchy_file: Optional[str] = None,
                        labels: str = 'raw', min_confidence: float = 0.0, chunk_lines: int = 65536) -> dict:
    """Write the compiled index of ``ann_file`` into ``out_dir``; return its header with ``index_file`` added.

    Args:
        ann_file, classes_file, hierarchy_file: JFTDataset's files (absolute or relative to the working directory).
        out_dir: output folder (created); an index already there is replaced when this one is complete (its arrays
            and selection cache removed), and stays as it was when this compilation fails.
        labels: ``'raw'`` or ``'expanded'`` (see the module docstring).
        min_confidence: for ``'expanded'`` only: labels under it are dropped before expansion.
        chunk_lines: JSONL lines parsed per chunk (the writer's memory).
    """
    if chunk_lines < 1:
        raise ValueError(f'chunk_lines must be positive, got {chunk_lines}')
    header_path = osp.join(out_dir, HEADER_FILE)
    refuse_overwriting_inputs([ann_file, classes_file, hierarchy_file], [header_path])
    hierarchy = stored_label_space(classes_file, hierarchy_file, labels, min_confidence)
    rule = LabelRule(hierarchy, min_confidence)  # 'expanded': min_confidence and the ancestors, at compilation
    os.makedirs(out_dir, exist_ok=True)
    replaceable = _label_space_names(header_path)
    names = ['paths', 'path_offsets', 'label_indptr', 'label_ids'] + (['label_conf'] if labels == 'raw' else [])
    with Staging() as stage:  # the label space copies, renamed into place once the arrays are complete
        classes_name = stage_copy(classes_file, out_dir, 'classes.txt', stage, replaceable)
        hierarchy_name = (None if hierarchy_file is None else
                          stage_copy(hierarchy_file, out_dir, 'hierarchy.json', stage, replaceable))
        files = ArrayFiles(out_dir, names)
        try:
            stats, source_sha1 = _write_arrays(files, ann_file, hierarchy, rule, labels, chunk_lines)
            arrays = files.close()
        except BaseException:
            files.discard()
            raise
    digests = {n: file_sha1(osp.join(out_dir, n)) for n in (classes_name, hierarchy_name) if n is not None}
    header = dict(num_samples=stats['lines'], labels=labels, min_confidence=float(min_confidence),
                  num_classes=hierarchy.num_classes, classes_file=classes_name, hierarchy_file=hierarchy_name,
                  source=osp.basename(ann_file), source_sha1=source_sha1, generation=files.generation,
                  label_space_sha1=digests, arrays=arrays, stats=stats)
    index_file = write_header(out_dir, header)
    shutil.rmtree(osp.join(out_dir, 'cache'), ignore_errors=True)  # selections of the replaced index
    return dict(header, index_file=index_file)


def _label_space_names(header_path: str) -> set:
    """The label space files the index being replaced names (its copies may be replaced)."""
    try:
        with open(header_path, 'rb') as f:
            old = json.loads(f.read())
        return {old[k] for k in ('classes_file', 'hierarchy_file') if isinstance(old.get(k), str)}
    except (OSError, ValueError, AttributeError):
        return set()


def _write_arrays(files: ArrayFiles, ann_file: str, hierarchy, rule: LabelRule, labels: str,
                  chunk_lines: int) -> tuple:
    """Stream ``ann_file`` into ``files``; return the stats and the JSONL's sha1."""
    files.append('path_offsets', [0])
    files.append('label_indptr', [0])
    stats = dict(lines=0, blank_lines=0, raw_labels=0, dropped_low_confidence=0, labels=0, empty_label_images=0,
                 partially_annotated_images=0)
    ends = dict(paths=0, labels=0)
    digest = hashlib.sha1()
    chunk = []

    def flush():
        paths, ids, confs = zip(*chunk)
        if labels == 'expanded':
            ids = rule.apply_batch(ids).labels
        lengths = np.fromiter((len(x) for x in ids), dtype=np.int64, count=len(ids))
        blob = b''.join(paths)
        files.append('paths', np.frombuffer(blob, dtype=np.uint8))
        files.append('path_offsets', ends['paths'] + np.cumsum([len(p) for p in paths], dtype=np.int64))
        files.append('label_indptr', ends['labels'] + np.cumsum(lengths))
        files.append('label_ids', np.concatenate(ids) if lengths.sum() else np.zeros(0, np.int16))
        if labels == 'raw':
            files.append('label_conf', np.concatenate(confs) if lengths.sum() else np.zeros(0))
        ends['paths'] += len(blob)
        ends['labels'] += int(lengths.sum())
        stats['labels'] += int(lengths.sum())
        stats['empty_label_images'] += int((lengths == 0).sum())
        chunk.clear()

    with open(ann_file, 'rb') as f:
        for lineno, raw in enumerate(f, 1):
            digest.update(raw)
            where = f'{ann_file}:{lineno}'
            try:
                line = raw.decode('utf-8')
            except UnicodeDecodeError as e:
                raise ValueError(f'{where}: not UTF-8 text ({e.reason} at byte {e.start})') from None
            if not line.strip():
                stats['blank_lines'] += 1
                continue
            path, ids, conf, negatives = parse_jsonl_record(line, where, hierarchy)
            try:
                path_bytes = path.encode('utf-8')
            except UnicodeEncodeError as e:
                raise ValueError(f'{where}: img_path {path!r} cannot be written as UTF-8 ({e.reason})') from None
            stats['lines'] += 1
            stats['raw_labels'] += ids.size
            stats['partially_annotated_images'] += negatives is not None
            if labels == 'expanded':
                kept = rule.confident(ids, conf)
                stats['dropped_low_confidence'] += ids.size - kept.size
                ids = kept
            elif conf is None:
                conf = np.full(ids.size, np.inf)  # no confidences: kept by every min_confidence, as in JFTDataset
            chunk.append((path_bytes, ids, conf))
            if len(chunk) == chunk_lines:
                flush()
    if chunk:
        flush()
    if not stats['lines']:
        raise ValueError(f'{ann_file}: no sample ({stats["blank_lines"]} blank lines): an index needs at least one '
                         'JSONL line')
    return stats, digest.hexdigest()
