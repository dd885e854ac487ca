"""When a cell is finished, what its inputs are, and the checks of a dry run.

A cell is finished only when what it wrote is there and its stamp (``<work_dir>/study_cell.json``, written when it
ends) matches what it would run now: the hash of its merged config (or of its command) and the SHA-1 of every
checkpoint it reads. A pretraining that reran writes a new checkpoint, so its conversion's input changed, so the
conversion reruns, and so on down: dependents follow by their inputs, not by a flag.
"""
import json
import os
import os.path as osp
import time
from typing import Dict, List, Optional

from mmjft.engine.hooks.run_result_hook import RESULT_FILE, config_hash, digest, read_result_file
from mmjft.utils.atomic import atomic_open, file_sha1

from .cells import Cell, Study, StudyError
from .commands import convert_source, last_checkpoint_file, output_path, resolve

STAMP = 'study_cell.json'
INPUT_KEYS = ('ann_file', 'classes_subset', 'exclude_ids_file', 'bbox_file', 'index_file', 'checkpoint', 'load_from')


def merged_config(study: Study, cell: Cell, shell: bool = False):
    """The config ``cell`` trains with: its leaf config, its options (``{out:...}`` resolved), its work_dir."""
    from mmengine.config import Config
    if not osp.isfile(cell.config):
        raise StudyError(f'{study.file}: cell {cell.name}: config {cell.config} does not exist')
    try:
        cfg = Config.fromfile(cell.config)
    except Exception as e:  # noqa: BLE001  (a missing _base_, a syntax error: mmengine names the file)
        raise StudyError(f'{study.file}: cell {cell.name}: {cell.config} does not load: {e}') from None
    cfg.merge_from_dict(resolve(study, cell.options, shell))
    cfg.work_dir = study.work_dir(cell)
    return cfg


def config_inputs(cfg) -> List[str]:
    """The files a merged config reads before its first step: dataset annotation, class, exclusion, box and index
    files (joined to their data_root), evaluators' annotations, initial checkpoints and ``load_from``."""
    found = []

    def walk(node, data_root=''):
        if isinstance(node, dict):
            root = node.get('data_root', data_root) or ''
            for key, value in node.items():
                if key in INPUT_KEYS and isinstance(value, str) and value:
                    # mmpose opens bbox_file from the working folder, like checkpoints
                    rooted = key not in ('checkpoint', 'load_from', 'bbox_file') and not osp.isabs(value) and root
                    found.append(osp.join(root, value) if rooted and not value.startswith(root) else value)
                else:
                    walk(value, root)
        elif isinstance(node, (list, tuple)):
            for value in node:
                walk(value, data_root)

    d = cfg.to_dict()
    for key in ('model', 'train_dataloader', 'val_dataloader', 'test_dataloader', 'val_evaluator', 'test_evaluator'):
        walk(d.get(key))
    if d.get('load_from'):
        found.append(d['load_from'])
    return list(dict.fromkeys(osp.normpath(p) for p in found if not p.startswith('$(')))


def produced_by(study: Study, cell: Cell, path: str) -> Optional[str]:
    """The upstream cell (``cell`` needs it, directly or not) whose products or work_dir hold ``path``."""
    upstream, todo = [], list(cell.needs)
    while todo:
        name = todo.pop()
        if name not in upstream:
            upstream.append(name)
            todo += study.cell(name).needs
    path = osp.normpath(path)
    for name in upstream:
        up = study.cell(name)
        places = [osp.normpath(p) for p in up.produces] + [osp.normpath(study.work_dir(up))]
        if any(path == p or path.startswith(p + os.sep) for p in places):
            return name
    return None


def dry_run_problems(study: Study, cell: Cell) -> List[str]:
    """What stops ``cell`` from running as written, before anything runs: a config or base that does not load, an
    input file that neither exists nor comes from an upstream cell."""
    problems = []
    if cell.trains:
        try:
            cfg = merged_config(study, cell, shell=True)
        except StudyError as e:
            return [str(e)]
        for path in config_inputs(cfg):
            if not osp.exists(path) and not produced_by(study, cell, path):
                problems.append(f'cell {cell.name}: {path} (read by {cell.config}) does not exist and no upstream '
                                'cell produces it')
    if cell.stage == 'data' and cell.command and not osp.isfile(cell.command[0]):
        problems.append(f'cell {cell.name}: {cell.command[0]} does not exist')
    return problems


