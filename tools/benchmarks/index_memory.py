"""Anonymous RSS of one rank's JFTCompiledDataset + JFTIndexSampler against the number of images in the index.

Writes a synthetic compiled index of N images per size (paths ``train/0000000042.jpg``, 1-3 raw labels with
confidences over 18,291 classes under 291 parents; no image), then, in a fresh process per size and phase, builds
the dataset with a count subset (--subset of N) and a classes_subset (every other class), and reads
--iterate samples in rank 0's order of world --world-size (``get_data_info``: labels and path). Phase ``compute``
starts with no cached selection (the one-off pass every later process skips; its RssAnon peak is sampled every
5 ms), phase ``cached`` maps the selection the first wrote: what every rank and data loader worker holds. Prints
RssAnon (/proc/self/status) above the interpreter's after imports, and the slope per million images.

    python tools/benchmarks/index_memory.py --sizes 1000000 10000000

Use sizes well above 262,144 (the selection pass's chunk of samples): below it the chunk itself grows with N and
reads as a slope.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from shard_memory import rss_anon_kib  # noqa: E402

NUM_CLASSES, NUM_PARENTS = 18291, 291


def write_index(n: int, out_dir: str, chunk: int = 1_000_000) -> None:
    """A raw compiled index of ``n`` synthetic images, written in chunks (the compiler's format)."""
    import numpy as np

    from mmjft.datasets.compiled.index import ArrayFiles, write_header
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'classes.txt'), 'w') as f:
        f.write('\n'.join(f'c{i}' for i in range(NUM_CLASSES)) + '\n')
    with open(os.path.join(out_dir, 'hierarchy.json'), 'w') as f:
        json.dump({f'c{i}': [f'c{i % NUM_PARENTS}'] for i in range(NUM_PARENTS, NUM_CLASSES)}, f)
    files = ArrayFiles(out_dir, ['paths', 'path_offsets', 'label_indptr', 'label_ids', 'label_conf'])
    files.append('path_offsets', [0])
    files.append('label_indptr', [0])
    rng = np.random.default_rng(0)
    labels = 0
    for lo in range(0, n, chunk):
        m = min(n, lo + chunk) - lo
        blob = ''.join(f'train/{i:010d}.jpg' for i in range(lo, lo + m)).encode()
        files.append('paths', np.frombuffer(blob, np.uint8))
        files.append('path_offsets', 20 * np.arange(lo + 1, lo + m + 1, dtype=np.int64))
        k = rng.integers(1, 4, m)
        files.append('label_indptr', labels + np.cumsum(k))
        files.append('label_ids', rng.integers(NUM_PARENTS, NUM_CLASSES, int(k.sum())))
        files.append('label_conf', rng.random(int(k.sum())))
        labels += int(k.sum())
    write_header(out_dir, dict(num_samples=n, labels='raw', min_confidence=0.0, num_classes=NUM_CLASSES,
                               classes_file='classes.txt', hierarchy_file='hierarchy.json', source='synthetic',
                               source_sha1='0' * 40, arrays=files.close(), stats=dict(lines=n)))


def child(index_dir, subset, world_size, iterate, out):
    from mmjft.datasets import JFTCompiledDataset, JFTIndexSampler
    base = rss_anon_kib()
    peak = [base]
    done = threading.Event()

    def poll():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon_kib())
            time.sleep(0.005)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    t = time.time()
    classes = [f'c{i}' for i in range(0, NUM_CLASSES, 2)]
    ds = JFTCompiledDataset(index_file=os.path.join(index_dir, 'index.json'), subset_size=subset,
                            classes_subset=classes)
    build_s = time.time() - t
    done.set()
    watcher.join()
    built = rss_anon_kib()
    sampler = JFTIndexSampler(ds, seed=0, rank=0, world_size=world_size)
    t, read = time.time(), 0
    for idx, _ in sampler:
        ds.get_data_info(idx)
        read += 1
        if read == iterate:
            break
    iter_s = time.time() - t
    json.dump(dict(images=len(ds), base_kib=base, build_peak_kib=peak[0] - base, dataset_kib=built - base,
                   iterated_kib=rss_anon_kib() - base, read=read, build_s=build_s, iter_s=iter_s), open(out, 'w'))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', type=int, nargs='+', default=[1_000_000, 10_000_000])
    p.add_argument('--subset', type=float, default=0.1, help='count subset as a fraction of N')
    p.add_argument('--world-size', type=int, default=8)
    p.add_argument('--iterate', type=int, default=200_000, help='samples rank 0 reads')
    p.add_argument('--work-dir', default=None, help='where the indexes are written (default: a temporary folder)')
    p.add_argument('--child', default=None, help=argparse.SUPPRESS)
    p.add_argument('--count', type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument('--out', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child is not None:
        return child(a.child, a.count, a.world_size, a.iterate, a.out)
    work = tempfile.mkdtemp(dir=a.work_dir)
    rows = []
    try:
        for n in a.sizes:
            index_dir = os.path.join(work, f'n{n}')
            t = time.time()
            write_index(n, index_dir)
            written = time.time() - t
            row = dict(n=n, write_s=written)
            for phase in ('compute', 'cached'):
                with tempfile.NamedTemporaryFile(suffix='.json') as out:
                    subprocess.run([sys.executable, __file__, '--child', index_dir, '--count', str(int(n * a.subset)),
                                    '--world-size', str(a.world_size), '--iterate', str(a.iterate), '--out',
                                    out.name], check=True)
                    row[phase] = json.load(open(out.name))
            rows.append(row)
            shutil.rmtree(index_dir)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for r in rows:
        c, k = r['compute'], r['cached']
        print(f'{r["n"]:>12,} images ({c["images"]:,} kept; index written in {r["write_s"]:.0f} s): first process '
              f'builds the selection in {c["build_s"]:.1f} s, RssAnon peak +{c["build_peak_kib"] / 1024:.1f} MiB, '
              f'after +{c["dataset_kib"] / 1024:.1f} MiB; a rank mapping it: +{k["dataset_kib"] / 1024:.1f} MiB '
              f'built, +{k["iterated_kib"] / 1024:.1f} MiB after reading {k["read"]:,} samples '
              f'({k["iter_s"]:.1f} s; interpreter + imports {k["base_kib"] / 1024:.0f} MiB)')
    if len(rows) >= 2:
        a0, a1 = rows[0], rows[-1]
        dn = (a1['n'] - a0['n']) / 1e6
        for phase, key in (('compute', 'build_peak_kib'), ('cached', 'dataset_kib'), ('cached', 'iterated_kib')):
            slope = (a1[phase][key] - a0[phase][key]) / 1024 / dn
            at300 = (a1[phase][key] / 1024 + slope * (300 - a1['n'] / 1e6)) / 1024
            print(f'slope {phase} {key[:-4]}: {slope:.3f} MiB per million images -> {at300:.2f} GiB at 300M '
                  '(above the interpreter)')


if __name__ == '__main__':
    main()
