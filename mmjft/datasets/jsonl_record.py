"""One line of a JFT JSONL annotation file, parsed and checked against the classes file: the record every storage
(the JSONL dataset, the shard converter, the index compiler) reads.

Plain code (json, numpy): no registry, runner or config."""
import json

import numpy as np

from mmjft.structures import LabelHierarchy


def parse_jsonl_record(line: str, where: str, hierarchy: LabelHierarchy) -> tuple:
    """One line of a JFT JSONL file: ``(img_path, label ids (int64), confidences (float64, or None when the line
    has none), negative ids (int64, or None when the image is dense))``. Errors name ``where`` (``file:line``)."""
    try:
        rec = json.loads(line)
    except json.JSONDecodeError as e:
        raise ValueError(f'{where}: malformed JSON line ({e.msg} at column {e.colno})') from None
    if not isinstance(rec, dict) or not isinstance(rec.get('img_path'), str):
        raise ValueError(f'{where}: each line must be an object with a string "img_path"')
    labels = rec.get('labels', [])
    if not isinstance(labels, list):
        raise ValueError(f'{where}: "labels" must be a list, got {type(labels).__name__}')
    confidences = rec.get('confidences')
    if confidences is not None and (not isinstance(confidences, list) or len(confidences) != len(labels)):
        raise ValueError(f'{where}: "confidences" must be a list as long as "labels" ({len(labels)})')
    ids = _class_ids(hierarchy, labels, where, 'label')
    negatives = rec.get('negatives')
    if negatives is not None:
        if not isinstance(negatives, list):
            raise ValueError(f'{where}: "negatives" must be a list, got {type(negatives).__name__}')
        negatives = _class_ids(hierarchy, negatives, where, 'negative')
        both = np.intersect1d(ids, negatives)
        if both.size:
            raise ValueError(f'{where}: classes both in "labels" and "negatives": '
                             f'{[hierarchy.classes[i] for i in both[:10]]}')
    if confidences is not None:
        confidences = np.asarray(confidences, dtype=np.float64)
    return rec['img_path'], ids, confidences, negatives


def _class_ids(hierarchy: LabelHierarchy, labels: list, where: str, what: str) -> np.ndarray:
    ids = []
    for label in labels:
        if isinstance(label, str):
            idx = hierarchy.class_to_idx.get(label)
            if idx is None:
                raise ValueError(f'{where}: unknown {what} {label!r} (not in the classes file)')
        elif isinstance(label, int) and not isinstance(label, bool):
            if not 0 <= label < hierarchy.num_classes:
                raise ValueError(f'{where}: {what} id {label} outside the classes file '
                                 f'(0..{hierarchy.num_classes - 1})')
            idx = label
        else:
            raise ValueError(f'{where}: {what} {label!r} is neither a class name nor an integer id')
        ids.append(idx)
    return np.asarray(ids, dtype=np.int64)
