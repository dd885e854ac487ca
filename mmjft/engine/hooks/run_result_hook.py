"""The result file every run writes: what ran, as the run read it, with its own timer (``<work_dir>/run_result.json``).

Tables are keyed by this file (:mod:`mmjft.analysis.results`) and so is a converted checkpoint's
``meta['pretraining']`` (:func:`mmjft.downstream.convert.pretraining_meta`), never by what a config asked.

Format (JSON, ``"format": "mmjft-run-result/1"``), one section per phase; a train run writes ``train`` (and drops
an older ``test``, which scored another model), a test run adds ``test`` and keeps ``train``::

    {"format": "mmjft-run-result/1",
     "train": {
       "finished": true,                        # false while running, or when the run died (see iterations)
       "resumed": false,                        # the run continued from a checkpoint (--resume)
       "experiment", "config", "config_file",   # the runner's experiment name; the config's name and file
       "config_hash",                           # sha256 (16 hex) of the merged config without work_dir, launcher,
                                                # randomness.seed (and load_from of a resumed run)
       "scope", "commit": {"sha", "dirty"} | null,   # git HEAD of the mmjft checkout; null outside git
       "device": {"type", "name"}, "world_size", "seed",  # randomness.seed as the runner used it
       "model": {"type", "depth", "frozen_stages", "init": [{"where", "type", "checkpoint"}]},
       "train_set": {"dataset", "images",       # images in the training set as read (len of the unwrapped
                                                # dataset: after exclusion, labels, classes_subset and subset;
                                                # person instances for top-down pose; an estimate for streamed
                                                # shards, "exact": false)
                     "exact", "subset_size", "subset_seed",   # subset_size as asked (1.0 and 1 stay apart)
                     "subset_images",           # the images the subset gave (null without a subset)
                     "classes_subset", "classes", "classes_digest",   # number and sha256 (16 hex) of the list
                     "load_stats",              # JFTDataset's counts (lines, images, labels, ...), else null
                     "ann_file"},
       "pretraining": {...} | null,             # downstream: meta['pretraining'] of the converted checkpoint
       "global_batch", "iterations", "max_iters", "images_seen",   # images seen = iterations x global batch
       "load_status",                           # runner.message_hub info 'load_status' (null: nothing loaded)
       "val_metrics": {...} | null,             # the last validation
       "sessions": [{"experiment", "started", "world_size", "device", "first_iter", "last_iter",
                     "wall_clock_s", "step_s"}],   # one per start; a resumed run adds one
       "wall_clock_s", "device_hours"},         # sums over the sessions (device-hours: wall-clock x processes)
     "test": {"experiment", "config", "config_file", "config_hash", "scope", "commit", "device", "world_size",
              "seed", "checkpoint": {"path", "iter", "images_seen", "experiment"}, "test_set": {...},
              "load_status", "metrics": {...}, "wall_clock_s"}}

Written on rank 0 under a temporary name and renamed (a reader never sees half a file), when training starts,
at every checkpoint (progress), when it ends and when a test ends. Every checkpoint also carries the train
section's facts as ``meta['run_result']``.
"""
import hashlib
import json
import math
import os.path as osp
import platform
import subprocess
import time
from typing import Optional

from mmengine.dist import get_world_size, is_main_process
from mmengine.hooks import Hook
from mmengine.runner import BaseLoop

from mmjft.registry import HOOKS
from mmjft.utils.atomic import atomic_open

FORMAT = 'mmjft-run-result/1'
RESULT_FILE = 'run_result.json'
_REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))


def _plain(value):
    """``value`` as JSON would keep it: string keys, lists, numbers, strings, None (anything else as its str)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if hasattr(value, 'item') and getattr(value, 'ndim', 1) == 0:  # numpy / torch scalars
        return _plain(value.item())
    return str(value)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]


def config_hash(cfg, ignore=()) -> str:
    """A hash of the merged config that two seeds of one experiment share: ``work_dir``, ``launcher``,
    ``experiment_name``, ``randomness.seed``, a resumed run's ``load_from`` and the keys ``ignore`` left out."""
    d = _plain(cfg.to_dict() if hasattr(cfg, 'to_dict') else dict(cfg))
    for key in ('work_dir', 'launcher', 'experiment_name') + tuple(ignore):
        d.pop(key, None)
    if isinstance(d.get('randomness'), dict):
        d['randomness'].pop('seed', None)
    if d.pop('resume', False):
        d.pop('load_from', None)
    return digest(json.dumps(d, sort_keys=True))


