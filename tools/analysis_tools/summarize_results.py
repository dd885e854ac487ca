"""A folder of runs -> the paper's tables, the log-scaling fit per setting, and the data-size curve (PNG).

    python tools/analysis_tools/summarize_results.py work_dirs/mini_data_size --out docs/results \\
        --name mini_data_size --metric jft/mAP@100

Runs are keyed by their result files (``run_result.json``, README 'The result file'): data size = images in the
pretraining set as read, cost from the run's own timer; a work_dir without one is listed as such and keyed by
nothing. Runs that differ in anything but the seed are never averaged. Writes OUT/NAME.md (runs with their keys,
metric and cost; metric by data size; fits with slope, 95% interval and R^2), OUT/NAME.json (the same as data) and
OUT/NAME.png (log-x curves, one line per setting, seed bands, fitted lines), each under a temporary name renamed at
the end. A missing, failed or half-finished run is marked in the table and left out of the fit, which says so;
fewer than 2 data sizes in a setting: no fit, and the reason in its row. Keys and cost: mmjft/analysis/results.py.
"""
import argparse
import json
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from mmjft.analysis.results import collect_runs, fit_settings, markdown_report, plot_scaling  # noqa: E402
from mmjft.utils.atomic import Staging  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('runs', help='a folder of work_dirs (searched recursively)')
    parser.add_argument('--out', default='work_dirs/results', help='output folder')
    parser.add_argument('--name', default='results', help='file name stem of the outputs')
    parser.add_argument('--metric', help='the metric to tabulate and fit (default: the first one a run reports)')
    parser.add_argument('--title', default='', help='plot title')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rows = collect_runs(args.runs, metric=args.metric)
    fits = fit_settings(rows)
    stem = osp.join(args.out, args.name)
    report = markdown_report(rows, fits)
    with Staging() as stage:
        with stage.open(stem + '.md') as f:
            f.write(report)
        with stage.open(stem + '.json') as f:
            json.dump(dict(runs=rows, fits=fits), f, indent=1, default=str)
        plot_scaling(rows, fits, stage.path(stem + '.png'), args.title)
    print(report)
    for setting, fit in fits.items():
        if 'error' in fit:
            print(f'no fit for {setting}: {fit["error"]}', file=sys.stderr)
        elif fit['left_out']:
            print(f'fit for {setting} uses {len(fit["used"])} run(s); left out: {", ".join(fit["left_out"])}',
                  file=sys.stderr)
    print(f'wrote {stem}.md, {stem}.json, {stem}.png')


if __name__ == '__main__':
    main()
