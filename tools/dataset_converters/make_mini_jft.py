"""Generate a deterministic 'mini-JFT' dataset (JFT-300M's on-disk format, small and synthetic).

Example::

    python tools/dataset_converters/make_mini_jft.py data/mini_jft --num-train 2000 --num-val 300 --seed 0
"""
import argparse
import time

from mmjft.mini import make_mini_jft


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generate a deterministic mini-JFT dataset.')
    p.add_argument('out_dir', help='data root to write (created if needed; files are overwritten)')
    p.add_argument('--num-train', type=int, default=1000)
    p.add_argument('--num-val', type=int, default=200)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--img-size', type=int, default=64)
    p.add_argument('--label-noise', type=float, default=0.2, help='probability a train label is a wrong leaf')
    p.add_argument('--num-shapes', type=int, default=8, help='1-8; leaves = shapes x colours')
    p.add_argument('--num-colours', type=int, default=6, help='1-8')
    p.add_argument('--zipf-exponent', type=float, default=1.2, help='long-tail steepness of leaf frequencies')
    p.add_argument('--recall-drop', type=float, default=0.1, help='probability a present object is unlabelled')
    p.add_argument('--coarse-rate', type=float, default=0.1,
                   help='probability a correct label is recorded at an ancestor class')
    p.add_argument('--empty-rate', type=float, default=0.02, help='fraction of train images with no labels')
    p.add_argument('--int-label-rate', type=float, default=0.1, help='fraction of lines with int class ids')
    p.add_argument('--no-confidence-rate', type=float, default=0.2,
                   help='fraction of train lines without "confidences"')
    p.add_argument('--jpeg-quality', type=int, default=90)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    t0 = time.perf_counter()
    res = make_mini_jft(
        args.out_dir, num_train=args.num_train, num_val=args.num_val, img_size=args.img_size, seed=args.seed,
        label_noise=args.label_noise, num_shapes=args.num_shapes, num_colours=args.num_colours,
        zipf_exponent=args.zipf_exponent, recall_drop=args.recall_drop, coarse_rate=args.coarse_rate,
        empty_rate=args.empty_rate, int_label_rate=args.int_label_rate,
        no_confidence_rate=args.no_confidence_rate, jpeg_quality=args.jpeg_quality)
    dt = time.perf_counter() - t0

    counts = sorted(res['leaf_counts_train'].items(), key=lambda kv: -kv[1])
    n_img = res['num_train'] + res['num_val']
    print(f'mini-JFT written to {res["data_root"]} in {dt:.2f}s ({n_img} images of {args.img_size}px)')
    print(f'  classes: {res["num_classes"]} ({res["num_leaf_classes"]} leaves)  '
          f'{res["classes_file"]}, {res["hierarchy_file"]}')
    print(f'  train: {res["num_train"]} images, {res["num_train_labels"]} labels '
          f'({res["num_train_labels"] / max(res["num_train"], 1):.2f}/image), '
          f'{res["train_noise_rate"]:.1%} wrong, {res["num_train_empty"]} unlabelled  {res["train_ann"]}')
    print(f'  val:   {res["num_val"]} images, {res["num_val_labels"]} labels (clean, dense)  {res["val_ann"]}')
    print(f'  ground truth: {res["train_clean_ann"]}, {res["val_clean_ann"]}; meta: {res["meta_file"]}')
    if counts:
        head = ', '.join(f'{k} {v}' for k, v in counts[:3])
        tail = ', '.join(f'{k} {v}' for k, v in counts[-3:])
        print(f'  images per leaf (train): head {head} ... tail {tail}')


if __name__ == '__main__':
    main()
