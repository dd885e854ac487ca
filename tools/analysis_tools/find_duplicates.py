"""Evaluation images with a near-duplicate in the pretraining set (Appendix A) -> exclusion lists for tools/test.py.

    python tools/analysis_tools/find_duplicates.py CHECKPOINT --config CONFIG \\
        --pretrain data/jft/train.jsonl data/jft \\
        --eval coco_minival data/coco/annotations/instances_minival.json data/coco/val2014 \\
        --eval voc12_val data/VOC2012/ImageSets/Segmentation/val.txt data/VOC2012/JPEGImages .jpg \\
        --out work_dirs/dedup --threshold 0.9 --device cuda
    python tools/test.py CONFIG CKPT --cfg-options test_dataloader.dataset.exclude_ids_file=work_dirs/dedup/coco_minival.exclude.txt

Image lists (``LIST [ROOT [SUFFIX]]``): a JFT JSONL (id = img_path), a COCO JSON (id = image id) or a text list
(``ID PATH`` or ``NAME`` -> ROOT/NAME+SUFFIX: a VOC split list). Without --config the model is built from the config
mmengine stored in the checkpoint. Writes OUT/NAME.exclude.txt per evaluation set, OUT/dedup_report.json,
OUT/dedup_pairs.png and the pretraining embeddings in OUT/shards/ (reused when the run is repeated). Method, index
choice and chunking: mmjft/datasets/dedup.py.
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmjft.datasets.dedup import build_embedder, find_duplicates, read_image_list, write_outputs  # noqa: E402


def image_list(values, option):
    if not 1 <= len(values) <= 3:
        raise SystemExit(f'{option} takes LIST [ROOT [SUFFIX]], got {values}')
    return read_image_list(*values)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('checkpoint', help='a classifier checkpoint (mmjft / mmpretrain)')
    parser.add_argument('--config', help="the checkpoint's config (default: the one stored in the checkpoint)")
    parser.add_argument('--pretrain', nargs='+', required=True, metavar='LIST [ROOT [SUFFIX]]',
                        help='the pretraining image list')
    parser.add_argument('--eval', nargs='+', action='append', required=True, metavar='NAME LIST [ROOT [SUFFIX]]',
                        help='an evaluation set (repeat for several)')
    parser.add_argument('--out', default='work_dirs/dedup', help='output folder')
    parser.add_argument('--threshold', type=float, default=0.9, help='cosine similarity of a near-duplicate')
    parser.add_argument('--index', choices=('auto', 'flat', 'ivf'), default='auto',
                        help='faiss index of the evaluation side (auto: flat up to 200K rows)')
    parser.add_argument('--nlist', type=int, help='IVF lists (default 4 sqrt(rows))')
    parser.add_argument('--nprobe', type=int, default=16, help='IVF lists searched')
    parser.add_argument('--chunk-size', type=int, default=4096, help='pretraining images per shard')
    parser.add_argument('--img-size', type=int, default=224, help='images are resized to this square')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--num-workers', type=int, default=2)
    parser.add_argument('--device', default='cpu', help='cpu, cuda, cuda:1, ...')
    parser.add_argument('--max-pairs', type=int, default=16, help='pairs shown in the PNG')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    eval_sets = {}
    for values in args.eval:
        if len(values) < 2:
            raise SystemExit(f'--eval takes NAME LIST [ROOT [SUFFIX]], got {values}')
        if values[0] in eval_sets:
            raise SystemExit(f'evaluation set {values[0]!r} given twice')
        eval_sets[values[0]] = image_list(values[1:], '--eval')
    pretrain = image_list(args.pretrain, '--pretrain')
    model = build_embedder(args.checkpoint, args.config, args.device)
    report = find_duplicates(model, eval_sets, pretrain, osp.join(args.out, 'shards'), threshold=args.threshold,
                             chunk_size=args.chunk_size, index=args.index, nlist=args.nlist, nprobe=args.nprobe,
                             img_size=args.img_size, batch_size=args.batch_size, num_workers=args.num_workers)
    report['checkpoint'] = args.checkpoint
    paths = write_outputs(report, args.out, args.max_pairs)
    for name, info in report['eval_sets'].items():
        print(f'{name}: {info["duplicates"]} of {info["images"]} images have a near-duplicate '
              f'(cosine >= {args.threshold}) -> {paths[name]}')
    print(f'wrote {paths["report"]}, {paths["png"]}')


if __name__ == '__main__':
    main()
