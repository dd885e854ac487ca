import functools
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

if os.environ.get('PYTEST_XDIST_WORKER'):  # tools/run_tests.sh: one pytest-xdist worker per core
    import torch
    torch.set_num_threads(1)  # a worker's second OpenMP thread would wait on the other worker's
MINI_CONFIG = os.path.join(ROOT, 'configs/jft/resnet18-w16_1xb32_mini-jft-64px.py')


def pytest_collection_modifyitems(items):
    """Tests marked ``heavy`` first, the rest in file order (a stable sort): pytest-xdist hands tests out in this
    order, and a long test drawn last would leave the other worker idle while it runs."""
    items.sort(key=lambda item: item.get_closest_marker('heavy') is None)


def pytest_collection_finish(session):
    """What collection imported (torch, mmengine, mmjft, the test modules) out of the garbage collector's scans:
    mmengine calls ``gc.collect()`` for every dataset it builds, ~0.8 s each over the stack's 540k objects."""
    import gc
    gc.collect()
    gc.freeze()


@pytest.fixture(scope='session')
def mini_jft(tmp_path_factory):
    """One generated mini-JFT world (JPEG + JSONL + classes + hierarchy) shared by the tests of a session."""
    from mmjft.mini import make_mini_jft
    return make_mini_jft(str(tmp_path_factory.mktemp('mini_jft')), num_train=1200, num_val=300, seed=0)


MINI_PRE_ITERS = 20  # enough for BN's running statistics to describe the features (2 are not)


@pytest.fixture(scope='session')
def mini_jft_pretrained(mini_jft, tmp_path_factory):
    """A mini-JFT pretraining checkpoint as tools/train.py writes it (the mini config as it is: the narrow ResNet-18
    of 16 base channels, 20 iterations of 32 images, a few seconds on 2 cores, in-process), shared by the transfer tests
    (detection, segmentation, pose) of a session: the mini downstream configs take this width."""
    pre = tmp_path_factory.mktemp('mini_jft_pre')
    images = MINI_PRE_ITERS * 32
    run_tool_main('tools/train.py', [
        MINI_CONFIG, '--work-dir', str(pre), '--no-validate', '--cfg-options',
        *data_root_options(mini_jft['data_root']), f'default_hooks.checkpoint.interval={images}',
        f'train_cfg.max_iters={images}'])
    return str(pre / f'iter_{MINI_PRE_ITERS}.pth')


def per_iteration_losses(work_dir):
    """The training loss of every iteration, from the scalars.json mmengine wrote under ``work_dir`` (logger interval 1,
    window 1)."""
    import glob
    import json
    (scalars, ) = glob.glob(os.path.join(str(work_dir), '*', 'vis_data', 'scalars.json'))
    with open(scalars) as f:
        records = [json.loads(line) for line in f if line.strip()]
    return [r['loss'] for r in sorted((r for r in records if 'loss' in r), key=lambda r: r['iter'])]


@functools.lru_cache()
def pretraining_img_norm(source):
    """The input normalisation the converter records for a checkpoint of ``source`` (a pretraining config path
    relative to the repo, or 'torchvision'); its reading of saved config text is tested in
    tests/test_models/test_utils/test_downstream_convert.py, here the parsed config stands in for the text."""
    from mmengine.config import Config

    from mmjft.models.utils import TORCHVISION_IMG_NORM
    if source == 'torchvision':
        return TORCHVISION_IMG_NORM
    cfg = Config.fromfile(os.path.join(ROOT, source))
    pre = cfg.model.get('data_preprocessor') or cfg.data_preprocessor  # mmpretrain's ImageNet configs: top level
    return dict(mean=[float(v) for v in pre.mean], std=[float(v) for v in pre.std], to_rgb=bool(pre.to_rgb))


def load_in_process(cfg, data_root):
    """Every split of ``cfg`` read from ``data_root`` in the main process (no loader workers)."""
    for split in ('train', 'val', 'test'):
        cfg[f'{split}_dataloader'].update(num_workers=0, persistent_workers=False)
        cfg[f'{split}_dataloader'].dataset.data_root = data_root


