"""A study file -> its cells, checked and in dependency order.

A study is a Python config (``configs/studies/*.py``, read with mmengine's ``Config``) that holds::

    study_name = 'mini_paper'
    work_root = 'work_dirs/mini_paper'        # each cell runs in work_root/<cell name>/
    cells = [dict(name=..., stage=..., ...), ...]
    quick_cells = [...]                       # optional: what --quick runs (into work_root + '_quick')
    findings = dict(...)                      # optional: arguments of the summary's verdicts

Every cell is one of:

- ``stage='data'``: ``command=[script, *args]`` (a tools/ script run with its ``main(argv)``) and ``produces``
  (the files or folders it writes; an input under one of them counts as produced by the cell). Without a command
  the data is the user's (e.g. JFT itself): the cell only checks that ``produces`` exists.
- ``stage='pretrain' | 'downstream' | 'boxes'``: ``config`` (a leaf config) and ``options`` (``--cfg-options``),
  trained with tools/train.py; ``test=dict(...)`` adds a tools/test.py run of the final checkpoint (``out_prefix``:
  its detections in COCO's results format, for the pose cells' person boxes); ``gpus``: the processes a launcher
  starts (default: the ``<gpus>xb<batch>`` of the config's name).
- ``stage='convert'``: ``source`` (a train cell) and ``target`` (mmjft_to_downstream.py's ``--target``);
  ``checkpoint``: a file of the source's work_dir to convert instead of its final checkpoint (e.g. images_384M.pth,
  milestone_epoch_3.pth: the epochs ablations).
- ``stage='summary'``: the report (tables, verdicts, curves) from every cell's result file.

An option value may name another cell's output as ``'{out:CELL}'`` (a train cell's final checkpoint, a convert
cell's converted checkpoint, a boxes cell's ``<out_prefix>.bbox.json``, a data cell's first product); the cell then
depends on it. ``record`` holds what the verdicts group by (task, depth, frozen, init, classes, labels, seed,
metric), written by the study, checked against what ran (:mod:`mmjft.study.report`).
"""
import os.path as osp
import re
from dataclasses import dataclass, field
from typing import Dict, List, Optional

STAGES = ('data', 'pretrain', 'convert', 'boxes', 'downstream', 'summary')
TRAIN_STAGES = ('pretrain', 'boxes', 'downstream')
REF = re.compile(r'\{out:([A-Za-z0-9_.\-]+)\}')
NAME = re.compile(r'^[A-Za-z0-9_.\-]+$')
KEYS = {
    'data': {'command', 'produces'},
    'pretrain': {'config', 'options', 'test', 'gpus'},
    'boxes': {'config', 'options', 'test', 'gpus'},
    'downstream': {'config', 'options', 'test', 'gpus'},
    'convert': {'source', 'target', 'checkpoint'},
    'summary': set(),
}
COMMON = {'name', 'stage', 'needs', 'record'}


class StudyError(ValueError):
    """A study file that cannot run as written (naming the file and the cell)."""


@dataclass
class Cell:
    name: str
    stage: str
    needs: List[str] = field(default_factory=list)  # explicit and '{out:...}' dependencies, in order
    record: dict = field(default_factory=dict)
    config: Optional[str] = None
    options: Dict[str, object] = field(default_factory=dict)
    test: Optional[dict] = None
    gpus: Optional[int] = None
    command: List[str] = field(default_factory=list)
    produces: List[str] = field(default_factory=list)
    source: Optional[str] = None
    target: Optional[str] = None
    checkpoint: Optional[str] = None

    @property
    def trains(self) -> bool:
        return self.stage in TRAIN_STAGES


def references(value) -> List[str]:
    """The cells ``value`` (an option value, possibly nested) names as ``{out:CELL}``."""
    if isinstance(value, str):
        return REF.findall(value)
    if isinstance(value, dict):
        return [r for v in value.values() for r in references(v)]
    if isinstance(value, (list, tuple)):
        return [r for v in value for r in references(v)]
    return []


