"""ImageNet-21K (or any WordNet-noun label space) -> the JFT format, with parents from WordNet 3.0.

A noun wnid ``n01440764`` is the byte offset 1440764 of its synset's line in WordNet's ``data.noun`` (Debian's
``wordnet-base`` ships it: ``/usr/share/wordnet/data.noun``), and that line's ``@`` (hypernym) and ``@i`` (instance
hypernym) pointers are its parents. The hierarchy is the classes plus all their WordNet ancestors, in one of two
shapes:

* ``'full'``: every ancestor synset is a node (and a class of the label space: JFTDataset's hierarchy nodes are
  classes, and an image of 'tench' is then also a positive of 'fish', 'vertebrate', ..., 'entity');
* ``'collapse'``: ancestors that are not classes of the input (no images) and have a single child are removed,
  their child hanging under their parents, repeatedly: chains of imageless single-child nodes disappear.

Inputs: a wnid list (one wnid per line, first whitespace-separated field, e.g. timm's
``imagenet21k_goog_synsets.txt``) or an image folder with one sub-folder per wnid. From a folder, images are listed
into ``train.jsonl`` / ``val.jsonl`` (a hash split of the image paths). wnids that are malformed or not in WordNet
are counted, the first ones shown, and dropped, unless their fraction passes the ceiling.

Outputs in ``out_dir``: ``classes.txt`` (the input's wnids in input order, then the added ancestors sorted, so the
first ids are the input's), ``class_names.txt`` (each synset's first lemma), ``hierarchy.json``, the JSONL files
when images were listed, and ``conversion_report.json`` (depth, fan-out, nodes with several parents). They are
written aside and renamed into place at the end (the report last): a failed run leaves a previous conversion as it
was. An image folder without images is an error.
"""
import json
import os
import os.path as osp
import re
import time
from collections.abc import Sequence

from mmjft.utils.atomic import Staging, refuse_overwriting_inputs

from .common import (CLASS_NAMES_NAME, CLASSES_NAME, HIERARCHY_NAME, REPORT_NAME, BadRows, ConversionError,
                     check_range, hash_is_val, write_label_space, write_report)

__all__ = ['WordNet', 'wordnet_hierarchy', 'convert_imagenet21k', 'read_wnid_list', 'DEFAULT_DATA_NOUN']

DEFAULT_DATA_NOUN = '/usr/share/wordnet/data.noun'
WNID = re.compile(r'n\d{8}\Z')
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.webp')
HYPERNYMS = ('@', '@i')


class WordNet:
    """Random access to WordNet noun synsets by wnid (the byte offset into ``data.noun``)."""

    def __init__(self, data_noun: str = DEFAULT_DATA_NOUN):
        if not osp.isfile(data_noun):
            raise ConversionError(f'{data_noun}: no WordNet data.noun there (Debian: apt-get install wordnet-base)')
        self.path = data_noun
        self._f = open(data_noun, 'rb')
        self._cache: dict[str, tuple] = {}

    def close(self):
        self._f.close()

    def synset(self, wnid: str) -> tuple[str, list[str]] | None:
        """``(first lemma, parent wnids)`` of a noun wnid, or None when it is not a synset of this file."""
        if wnid in self._cache:
            return self._cache[wnid]
        result = None
        if WNID.match(wnid):
            offset = int(wnid[1:])
            self._f.seek(offset)
            line = self._f.readline().decode('utf-8', 'replace')
            fields = line.split()
            # a synset line starts with its own 8-digit offset and has the noun type 'n'
            if offset and len(fields) > 4 and fields[0] == wnid[1:] and fields[2] == 'n':
                self._f.seek(offset - 1)
                if self._f.read(1) == b'\n':  # the offset is a line start, not inside a gloss
                    result = self._parse(fields)
        self._cache[wnid] = result
        return result

    @staticmethod
    def _parse(fields: list[str]) -> tuple[str, list[str]]:
        w_cnt = int(fields[3], 16)
        lemma = fields[4]
        p = 4 + 2 * w_cnt
        p_cnt = int(fields[p])
        parents = []
        for i in range(p_cnt):
            symbol, offset, pos = fields[p + 1 + 4 * i: p + 4 + 4 * i]
            if symbol in HYPERNYMS and pos == 'n':
                parents.append('n' + offset)
        return lemma, parents


