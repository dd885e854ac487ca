"""Open Images image-level labels -> the JFT format.

Inputs (the official files):

* label CSVs ``ImageID,Source,LabelName,Confidence`` (``oidv6-train-annotations-human-imagelabels.csv``,
  ``train-annotations-machine-imagelabels.csv``, ...). ``Source`` ``machine`` marks a machine label whose
  ``Confidence`` is a score in [0, 1]; any other source (``verification``, ``crowdsource-verified``, ...) is a
  human verification, ``Confidence`` 1 (present) or 0 (verified absent). The files are streamed row by row (the
  machine file has 100M+ rows) and merged by ``ImageID``: each must be sorted by it, as the official files are
  (a row out of order is an error naming file:line; ``LC_ALL=C sort`` fixes a file). A file without label rows is
  an error naming it.
* the class descriptions CSV ``LabelName,DisplayName`` (with or without that header): the classes, in file order.
  Every CSV is read as UTF-8 with an optional byte-order mark (dropped).
* optionally the hierarchy JSON, a tree ``{"LabelName": ..., "Subcategory": [...], "Part": [...]}``. Only
  ``Subcategory`` is is-a: ``Part`` (part-of) lists never give ancestors. A tree node that is not a class (the
  root, ``/m/0bl9f`` 'Entity', is not among the image-level classes) is dropped and its children hang under its
  own parents (or become roots). The tree covers only the 600 boxable classes: the others are roots, unless an
  extra parents file ``{child: [parents]}`` (JSON, class ids) hangs them somewhere.

Per image: human-verified negatives (Confidence 0) are never positives, whatever a machine or another human says
(a class humans both confirm and reject is a negative, counted as ``human_conflicts``); positives are the
human-verified ones and/or the machine labels scored at least ``min_confidence`` (``sources``); every written image
carries ``"negatives"`` (its human-verified negatives, maybe empty): Open Images is partially annotated, so its
evaluation leaves out of an image's AP the classes nobody verified on it (see :class:`~mmjft.datasets.JFTDataset`).
Images with neither a positive nor a negative are not written (counted). The validation images' labels come from
``val_sources`` (human by default: machine labels are predictions, not ground truth). The training and validation
files must not share a file nor an ImageID (an error naming it).

Outputs in ``out_dir``: ``classes.txt`` (the class ids, e.g. ``/m/0jbk``), ``class_names.txt`` (display names,
line by line; not unique in Open Images, hence the ids as class names), ``hierarchy.json``, ``train.jsonl``,
``val.jsonl`` and ``conversion_report.json``: written aside and renamed into place at the end (the report last), so a
failed run leaves a previous conversion as it was. A conversion that yields no training image is an error.
"""
import csv
import heapq
import itertools
import json
import os.path as osp
import time
from collections.abc import Iterator, Mapping, Sequence

from mmjft.structures.label_hierarchy import load_hierarchy_json
from mmjft.utils.atomic import Staging, refuse_overwriting_inputs, same_file

from .common import (CLASS_NAMES_NAME, CLASSES_NAME, HIERARCHY_NAME, REPORT_NAME, BadRows, ConversionError,
                     check_range, hash_is_val, write_label_space, write_report)

__all__ = ['convert_open_images', 'open_images_hierarchy', 'read_class_descriptions']

LABEL_COLUMNS = ('ImageID', 'Source', 'LabelName', 'Confidence')
SOURCES = ('machine', 'human', 'both')
DEFAULT_TEMPLATE = '{folder}/{image_id}.jpg'  # the official download layout: train/<ImageID>.jpg, validation/...



def _json_file(path: str):
    """The JSON of ``path`` (BOM stripped); a parse error is a ConversionError naming the file, line and column."""
    try:
        return load_hierarchy_json(path)
    except ValueError as e:
        raise ConversionError(str(e)) from None


def read_class_descriptions(path: str) -> tuple[list[str], list[str]]:
    """Class ids and display names in file order (a ``LabelName,DisplayName`` header is skipped).

    Raises:
        ConversionError: on a row without two fields or a repeated id (naming file:line).
    """
    ids, names, seen = [], [], {}
    with open(path, encoding='utf-8-sig', newline='') as f:
        for lineno, row in enumerate(csv.reader(f), 1):
            if not row or (lineno == 1 and row[:2] == ['LabelName', 'DisplayName']):
                continue
            if len(row) < 2 or not row[0].strip():
                raise ConversionError(f'{path}:{lineno}: expected LabelName,DisplayName, got {row!r}')
            mid = row[0].strip()
            if mid in seen:
                raise ConversionError(f'{path}:{lineno}: class {mid!r} repeated (first at line {seen[mid]})')
            seen[mid] = lineno
            ids.append(mid)
            names.append(row[1].strip())
    if not ids:
        raise ConversionError(f'{path}: no classes')
    return ids, names


