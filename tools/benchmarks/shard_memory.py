"""Anonymous RSS of one rank's JFTShardDataset against the number of images its index describes.

Writes an index of N images (shards of --per-shard samples; no tar or image is written), builds the dataset in a
fresh process per N, lists the shards of every worker of rank 0 (world --world-size x --workers), and computes a
count subset's key threshold from a stream of N uint64 keys as the pass over the shards does (spilled to a temporary
file and read back in chunks; the threshold is then cached). Prints RssAnon (/proc/self/status) after each step and the slope per million images.

    python tools/benchmarks/shard_memory.py --sizes 1000000 10000000
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile


def rss_anon_kib() -> int:
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('RssAnon:'):
                return int(line.split()[1])
    raise RuntimeError('no RssAnon in /proc/self/status')


def child(n, per_shard, world_size, workers, out):
    import numpy as np

    from mmjft.datasets import JFTShardDataset
    from mmjft.datasets.shards.dataset import spilled_count_cut
    base = rss_anon_kib()
    d = tempfile.mkdtemp()
    with open(os.path.join(d, 'classes.txt'), 'w') as f:
        f.write('\n'.join(f'c{i}' for i in range(18291)) + '\n')
    shards = [dict(name=f'train-{i:06d}.tar', samples=min(per_shard, n - i * per_shard))
              for i in range(-(-n // per_shard))]
    with open(os.path.join(d, 'index.json'), 'w') as f:
        json.dump(dict(format='mmjft-shards', version=1, labels='raw', min_confidence=0.0, num_classes=18291,
                       classes_file='classes.txt', hierarchy_file=None, num_samples=n, shards=shards,
                       skipped=dict(missing=0, corrupt=0, first=[]), source='synthetic'), f)
    del shards
    ds = JFTShardDataset(index_file=os.path.join(d, 'index.json'), rank=0, world_size=world_size)
    mine = [ds.worker_shards(0, 0, world_size, w, workers) for w in range(workers)]
    built = rss_anon_kib()
    rng = np.random.default_rng(0)
    peaks = []

    def keys():  # the pass's stream of keys, one by one as the shards give them; RssAnon sampled on the way
        for lo in range(0, n, 1 << 20):
            peaks.append(rss_anon_kib())
            yield from (int(k) for k in rng.integers(0, 2**63, min(1 << 20, n - lo), dtype=np.uint64))

    spilled_count_cut(keys(), n // 10)
    peak = max(peaks + [rss_anon_kib()])
    after = rss_anon_kib()
    json.dump(dict(n=n, shards=len(ds.shards), my_shards=sum(map(len, mine)), base_kib=base,
                   dataset_kib=built - base, count_pass_peak_kib=peak - base, after_pass_kib=after - base),
              open(out, 'w'))


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--sizes', type=int, nargs='+', default=[1_000_000, 10_000_000])
    p.add_argument('--per-shard', type=int, default=1000)
    p.add_argument('--world-size', type=int, default=64)
    p.add_argument('--workers', type=int, default=8)
    p.add_argument('--child', type=int, default=None, help=argparse.SUPPRESS)
    p.add_argument('--out', default=None, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.child is not None:
        return child(a.child, a.per_shard, a.world_size, a.workers, a.out)
    rows = []
    for n in a.sizes:
        with tempfile.NamedTemporaryFile(suffix='.json') as out:
            subprocess.run([sys.executable, __file__, '--child', str(n), '--out', out.name, '--per-shard',
                            str(a.per_shard), '--world-size', str(a.world_size), '--workers', str(a.workers)],
                           check=True)
            rows.append(json.load(open(out.name)))
    for r in rows:
        print(f'{r["n"]:>12,} images {r["shards"]:>8,} shards (rank 0 reads {r["my_shards"]:,}): dataset '
              f'+{r["dataset_kib"] / 1024:.1f} MiB RssAnon, count pass peak +{r["count_pass_peak_kib"] / 1024:.1f} '
              f'MiB, after it +{r["after_pass_kib"] / 1024:.1f} MiB (interpreter + imports {r["base_kib"] / 1024:.0f} MiB)')
    if len(rows) >= 2:
        a0, a1 = rows[0], rows[-1]
        dn = (a1['n'] - a0['n']) / 1e6
        for k in ('dataset_kib', 'count_pass_peak_kib', 'after_pass_kib'):
            slope = (a1[k] - a0[k]) / 1024 / dn
            print(f'slope {k[:-4]}: {slope:.3f} MiB per million images -> {slope * 300 / 1024:.2f} GiB at 300M')


if __name__ == '__main__':
    main()
