"""Split COCO val2014 into 'minival*' and the rest, as Sun et al. 2017 evaluate detection.

The paper trains on train2014 plus val2014 minus ~8,000 held-out val images ('minival*') and reports on that
held-out set. The held-out ids come from a file, one integer COCO image id per line (e.g. the TF object
detection API's ``mscoco_minival_ids.txt``); blank lines and ``#`` comments are skipped.

Writes::

    OUT_DIR/instances_minival.json                  the listed val images and their annotations
    OUT_DIR/instances_valminusminival.json          the other val images and their annotations
    OUT_DIR/instances_train+valminusminival.json    with --train-json: train2014 + valminusminival

'info', 'licenses' and 'categories' are kept (the joined file takes train's 'info'). Images and annotations
keep the order of the input files. COCO image and annotation ids are unique across train2014 and val2014;
the join checks that and fails on a collision (as it does when the two files' categories differ).

Example::

    python tools/dataset_converters/coco_minival_split.py data/coco/annotations/instances_val2014.json \\
        mscoco_minival_ids.txt data/coco/annotations \\
        --train-json data/coco/annotations/instances_train2014.json

The outputs are written aside and renamed into place together at the end, so a failed run leaves earlier outputs as
they were; an output that is one of the inputs, and a minival without images, are errors.

Only the standard library is used (no torch / mmengine import, hence no mmjft import either: ``import mmjft`` loads
torch), so it is quick on the full 2014 files; the write-aside-and-rename is mmjft.utils.atomic's, in a few lines.
"""
import argparse
import json
import os
import os.path as osp
import secrets
import sys
import time

MINIVAL_NAME = 'instances_minival.json'
REST_NAME = 'instances_valminusminival.json'
JOINED_NAME = 'instances_train+valminusminival.json'


class SplitError(ValueError):
    """Bad input to the split (bad id file, unknown ids, colliding ids); the message says what and where."""


def read_id_file(path):
    """Image ids listed in ``path``, in file order, duplicates dropped.

    Returns:
        tuple: ``(ids, num_duplicates)``.

    Raises:
        SplitError: on a line that is not a non-negative integer (the message names ``path:line``).
    """
    ids, seen, dups = [], set(), 0
    with open(path, encoding='utf-8') as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.split('#', 1)[0].strip()
            if not line:
                continue
            if not (line.isascii() and line.isdigit()):
                raise SplitError(f'{path}:{lineno}: expected one non-negative integer image id per line, '
                                 f'got {raw.rstrip()!r}')
            v = int(line)
            if v in seen:
                dups += 1
                continue
            seen.add(v)
            ids.append(v)
    return ids, dups


def _subset(coco, img_ids):
    """A COCO dict with the images whose id is in ``img_ids`` and their annotations (other keys kept)."""
    out = {k: v for k, v in coco.items() if k not in ('images', 'annotations')}
    out['images'] = [im for im in coco['images'] if im['id'] in img_ids]
    out['annotations'] = [a for a in coco.get('annotations', []) if a['image_id'] in img_ids]
    return out


def split_minival(val, ids, allow_missing=False, ids_name='the id file', val_name='the val JSON'):
    """Split the COCO dict ``val`` by image id.

    Args:
        val (dict): a COCO instances dict (val2014).
        ids (Iterable[int]): the minival image ids.
        allow_missing (bool): skip ids that are not val images instead of failing.
        ids_name, val_name (str): names used in error messages.

    Returns:
        tuple: ``(minival, rest, missing)``: two COCO dicts and the sorted list of ids not found in ``val``.

    Raises:
        SplitError: some ids are not val images (unless ``allow_missing``), or ``val`` repeats an image id.
    """
    val_ids = [im['id'] for im in val['images']]
    if len(set(val_ids)) != len(val_ids):
        raise SplitError(f'{val_name} repeats image ids')
    val_set = set(val_ids)
    wanted = set(ids)
    missing = sorted(wanted - val_set)
    if missing and not allow_missing:
        raise SplitError(f'{len(missing)} of the {len(wanted)} ids in {ids_name} are not image ids of {val_name}; '
                         f'first few: {missing[:10]} (pass --allow-missing to skip them)')
    keep = wanted & val_set
    return _subset(val, keep), _subset(val, val_set - keep), missing