def open_images_hierarchy(tree: Mapping, classes: Sequence[str], source: str = '<hierarchy>'
                          ) -> tuple[dict, set, set]:
    """``{child: [parents]}`` over ``classes`` from the Open Images hierarchy tree, through 'Subcategory' only,
    the classes that are nodes of the tree, and the tree's names that are not classes.

    A node that is not a class is dropped and its children hang under the node's own parents. Raises
    :class:`ConversionError` on a node without a 'LabelName'.
    """
    known = set(classes)
    parents: dict[str, set] = {}
    nodes, dropped = set(), set()
    # (node, the nearest ancestors that are classes, path for messages); an explicit stack, no recursion
    stack = [(tree, (), 'root')]
    while stack:
        node, above, path = stack.pop()
        if not isinstance(node, Mapping) or not isinstance(node.get('LabelName'), str):
            raise ConversionError(f'{source}: node at {path} has no string "LabelName": {str(node)[:80]}')
        name = node['LabelName']
        if name in known:
            nodes.add(name)
            if above:
                parents.setdefault(name, set()).update(above)
            below = (name,)
        else:
            dropped.add(name)
            below = above
        subs = node.get('Subcategory', [])
        if not isinstance(subs, list):
            raise ConversionError(f'{source}: "Subcategory" of {name} must be a list')
        for i, child in enumerate(subs):
            stack.append((child, below, f'{path}/{name}.Subcategory[{i}]'))
        # node.get('Part'): part-of, deliberately not followed
    return {c: sorted(p) for c, p in parents.items()}, nodes, dropped


def _rows(path: str, bad: BadRows, counter: list) -> Iterator[tuple]:
    """(image_id, source, label, confidence text, where) of one label CSV, checked sorted by ImageID and not empty."""
    with open(path, encoding='utf-8-sig', newline='') as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise ConversionError(f'{path}: empty file, expected the header {",".join(LABEL_COLUMNS)} and label rows')
        try:
            cols = [header.index(c) for c in LABEL_COLUMNS]
        except ValueError:
            raise ConversionError(f'{path}:1: the header must name the columns {LABEL_COLUMNS}, got {header}') \
                from None
        width = len(header)
        i_img, i_src, i_lab, i_conf = cols
        prev = ''
        for row in reader:
            counter[0] += 1
            if len(row) != width:
                bad.add(f'{path}:{reader.line_num}', 'malformed CSV line', f'{len(row)} fields, expected {width}')
                continue
            image_id = row[i_img]
            if image_id < prev:
                raise ConversionError(
                    f'{path}:{reader.line_num}: ImageID {image_id!r} comes after {prev!r}: label files must be '
                    'sorted by ImageID, as the official ones are (sort with: (head -n1 F; tail -n+2 F | '
                    'LC_ALL=C sort -t, -k1,1 -s) > F.sorted)')
            prev = image_id
            yield image_id, row[i_src], row[i_lab], row[i_conf], path, reader.line_num
        if reader.line_num <= 1:
            raise ConversionError(f'{path}: no label rows after the header (an empty or truncated file?)')


def _merged(paths: Sequence[str], bad: BadRows, counter: list) -> Iterator[tuple]:
    return heapq.merge(*(_rows(p, bad, counter) for p in paths), key=lambda r: r[0])


class _ImageLabels:
    """One image's rows folded into human positives / negatives and machine scores."""
    __slots__ = ('human_pos', 'human_neg', 'machine')

    def __init__(self):
        self.human_pos, self.human_neg, self.machine = set(), set(), {}


def _fold(rows, known, bad: BadRows, stats: dict) -> _ImageLabels:
    img = _ImageLabels()
    for _, src, label, conf, path, line in rows:
        if label not in known:
            bad.add(f'{path}:{line}', 'unknown class', label)
            continue
        try:
            c = float(conf)
        except ValueError:
            bad.add(f'{path}:{line}', 'bad Confidence', repr(conf))
            continue
        if not 0.0 <= c <= 1.0:
            bad.add(f'{path}:{line}', 'bad Confidence', repr(conf))
            continue
        if src == 'machine':
            img.machine[label] = max(c, img.machine.get(label, 0.0))
        elif c == 1.0:
            img.human_pos.add(label)
        elif c == 0.0:
            img.human_neg.add(label)
        else:
            bad.add(f'{path}:{line}', 'human Confidence neither 0 nor 1', repr(conf))
    both = img.human_pos & img.human_neg
    if both:  # humans disagree: the negative wins, as it wins over a machine
        stats['human_conflicts'] += len(both)
        img.human_pos -= both
    return img


