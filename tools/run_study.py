"""Run a study: a grid of experiments written as one config (configs/studies/), cell by cell, resumable.

    python tools/run_study.py STUDY [--quick] [--dry-run] [--only CELL ...] [--from CELL]
                              [--launcher none|pytorch|slurm] [--partition P] [--gpus N] [--lanes N]

Cells run in dependency order (data, pretraining, conversion, person boxes, downstream, tests, summary). Locally they
run in-process on ``--lanes`` one-thread processes (default: one per core), with the code of tools/train.py and
tools/test.py; each cell's work_dir holds its merged config (rerun it by hand with tools/train.py), its log
(cell.log) and its result file (run_result.json). A cell counts as finished only when its result file is there and
its config hash and input checkpoints match (study_cell.json); otherwise it and its dependents run again, and an
interrupted cell resumes from its last checkpoint. A failed cell is reported with the tail of its log, its dependents
are skipped, the others go on, and the exit status is 1.

``--dry-run`` loads every cell's merged config, fails on a missing config, base, class list or input that no
upstream cell produces, and prints every cell's commands (with ``--launcher pytorch|slurm``: through
tools/dist_train.sh / tools/slurm_train.sh; ``--gpus`` is pretraining's GPU count, downstream cells keep their
configs' ``<gpus>xb<batch>``). ``--from CELL`` reruns CELL and every cell after it in the study's order.
"""
import argparse
import os
import os.path as osp
import sys
import time
import warnings

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
sys.path.insert(0, ROOT)
# the console is the progress bar: setuptools >= 81 warns each time mmengine / mmseg import its pkg_resources (the
# cells' own output, this warning included, goes to their cell.log)
warnings.filterwarnings('ignore', message='pkg_resources is deprecated', category=UserWarning)

from mmjft.study.cells import StudyError, load_study  # noqa: E402
from mmjft.study.commands import commands  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('study', help='study file (configs/studies/*.py)')
    parser.add_argument('--quick', action='store_true', help="the study's quick_cells, into <work_root>_quick")
    parser.add_argument('--dry-run', action='store_true', help='check every cell and print the commands; run none')
    parser.add_argument('--only', nargs='+', metavar='CELL', help='run these cells (and what they need)')
    parser.add_argument('--from', dest='from_cell', metavar='CELL', help='rerun CELL and every later cell')
    parser.add_argument('--launcher', choices=['none', 'pytorch', 'slurm'], default='none')
    parser.add_argument('--partition', help='Slurm partition (--launcher slurm)')
    parser.add_argument('--gpus', type=int, help="pretraining's GPU count under a launcher")
    parser.add_argument('--lanes', type=int, default=os.cpu_count() or 1,
                        help='local cells at once, each on one thread (0: in this process); default: the cores')
    return parser.parse_args(argv)


def dry_run(study, args) -> int:
    from mmjft.study.state import dry_run_problems
    problems = [p for cell in study.cells for p in dry_run_problems(study, cell)]
    for problem in problems:
        print(f'error: {study.file}: {problem}', file=sys.stderr)
    if problems:
        return 1
    for cell in study.cells:
        print(f'# {cell.name} ({cell.stage})')
        for line in commands(study, cell, args.launcher, args.partition, args.gpus):
            print(line)
    print(f'# {len(study.cells)} cells, all configs and inputs found', file=sys.stderr)
    return 0


def main(argv=None):
    args = parse_args(argv)
    os.chdir(ROOT)
    try:
        study = load_study(args.study, quick=args.quick)
        if args.launcher == 'slurm' and not args.partition:
            raise StudyError('--launcher slurm needs --partition')
        if args.dry_run:
            return dry_run(study, args)
        if args.launcher != 'none':
            raise StudyError(f'--launcher {args.launcher}: print the commands with --dry-run and submit them; the '
                             'runner itself runs cells on this machine')
        only = args.only
        if args.from_cell:
            names = [c.name for c in study.cells]
            study.cell(args.from_cell)
            only = names[names.index(args.from_cell):]
            from mmjft.study.state import STAMP
            for name in only:  # forget that they finished: they run again (their outputs are replaced)
                stamp = osp.join(study.work_dir(study.cell(name)), STAMP)
                if osp.isfile(stamp):
                    os.remove(stamp)
        for name in only or []:
            study.cell(name)
    except StudyError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    from mmjft.study.execute import run_study
    from mmjft.study.progress import ConsoleProgress
    from mmjft.study.report import write_summary
    t0 = time.time()
    with ConsoleProgress(study, only) as progress:
        outcomes = run_study(study, ROOT, lanes=args.lanes, only=only, progress=progress,
                             summary=lambda s, o: write_summary(s, o, started=t0))
    failed = {n: o for n, o in outcomes.items() if o['status'] not in ('ok', 'finished before')}
    for name, outcome in failed.items():
        print(f'{name}: {outcome["status"]}' + (f': {outcome["error"]}' if outcome.get('error') else ''),
              file=sys.stderr)
        if outcome.get('log'):
            print('  ' + outcome['log'].rstrip().replace('\n', '\n  '), file=sys.stderr)
    print(f'{len(outcomes) - len(failed)} of {len(outcomes)} cells done in {time.time() - t0:.0f} s; '
          f'work_dirs under {study.work_root}')
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
