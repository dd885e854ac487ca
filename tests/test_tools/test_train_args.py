"""tools/train.py and tools/test.py parse an argv in this process (the shared parts: mmjft/utils/cli.py) and fold it
into the config as mmpretrain's tools do."""
import copy
import os
import os.path as osp
import sys
from types import SimpleNamespace

import pytest
from mmengine.config import Config

from conftest import MINI_CONFIG, ROOT, load_tool as load_tool_file


def load_train_tool():
    return load_tool_file('tools/train.py', 'mmjft_train_tool')


def args(**kw):
    base = dict(config=MINI_CONFIG, work_dir=None, resume=None, amp=False, amp_dtype='float16', no_validate=False,
                auto_scale_lr=False, allow_partial_load=False, cfg_options=None, launcher='none')
    return SimpleNamespace(**{**base, **kw})


def test_resume_work_dir_and_options():
    tool = load_train_tool()
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(resume='auto', cfg_options={'train_cfg.max_iters': 7}))
    assert cfg.resume is True and cfg.load_from is None and cfg.train_cfg.max_iters == 7
    assert cfg.work_dir == osp.join('./work_dirs', 'resnet18-w16_1xb32_mini-jft-64px')
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(resume='a/iter_2.pth', work_dir='w'))
    assert cfg.resume is True and cfg.load_from == 'a/iter_2.pth' and cfg.work_dir == 'w'
    # a checkpoint that does not fit stops a resumed run (tests/test_tools/test_strict_load.py), unless allowed
    assert tool.refuses_partial_load(cfg, args()) and not tool.refuses_partial_load(cfg, args(allow_partial_load=True))
    assert not tool.refuses_partial_load(Config.fromfile(MINI_CONFIG), args())  # load_from: fine-tuning
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(no_validate=True, auto_scale_lr=True))
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.auto_scale_lr.enable


def test_amp(monkeypatch):
    tool = load_train_tool()
    import torch
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit, match='needs a GPU'):
        tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True))
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True))
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == \
        ('AmpOptimWrapper', 'float16', 'dynamic')
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), args(amp=True, amp_dtype='bfloat16'))
    assert cfg.optim_wrapper.dtype == 'bfloat16' and 'loss_scale' not in cfg.optim_wrapper
    # a JFT config (bf16 without loss scaling) run with --amp in float16 gets loss scaling back
    jft = Config.fromfile(osp.join(ROOT, 'configs/jft/resnet101_8xb32_jft300m-299px.py'))
    assert jft.optim_wrapper.loss_scale == dict(enabled=False)
    cfg = tool.merge_args(jft, args(config=jft.filename, amp=True))
    assert (cfg.optim_wrapper.dtype, cfg.optim_wrapper.loss_scale) == ('float16', 'dynamic')


def load_test_tool():
    return load_tool_file('tools/test.py', 'mmjft_test_tool')


@pytest.fixture
def no_local_rank(monkeypatch):
    """LOCAL_RANK unset during the test and as it was afterwards (the parsers set it)."""
    monkeypatch.setenv('LOCAL_RANK', 'placeholder')  # recorded, so that the value the parser sets is undone
    monkeypatch.delenv('LOCAL_RANK')


def test_train_parser_defaults(no_local_rank):
    parsed = load_train_tool().parse_args([MINI_CONFIG])
    assert vars(parsed) == dict(vars(args()), local_rank=0)
    assert os.environ['LOCAL_RANK'] == '0'


def test_test_parser_defaults(no_local_rank):
    parsed = load_test_tool().parse_args([MINI_CONFIG, 'ckpt.pth'])
    assert vars(parsed) == dict(config=MINI_CONFIG, checkpoint='ckpt.pth', work_dir=None, out=None, out_prefix=None,
                                allow_partial_load=False, cfg_options=None, launcher='none', local_rank=0)
    assert load_test_tool().parse_args([MINI_CONFIG, 'ckpt.pth', '--allow-partial-load']).allow_partial_load
    assert os.environ['LOCAL_RANK'] == '0'
    with pytest.raises(SystemExit):  # the checkpoint is required
        load_test_tool().parse_args([MINI_CONFIG])


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_common_options(tool, no_local_rank):
    load = load_train_tool if tool == 'train' else load_test_tool
    positionals = [MINI_CONFIG] if tool == 'train' else [MINI_CONFIG, 'ckpt.pth']
    parsed = load().parse_args([*positionals, '--work-dir=w', '--launcher', 'slurm', '--local_rank', '3',
                                '--cfg-options', 'train_cfg.max_iters=7', 'model.head.loss.type=FocalLoss',
                                'a.b=[1,2]'])
    assert parsed.cfg_options == {'train_cfg.max_iters': 7, 'model.head.loss.type': 'FocalLoss', 'a.b': [1, 2]}
    assert (parsed.work_dir, parsed.launcher, parsed.local_rank) == ('w', 'slurm', 3)
    assert os.environ['LOCAL_RANK'] == '3'
    os.environ['LOCAL_RANK'] = '1'  # exported by the launcher: --local-rank does not override it
    assert load().parse_args([*positionals, '--local-rank=5']).local_rank == 5 and os.environ['LOCAL_RANK'] == '1'
    with pytest.raises(SystemExit):
        load().parse_args([*positionals, '--launcher', 'local'])


