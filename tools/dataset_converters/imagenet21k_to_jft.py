"""ImageNet-21K (a wnid list or a folder per wnid) -> JFT format with WordNet 3.0 parents; see
mmjft/datasets/converters/imagenet21k.py.

    python tools/dataset_converters/imagenet21k_to_jft.py imagenet21k_goog_synsets.txt data/in21k/jft
    python tools/dataset_converters/imagenet21k_to_jft.py data/in21k/train data/in21k/jft --val-fraction 0.01 \\
        [--hierarchy collapse|full] [--data-noun /usr/share/wordnet/data.noun] [--max-bad-fraction 0.001]

timm's wheel carries the 21,843-wnid list: timm/data/_info/imagenet21k_goog_synsets.txt. WordNet: Debian's
wordnet-base. Writes OUT_DIR/{classes.txt, class_names.txt, hierarchy.json, conversion_report.json} and, from a
folder, train.jsonl / val.jsonl, all renamed into place at the end (a failed run leaves a previous conversion as it
was).
"""
import argparse
import sys

from mmjft.datasets.converters import ConversionError, convert_imagenet21k
from mmjft.datasets.converters.common import range_arg
from mmjft.datasets.converters.imagenet21k import DEFAULT_DATA_NOUN


def main(argv=None):
    p = argparse.ArgumentParser(description='ImageNet-21K wnids -> JFT format with WordNet parents')
    p.add_argument('source', help='a wnid list file, or a folder with one sub-folder of images per wnid')
    p.add_argument('out_dir')
    p.add_argument('--data-noun', default=DEFAULT_DATA_NOUN)
    p.add_argument('--hierarchy', default='collapse', choices=['collapse', 'full'],
                   help='collapse: drop imageless single-child ancestors; full: keep every WordNet ancestor')
    p.add_argument('--val-fraction', type=range_arg(0, 1, high_open=True), default=0.0,
                   help='from a folder: fraction of the images written to val.jsonl, in [0, 1)')
    p.add_argument('--split-seed', type=int, default=0)
    p.add_argument('--max-bad-fraction', type=range_arg(0, 1), default=0.001)
    p.add_argument('--show-bad', type=int, default=10)
    a = p.parse_args(argv)
    try:
        convert_imagenet21k(a.source, a.out_dir, a.data_noun, a.hierarchy, a.val_fraction, a.split_seed,
                            a.max_bad_fraction, a.show_bad)
    except ConversionError as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
