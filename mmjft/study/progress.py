"""One progress bar on the console for a study (rich): cells done of all, the running cells, the ETA, and a line per
finished cell with its time and metric."""
import os.path as osp

from .cells import Study


class ConsoleProgress:
    """``start(cell)`` / ``end(cell, outcome)`` for :func:`mmjft.study.execute.run_study`, as a context manager."""

    def __init__(self, study: Study, only=None):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
        self.study = study
        self.console = Console(stderr=True)
        self.progress = Progress(TextColumn('[bold]{task.fields[study]}'), BarColumn(), MofNCompleteColumn(),
                                 TimeRemainingColumn(), TextColumn('{task.fields[running]}'), console=self.console,
                                 transient=False)
        total = len(study.cells) if not only else None
        self.task = self.progress.add_task('study', total=total, study=study.name, running='')
        self.running = []

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc):
        self.progress.stop()

    def _show(self):
        self.progress.update(self.task, running=', '.join(self.running[:4]) + (' ...' if len(self.running) > 4
                                                                                else ''))

    def start(self, cell):
        self.running.append(cell.name)
        self._show()

    def end(self, cell, outcome):
        if cell.name in self.running:
            self.running.remove(cell.name)
        if self.progress.tasks[self.task].total is None:
            self.progress.update(self.task, total=len(self.study.cells))
        self.progress.advance(self.task)
        self._show()
        status = outcome['status']
        if status != 'finished before':
            metric = cell_metric(self.study, cell)
            self.console.print(f'{cell.name}: {status} in {outcome.get("wall_s", 0):.0f} s'
                               + (f'  {metric}' if metric else ''), highlight=False)


def cell_metric(study: Study, cell) -> str:
    """``name value`` of the metric a finished train cell recorded (its study record's, else the first one)."""
    if not cell.trains:
        return ''
    from mmjft.analysis.results import collect_run
    if not osp.isdir(study.work_dir(cell)):
        return ''
    try:
        row = collect_run(study.work_dir(cell), metric=cell.record.get('metric'))
    except ValueError:
        return ''
    return f'{row["metric_name"]} {row["metric"]:.4f}' if row.get('metric_name') else ''
