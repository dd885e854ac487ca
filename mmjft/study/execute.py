"""Run a study's cells: in dependency order, on lanes, resumable, a failed cell's dependents skipped.

Locally a lane is a long-lived process with one torch thread that runs cells one after the other in-process
(:func:`mmjft.utils.in_process.run_script_main`: the same ``main`` as the command line, the stack imported once per
lane instead of once per cell); ``lanes=0`` runs every cell in this process. A cell's output (stdout, stderr and the
Runner's log) goes to ``<work_dir>/cell.log``; a failed cell is reported with the tail of that log.

After a cell, what survives it (the imported stack, mostly) is moved out of the garbage collector's scans
(``gc.freeze``): mmengine's datasets call ``gc.collect()`` when they are built, 0.45 s each over a lane's heap
(~1 s a downstream cell, measured on 2 cores).
"""
import gc
import os
import os.path as osp
import sys
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Dict, List, Optional

from .cells import Cell, Study
from .commands import CONVERT, TEST, TRAIN, convert_argv, test_argv, train_argv
from .state import can_resume, input_digests, set_aside, unfinished_reason, write_stamp

LOG = 'cell.log'
CHECKPOINT = '{checkpoint}'  # in a test's argv: the final checkpoint, known once training ended


def _init_lane():
    """A lane: one torch / OpenMP thread (the lanes share the cores)."""
    for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS', 'OPENBLAS_NUM_THREADS'):
        os.environ[var] = '1'
    import torch
    torch.set_num_threads(1)


def run_spec(spec: dict) -> dict:
    """Run one prepared cell (``spec``: its work_dir, root and the scripts' argv) in this process; stdout and stderr
    go to the cell's log. Returns ``{'status': 'ok' | 'failed', 'wall_s', 'error'}``; an interrupt propagates."""
    from mmjft.utils.in_process import run_script_main
    os.makedirs(spec['work_dir'], exist_ok=True)
    log_path = osp.join(spec['work_dir'], LOG)
    t0 = time.time()
    sys.stdout.flush()
    sys.stderr.flush()
    saved, streams = (os.dup(1), os.dup(2)), (sys.stdout, sys.stderr)
    with open(log_path, 'a', buffering=1) as log:
        os.dup2(log.fileno(), 1)  # what C code and subprocesses write
        os.dup2(log.fileno(), 2)
        sys.stdout = sys.stderr = log  # what Python writes, whatever sys.stdout was (a test's capture)
        try:
            print(f'== {time.strftime("%Y-%m-%d %H:%M:%S")} {spec["name"]}', flush=True)
            for script, argv in spec['steps']:
                if CHECKPOINT in argv:
                    with open(osp.join(spec['work_dir'], 'last_checkpoint')) as f:
                        argv = [f.read().strip() if a == CHECKPOINT else a for a in argv]
                print('$ python ' + ' '.join([script, *map(str, argv)]), flush=True)
                code = run_script_main(osp.join(spec['root'], script), argv, cwd=spec['root'])
                if isinstance(code, int) and not isinstance(code, bool) and code != 0:
                    raise RuntimeError(f'{script} exited with status {code}')
            status, error = 'ok', None
        except KeyboardInterrupt:
            raise
        except BaseException as e:  # noqa: BLE001  (SystemExit of a tool's error message too)
            traceback.print_exc()
            status, error = 'failed', f'{type(e).__name__}: {e}'
        finally:
            log.flush()
            gc.collect()  # what the cell left, then the rest out of later collections (see below)
            gc.freeze()
            sys.stdout, sys.stderr = streams
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
    return dict(status=status, wall_s=time.time() - t0, error=error)


def log_tail(work_dir: str, lines: int = 15) -> str:
    path = osp.join(work_dir, LOG)
    if not osp.isfile(path):
        return ''
    with open(path, errors='replace') as f:
        return ''.join(f.readlines()[-lines:])


def prepare(study: Study, cell: Cell, root: str) -> dict:
    """The spec :func:`run_spec` runs: the scripts and their arguments, ``{out:...}`` resolved (the upstream cells
    have finished); a train cell interrupted under the same config resumes from its checkpoint, a work_dir of
    another config is set aside first."""
    resume = cell.trains and can_resume(study, cell)
    if cell.trains and not resume:
        set_aside(study, cell)
    if cell.stage == 'data':
        steps = [(cell.command[0], cell.command[1:])]
    elif cell.stage == 'convert':
        steps = [(CONVERT, convert_argv(study, cell))]
    else:
        steps = [(TRAIN, train_argv(study, cell, resume=resume))]
        if cell.test:
            test = test_argv(study, cell, shell=True)
            steps.append((TEST, [CHECKPOINT if a.startswith('$(') else a for a in test]))
    return dict(name=cell.name, work_dir=study.work_dir(cell), root=root, steps=steps, resume=resume)