def git_commit(repo: str = _REPO) -> Optional[dict]:
    """``{'sha', 'dirty'}`` of the git checkout ``repo`` (dirty: a tracked file differs from HEAD); None when
    ``repo`` is not the top of a git checkout or git is missing."""
    def git(*args):
        return subprocess.run(['git', '-C', repo, *args], capture_output=True, text=True, timeout=60)
    try:
        top = git('rev-parse', '--show-toplevel')
        if top.returncode or osp.realpath(top.stdout.strip()) != osp.realpath(repo):
            return None
        sha = git('rev-parse', 'HEAD').stdout.strip()
        dirty = bool(git('status', '--porcelain', '--untracked-files=no').stdout.strip())
    except (OSError, subprocess.SubprocessError):
        return None
    return dict(sha=sha or None, dirty=dirty)


def dataset_parts(dataset) -> list:
    """The datasets under wrappers (RepeatDataset, ClassBalancedDataset & co.: ``.dataset``; ConcatDataset:
    ``.datasets``)."""
    if isinstance(getattr(dataset, 'datasets', None), (list, tuple)):
        return [p for d in dataset.datasets for p in dataset_parts(d)]
    while not hasattr(dataset, 'ann_file') and hasattr(getattr(dataset, 'dataset', None), '__len__'):
        dataset = dataset.dataset
    return [dataset]


def dataset_facts(dataset, world_size: int = 1) -> dict:
    """What a dataset holds as read: images (its real length, wrappers taken off), subset as asked and the images
    it gave, classes (number and digest), JFTDataset's ``load_stats``."""
    from torch.utils.data import IterableDataset
    parts = dataset_parts(dataset)
    streamed = [p for p in parts if isinstance(p, IterableDataset)]
    # a streamed dataset's len() is an estimate of one rank's share (JFTShardDataset)
    images = sum(len(p) * (world_size if p in streamed else 1) for p in parts)
    first = parts[0]
    classes = (getattr(dataset, 'metainfo', None) or getattr(first, 'metainfo', None) or {}).get('classes')
    subset_size = getattr(first, 'subset_size', None)
    classes_subset = getattr(first, 'classes_subset', None)
    load_stats = getattr(first, 'load_stats', None)
    return _plain(dict(
        dataset='+'.join(type(p).__name__ for p in parts), images=images, exact=not streamed,
        subset_size=subset_size, subset_seed=getattr(first, 'subset_seed', None) if subset_size is not None else None,
        subset_images=images if subset_size is not None else None,
        classes_subset=(classes_subset if isinstance(classes_subset, (str, type(None))) else
                        f'{len(classes_subset)} names ({digest(chr(10).join(classes_subset))})'),
        classes=len(classes) if classes is not None else None,
        classes_digest=digest('\n'.join(map(str, classes))) if classes is not None else None,
        load_stats=dict(load_stats) if load_stats else None, ann_file=getattr(first, 'ann_file', None)))


def model_facts(cfg) -> dict:
    """The model's type, backbone depth, frozen stages and where its initial weights come from (config facts)."""
    model = cfg.get('model') or {}
    backbone = model.get('backbone') or {}
    init = []
    for where, init_cfg in (('model', model.get('init_cfg')), ('backbone', backbone.get('init_cfg'))):
        for item in (init_cfg if isinstance(init_cfg, (list, tuple)) else [init_cfg] if init_cfg else []):
            init.append(dict(where=where, type=item.get('type'), checkpoint=item.get('checkpoint')))
    return _plain(dict(type=model.get('type'), depth=backbone.get('depth'),
                       frozen_stages=backbone.get('frozen_stages', -1), init=init))