def tree_digest(root):
    """sha1 of every file under ``root``, by relative path."""
    import hashlib
    out = {}
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            with open(path, 'rb') as f:
                out[os.path.relpath(path, root)] = hashlib.sha1(f.read()).hexdigest()
    return out


def data_root_options(data_root):
    """--cfg-options pointing every split of the mini config at ``data_root``."""
    return [f'{split}_dataloader.dataset.data_root={data_root}' for split in ('train', 'val', 'test')]


def mini_jft_lines(mini_jft, n):
    """The first ``n`` non-blank lines of the mini-JFT training JSONL."""
    with open(mini_jft['train_ann']) as f:
        return [line for line in f if line.strip()][:n]


def write_dirty_jsonl(tmp, lines):
    """``tmp/dirty.jsonl``: ``lines[:10]``, a corrupt JPEG (line 11), ``lines[10:20]``, a missing image (line 22)."""
    import json
    bad_jpg = tmp / 'corrupt.jpg'
    bad_jpg.write_bytes(b'\xff\xd8\xff\xe0 not a jpeg at all')
    extra = [json.dumps(dict(img_path=str(bad_jpg), labels=[0])) + '\n',
             json.dumps(dict(img_path=str(tmp / 'missing.jpg'), labels=[1])) + '\n']
    dirty = tmp / 'dirty.jsonl'
    dirty.write_text(''.join(lines[:10] + extra[:1] + lines[10:20] + extra[1:]))
    return dirty


def load_tool(path, name=None):
    """A script under tools/ (``path`` relative to the repo) imported as a module, to test its functions."""
    from mmjft.utils.in_process import load_script
    return load_script(os.path.join(ROOT, path), name or 'mmjft_tool_' + os.path.splitext(os.path.basename(path))[0])


def run_tool(args, env=None, timeout=900):
    """Run a tools/ script with this interpreter from the repo root; fail with its output on a non-zero exit."""
    full_env = dict(os.environ, PYTHONPATH=ROOT, **(env or {}))
    full_env.pop('TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD', None)  # weights_only loading stays on in every test
    proc = subprocess.run([sys.executable] + args, cwd=ROOT, env=full_env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise AssertionError(f'{args} failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}')
    return proc


def build_runner(config, data_root, work_dir, options=None):
    """The Runner tools/train.py builds for ``config`` (mmjft's Runner, in this process), every split of the data
    at ``data_root``, with ``options`` merged as --cfg-options would."""
    from mmengine.config import Config
    from mmengine.registry import RUNNERS

    from mmjft.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    cfg = Config.fromfile(config)
    cfg.merge_from_dict({opt.split('=')[0]: opt.split('=', 1)[1] for opt in data_root_options(data_root)})
    cfg.merge_from_dict(dict(options or {}))
    cfg.work_dir = str(work_dir)
    cfg.launcher = 'none'
    return RUNNERS.build(cfg)


def run_tool_main(path, argv):
    """``main(argv)`` of a tools/ script (``path`` relative to the repo) in this process, as :func:`run_tool` runs the
    script (from the repo root, ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD`` unset), and what it changed in the process undone
    afterwards (:func:`mmjft.utils.in_process.run_script_main`, which the study runner uses too), so that it cannot
    change the results of later tests. Returns what ``main`` returns (tools/train.py: the runner, tools/test.py: the
    metrics); saves the interpreter start and the stack's imports, ~12 s, of each :func:`run_tool`."""
    from mmjft.utils.in_process import run_script_main
    return run_script_main(os.path.join(ROOT, path), argv, cwd=ROOT)


def run_log(work_dir):
    """The text of the log files a Runner wrote under ``work_dir`` (``<timestamp>/<timestamp>.log``)."""
    import glob
    text = ''
    for path in sorted(glob.glob(os.path.join(str(work_dir), '*', '*.log'))):
        with open(path) as f:
            text += f.read()
    return text
