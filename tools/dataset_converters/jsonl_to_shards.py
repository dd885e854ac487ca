"""Convert a JFT JSONL (+ classes + hierarchy) to tar shards for JFTShardDataset (webdataset's layout).

Example::

    python tools/dataset_converters/jsonl_to_shards.py data/mini_jft/train.jsonl data/mini_jft/classes.txt \\
        data/mini_jft_shards --hierarchy data/mini_jft/hierarchy.json --img-root data/mini_jft \\
        --samples-per-shard 1000 --labels raw

Writes <out>/<prefix>-<generation>-000000.tar ..., <out>/<prefix>-index.json and the label space (classes.txt,
hierarchy.json); see mmjft/datasets/shards/convert.py for the format. Missing or corrupt images are skipped,
counted, listed in the index and printed here; exit status 0, unless no image at all is written (an error). Shards of
the prefix already in OUT_DIR stay as they were until the new ones are complete.
"""
import argparse
import sys

from mmjft.datasets.shards import convert_jsonl_to_shards


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='JFT JSONL -> webdataset tar shards with an index.')
    p.add_argument('ann_file')
    p.add_argument('classes_file')
    p.add_argument('out_dir')
    p.add_argument('--hierarchy', default=None, help='hierarchy JSON {child: [parents]}')
    p.add_argument('--img-root', default='', help='folder the img_path values are relative to')
    p.add_argument('--labels', choices=('raw', 'expanded'), default='raw')
    p.add_argument('--min-confidence', type=float, default=0.0, help='expanded labels only')
    p.add_argument('--samples-per-shard', type=int, default=1000)
    p.add_argument('--prefix', default='train')
    p.add_argument('--no-verify', action='store_true', help='do not decode images (only missing files caught)')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    try:
        index = convert_jsonl_to_shards(a.ann_file, a.classes_file, a.out_dir, hierarchy_file=a.hierarchy,
                                        img_root=a.img_root, labels=a.labels, min_confidence=a.min_confidence,
                                        samples_per_shard=a.samples_per_shard, prefix=a.prefix,
                                        verify_images=not a.no_verify)
    except ValueError as e:
        sys.exit(f'error: {e}')
    sk = index['skipped']
    print(f'{index["num_samples"]} samples in {len(index["shards"])} shards ({index["labels"]} labels), index '
          f'{index["index_file"]}; skipped {sk["missing"]} missing and {sk["corrupt"]} corrupt images')
    for line in sk['first']:
        print(f'  skipped: {line}')
    return index


if __name__ == '__main__':
    main()
