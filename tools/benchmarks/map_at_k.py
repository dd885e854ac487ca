"""Time and peak extra memory of mAP@k at JFT evaluation scale.

Example:
    python tools/benchmarks/map_at_k.py --num-images 14000 --num-classes 18291 -k 100
"""
import argparse
import resource
import time
import tracemalloc

import numpy as np
import torch

from mmjft.evaluation.functional import map_at_k, map_at_k_from_topk


def parse_args():
    parser = argparse.ArgumentParser(description='Benchmark mmjft mAP@k')
    parser.add_argument('--num-images', type=int, default=14000)
    parser.add_argument('--num-classes', type=int, default=18291)
    parser.add_argument('--positives', type=float, default=37, help='mean positives per image')
    parser.add_argument('-k', type=int, default=100)
    parser.add_argument('--repeat', type=int, default=3)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--score-levels', type=int, default=0,
                        help='round scores to this many levels per unit, making ties (0: continuous)')
    parser.add_argument('--float-targets', action='store_true', help='also time float32 0/1 targets')
    return parser.parse_args()


def _proc_status_mib(field):
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith(field + ':'):
                return int(line.split()[1]) / 1024  # kB
    raise KeyError(field)


def reset_peak_rss():
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS; False if not possible."""
    try:
        with open('/proc/self/clear_refs', 'w') as f:
            f.write('5')
        return True
    except OSError:
        return False


def peak_rss_mib():
    try:
        return _proc_status_mib('VmHWM')
    except (OSError, KeyError):  # not Linux: getrusage's max RSS never resets (a lower bound)
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(name, fn, repeat):
    """Best wall time of ``repeat`` runs, and the peak extra memory of one more run: the growth
    of the peak RSS above the RSS before the call (sees torch's allocations too) and the
    tracemalloc peak (numpy's and Python's allocations only)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    reset_peak_rss()
    rss0 = _proc_status_mib('VmRSS')
    fn()
    rss_extra = peak_rss_mib() - rss0
    tracemalloc.start()
    fn()
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f'{name:<27} best {min(times):6.3f} s (runs: {", ".join(f"{t:.3f}" for t in times)})  '
          f'peak extra RSS {rss_extra:7.1f} MiB  tracemalloc peak {traced / 2**20:7.1f} MiB  '
          + (f'mAP {value:.6f}' if value is not None else ''))
    return value


def main():
    args = parse_args()
    N, C, k = args.num_images, args.num_classes, args.k
    rng = np.random.default_rng(args.seed)
    scores = rng.random((N, C), dtype=np.float32)
    # positives: a Poisson number of random classes per image (duplicates merge), given a score
    # boost so that the metric is not trivially ~0
    counts = rng.poisson(args.positives, N)
    rows = np.repeat(np.arange(N), counts)
    cols = rng.integers(0, C, counts.sum())
    targets = np.zeros((N, C), dtype=bool)
    targets[rows, cols] = True
    scores[rows, cols] += 0.3
    if args.score_levels:
        scores = np.round(scores * args.score_levels) / np.float32(args.score_levels)
    num_pos = int(targets.sum())
    print(f'torch threads: {torch.get_num_threads()}  N={N} C={C} k={k} positives={num_pos} '
          f'({num_pos / N:.1f}/image)  scores {scores.nbytes / 2**20:.0f} MiB  '
          f'targets {targets.nbytes / 2**20:.0f} MiB (bool)  score levels: {args.score_levels or "continuous"}')

    # the top-k representation that the MAPAtK metric stores
    vals, inds = torch.topk(torch.from_numpy(scores), k, dim=1)
    top_i, top_s = inds.numpy().astype(np.int32), vals.numpy()
    rows, cols = np.nonzero(targets)
    gt = np.split(cols, np.searchsorted(rows, np.arange(1, N)))

    dense = measure('map_at_k (dense, bool gt)', lambda: map_at_k(scores, targets, k=k), args.repeat)
    core = measure('map_at_k_from_topk (core)', lambda: map_at_k_from_topk(top_i, top_s, gt, C),
                   args.repeat)
    measure('torch.topk alone', lambda: torch.topk(torch.from_numpy(scores), k, dim=1) and None, args.repeat)
    assert abs(dense - core) < 1e-9, (dense, core)
    if args.float_targets:  # 0/1 float32 targets: a second ~1 GB input
        targets_f = targets.astype(np.float32)
        del targets
        dense_f = measure('map_at_k (dense, f32 gt)', lambda: map_at_k(scores, targets_f, k=k), args.repeat)
        assert abs(dense_f - core) < 1e-9, (dense_f, core)


if __name__ == '__main__':
    main()
