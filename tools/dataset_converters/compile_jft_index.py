"""Compile a JFT JSONL (+ classes + hierarchy) into a memory-mapped index for JFTCompiledDataset.

Example::

    python tools/dataset_converters/compile_jft_index.py data/mini_jft/train.jsonl data/mini_jft/classes.txt \\
        data/mini_jft/train_index --hierarchy data/mini_jft/hierarchy.json --labels raw

Writes <out>/index.json, the arrays (paths, offsets, CSR labels) and the label space (classes.txt,
hierarchy.json); see mmjft/datasets/compiled/index.py for the format. One streamed pass over the JSONL, no image is
opened; a bad line stops it with an error naming file:line, and an index already in OUT_DIR stays as it was (the new
one replaces it only once complete). OUT_DIR may be the data folder: a classes or hierarchy file there is used in
place.
"""
import argparse
import sys

from mmjft.datasets.compiled import compile_jsonl_index


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='JFT JSONL -> compiled index (memory-mapped paths + CSR labels).')
    p.add_argument('ann_file')
    p.add_argument('classes_file')
    p.add_argument('out_dir')
    p.add_argument('--hierarchy', default=None, help='hierarchy JSON {child: [parents]}')
    p.add_argument('--labels', choices=('raw', 'expanded'), default='raw')
    p.add_argument('--min-confidence', type=float, default=0.0, help='expanded labels only')
    p.add_argument('--chunk-lines', type=int, default=65536, help='JSONL lines parsed at once (the memory)')
    return p.parse_args(argv)


def main(argv=None):
    a = parse_args(argv)
    try:
        header = compile_jsonl_index(a.ann_file, a.classes_file, a.out_dir, hierarchy_file=a.hierarchy,
                                     labels=a.labels, min_confidence=a.min_confidence, chunk_lines=a.chunk_lines)
    except ValueError as e:
        sys.exit(f'error: {e}')
    print(f'{header["num_samples"]} samples ({header["labels"]} labels, {header["num_classes"]} classes), index '
          f'{header["index_file"]}; ' + ', '.join(f'{k}={v}' for k, v in header['stats'].items()))
    return header


if __name__ == '__main__':
    main()
