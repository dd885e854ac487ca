"""Print the statistics the paper's §3 gives for JFT-300M, for a JFT-style dataset.

    python tools/analysis_tools/dataset_stats.py CONFIG [--split train|val|test] [--json out.json]
    python tools/analysis_tools/dataset_stats.py --ann-file train.jsonl --classes-file classes.txt \\
        [--hierarchy-file hierarchy.json] [--data-root data/jft300m]

Images, labels per image (as written, and after ancestor expansion), classes, hierarchy depth and largest fan-out,
tail counts (classes with < 100 and < 20 images) and the most and least frequent classes.
"""
import argparse
import json

from mmengine.config import Config, DictAction

from mmjft.datasets import JFTDataset
from mmjft.datasets.stats import label_statistics


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description='JFT-style dataset statistics (paper §3)')
    parser.add_argument('config', nargs='?', help='a config whose {split}_dataloader.dataset is a JFTDataset')
    parser.add_argument('--split', default='train', choices=['train', 'val', 'test'])
    parser.add_argument('--ann-file')
    parser.add_argument('--classes-file')
    parser.add_argument('--hierarchy-file')
    parser.add_argument('--data-root', default='')
    parser.add_argument('--top', type=int, default=10, help='how many top and bottom classes to list')
    parser.add_argument('--json', help='also write the statistics to this JSON file')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    if (args.config is None) == (args.ann_file is None):
        parser.error('give either a config or --ann-file with --classes-file')
    if args.ann_file and not args.classes_file:
        parser.error('--ann-file needs --classes-file')
    return args


def dataset_args(args) -> dict:
    if args.config is None:
        return dict(ann_file=args.ann_file, classes_file=args.classes_file, hierarchy_file=args.hierarchy_file,
                    data_root=args.data_root)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    ds = dict(cfg[f'{args.split}_dataloader'].dataset)
    kind = ds.pop('type')
    if kind.split('.')[-1] != 'JFTDataset':
        raise ValueError(f'{args.config}: {args.split}_dataloader.dataset is a {kind}, not a JFTDataset')
    ds.pop('pipeline', None)
    return ds


def main(argv=None):
    args = parse_args(argv)
    dataset = JFTDataset(**dataset_args(args), pipeline=[])
    stats = label_statistics(dataset.class_counts(), dataset.metainfo['classes'], dataset.load_stats,
                             dataset.hierarchy.stats(), top=args.top)
    for key, value in stats.items():
        if isinstance(value, list):
            print(f'{key}:')
            for name, count in value:
                print(f'    {count:>12,d}  {name}')
        elif isinstance(value, float):
            print(f'{key}: {value:.3f}')
        else:
            print(f'{key}: {value:,}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(stats, f, indent=1)


if __name__ == '__main__':
    main()