def wordnet_hierarchy(wnids: Sequence[str], wordnet: WordNet, mode: str = 'collapse'
                      ) -> tuple[list[str], dict[str, list[str]], dict[str, str]]:
    """The classes (``wnids`` then added ancestors), ``{child: [parents]}`` and ``{wnid: lemma}``.

    ``wnids`` must all be synsets of ``wordnet``; ``mode`` is ``'full'`` or ``'collapse'`` (see the module).
    """
    if mode not in ('full', 'collapse'):
        raise ValueError(f"mode must be 'full' or 'collapse', got {mode!r}")
    parents, lemmas = {}, {}
    todo = list(wnids)
    while todo:
        w = todo.pop()
        if w in parents:
            continue
        found = wordnet.synset(w)
        if found is None:
            raise ConversionError(f'{wordnet.path}: WordNet has no noun synset {w!r} (a parent pointer of '
                                  'another synset, or an unchecked input)')
        lemmas[w], parents[w] = found
        todo.extend(p for p in found[1] if p not in parents)
    inputs = set(wnids)
    if mode == 'collapse':
        children: dict[str, set] = {}
        for c, ps in parents.items():
            for p in ps:
                children.setdefault(p, set()).add(c)
        pending = [w for w in parents if w not in inputs]
        while pending:
            w = pending.pop()
            if w not in parents or w in inputs or len(children.get(w, ())) != 1:
                continue
            (child,) = children.pop(w)
            ups = parents.pop(w)
            new = [p for p in parents[child] if p != w] + [p for p in ups if p not in parents[child]]
            parents[child] = new
            for p in ups:
                children[p].discard(w)
                children[p].add(child)
                pending.append(p)  # its fan-out may have changed (two paths merged into one child)
    extra = sorted(w for w in parents if w not in inputs)
    classes = list(wnids) + extra
    return classes, {c: ps for c, ps in parents.items() if ps}, lemmas


def read_wnid_list(path: str, bad: BadRows) -> list[str]:
    """wnids of a list file (first field of each non-blank line), malformed and repeated ones counted as bad."""
    wnids, seen = [], set()
    with open(path, encoding='utf-8') as f:
        for lineno, line in enumerate(f, 1):
            fields = line.split()
            if not fields or fields[0].startswith('#'):
                continue
            w = fields[0]
            if not WNID.match(w):
                bad.add(f'{path}:{lineno}', 'malformed wnid', w)
            elif w in seen:
                bad.add(f'{path}:{lineno}', 'repeated wnid', w)
            else:
                seen.add(w)
                wnids.append(w)
    return wnids


def _folder_wnids(root: str, bad: BadRows) -> list[str]:
    wnids = []
    for name in sorted(os.listdir(root)):
        if not osp.isdir(osp.join(root, name)):
            continue
        if WNID.match(name):
            wnids.append(name)
        else:
            bad.add(osp.join(root, name), 'folder name is not a wnid', name)
    return wnids


