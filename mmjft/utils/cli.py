"""The command line tools/train.py and tools/test.py share, and how it folds into the config (as mmpretrain's tools)::

    parser = common_parser('Train a model', 'train config file path', 'the dir to save logs and checkpoints',
                           add_arguments=add_own_options)  # the tool's own options, between --work-dir and the rest
    args = parse_command_line(parser, argv)  # argv: a list, None = sys.argv[1:]; sets LOCAL_RANK
    cfg = load_config(args)                  # the config with --cfg-options, --launcher and the work dir merged
    runner = build_runner(cfg)               # the config's runner_type, else mmengine's Runner
    check_checkpoint_loads(runner, ...)      # strict checkpoint loads unless --allow-partial-load (mmjft.engine)

Both tools import the whole stack anyway; mmengine's runner is imported in :func:`build_runner` only, so that parsing
a command line stays cheap.
"""
import argparse
import os
import os.path as osp

from mmengine.config import Config, DictAction

LAUNCHERS = ('none', 'pytorch', 'slurm', 'mpi')


def common_parser(description, config_help, work_dir_help, add_arguments=None):
    """The parser of the options both tools take.

    Args:
        description (str): the tool's description (``--help``).
        config_help (str): help of the ``config`` positional.
        work_dir_help (str): help of ``--work-dir``.
        add_arguments (callable, optional): ``add_arguments(parser)`` adds the tool's own arguments after ``config``
            and ``--work-dir`` (a positional added there follows ``config``) and before ``--allow-partial-load``,
            ``--cfg-options``, ``--launcher`` and ``--local-rank``, the order ``--help`` lists them in.

    Returns:
        argparse.ArgumentParser
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', help=config_help)
    parser.add_argument('--work-dir', help=work_dir_help)
    if add_arguments is not None:
        add_arguments(parser)
    parser.add_argument(
        '--allow-partial-load', action='store_true',
        help='load a checkpoint that leaves model tensors unfilled, unused or mis-shaped (tools/test.py and '
             '--resume refuse one otherwise); what did not fit is logged and recorded in the run\'s load_status')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction,
        help='override settings of the config, key=value pairs (xxx=yyy or a.b=[1,2])')
    parser.add_argument('--launcher', choices=LAUNCHERS, default='none')
    parser.add_argument('--local-rank', '--local_rank', type=int, default=0)
    return parser


def parse_command_line(parser, argv=None):
    """``parser.parse_args(argv)`` (``argv`` None: ``sys.argv[1:]``); then ``LOCAL_RANK`` is set from
    ``--local-rank`` unless the launcher (torchrun, Slurm) already exported it."""
    args = parser.parse_args(argv)
    if 'LOCAL_RANK' not in os.environ:
        os.environ['LOCAL_RANK'] = str(args.local_rank)
    return args


def default_work_dir(config):
    """``./work_dirs/<config file name without extension>``: where a run goes when neither the command line nor the
    config names a work dir."""
    return osp.join('./work_dirs', osp.splitext(osp.basename(config))[0])


def merge_common_args(cfg, args):
    """Fold the shared options into ``cfg`` (in place): ``launcher``, then ``--cfg-options``, then ``work_dir``
    (``--work-dir``, else the config's own, else :func:`default_work_dir`). Returns ``cfg``."""
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    elif cfg.get('work_dir', None) is None:
        cfg.work_dir = default_work_dir(args.config)
    return cfg


def load_config(args):
    """``args.config`` read with :meth:`Config.fromfile`, the shared options merged (:func:`merge_common_args`)."""
    return merge_common_args(Config.fromfile(args.config), args)


def build_runner(cfg):
    """The runner of ``cfg``: ``RUNNERS.build(cfg)`` when it names a ``runner_type`` (mmjft's configs:
    ``mmjft.Runner``), else :meth:`mmengine.runner.Runner.from_cfg`."""
    from mmengine.registry import RUNNERS
    from mmengine.runner import Runner
    return RUNNERS.build(cfg) if 'runner_type' in cfg else Runner.from_cfg(cfg)
