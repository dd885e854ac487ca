"""A study's summary: every cell's record as it ran, the findings' verdicts, tables, curves and results.json.

Each train cell's row comes from its own result file (:func:`mmjft.analysis.results.collect_run`): the data size
is the images its pretraining read (a downstream cell: from the converted checkpoint's ``meta['pretraining']`` the
run recorded), never the study's request; the study's ``record`` only says which arm a cell belongs to. A cell
whose run read another size than the study planned (``record['images']``) is refused, not tabulated.
"""
import json
import math
import os
import os.path as osp
import platform
import time
from typing import Dict, List

from mmjft.analysis.results import collect_run
from mmjft.engine.hooks.run_result_hook import git_commit
from mmjft.utils.atomic import Staging

from .cells import STAGES, Study

ARM_KEYS = ('task', 'depth', 'frozen', 'init', 'classes', 'labels', 'seed')


def cell_record(study: Study, cell, outcome: dict) -> dict:
    """What the verdicts read of ``cell``: its arm (the study's ``record``) and what ran (its result file)."""
    planned = dict(cell.record)
    record = dict(cell=cell.name, task=planned.get('task'), depth=planned.get('depth'),
                  frozen=bool(planned.get('frozen', False)), init=planned.get('init', 'jft'),
                  classes=planned.get('classes', 'all'), labels=planned.get('labels', 'default'),
                  seed=planned.get('seed'), data_size=None, metric=math.nan, metric_name=planned.get('metric'),
                  status=outcome.get('status', 'not run') if outcome else 'not run', wall_s=(outcome or {}).get(
                      'wall_s'))
    if record['status'] not in ('ok', 'finished before') or not osp.isdir(study.work_dir(cell)):
        return record
    row = collect_run(study.work_dir(cell), metric=planned.get('metric'))
    record.update(data_size=row['data_size'], metric=row['metric'], metric_name=row['metric_name'],
                  images_seen=row['images_seen'], status=row['status'])
    if row['depth'] is not None and planned.get('depth') is not None and row['depth'] != planned['depth']:
        record['status'] = f'refused: the run has depth {row["depth"]}, the study planned {planned["depth"]}'
    asked = planned.get('images')
    if record['init'] == 'random':
        if row['data_size'] is not None:
            record['status'] = f'refused: planned from random init, the run started from {row["data_size"]} images'
    elif asked is not None and row['data_size'] != asked:
        record['status'] = (f'refused: its pretraining read {row["data_size"]} images, the study planned {asked}')
    if record['status'].startswith('ok'):
        record['status'] = 'ok'
    return record


def stage_times(study: Study, outcomes: Dict[str, dict]) -> List[dict]:
    """Per stage: cells, cells run now, and their lane-seconds (the sum of their wall-clock times)."""
    rows = []
    for stage in STAGES:
        cells = [c for c in study.cells if c.stage == stage]
        if cells:
            ran = [outcomes[c.name] for c in cells if c.name in outcomes and outcomes[c.name]['status'] == 'ok']
            rows.append(dict(stage=stage, cells=len(cells), ran=len(ran), lane_s=sum(o['wall_s'] for o in ran)))
    return rows


def curve_tasks(records: List[dict]) -> List[str]:
    return sorted({r['task'] for r in records if r['status'] == 'ok' and r['data_size'] and r['task']})


