"""Open Images image-level labels -> JFT format (JSONL + classes + hierarchy); see
mmjft/datasets/converters/open_images.py for the rules (human negatives, Part lists, roots, the split).

    python tools/dataset_converters/open_images_to_jft.py data/openimages/jft \\
        --labels data/openimages/oidv6-train-annotations-human-imagelabels.csv \\
                 data/openimages/train-annotations-machine-imagelabels.csv \\
        --classes data/openimages/oidv6-class-descriptions.csv \\
        --hierarchy data/openimages/bbox_labels_600_hierarchy.json \\
        [--val-labels data/openimages/validation-annotations-human-imagelabels.csv] \\
        [--sources both|machine|human] [--min-confidence 0.5] [--val-fraction 0.01] \\
        [--img-template '{folder}/{image_id}.jpg'] [--extra-parents parents.json] [--max-bad-fraction 0.001]

Every label CSV must be sorted by ImageID (the official files are). Writes OUT_DIR/{classes.txt, class_names.txt,
hierarchy.json, train.jsonl, val.jsonl, conversion_report.json}, all renamed into place at the end: a failed run
leaves a previous conversion as it was. The same file (or ImageID) on both the training and validation side, an empty
label file and a conversion without training images are errors.
"""
import argparse
import sys

from mmjft.datasets.converters import ConversionError, convert_open_images
from mmjft.datasets.converters.common import range_arg


def main(argv=None):
    p = argparse.ArgumentParser(description='Open Images image-level labels -> JFT format')
    p.add_argument('out_dir')
    p.add_argument('--labels', nargs='+', required=True, help='training label CSVs (human and/or machine)')
    p.add_argument('--classes', required=True, help='class descriptions CSV (LabelName,DisplayName)')
    p.add_argument('--hierarchy', help='the hierarchy JSON (Subcategory tree)')
    p.add_argument('--extra-parents', help='JSON {child: [parents]} of class ids, added to the tree')
    p.add_argument('--val-labels', nargs='*', default=[], help='validation label CSVs (else a hash split)')
    p.add_argument('--sources', default='both', choices=['machine', 'human', 'both'])
    p.add_argument('--val-sources', default='human', choices=['machine', 'human', 'both'])
    p.add_argument('--min-confidence', type=range_arg(0, 1), default=0.5,
                   help='machine labels below it are dropped, in [0, 1]')
    p.add_argument('--val-fraction', type=range_arg(0, 1, high_open=True), default=0.01,
                   help='held out when there is no --val-labels, in [0, 1)')
    p.add_argument('--split-seed', type=int, default=0)
    p.add_argument('--img-template', default='{folder}/{image_id}.jpg')
    p.add_argument('--train-folder', default='train')
    p.add_argument('--val-folder', default='validation')
    p.add_argument('--max-bad-fraction', type=range_arg(0, 1), default=0.001)
    p.add_argument('--show-bad', type=int, default=10)
    a = p.parse_args(argv)
    try:
        convert_open_images(a.labels, a.classes, a.out_dir, a.hierarchy, a.extra_parents, a.val_labels,
                            a.sources, a.val_sources, a.min_confidence, a.val_fraction, a.split_seed,
                            a.img_template, a.train_folder, a.val_folder, a.max_bad_fraction, a.show_bad)
    except ConversionError as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
