"""Write the class-list file for ``classes_subset`` (JFTDataset): the classes of a label space that a smaller
list names (wnids / class ids, or display names), e.g. ImageNet-1K's classes inside ImageNet-21K, or the paper's
JFT classes that match ImageNet (941 of 1000).

    python tools/dataset_converters/make_classes_subset.py data/in21k/jft/classes.txt \\
        timm/data/_info/imagenet_synsets.txt data/in21k/jft/in1k_classes.txt
    python tools/dataset_converters/make_classes_subset.py data/openimages/jft/classes.txt \\
        timm/data/_info/imagenet_synset_to_lemma.txt oi_in1k.txt --names data/openimages/jft/class_names.txt \\
        --column 2 [--min-matched 0.9]

Entries match class ids exactly, else display names (--names, aligned with the classes file; case and '_'
ignored; comma-separated synonyms tried in turn). Unmatched and ambiguous entries are counted and the first shown.
OUT is written aside and renamed into place at the end; OUT being an input, and a list that matches no class, are
errors (nothing is written).
"""
import argparse
import sys

from mmjft.datasets.converters import ConversionError, match_classes
from mmjft.structures import load_classes
from mmjft.utils.atomic import atomic_open, refuse_overwriting_inputs


def read_entries(path, column):
    with open(path, encoding='utf-8') as f:
        rows = [line.rstrip('\n').split('\t') for line in f if line.strip()]
    return [r[column - 1].strip() if len(r) >= column else '' for r in rows]


def main(argv=None):
    p = argparse.ArgumentParser(description='class-list file for classes_subset')
    p.add_argument('classes', help='the large label space: classes.txt')
    p.add_argument('wanted', help='the smaller list: one entry per line (wnid, class id or display name)')
    p.add_argument('out')
    p.add_argument('--names', help='display names aligned with the classes file (class_names.txt)')
    p.add_argument('--column', type=int, default=1, help='tab-separated column of WANTED to read (1-based)')
    p.add_argument('--min-matched', type=float, default=0.0, help='fail below this fraction of entries matched')
    p.add_argument('--show', type=int, default=10)
    a = p.parse_args(argv)
    try:
        refuse_overwriting_inputs([a.classes, a.wanted, a.names], [a.out], ConversionError)
    except ConversionError as e:
        sys.exit(f'error: {e}')
    classes = load_classes(a.classes)
    names = None
    if a.names:
        with open(a.names, encoding='utf-8') as f:
            names = [line.rstrip('\n') for line in f]
    wanted = read_entries(a.wanted, a.column)
    matched, missing, ambiguous = match_classes(classes, wanted, names)
    print(f'{len(matched)} of {len(wanted)} entries matched -> {a.out}; {len(missing)} unmatched, '
          f'{len(ambiguous)} ambiguous')
    if missing:
        print('unmatched (first): ' + '; '.join(missing[:a.show]))
    if ambiguous:
        print('ambiguous (first): ' + '; '.join(f'{k} -> {v}' for k, v in list(ambiguous.items())[:a.show]))
    if not matched:
        hint = '' if a.names else ' (display names match with --names class_names.txt)'
        sys.exit(f'error: no entry of {a.wanted} (column {a.column}) matches a class of {a.classes}{hint}; {a.out} '
                 'not written')
    if len(matched) < a.min_matched * len(wanted):
        sys.exit(f'error: {len(matched)} matched, below --min-matched {a.min_matched} of {len(wanted)}; {a.out} not '
                 'written')
    with atomic_open(a.out) as f:
        f.writelines(f'{c}\n' for c in matched)


if __name__ == '__main__':
    main()
