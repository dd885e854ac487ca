"""Throughput and peak memory of the Open Images converter on a generated machine-label CSV.

    python tools/benchmarks/open_images_converter.py [--rows 3000000] [--classes 20000] \\
        [--labels-per-image 10] [--work-dir /tmp/oi_bench]

Writes a sorted ``ImageID,Source,LabelName,Confidence`` CSV (machine labels, random confidences) and a class
descriptions CSV, converts them (sources=both, threshold 0.5, 1% hash split) and prints rows/s, the CSV's size and
the process's peak RSS before and after the conversion (the converter streams: peak RSS must not grow with rows).
"""
import argparse
import os
import os.path as osp
import resource
import time

import numpy as np

from mmjft.datasets.converters import convert_open_images


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate(work_dir, rows, num_classes, per_image, seed=0):
    rng = np.random.default_rng(seed)
    os.makedirs(work_dir, exist_ok=True)
    classes = osp.join(work_dir, 'classes.csv')
    with open(classes, 'w') as f:
        f.write('LabelName,DisplayName\n')
        f.writelines(f'/m/c{i:05d},class {i}\n' for i in range(num_classes))
    labels = osp.join(work_dir, 'machine.csv')
    images = rows // per_image
    with open(labels, 'w') as f:
        f.write('ImageID,Source,LabelName,Confidence\n')
        block = 100_000
        for start in range(0, images, block):
            n = min(block, images - start)
            cls = rng.integers(0, num_classes, size=(n, per_image))
            conf = rng.random((n, per_image))
            f.writelines(f'{start + i:016x},machine,/m/c{c:05d},{p:.2f}\n'
                         for i in range(n) for c, p in zip(cls[i], conf[i]))
    return labels, classes


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--rows', type=int, default=3_000_000)
    p.add_argument('--classes', type=int, default=20_000)
    p.add_argument('--labels-per-image', type=int, default=10)
    p.add_argument('--work-dir', default='/tmp/oi_bench')
    a = p.parse_args()
    t = time.perf_counter()
    labels, classes = generate(a.work_dir, a.rows, a.classes, a.labels_per_image)
    print(f'generated {a.rows:,} rows, {osp.getsize(labels) / 2**20:.0f} MiB in {time.perf_counter() - t:.0f}s; '
          f'peak RSS before converting {peak_rss_mib():.0f} MiB')
    rep = convert_open_images([labels], classes, osp.join(a.work_dir, 'out'), val_fraction=0.01,
                              log=lambda m: None)
    print(f"converted {rep['rows']:,} rows in {rep['seconds']:.1f}s: {rep['rows_per_second']:,} rows/s; "
          f"images {rep['images']}; peak RSS after converting {peak_rss_mib():.0f} MiB")


if __name__ == '__main__':
    main()