def new_pool(lanes: int) -> Optional[ProcessPoolExecutor]:
    """``lanes`` spawned lane processes (None for 0: run in this process)."""
    if not lanes:
        return None
    import multiprocessing
    return ProcessPoolExecutor(max_workers=lanes, initializer=_init_lane, mp_context=multiprocessing.get_context('spawn'))


class Outcome(dict):
    """A cell's end: status ('ok', 'finished before', 'failed', 'skipped: upstream X failed'), wall_s, error, log
    tail."""


def run_study(study: Study, root: str, lanes: int = 0, only: Optional[List[str]] = None,
              summary: Optional[Callable[[Study, Dict[str, Outcome]], None]] = None,
              progress=None) -> Dict[str, Outcome]:
    """Run the unfinished cells of ``study`` (of ``only`` and what they need, when given) on ``lanes`` processes
    (0: this one); ``summary(study, outcomes)`` writes a summary cell. ``progress``: an object with ``start(cell)``,
    ``end(cell, outcome)`` (the console bar). Returns every cell's outcome."""
    wanted = set(c.name for c in study.cells)
    if only:
        wanted = set()
        for name in only:
            todo = [name]
            while todo:
                current = todo.pop()
                if current not in wanted:
                    wanted.add(current)
                    todo += study.cell(current).needs
    cells = [c for c in study.cells if c.name in wanted]
    outcomes: Dict[str, Outcome] = {}
    pending = list(cells)
    running = {}
    pool = new_pool(lanes)

    def finish(cell, outcome):
        outcomes[cell.name] = outcome
        if progress:
            progress.end(cell, outcome)
        if outcome['status'] == 'failed':  # every cell below it, directly or not, names it
            for name in study.dependents(cell.name):  # the summary still runs: its verdicts name what is missing
                if name in wanted and name not in outcomes and study.cell(name).stage != 'summary':
                    dep = study.cell(name)
                    pending.remove(dep)
                    finish(dep, Outcome(status=f'skipped: upstream {cell.name} failed', wall_s=0.0))

    def start(cell):
        if progress:
            progress.start(cell)
        inputs = input_digests(study, cell) if cell.stage != 'summary' else {}
        if cell.stage == 'summary':
            t0 = time.time()
            try:
                summary(study, outcomes)
                finish(cell, Outcome(status='ok', wall_s=time.time() - t0))
            except Exception as e:  # noqa: BLE001
                finish(cell, Outcome(status='failed', wall_s=time.time() - t0, error=f'{type(e).__name__}: {e}',
                                     log=traceback.format_exc()))
            return
        spec = prepare(study, cell, root)
        write_stamp(study, cell, inputs)  # 'running': an interrupted run of this config and these inputs resumes
        if pool is None:
            end(cell, inputs, run_spec(spec))
        else:
            running[pool.submit(run_spec, spec)] = (cell, inputs)

    def end(cell, inputs, result):
        outcome = Outcome(result)
        if outcome['status'] == 'ok':
            write_stamp(study, cell, inputs, outcome['wall_s'])
        else:
            outcome['log'] = log_tail(study.work_dir(cell))
        finish(cell, outcome)

    broken = False
    try:
        while pending or running:
            ready = [c for c in pending if all(n in outcomes for n in c.needs if n in wanted)]
            for cell in ready:
                if pool is not None and len(running) >= lanes:
                    break
                pending.remove(cell)
                reason = unfinished_reason(study, cell) if cell.stage != 'summary' else 'summary'
                if reason is None:
                    finish(cell, Outcome(status='finished before', wall_s=0.0))
                elif cell.stage == 'data' and not cell.command:
                    finish(cell, Outcome(status='failed', wall_s=0.0, error=reason))
                else:
                    start(cell)
            if running:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    cell, inputs = running.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as e:  # a lane died (killed, out of memory): the others are gone too
                        result = dict(status='failed', wall_s=0.0, error=f'the lane died: {e}')
                        broken = True
                    end(cell, inputs, result)
                if broken and not running:
                    pool.shutdown(wait=True)
                    pool, broken = new_pool(lanes), False
            elif pending and not ready:
                raise RuntimeError(f'cells wait on each other: {[c.name for c in pending]}')
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return outcomes