def converted_pretraining(model: dict) -> Optional[dict]:
    """``meta['pretraining']`` of the converted checkpoint a downstream model starts from (``model['init']`` of
    :func:`model_facts` naming a ConvertedCheckpoint), or None."""
    for item in model['init']:
        if str(item['type']).endswith('ConvertedCheckpoint') and item['checkpoint'] and osp.isfile(item['checkpoint']):
            from mmjft.utils.compat import load_checkpoint_file
            checkpoint = load_checkpoint_file(item['checkpoint'])
            meta = checkpoint.get('meta') or {}
            return _plain(dict(meta.get('pretraining') or {}, converted=item['checkpoint'], source=meta.get('source')))
    return None


def batch_size(loader) -> int:
    """Images per iteration of one process: the DataLoader's, or its batch sampler's (mmdet's aspect-ratio batches)."""
    size = loader.batch_size if loader.batch_size is not None else getattr(loader.batch_sampler, 'batch_size', None)
    if not isinstance(size, int):
        raise ValueError(f'RunResultHook: cannot tell the batch size of the training DataLoader (batch_size None, '
                         f'batch sampler {type(loader.batch_sampler).__name__} has no batch_size)')
    return size


def device_facts(model) -> dict:
    import torch
    try:
        device = next(model.parameters()).device
    except StopIteration:
        device = torch.device('cpu')
    name = torch.cuda.get_device_name(device) if device.type == 'cuda' else platform.machine()
    return dict(type=device.type, name=name)


def write_json_atomic(path: str, data: dict) -> None:
    """``data`` to ``path`` under a temporary name in the same folder, renamed at the end."""
    with atomic_open(path) as f:
        json.dump(data, f, indent=1)


def read_result_file(path: str) -> Optional[dict]:
    """The result file at ``path``, None when there is none.

    Raises:
        ValueError: the file is not a result file (not JSON, or another format), naming the file.
    """
    if not osp.isfile(path):
        return None
    try:
        with open(path) as f:
            data = json.load(f)
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise ValueError(f'{path}: not a run result file ({e}); remove it or run again') from None
    if not isinstance(data, dict) or data.get('format') != FORMAT:
        raise ValueError(f'{path}: format {data.get("format") if isinstance(data, dict) else None!r}, expected '
                         f'{FORMAT!r}')
    return data


def _numeric(metrics) -> Optional[dict]:
    """The numeric metrics (mmdet adds strings such as 'coco/bbox_mAP_copypaste')."""
    if not metrics:
        return None
    plain = {k: _plain(v) for k, v in metrics.items()}
    return {k: float(v) for k, v in plain.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}