def parse_cell(raw, where: str) -> Cell:
    """One cell dict of a study file, its keys checked (``where``: the study file, for the messages)."""
    if not isinstance(raw, dict) or not isinstance(raw.get('name'), str) or not NAME.match(raw['name']):
        raise StudyError(f'{where}: a cell needs a name of letters, digits, _ . -: got {raw!r:.120}')
    name, stage = raw['name'], raw.get('stage')
    if stage not in STAGES:
        raise StudyError(f'{where}: cell {name}: stage {stage!r} is not one of {", ".join(STAGES)}')
    unknown = set(raw) - COMMON - KEYS[stage]
    if unknown:
        raise StudyError(f'{where}: cell {name}: unknown keys {sorted(unknown)} for a {stage} cell (allowed: '
                         f'{sorted(COMMON | KEYS[stage])})')
    cell = Cell(name=name, stage=stage, needs=list(raw.get('needs') or []), record=dict(raw.get('record') or {}),
                config=raw.get('config'), options=dict(raw.get('options') or {}),
                test=dict(raw['test']) if raw.get('test') else None, gpus=raw.get('gpus'),
                command=[str(c) for c in raw.get('command') or []], produces=list(raw.get('produces') or []),
                source=raw.get('source'), target=raw.get('target'), checkpoint=raw.get('checkpoint'))
    if cell.trains and not cell.config:
        raise StudyError(f'{where}: cell {name}: a {stage} cell needs a config')
    if stage == 'data' and not cell.produces:
        raise StudyError(f'{where}: cell {name}: a data cell needs produces (and a command, unless the user provides '
                         'the data)')
    if stage == 'convert' and not (cell.source and cell.target):
        raise StudyError(f'{where}: cell {name}: a convert cell needs source and target')
    implied = references(cell.options) + references(cell.test or {}) + ([cell.source] if cell.source else [])
    cell.needs += [n for n in implied if n not in cell.needs]
    return cell


def order_cells(cells: List[Cell], where: str) -> List[Cell]:
    """``cells`` in dependency order (study order among cells that are ready together); a summary cell needs every
    other cell. Raises StudyError on a repeated name, an unknown dependency or a cycle."""
    by_name = {}
    for cell in cells:
        if cell.name in by_name:
            raise StudyError(f'{where}: two cells are named {cell.name}')
        by_name[cell.name] = cell
    for cell in cells:
        if cell.stage == 'summary':
            cell.needs = [c.name for c in cells if c.stage != 'summary']
        for need in cell.needs:
            if need not in by_name:
                raise StudyError(f'{where}: cell {cell.name} needs {need!r}, which no cell of the study is')
        if cell.source and by_name[cell.source].stage not in TRAIN_STAGES:
            raise StudyError(f'{where}: cell {cell.name} converts {cell.source}, a {by_name[cell.source].stage} '
                             'cell: the source must be a training cell')
    ordered, done, visiting = [], set(), []

    def visit(cell):
        if cell.name in done:
            return
        if cell.name in visiting:
            raise StudyError(f'{where}: the cells depend on each other in a cycle: '
                             + ' -> '.join(visiting[visiting.index(cell.name):] + [cell.name]))
        visiting.append(cell.name)
        for need in cell.needs:
            visit(by_name[need])
        visiting.pop()
        done.add(cell.name)
        ordered.append(cell)

    for cell in cells:
        visit(cell)
    return ordered


@dataclass
class Study:
    name: str
    file: str
    work_root: str
    cells: List[Cell]
    findings: dict

    def cell(self, name: str) -> Cell:
        for c in self.cells:
            if c.name == name:
                return c
        raise StudyError(f'{self.file}: no cell named {name!r} (cells: {", ".join(c.name for c in self.cells)})')

    def work_dir(self, cell: Cell) -> str:
        return osp.join(self.work_root, cell.name)

    def dependents(self, name: str) -> List[str]:
        """Every cell that needs ``name``, directly or through others."""
        out, todo = [], [name]
        while todo:
            current = todo.pop()
            for c in self.cells:
                if current in c.needs and c.name not in out:
                    out.append(c.name)
                    todo.append(c.name)
        return out


def load_study(path: str, quick: bool = False) -> Study:
    """The study file ``path`` (its ``quick_cells`` with ``quick``) as a :class:`Study`."""
    from mmengine.config import Config
    if not osp.isfile(path):
        raise StudyError(f'{path}: no such study file')
    cfg = Config.fromfile(path)
    key = 'quick_cells' if quick else 'cells'
    if not cfg.get(key):
        raise StudyError(f'{path}: defines no {key}' + (' (no --quick variant)' if quick else ''))
    for required in ('study_name', 'work_root'):
        if not isinstance(cfg.get(required), str):
            raise StudyError(f'{path}: {required} must be a string')
    cells = order_cells([parse_cell(c.to_dict() if hasattr(c, 'to_dict') else c, path) for c in cfg[key]], path)
    work_root = cfg.work_root + ('_quick' if quick else '')
    findings = cfg.get('findings')
    return Study(name=cfg.study_name, file=path, work_root=work_root, cells=cells,
                 findings=findings.to_dict() if hasattr(findings, 'to_dict') else dict(findings or {}))