def _record(img: _ImageLabels, sources: str, min_confidence: float, stats: dict) -> dict | None:
    labels = {}
    if sources in ('human', 'both'):
        labels.update((c, 1.0) for c in img.human_pos)
    if sources in ('machine', 'both'):
        for c, score in img.machine.items():
            if c in img.human_neg:
                stats['machine_labels_vetoed_by_human_negatives'] += score >= min_confidence
            elif score >= min_confidence and c not in labels:
                labels[c] = score
            elif score < min_confidence:
                stats['machine_labels_below_threshold'] += 1
    if not labels and not img.human_neg:
        return None
    names = sorted(labels)
    return dict(labels=names, confidences=[round(labels[c], 4) for c in names], negatives=sorted(img.human_neg))


def convert_open_images(label_csvs: Sequence[str],
                        class_csv: str,
                        out_dir: str,
                        hierarchy_json: str | None = None,
                        extra_parents_json: str | None = None,
                        val_csvs: Sequence[str] = (),
                        sources: str = 'both',
                        val_sources: str = 'human',
                        min_confidence: float = 0.5,
                        val_fraction: float = 0.01,
                        split_seed: int = 0,
                        img_template: str = DEFAULT_TEMPLATE,
                        train_folder: str = 'train',
                        val_folder: str = 'validation',
                        max_bad_fraction: float = 0.001,
                        show_bad: int = 10,
                        log=print) -> dict:
    """Convert Open Images image-level labels to JFT-format files in ``out_dir`` (see the module docstring).

    Args:
        label_csvs: the training label CSVs (human and/or machine), each sorted by ImageID.
        class_csv: the class descriptions CSV.
        out_dir: output folder.
        hierarchy_json: the Open Images hierarchy tree (optional: without it every class is a root).
        extra_parents_json: ``{child: [parents]}`` (class ids) added to the tree's edges, e.g. for the classes the
            tree does not cover.
        val_csvs: validation label CSVs. Without them, ``val_fraction`` of the training images (by the project's
            subset hash of the ImageID with ``split_seed``) become the validation set.
        sources: training positives: ``'machine'``, ``'human'`` or ``'both'``.
        val_sources: the same for validation images. Defaults to ``'human'``.
        min_confidence: machine labels scored lower are not positives.
        val_fraction: fraction of the training images held out when there is no validation file (0: none).
        split_seed: seed of that hash split.
        img_template: image path from ``{image_id}`` and ``{folder}`` (the folder of the file the image's labels
            came from: ``train_folder`` or ``val_folder``; a held-out training image stays in ``train_folder``).
        max_bad_fraction: ceiling on the fraction of bad label rows (unknown class, malformed line, bad confidence);
            below it they are counted, the first ``show_bad`` logged, and skipped.
        log: where progress and the summary go.

    Returns:
        dict: the report (also written to ``conversion_report.json``).
    """
    for name, s in (('sources', sources), ('val_sources', val_sources)):
        if s not in SOURCES:
            raise ValueError(f'{name} must be one of {SOURCES}, got {s!r}')
    check_range('min_confidence', min_confidence, 0, 1)
    check_range('val_fraction', val_fraction, 0, 1, high_open=True)
    if not label_csvs:
        raise ConversionError('no training label CSV given')
    for v in val_csvs:
        for t in label_csvs:
            if same_file(t, v):
                raise ConversionError(f'{v} is given as both training and validation labels ({t}): the two splits '
                                      'would hold the same images; pass each file to one side only')
    outputs = [osp.join(out_dir, n) for n in (CLASSES_NAME, CLASS_NAMES_NAME, HIERARCHY_NAME, 'train.jsonl',
                                              'val.jsonl', REPORT_NAME)]
    refuse_overwriting_inputs([*label_csvs, *val_csvs, class_csv, hierarchy_json, extra_parents_json], outputs,
                              ConversionError)
    t0 = time.perf_counter()
    classes, display = read_class_descriptions(class_csv)
    parents, in_tree, not_classes = {}, set(), set()
    if hierarchy_json:
        parents, in_tree, not_classes = open_images_hierarchy(_json_file(hierarchy_json), classes, hierarchy_json)
        if not_classes:
            log(f'{hierarchy_json}: {len(not_classes)} tree nodes are not classes of {class_csv} and were bridged '
                f'(their children hang under their parents): {sorted(not_classes)[:10]}')
    if extra_parents_json:
        extra = _json_file(extra_parents_json)
        if not isinstance(extra, dict):
            raise ConversionError(f'{extra_parents_json}: expected an object {{child: [parents]}}')
        class_set = set(classes)
        for child, ps in extra.items():
            ps = [ps] if isinstance(ps, str) else ps
            unknown = [n for n in [child, *ps] if n not in class_set]
            if unknown:
                raise ConversionError(f'{extra_parents_json}: {unknown} are not classes of {class_csv}')
            parents[child] = sorted(set(parents.get(child, [])) | set(ps))
    with Staging() as stage:  # every output renamed into place at the end, the report last; none on an error
        hierarchy = write_label_space(out_dir, classes, parents, display, stage)
        hstats = hierarchy.stats()
        log(f'hierarchy: {len(in_tree)} of {len(classes)} classes in the tree, {hstats["num_roots"]} roots, '
            f'max depth {hstats["max_depth"]}, {hstats["num_multi_parent"]} classes with several parents')
        stats = dict(human_conflicts=0, machine_labels_vetoed_by_human_negatives=0, machine_labels_below_threshold=0,
                     images_without_labels=0)
        bad = BadRows('label rows', max_bad_fraction, show_bad)
        rows_read = [0]
        with stage.open(outputs[3]) as ftrain, stage.open(outputs[4]) as fval:
            counts = _write_splits(dict(train=ftrain, val=fval), label_csvs, val_csvs, set(classes), bad, rows_read,
                                   stats, sources, val_sources, min_confidence, val_fraction, split_seed,
                                   img_template, train_folder, val_folder)
        bad.check(rows_read[0], final=True)
        if not counts['train']:
            raise ConversionError(f'no training image: the {rows_read[0]} label rows of {", ".join(label_csvs)} give '
                                  f'no image with a positive or a negative of {class_csv} ({stats}, bad rows '
                                  f'{bad.by_reason}); check the files and --sources / --min-confidence')
        seconds = time.perf_counter() - t0
        report = dict(classes=len(classes), classes_in_hierarchy=len(in_tree), roots=hstats['num_roots'],
                      tree_nodes_not_classes=sorted(not_classes),
                      hierarchy=hstats, rows=rows_read[0], bad_rows=bad.summary(), images=counts, **stats,
                      sources=sources, val_sources=val_sources, min_confidence=min_confidence,
                      val_split='file' if val_csvs else f'hash fraction {val_fraction} seed {split_seed}',
                      seconds=round(seconds, 2), rows_per_second=round(rows_read[0] / max(seconds, 1e-9)))
        write_report(out_dir, report, stage)
    if bad.count:
        log(f'skipped {bad.count} bad label rows {bad.by_reason}; first ones:\n  ' + '\n  '.join(bad.first))
    log(f'{rows_read[0]:,} rows -> {counts["train"]:,} train / {counts["val"]:,} val images in {seconds:.1f}s; '
        + ', '.join(f'{k}={v:,}' for k, v in stats.items()))
    return report