@HOOKS.register_module()
class RunResultHook(Hook):
    """Write ``<work_dir>/run_result.json`` (format in this module's docstring; README, 'The result file').

    Args:
        filename: the file's name in the work_dir.
    """
    priority = 'VERY_LOW'  # after the other hooks have done their part of a step, a save or a load

    def __init__(self, filename: str = RESULT_FILE):
        self.filename = filename
        self._t0 = time.time()  # the runner builds its hooks first: the run's start
        self._step_s = 0.0
        self._tick = None
        self._loaded = None
        self._val_metrics = None
        self._test_metrics = None
        self._train = None

    def path(self, runner) -> str:
        return osp.join(runner.work_dir, self.filename)

    def _common(self, runner, ignore=()) -> dict:
        cfg = runner.cfg
        return _plain(dict(
            experiment=runner.experiment_name, config=osp.splitext(osp.basename(cfg.filename))[0] if cfg.filename
            else None, config_file=cfg.filename, config_hash=config_hash(cfg, ignore), scope=cfg.get('default_scope'),
            commit=git_commit() if is_main_process() else None, device=device_facts(runner.model),
            world_size=get_world_size(), seed=runner.seed,
            load_status=runner.message_hub.get_info('load_status')))

    def _read(self, runner) -> dict:
        try:
            data = read_result_file(self.path(runner))
        except ValueError as e:
            runner.logger.warning(f'{e}: writing a new one')
            data = None
        return data or dict(format=FORMAT)

    def _write(self, runner, data: dict) -> None:
        if is_main_process():
            write_json_atomic(self.path(runner), data)

    # ------------------------------------------------------------------ loads, checkpoints, steps
    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta') or {}
        self._loaded = _plain(dict(iter=meta.get('iter'), images_seen=meta.get('images_seen'),
                                   experiment=meta.get('experiment_name')))

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        if self._train is None:
            return
        meta = checkpoint.setdefault('meta', {})
        self._progress(runner, int(meta.get('iter', runner.iter)))
        meta['run_result'] = json.loads(json.dumps({k: v for k, v in self._train.items()
                                                    if k not in ('sessions', 'val_metrics')}))
        self._write(runner, dict(self._read(runner), train=self._train))

    def before_train_iter(self, runner, batch_idx: int, data_batch=None) -> None:
        self._tick = time.perf_counter()

    def after_train_iter(self, runner, batch_idx: int, data_batch=None, outputs=None) -> None:
        if self._tick is not None:
            self._step_s += time.perf_counter() - self._tick

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._val_metrics = _numeric(metrics)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._test_metrics = _numeric(metrics)

    # ------------------------------------------------------------------ train
    def before_train(self, runner) -> None:
        world_size = get_world_size()
        loop = runner.train_loop
        train = dict(finished=False, resumed=bool(runner.cfg.get('resume')), **self._common(runner))
        train.update(model=model_facts(runner.cfg), train_set=dataset_facts(loop.dataloader.dataset, world_size))
        train.update(pretraining=converted_pretraining(train['model']),
                     global_batch=world_size * batch_size(loop.dataloader), iterations=runner.iter,
                     max_iters=loop.max_iters, images_seen=None, val_metrics=None)
        old = self._read(runner).get('train') or {}
        # a resumed run continues the sessions before it (their time is part of its cost)
        train['sessions'] = [s for s in old.get('sessions', []) if s['experiment'] != runner.experiment_name] \
            if runner.cfg.get('resume') else []
        train['sessions'].append(dict(experiment=runner.experiment_name,
                                      started=time.strftime('%Y-%m-%dT%H:%M:%S%z', time.localtime(self._t0)),
                                      world_size=world_size, device=train['device'], first_iter=runner.iter,
                                      last_iter=runner.iter, wall_clock_s=0.0, step_s=0.0))
        self._train = train
        self._progress(runner, runner.iter)
        data = self._read(runner)
        data.pop('test', None)  # it scored an older model
        self._write(runner, dict(data, train=train))

    def _progress(self, runner, iteration: int) -> None:
        train, session = self._train, self._train['sessions'][-1]
        session.update(last_iter=iteration, wall_clock_s=time.time() - self._t0, step_s=self._step_s)
        train.update(iterations=iteration, images_seen=iteration * train['global_batch'],
                     wall_clock_s=sum(s['wall_clock_s'] for s in train['sessions']),
                     device_hours=sum(s['wall_clock_s'] * s['world_size'] for s in train['sessions']) / 3600,
                     val_metrics=self._val_metrics or train.get('val_metrics'))

    def after_train(self, runner) -> None:
        self._progress(runner, runner.iter)
        self._train['finished'] = runner.iter >= self._train['max_iters']
        self._write(runner, dict(self._read(runner), train=self._train))
        self._t0, self._step_s = time.time(), 0.0  # a test after training counts from here

    # ------------------------------------------------------------------ test
    def after_test(self, runner) -> None:
        test = dict(self._common(runner, ignore=('load_from', )),
                    checkpoint=dict(self._loaded or {}, path=runner.cfg.get('load_from')),
                    test_set=dataset_facts(runner.test_loop.dataloader.dataset, get_world_size())
                    if isinstance(runner.test_loop, BaseLoop) else None,
                    metrics=self._test_metrics, wall_clock_s=time.time() - self._t0)
        self._write(runner, dict(self._read(runner), test=test))
        self._t0 = time.time()


__all__ = ['RunResultHook', 'RESULT_FILE', 'FORMAT', 'read_result_file', 'dataset_facts', 'config_hash',
           'git_commit', 'write_json_atomic']
