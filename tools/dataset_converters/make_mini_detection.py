"""Generate small deterministic detection (and segmentation) datasets of mini-JFT scenes in the real COCO / VOC formats.

Examples::

    python tools/dataset_converters/make_mini_detection.py data/mini_coco --format coco --num-train 400
    python tools/dataset_converters/make_mini_detection.py data/mini_voc --format voc --num-train 400
    python tools/dataset_converters/make_mini_detection.py data/overfit --format both --fixed-images 2
    python tools/dataset_converters/make_mini_detection.py data/mini_voc_seg --format voc-seg
    python tools/dataset_converters/make_mini_detection.py data/mini_keypoints --format coco-keypoints

With ``--format voc`` the train / val counts are VOC2007's trainval / test. ``--format voc-seg`` writes the same
scenes as VOC 2012 semantic segmentation (palette PNG masks, 255 on object borders) in mmseg's layout;
``--format all`` writes COCO, VOC detection and VOC segmentation. ``--format coco-keypoints`` writes the same
scenes' blue squares as COCO keypoints (category id 1, 4 corners + centre: the pose transfer's mini data).
"""
import argparse
import time

from mmjft.mini import make_mini_coco, make_mini_voc, make_mini_voc_seg
from mmjft.mini.downstream import make_mini_coco_keypoints


def parse_args(argv=None):
    p = argparse.ArgumentParser(description='Generate a mini detection dataset (COCO and/or VOC format).')
    p.add_argument('out_dir', help='data root to write (created if needed; files are overwritten)')
    p.add_argument('--format', choices=('coco', 'voc', 'both', 'voc-seg', 'all', 'coco-keypoints'), default='coco')
    p.add_argument('--num-train', type=int, default=200, help='COCO train / VOC trainval images')
    p.add_argument('--num-val', type=int, default=50, help='COCO val / VOC test images')
    p.add_argument('--img-size', type=int, default=128)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--categories', default=None,
                   help='number of categories, or comma-separated leaf names (e.g. red_disc,blue_square); '
                   'default: 8 leaves with distinct shapes and colours')
    p.add_argument('--fixed-images', type=int, default=None,
                   help='write only this many fixed scenes, identical in both splits (overfitting tests)')
    p.add_argument('--max-objects', type=int, default=4)
    p.add_argument('--empty-rate', type=float, default=0.0, help='fraction of images without objects')
    p.add_argument('--no-masks', action='store_true', help='COCO: no RLE segmentation')
    p.add_argument('--difficult-min-side', type=int, default=0, help='VOC: mark smaller objects difficult')
    p.add_argument('--corrupt-box-outside', type=int, default=0, help='bad boxes crossing the image border')
    p.add_argument('--corrupt-box-detached', type=int, default=0, help='bad boxes entirely outside the image')
    p.add_argument('--corrupt-unknown-category', type=int, default=0, help='objects of an unknown category')
    p.add_argument('--jpeg-quality', type=int, default=90)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cats = args.categories
    if cats is not None and cats.strip().isdigit():
        cats = int(cats)
    counts = dict(box_outside=args.corrupt_box_outside, box_detached=args.corrupt_box_detached,
                  unknown_category=args.corrupt_unknown_category)
    corrupt = counts if any(counts.values()) else None
    common = dict(img_size=args.img_size, seed=args.seed, categories=cats, fixed_images=args.fixed_images,
                  max_objects=args.max_objects, empty_rate=args.empty_rate, jpeg_quality=args.jpeg_quality)
    if args.format in ('coco', 'both', 'all'):
        t0 = time.perf_counter()
        res = make_mini_coco(args.out_dir, num_train=args.num_train, num_val=args.num_val,
                             with_masks=not args.no_masks, corrupt=corrupt, **common)
        print(f'mini-COCO written to {res["data_root"]} in {time.perf_counter() - t0:.2f}s; '
              f'{len(res["classes"])} classes: {", ".join(res["classes"])}')
        for split in ('train', 'val'):
            print(f'  {split}: {res[f"num_{split}"]} images, {res[f"num_{split}_anns"]} annotations  '
                  f'{res[f"{split}_ann"]}')
        if corrupt:
            print(f'  corrupt annotation ids ({res["corrupt_split"]}): {res["corrupt"]}')
    if args.format in ('voc', 'both', 'all'):
        t0 = time.perf_counter()
        res = make_mini_voc(args.out_dir, num_trainval=args.num_train, num_test=args.num_val,
                            difficult_min_side=args.difficult_min_side,
                            corrupt=None if corrupt is None else dict(corrupt, split='trainval'), **common)
        print(f'mini-VOC written to {res["voc_root"]} in {time.perf_counter() - t0:.2f}s; '
              f'{len(res["classes"])} classes: {", ".join(res["classes"])}')
        for split in ('trainval', 'test'):
            print(f'  {split}: {res[f"num_{split}"]} images, {res[f"num_{split}_objects"]} objects  '
                  f'{res[f"{split}_ann"]}')
        if corrupt:
            print(f'  corrupt objects (image id, index) ({res["corrupt_split"]}): {res["corrupt"]}')
    if args.format in ('voc-seg', 'all'):
        t0 = time.perf_counter()
        res = make_mini_voc_seg(args.out_dir, num_train=args.num_train, num_val=args.num_val, **common)
        print(f'mini-VOC segmentation written to {res["voc_root"]} in {time.perf_counter() - t0:.2f}s; '
              f'{len(res["classes"])} classes (mask values 0..{len(res["classes"]) - 1}, 255 void): '
              f'{", ".join(res["classes"])}')
        for split in ('train', 'val'):
            print(f'  {split}: {res[f"num_{split}"]} images  {res[f"{split}_ann"]}')
    if args.format == 'coco-keypoints':
        t0 = time.perf_counter()
        res = make_mini_coco_keypoints(args.out_dir, num_train=args.num_train, num_val=args.num_val, **common)
        print(f'mini-COCO keypoints written to {res["data_root"]} in {time.perf_counter() - t0:.2f}s; category 1 = '
              f'{res["category"]["name"]}, keypoints: {", ".join(res["keypoint_names"])}')
        for split in ('train', 'val'):
            print(f'  {split}: {res[f"num_{split}"]} images, {res[f"num_{split}_anns"]} instances  '
                  f'{res[f"{split}_ann"]}')
    return 0


if __name__ == '__main__':
    main()