def join_coco(first, second, first_name='the train JSON', second_name='valminusminival'):
    """Concatenate two COCO dicts (images, annotations); 'info' comes from ``first``, licenses are merged.

    Raises:
        SplitError: the categories differ, or an image id or annotation id occurs in both.
    """
    if first.get('categories') != second.get('categories'):
        raise SplitError(f'the categories of {first_name} and {second_name} differ')
    for key, what in (('images', 'image'), ('annotations', 'annotation')):
        a = {x['id'] for x in first.get(key, [])}
        both = sorted(a.intersection(x['id'] for x in second.get(key, [])))
        if both:
            raise SplitError(f'{len(both)} {what} ids occur in both {first_name} and {second_name} '
                             f'(COCO ids must be unique across splits); first few: {both[:10]}')
    out = {k: v for k, v in first.items() if k not in ('images', 'annotations', 'licenses')}
    if 'licenses' in first or 'licenses' in second:
        lic = list(first.get('licenses', []))
        known = {x.get('id') for x in lic}
        lic += [x for x in second.get('licenses', []) if x.get('id') not in known]
        out['licenses'] = lic
    out['images'] = list(first['images']) + list(second['images'])
    out['annotations'] = list(first.get('annotations', [])) + list(second.get('annotations', []))
    out['categories'] = first['categories']
    return out


def _load(path):
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def _same_file(a, b):
    return osp.samefile(a, b) if osp.exists(a) and osp.exists(b) else osp.abspath(a) == osp.abspath(b)


def _dump_all(outputs):
    """Write ``{path: COCO dict}`` under temporary names, then rename them all into place (none on an error)."""
    staged = []
    try:
        for path, obj in outputs.items():
            folder, name = osp.split(osp.abspath(path))
            staged.append((osp.join(folder, f'.{name}.tmp-{os.getpid()}-{secrets.token_hex(4)}'), path))
            with open(staged[-1][0], 'w', encoding='utf-8') as f:
                json.dump(obj, f, separators=(',', ':'))
    except BaseException:
        for tmp, _ in staged:
            if osp.exists(tmp):
                os.remove(tmp)
        raise
    for tmp, path in staged:
        os.replace(tmp, path)


def run(val_json, ids_file, out_dir, train_json=None, allow_missing=False, log=print):
    """Do the whole split; returns ``{output name: (num images, num annotations)}`` and the missing ids."""
    names = [MINIVAL_NAME, REST_NAME] + ([JOINED_NAME] if train_json is not None else [])
    for out in (osp.join(out_dir, n) for n in names):
        for inp in (p for p in (val_json, ids_file, train_json) if p is not None):
            if _same_file(inp, out):
                raise SplitError(f'the output {out} is the input {inp}: writing it would destroy the input; choose '
                                 'another OUT_DIR')
    ids, dups = read_id_file(ids_file)
    if not ids:
        raise SplitError(f'{ids_file}: no image id (an empty file?)')
    if dups:
        log(f'warning: {ids_file} lists {dups} ids more than once (counted once)')
    val = _load(val_json)
    minival, rest, missing = split_minival(val, ids, allow_missing, ids_name=ids_file, val_name=val_json)
    if missing:
        log(f'warning: skipped {len(missing)} ids of {ids_file} that are not images of {val_json}; '
            f'first few: {missing[:10]}')
    if not minival['images']:
        raise SplitError(f'no id of {ids_file} is an image of {val_json}: minival would be empty')
    outputs = {MINIVAL_NAME: minival, REST_NAME: rest}
    if train_json is not None:
        outputs[JOINED_NAME] = join_coco(_load(train_json), rest, first_name=train_json,
                                         second_name=f'{val_json} minus minival')
    os.makedirs(out_dir, exist_ok=True)
    _dump_all({osp.join(out_dir, name): coco for name, coco in outputs.items()})
    counts = {name: (len(coco['images']), len(coco.get('annotations', []))) for name, coco in outputs.items()}
    return counts, missing


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Split COCO val2014 into minival* and valminusminival.')
    p.add_argument('val_json', help='COCO instances JSON to split (instances_val2014.json)')
    p.add_argument('ids_file', help='minival image ids, one integer per line (mscoco_minival_ids.txt)')
    p.add_argument('out_dir', help='where to write the instances_*.json files')
    p.add_argument('--train-json', help='also write train + valminusminival (instances_train2014.json)')
    p.add_argument('--allow-missing', action='store_true',
                   help='warn about and skip ids that are not images of VAL_JSON (default: error)')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    try:
        counts, _ = run(args.val_json, args.ids_file, args.out_dir, args.train_json, args.allow_missing)
    except (SplitError, OSError, json.JSONDecodeError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    for name, (n_img, n_ann) in counts.items():
        print(f'{osp.join(args.out_dir, name)}: {n_img} images, {n_ann} annotations')
    print(f'done in {time.perf_counter() - t0:.1f}s')
    return 0


if __name__ == '__main__':
    sys.exit(main())