def _write_splits(outs: dict, label_csvs, val_csvs, known: set, bad: BadRows, rows_read: list, stats: dict,
                  sources, val_sources, min_confidence, val_fraction, split_seed, template, train_folder,
                  val_folder) -> dict:
    """Stream the label files into ``outs['train']`` / ``outs['val']``; return the image counts. The validation
    files go first: their ImageIDs (a small set) are kept, and a training ImageID among them is an error."""
    counts = dict(train=0, val=0)
    val_ids = set()
    jobs = [(val_csvs, val_folder, False, True), (label_csvs, train_folder, not val_csvs, False)]
    for paths, folder, split_by_hash, is_val_job in jobs:
        if not paths:
            continue
        buffer = []

        def flush():
            is_val = (hash_is_val([b[0] for b in buffer], val_fraction, split_seed) if split_by_hash
                      else [folder == val_folder] * len(buffer))
            for (image_id, img), v in zip(buffer, is_val):
                split = 'val' if v else 'train'
                rec = _record(img, val_sources if v else sources, min_confidence, stats)
                if rec is None:
                    stats['images_without_labels'] += 1
                    continue
                rec = dict(img_path=template.format(image_id=image_id, folder=folder), **rec)
                outs[split].write(json.dumps(rec, separators=(',', ':')) + '\n')
                counts[split] += 1
            buffer.clear()

        for image_id, rows in itertools.groupby(_merged(paths, bad, rows_read), key=lambda r: r[0]):
            if is_val_job:
                val_ids.add(image_id)
            elif image_id in val_ids:
                raise ConversionError(
                    f'ImageID {image_id!r} has labels both in the training files ({", ".join(label_csvs)}) and in '
                    f'the validation files ({", ".join(val_csvs)}): the splits must not share images; remove it '
                    'from one side')
            buffer.append((image_id, _fold(rows, known, bad, stats)))
            if len(buffer) >= 20_000:
                flush()
                bad.check(rows_read[0])
        flush()
    return counts