@pytest.mark.parametrize('tool', ['train', 'test'])
def test_work_dir_default(tool, tmp_path, no_local_rank):
    """--work-dir, else the config's work_dir, else ./work_dirs/<config name>; --cfg-options merged first."""
    from mmjft.utils.cli import load_config
    tool_module = load_train_tool() if tool == 'train' else load_test_tool()
    rest = [] if tool == 'train' else ['ckpt.pth']

    def merged(*argv):
        parsed = tool_module.parse_args(list(argv))
        return tool_module.merge_args(Config.fromfile(parsed.config), parsed) if tool == 'train' else \
            load_config(parsed)

    cfg = merged(MINI_CONFIG, *rest)
    assert cfg.work_dir == osp.join('./work_dirs', 'resnet18-w16_1xb32_mini-jft-64px') and cfg.launcher == 'none'
    assert merged(MINI_CONFIG, *rest, '--work-dir', 'w').work_dir == 'w'
    assert merged(MINI_CONFIG, *rest, '--cfg-options', 'work_dir=from_options').work_dir == 'from_options'
    own = tmp_path / 'own_work_dir.py'
    own.write_text(f'_base_ = {MINI_CONFIG!r}\nwork_dir = "from_config"\n')
    assert merged(str(own), *rest).work_dir == 'from_config'
    assert merged(str(own), *rest, '--work-dir', 'w').work_dir == 'w'
    cfg = merged(MINI_CONFIG, *rest, '--launcher', 'pytorch', '--cfg-options', 'train_cfg.max_iters=7')
    assert cfg.launcher == 'pytorch' and cfg.train_cfg.max_iters == 7


def test_resume_forms(no_local_rank):
    """--resume alone: the latest checkpoint of the work dir; with a value: that checkpoint."""
    tool = load_train_tool()
    base = Config.fromfile(MINI_CONFIG)
    for argv, resume in [([MINI_CONFIG], None), ([MINI_CONFIG, '--resume'], 'auto'),
                         ([MINI_CONFIG, '--resume', '--launcher', 'pytorch'], 'auto'),  # as tools/dist_train.sh
                         ([MINI_CONFIG, '--resume', 'a/iter_2.pth'], 'a/iter_2.pth'),
                         ([MINI_CONFIG, '--resume=a/iter_2.pth', '--no-validate'], 'a/iter_2.pth'),
                         (['--resume', 'a/iter_2.pth', MINI_CONFIG], 'a/iter_2.pth')]:
        parsed = tool.parse_args(argv)
        assert parsed.resume == resume, argv
        cfg = tool.merge_args(copy.deepcopy(base), parsed)
        if resume is None:
            assert not cfg.get('resume', False)
        else:
            assert cfg.resume is True and cfg.load_from == (None if resume == 'auto' else resume)
    with pytest.raises(SystemExit):  # the config taken as the checkpoint: no config left
        tool.parse_args(['--resume', MINI_CONFIG])


def test_amp_parsing(monkeypatch, no_local_rank):
    tool = load_train_tool()
    import torch
    parsed = tool.parse_args([MINI_CONFIG, '--amp'])
    assert (parsed.amp, parsed.amp_dtype) == (True, 'float16')
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)
    with pytest.raises(SystemExit, match='needs a GPU'):
        tool.merge_args(Config.fromfile(MINI_CONFIG), parsed)
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    parsed = tool.parse_args([MINI_CONFIG, '--amp', '--amp-dtype', 'bfloat16'])
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), parsed)
    assert (cfg.optim_wrapper.type, cfg.optim_wrapper.dtype) == ('AmpOptimWrapper', 'bfloat16')
    assert 'loss_scale' not in cfg.optim_wrapper
    # --amp-dtype alone changes nothing
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG), tool.parse_args([MINI_CONFIG, '--amp-dtype=bfloat16']))
    assert cfg.optim_wrapper == Config.fromfile(MINI_CONFIG).optim_wrapper
    with pytest.raises(SystemExit):
        tool.parse_args([MINI_CONFIG, '--amp', '--amp-dtype', 'float8'])


def test_train_only_options(no_local_rank):
    tool = load_train_tool()
    cfg = tool.merge_args(Config.fromfile(MINI_CONFIG),
                          tool.parse_args([MINI_CONFIG, '--no-validate', '--auto-scale-lr']))
    assert cfg.val_cfg is None and cfg.val_dataloader is None and cfg.val_evaluator is None
    assert cfg.auto_scale_lr.enable
    with pytest.raises(SystemExit):  # training's options are not test.py's
        load_test_tool().parse_args([MINI_CONFIG, 'ckpt.pth', '--amp'])


def test_argv_none_reads_sys_argv(monkeypatch, no_local_rank):
    """main() as the scripts call it: argv None is sys.argv[1:]."""
    monkeypatch.setattr(sys, 'argv', ['tools/test.py', MINI_CONFIG, 'ckpt.pth', '--out', 'p.pkl'])
    parsed = load_test_tool().parse_args()
    assert (parsed.config, parsed.checkpoint, parsed.out) == (MINI_CONFIG, 'ckpt.pth', 'p.pkl')


def test_help_lists_options_in_the_scripts_order(capsys):
    """The shared options are added around each tool's own, which --help lists after config and --work-dir."""
    for tool, own in ((load_train_tool(), '--resume'), (load_test_tool(), '--out')):
        with pytest.raises(SystemExit):
            tool.parse_args(['--help'])
        out = capsys.readouterr().out
        order = [out.index(opt) for opt in ('--work-dir WORK_DIR', own, '--cfg-options', '--launcher', '--local-rank')]
        assert order == sorted(order), out