def plot_curves(records: List[dict], path: str) -> None:
    """Metric vs pretraining images (log x) per task of :func:`curve_tasks` and arm: seed means, min-max bands."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    tasks = curve_tasks(records)
    fig, axes = plt.subplots(1, len(tasks), figsize=(4.2 * len(tasks), 3.4), squeeze=False)
    for ax, task in zip(axes[0], tasks):
        arms = {}
        for r in records:
            # a pretraining of another world (the flat arm) is scored on that world's val set: not on this axis
            other_world = task == 'pretrain' and r['labels'] == 'flat'
            if r['task'] == task and r['status'] == 'ok' and r['data_size'] and not other_world:
                arms.setdefault((r['depth'], r['frozen'], r['classes'], r['labels']), []).append(r)
        for (depth, frozen, classes, labels), rows in sorted(arms.items(), key=str):
            sizes = sorted({r['data_size'] for r in rows})
            values = [[r['metric'] for r in rows if r['data_size'] == s] for s in sizes]
            label = f'R{depth}' + (' frozen' if frozen else '') + (f' {classes} classes' if classes != 'all' else
                                                                   '') + (f' {labels}' if labels != 'default' else '')
            line, = ax.plot(sizes, [sum(v) / len(v) for v in values], marker='o', label=label)
            ax.fill_between(sizes, [min(v) for v in values], [max(v) for v in values], alpha=0.2,
                            color=line.get_color())
        ax.set_xscale('log')
        ax.set_xlabel('pretraining images (as read)')
        ax.set_ylabel(rows[0]['metric_name'] if rows else 'metric')
        ax.set_title(task)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110, format='png')
    plt.close(fig)


def rules_commit() -> str:
    """The last commit that changed the verdicts' rules (mmjft/analysis/findings.py), which the report cites."""
    import subprocess
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    try:
        out = subprocess.run(['git', '-C', root, 'log', '-1', '--format=%h %cs', '--', 'mmjft/analysis/findings.py'],
                             capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out = ''
    return out or 'unknown (not a git checkout)'


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        with open('/proc/cpuinfo') as f:
            cpu = next((line.split(':', 1)[1].strip() for line in f if line.startswith('model name')), cpu)
    except OSError:
        pass
    return dict(host=platform.node(), cpu=cpu, cores=os.cpu_count(), python=platform.python_version(),
                load_average=list(os.getloadavg()))


def write_summary(study: Study, outcomes: Dict[str, dict], started: float) -> str:
    """``<work_root>/<study>.md``, ``results.json`` and ``<study>_curves.png``; returns the report's path."""
    from mmjft.analysis.findings import evaluate_findings, format_findings
    train_cells = [c for c in study.cells if c.trains and c.record.get('task')]
    records = [cell_record(study, c, outcomes.get(c.name)) for c in train_cells]
    expected = [{k: v for k, v in r.items() if k in ARM_KEYS + ('data_size', )} for r in
                (dict(cell_record(study, c, None), data_size=c.record.get('images')) for c in train_cells)]
    findings = evaluate_findings(records, expected=expected, **study.findings)
    commit = git_commit()
    stem = osp.join(study.work_root, study.name)
    times = stage_times(study, outcomes)
    header = [f'# {study.name}: the paper in miniature', '',
              f'Study `{study.file}`; written {time.strftime("%Y-%m-%d %H:%M")}; commit '
              f'{(commit or {}).get("sha", "?")[:10]}{" (dirty)" if (commit or {}).get("dirty") else ""}; '
              f'{machine()["cpu"]}, {os.cpu_count()} cores; wall-clock {time.time() - started:.0f} s. The verdicts\' '
              f'rules (mmjft/analysis/findings.py) were committed at {rules_commit()}, before this run.', '',
              '| stage | cells | run now | lane-seconds |', '|---|---|---|---|']
    header += [f'| {t["stage"]} | {t["cells"]} | {t["ran"]} | {t["lane_s"]:.0f} |' for t in times]
    rows = ['', '## Runs', '', '| cell | task | depth | frozen | init | classes | labels | seed | images read | '
            'metric | s | status |', '|---|---|---|---|---|---|---|---|---|---|---|---|']
    for r in records:
        rows.append(f'| {r["cell"]} | {r["task"]} | {r["depth"]} | {"yes" if r["frozen"] else "no"} | {r["init"]} | '
                    f'{r["classes"]} | {r["labels"]} | {r["seed"]} | {r["data_size"] or "-"} | '
                    f'{"-" if math.isnan(r["metric"]) else format(r["metric"], ".4f")} {r["metric_name"] or ""} | '
                    f'{(r["wall_s"] or 0):.0f} | {r["status"]} |')
    report = '\n'.join(header + ['', '## Findings', '', format_findings(findings)] + rows) + '\n'
    with Staging() as stage:
        if curve_tasks(records):
            plot_curves(records, stage.path(stem + '_curves.png'))
            report = report.replace('## Findings', f'![curves]({study.name}_curves.png)\n\n## Findings', 1)
        with stage.open(stem + '.md') as f:
            f.write(report)
        with stage.open(osp.join(study.work_root, 'results.json')) as f:
            json.dump(dict(study=study.name, file=study.file, commit=commit, machine=machine(),
                           wall_clock_s=time.time() - started, stages=times,
                           cells={n: {k: v for k, v in o.items() if k != 'log'} for n, o in outcomes.items()},
                           records=records, findings=findings), f, indent=1, default=str)
    return stem + '.md'