def input_digests(study: Study, cell: Cell) -> Dict[str, str]:
    """SHA-1 of every checkpoint or file ``cell`` reads from an upstream cell (its ``{out:...}`` references and a
    conversion's source)."""
    paths = []
    if cell.stage == 'convert':
        paths.append(convert_source(study, cell))
    for value in resolve(study, dict(cell.options, **(cell.test or {}))).values():
        if isinstance(value, str) and osp.isfile(value) and osp.abspath(value).startswith(
                osp.abspath(study.work_root)):
            paths.append(value)
    return {p: file_sha1(p) for p in dict.fromkeys(paths)}


def cell_hash(study: Study, cell: Cell) -> str:
    """The merged config's hash (train cells; as the result file's ``config_hash``), else the command's."""
    if cell.trains:
        return config_hash(merged_config(study, cell))
    return digest(json.dumps(dict(command=cell.command, produces=cell.produces, source=cell.source,
                                  target=cell.target, checkpoint=cell.checkpoint, test=cell.test), sort_keys=True))


def read_stamp(work_dir: str) -> Optional[dict]:
    path = osp.join(work_dir, STAMP)
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write_stamp(study: Study, cell: Cell, inputs: Dict[str, str], wall_s: Optional[float] = None) -> None:
    """The cell's stamp: ``state`` 'running' when it starts (``wall_s`` None), 'done' when it ended well."""
    work_dir = study.work_dir(cell)
    os.makedirs(work_dir, exist_ok=True)
    old = read_stamp(work_dir) or {}
    now = time.strftime('%Y-%m-%dT%H:%M:%S%z')
    stamp = dict(cell=cell.name, stage=cell.stage, hash=cell_hash(study, cell), inputs=inputs,
                 state='running' if wall_s is None else 'done',
                 started=now if wall_s is None else old.get('started'), ended=None if wall_s is None else now,
                 wall_s=wall_s)
    with atomic_open(osp.join(work_dir, STAMP)) as f:
        json.dump(stamp, f, indent=1)


def unfinished_reason(study: Study, cell: Cell) -> Optional[str]:
    """None when ``cell`` is finished (its outputs, its result file and a stamp that matches what it would run now),
    else why not."""
    work_dir = study.work_dir(cell)
    if cell.stage == 'summary':
        return 'the summary is always written anew'
    if cell.stage == 'data' and not cell.command:  # the user's data: there or not
        missing = [p for p in cell.produces if not osp.exists(p)]
        return f'missing {", ".join(missing)} (provided by the user)' if missing else None
    stamp = read_stamp(work_dir)
    if stamp is None:
        return 'not run'
    if stamp.get('state') != 'done':
        return 'interrupted'
    if stamp.get('hash') != cell_hash(study, cell):
        return 'its config or command changed'
    if stamp.get('inputs') != input_digests(study, cell):
        return 'an input checkpoint changed'
    if cell.stage == 'data':
        missing = [p for p in cell.produces if not osp.exists(p)]
        return f'missing {", ".join(missing)}' if missing else None
    if cell.stage == 'convert':
        return None if osp.isfile(output_path(study, cell.name)) else 'its converted checkpoint is missing'
    try:
        result = read_result_file(osp.join(work_dir, RESULT_FILE))
    except ValueError as e:
        return str(e)
    if not result or not (result.get('train') or {}).get('finished'):
        return 'training did not finish'
    if cell.test and not result.get('test'):
        return 'not tested'
    return None


def can_resume(study: Study, cell: Cell) -> bool:
    """Whether ``cell`` was interrupted under the config and inputs it has now (its stamp says 'running' with the same
    hashes) and left a checkpoint to resume from; a finished run is set aside and run again instead."""
    work_dir = study.work_dir(cell)
    stamp = read_stamp(work_dir)
    if not cell.trains or not stamp or stamp.get('state') != 'running' or not osp.isfile(
            last_checkpoint_file(work_dir)):
        return False
    try:
        result = read_result_file(osp.join(work_dir, RESULT_FILE)) or {}
    except ValueError:
        return False
    return (not (result.get('train') or {}).get('finished') and stamp.get('hash') == cell_hash(study, cell)
            and stamp.get('inputs') == input_digests(study, cell))


def set_aside(study: Study, cell: Cell) -> Optional[str]:
    """Move a work_dir that holds another config's run out of the way (never deleted):
    ``<work_root>/.superseded/<cell>-<time>``; returns where it went."""
    work_dir = study.work_dir(cell)
    if not osp.isdir(work_dir) or not os.listdir(work_dir):
        return None
    target = osp.join(study.work_root, '.superseded', f'{cell.name}-{time.strftime("%Y%m%d_%H%M%S")}')
    os.makedirs(osp.dirname(target), exist_ok=True)
    os.replace(work_dir, target)
    return target
