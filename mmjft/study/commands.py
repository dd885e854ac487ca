"""The command lines of a study's cells: what runs in-process locally, and what a launcher would run.

Each cell is the same command a user would type: tools/train.py (then tools/test.py) with the cell's leaf config and
its ``--cfg-options``, tools/model_converters/mmjft_to_downstream.py, or a data tool. ``--launcher pytorch`` wraps
training in tools/dist_train.sh, ``--launcher slurm`` in tools/slurm_train.sh (tests in dist_test.sh /
slurm_test.sh); data, conversion and the summary run where the runner runs.
"""
import os.path as osp
import re
import shlex
from typing import List, Optional

from .cells import REF, Cell, Study, StudyError

TRAIN = 'tools/train.py'
TEST = 'tools/test.py'
CONVERT = 'tools/model_converters/mmjft_to_downstream.py'
GPUS_IN_NAME = re.compile(r'_(\d+)xb(\d+)_')


def last_checkpoint_file(work_dir: str) -> str:
    return osp.join(work_dir, 'last_checkpoint')


def output_path(study: Study, name: str, shell: bool = False) -> str:
    """Where cell ``name`` leaves what ``{out:name}`` means. A train cell's final checkpoint is only known once it ran
    (its work_dir's ``last_checkpoint`` names it): read from there, or with ``shell`` as ``$(cat ...)``."""
    cell = study.cell(name)
    work_dir = study.work_dir(cell)
    if cell.stage == 'convert':
        return osp.join(work_dir, f'{cell.target}.pth')
    if cell.stage == 'data':
        return cell.produces[0]
    if cell.stage == 'boxes' and cell.test and cell.test.get('out_prefix'):
        return osp.join(work_dir, cell.test['out_prefix'] + '.bbox.json')
    if cell.trains:
        pointer = last_checkpoint_file(work_dir)
        if shell:
            return f'$(cat {pointer})'
        if not osp.isfile(pointer):
            raise StudyError(f'cell {name} has not written {pointer}: it has not finished training')
        with open(pointer) as f:
            return f.read().strip()
    raise StudyError(f'cell {name} ({cell.stage}) has no output another cell can use')


def resolve(study: Study, value, shell: bool = False):
    """``value`` with every ``{out:CELL}`` replaced by that cell's output path."""
    if isinstance(value, str):
        return REF.sub(lambda m: output_path(study, m.group(1), shell), value)
    if isinstance(value, (list, tuple)):
        return type(value)(resolve(study, v, shell) for v in value)
    if isinstance(value, dict):
        return {k: resolve(study, v, shell) for k, v in value.items()}
    return value


def option_text(key: str, value) -> str:
    """``key=value`` as mmengine's DictAction reads it back (None, True, numbers, strings, lists and tuples)."""
    def text(v):
        if isinstance(v, (list, tuple)):
            inner = ','.join(text(x) for x in v)
            return f'[{inner}]' if isinstance(v, list) else f'({inner},)' if len(v) == 1 else f'({inner})'
        if isinstance(v, dict):
            raise StudyError(f'option {key}: a dict cannot be passed as --cfg-options; set its keys one by one')
        return str(v)
    return f'{key}={text(value)}'


def gpus_of(cell: Cell, pretrain_gpus: Optional[int] = None) -> int:
    """Processes a launcher starts for ``cell``: ``--gpus`` for pretraining, else the cell's ``gpus``, else the
    ``<gpus>xb<batch>`` of its config's name, else 1."""
    if cell.stage == 'pretrain' and pretrain_gpus:
        return pretrain_gpus
    if cell.gpus:
        return int(cell.gpus)
    match = GPUS_IN_NAME.search(osp.basename(cell.config or ''))
    return int(match.group(1)) if match else 1


def options_argv(study: Study, cell: Cell, shell: bool = False) -> List[str]:
    options = resolve(study, cell.options, shell)
    return ['--cfg-options', *(option_text(k, v) for k, v in options.items())] if options else []


def train_argv(study: Study, cell: Cell, shell: bool = False, resume: bool = False) -> List[str]:
    """tools/train.py's arguments for ``cell``."""
    return [cell.config, '--work-dir', study.work_dir(cell), *(['--resume'] if resume else []),
            *options_argv(study, cell, shell)]


def test_argv(study: Study, cell: Cell, shell: bool = False) -> List[str]:
    """tools/test.py's arguments for ``cell``'s test of its final checkpoint."""
    work_dir = study.work_dir(cell)
    checkpoint = f'$(cat {last_checkpoint_file(work_dir)})' if shell else output_path(study, cell.name)
    out = ['--out-prefix', osp.join(work_dir, cell.test['out_prefix'])] if cell.test.get('out_prefix') else []
    return [cell.config, checkpoint, '--work-dir', work_dir, *out, *options_argv(study, cell, shell)]


def convert_source(study: Study, cell: Cell, shell: bool = False) -> str:
    """The checkpoint a convert cell reads: its ``checkpoint`` in the source's work_dir, else the final one."""
    if cell.checkpoint:
        return osp.join(study.work_dir(study.cell(cell.source)), cell.checkpoint)
    return output_path(study, cell.source, shell)


def convert_argv(study: Study, cell: Cell, shell: bool = False) -> List[str]:
    return [convert_source(study, cell, shell), output_path(study, cell.name), '--target', cell.target]


def shell_word(word: str) -> str:
    """``word`` quoted for a POSIX shell; one holding ``$(cat FILE)`` in double quotes, so that it expands and stays
    one word (for the shell and for ``shlex.split``)."""
    if '$(' not in word:
        return shlex.quote(word)
    return '"' + re.sub(r'(["\\`])', r'\\\1', word) + '"'


def commands(study: Study, cell: Cell, launcher: str = 'none', partition: Optional[str] = None,
             gpus: Optional[int] = None, python: str = 'python') -> List[str]:
    """The shell command lines that run ``cell`` (in order), as a user would type them."""
    def line(words):
        return ' '.join(w if w.startswith('GPUS=') else shell_word(w) for w in words)

    if cell.stage == 'data':
        return [line([python, *cell.command])] if cell.command else []
    if cell.stage == 'convert':
        return [line([python, CONVERT, *convert_argv(study, cell, shell=True)])]
    if cell.stage == 'summary':
        return [line([python, 'tools/run_study.py', study.file, '--only', cell.name])]
    train, test = train_argv(study, cell, shell=True), test_argv(study, cell, shell=True) if cell.test else None
    n = gpus_of(cell, gpus)
    if launcher == 'none':
        out = [line([python, TRAIN, *train])] + ([line([python, TEST, *test])] if test else [])
    elif launcher == 'pytorch':
        out = [line(['bash', 'tools/dist_train.sh', train[0], str(n), *train[1:]])]
        out += [line(['bash', 'tools/dist_test.sh', test[0], test[1], str(n), *test[2:]])] if test else []
    elif launcher == 'slurm':
        if not partition:
            raise StudyError('--launcher slurm needs --partition')
        work_dir = study.work_dir(cell)
        rest = [w for w in train[1:] if w not in ('--work-dir', work_dir)]
        out = [line([f'GPUS={n}', 'bash', 'tools/slurm_train.sh', partition, cell.name, train[0], work_dir, *rest])]
        if test:
            out.append(line([f'GPUS={n}', 'bash', 'tools/slurm_test.sh', partition, cell.name + '_test', *test]))
    else:
        raise StudyError(f'launcher {launcher!r}: none, pytorch or slurm')
    return out