def convert_imagenet21k(source: str,
                        out_dir: str,
                        data_noun: str = DEFAULT_DATA_NOUN,
                        mode: str = 'collapse',
                        val_fraction: float = 0.0,
                        split_seed: int = 0,
                        max_bad_fraction: float = 0.001,
                        show_bad: int = 10,
                        log=print) -> dict:
    """Convert a wnid list file or a folder-per-wnid image tree (``source``) to JFT-format files (see the module).

    Args:
        source: a wnid list file, or a folder with one sub-folder of images per wnid.
        out_dir: output folder.
        data_noun: WordNet 3.0's ``data.noun``.
        mode: ``'collapse'`` (default) or ``'full'``.
        val_fraction: from a folder, the fraction of images (by the subset hash of their paths) written to
            ``val.jsonl``; 0 writes only ``train.jsonl``.
        max_bad_fraction: ceiling on the fraction of bad wnids (malformed, repeated, not in WordNet).

    Returns:
        dict: the report (also in ``conversion_report.json``).
    """
    check_range('val_fraction', val_fraction, 0, 1, high_open=True)
    is_folder = osp.isdir(source)
    outputs = [osp.join(out_dir, n) for n in (CLASSES_NAME, CLASS_NAMES_NAME, HIERARCHY_NAME, REPORT_NAME,
                                              'train.jsonl', 'val.jsonl')]
    refuse_overwriting_inputs([source, data_noun], outputs, ConversionError)
    t0 = time.perf_counter()
    bad = BadRows('wnids', max_bad_fraction, show_bad, check_after=0)
    wnids = _folder_wnids(source, bad) if is_folder else read_wnid_list(source, bad)
    wordnet = WordNet(data_noun)
    try:
        found = []
        for w in wnids:
            if wordnet.synset(w) is None:
                bad.add(w, 'not a WordNet 3.0 noun synset')
            else:
                found.append(w)
        bad.check(len(wnids) + bad.by_reason.get('malformed wnid', 0) + bad.by_reason.get('repeated wnid', 0)
                  + bad.by_reason.get('folder name is not a wnid', 0), final=True)
        classes, parents, lemmas = wordnet_hierarchy(found, wordnet, mode)
    finally:
        wordnet.close()
    if not found:
        raise ConversionError(f'{source}: no usable wnid')
    with Staging() as stage:  # renamed into place at the end, the report last; nothing on an error
        hierarchy = write_label_space(out_dir, classes, parents, [lemmas[c] for c in classes], stage)
        hstats = hierarchy.stats()
        counts = {}
        if is_folder:
            counts = _write_image_lists(source, found, out_dir, val_fraction, split_seed, stage)
        report = dict(source=source, mode=mode, input_wnids=len(wnids), classes_with_images=len(found),
                      added_ancestors=len(classes) - len(found), hierarchy=hstats, bad_wnids=bad.summary(),
                      images=counts, seconds=round(time.perf_counter() - t0, 2))
        write_report(out_dir, report, stage)
    if bad.count:
        log(f'skipped {bad.count} bad wnids {bad.by_reason}; first ones:\n  ' + '\n  '.join(bad.first))
    log(f'{len(found)} classes + {len(classes) - len(found)} ancestors ({mode}): max depth {hstats["max_depth"]}, '
        f'mean depth {hstats["mean_depth"]:.2f}, max fan-out {hstats["max_fan_out"]} '
        f'({hstats["max_fan_out_class"]}), mean fan-out {hstats["mean_fan_out_internal"]:.2f}, '
        f'{hstats["num_multi_parent"]} nodes with several parents, {hstats["num_roots"]} roots'
        + (f'; images {counts}' if counts else ''))
    return report


def _write_image_lists(root: str, wnids: Sequence[str], out_dir: str, val_fraction: float, seed: int,
                       stage: Staging) -> dict:
    counts = dict(train=0, val=0)
    with stage.open(osp.join(out_dir, 'train.jsonl')) as ftrain, stage.open(osp.join(out_dir, 'val.jsonl')) as fval:
        for w in wnids:
            paths = sorted(f'{w}/{n}' for n in os.listdir(osp.join(root, w))
                           if n.lower().endswith(IMAGE_EXTENSIONS))
            for p, v in zip(paths, hash_is_val(paths, val_fraction, seed)):
                (fval if v else ftrain).write(json.dumps(dict(img_path=p, labels=[w])) + '\n')
                counts['val' if v else 'train'] += 1
    if not counts['train']:
        raise ConversionError(f'{root}: no training image ({counts["val"]} for validation) in the folders of '
                              f'{len(wnids)} wnids (extensions {", ".join(IMAGE_EXTENSIONS)}, any case)')
    return counts
