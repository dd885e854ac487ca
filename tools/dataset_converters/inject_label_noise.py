"""Inject label noise and a long tail into a JFT-format JSONL, to measure robustness on one's own data (finding 5).

    python tools/dataset_converters/inject_label_noise.py data/mini_jft/train.jsonl data/mini_jft/train_noise40.jsonl \\
        --classes data/mini_jft/classes.txt --hierarchy data/mini_jft/hierarchy.json \\
        --noise 0.4 --mode sibling --recall-drop 0.1 --zipf 1.5 --seed 0

Then train with ``--cfg-options train_dataloader.dataset.ann_file=train_noise40.jsonl``. Writes DST and
DST.report.json (counts of labels replaced / dropped, images dropped by the Zipf resampling, class counts before and
after), each written aside and renamed into place at the end; DST must not be SRC (nor its report SRC). Two
streaming passes, O(classes) memory; deterministic by seed. The logic: mmjft/datasets/converters/label_noise.py (the
mini-JFT generator's noise and Zipf code).
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmjft.datasets.converters import ConversionError  # noqa: E402
from mmjft.datasets.converters.common import range_arg  # noqa: E402
from mmjft.datasets.converters.label_noise import MODES, inject_label_noise  # noqa: E402
from mmjft.structures.label_hierarchy import load_hierarchy_json  # noqa: E402
from mmjft.utils.atomic import atomic_open, refuse_overwriting_inputs  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('src', help='JFT-format JSONL')
    parser.add_argument('dst', help='output JSONL (its report: DST.report.json)')
    parser.add_argument('--classes', required=True, help='classes.txt, one class per line')
    parser.add_argument('--hierarchy', help='hierarchy.json ({child: [parents]}); needed by --mode sibling')
    parser.add_argument('--noise', type=range_arg(0, 1), default=0.2,
                        help='fraction of labels replaced by a wrong class, in [0, 1]')
    parser.add_argument('--mode', choices=MODES, default='random', help='wrong class: any class, or a sibling')
    parser.add_argument('--recall-drop', type=range_arg(0, 1), default=0.0,
                        help='fraction of labels dropped, in [0, 1]')
    parser.add_argument('--zipf', type=range_arg(0), help='resample main-class frequencies to this Zipf exponent, '
                        '>= 0 (0: equal frequencies; default: no resampling)')
    parser.add_argument('--min-count', type=range_arg(0, kind=int), default=1,
                        help='rarer classes do not bound the Zipf resampling (>= 0)')
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    report_file = args.dst + '.report.json'
    try:
        refuse_overwriting_inputs([args.src, args.classes, args.hierarchy], [args.dst, report_file], ConversionError)
        with open(args.classes, encoding='utf-8') as f:
            classes = [line.strip() for line in f if line.strip()]
        hierarchy = None
        if args.hierarchy:
            try:
                hierarchy = load_hierarchy_json(args.hierarchy)
            except ValueError as e:  # names the file, line and column
                raise ConversionError(str(e)) from None
        report = inject_label_noise(args.src, args.dst, classes, hierarchy, noise=args.noise, mode=args.mode,
                                    recall_drop=args.recall_drop, zipf_exponent=args.zipf, min_count=args.min_count,
                                    seed=args.seed)
    except ConversionError as e:
        sys.exit(f'error: {e}')
    with atomic_open(report_file) as f:
        json.dump(report, f, indent=1)
    summary = {k: v for k, v in report.items() if k != 'main_class_counts'}
    print(json.dumps(summary))


if __name__ == '__main__':
    main()
